"""Chinese pseudo-glosses with jieba: word segmentation, tag -> UPOS, POS filter."""

from __future__ import annotations

import pytest

from sign2gpt.config import PAPER_POS
from sign2gpt.text.backends import JiebaBackend, get_backend
from sign2gpt.text.pseudo_gloss import explain, select


@pytest.fixture(scope="module")
def jieba_backend() -> JiebaBackend:
    return JiebaBackend()


def test_segmentation_into_words(jieba_backend):
    words = [t.text for t in jieba_backend.tag("我们明天下午三点在学校门口见面")]
    assert words == ["我们", "明天", "下午", "三点", "在", "学校", "门口", "见面"]
    # jieba's dictionary glues 今天天气 into one idiom; the backend removes that entry
    assert [t.text for t in jieba_backend.tag("今天天气很好")] == ["今天", "天气", "很", "好"]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # 的 (particle) and the full stop dropped; pronoun, nouns, copula kept
        ("我的朋友是医生。", ["我", "朋友", "是", "医生"]),
        # 了 (aspect particle) dropped; numeral + measure word kept (NUM)
        ("妈妈买了两斤苹果", ["妈妈", "买", "两斤", "苹果"]),
        # 在 (preposition) dropped; time words are nouns
        (
            "我们明天下午三点在学校门口见面",
            ["我们", "明天", "下午", "三点", "学校", "门口", "见面"],
        ),
        # place name kept (PROPN), 很 an adverb (jieba's dictionary says zg)
        ("北京的冬天很冷", ["北京", "冬天", "很", "冷"]),
        # demonstrative 这个 is a determiner (dropped), as in spaCy's CTB tags
        ("这个房子的价格是三百万元", ["房子", "价格", "是", "三百万元"]),
        # conjunction 和 dropped
        ("我们和他们一起去图书馆看书", ["我们", "他们", "一起", "去", "图书馆", "看书"]),
        # question particle 吗 and the question mark dropped
        ("你吃饭了吗？", ["你", "吃饭"]),
        # a digit is a number; the measure word 个 is NUM as in spaCy (CTB M)
        ("我有3个孩子", ["我", "有", "3", "个", "孩子"]),
    ],
)
def test_pos_filter(jieba_backend, sentence, expected):
    assert select(jieba_backend.tag(sentence), jieba_backend, PAPER_POS) == expected


def test_explain_rows(jieba_backend):
    rows = {r.token: r for r in explain("北京的冬天很冷。", jieba_backend)}
    assert rows["北京"] == ("北京", "北京", "PROPN", True, "ns -> PROPN, in the POS set")
    assert rows["的"].upos == "PART" and not rows["的"].kept
    assert rows["。"].reason == "punctuation"


def test_token_text_not_lemma(jieba_backend):
    assert not jieba_backend.uses_lemma
    tok = jieba_backend.tag("苹果")[0]
    assert jieba_backend.gloss(tok) == "苹果"


def test_auto_backend_for_chinese_is_jieba():
    backend = get_backend("auto", "zh")
    assert backend.info()["name"] == "jieba" and backend.lang == "zh"
