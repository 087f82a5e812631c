"""Chinese taggers: jieba (installed by default) and THULAC (the optional extra
``sign2gpt[zh]``), their tag sets mapped to universal POS by the tables here."""

from __future__ import annotations

import contextlib
import io
import logging
from typing import Any

from sign2gpt.errors import Sign2GPTError
from sign2gpt.text.backends.base import Backend, TaggedToken, is_punctuation, package_version

# Chinese: jieba's ICTCLAS-style tags (Peking University scheme and its extensions) -> UPOS.
# Choices follow spaCy's Chinese tag map where the two tag sets line up: localisers (f, CTB LC)
# and particles are dropped, measure words (q, CTB M) are NUM, predicative adjectives VERB/ADJ
# both kept. Fixed expressions (i idioms, l set phrases) carry content, so they are kept.
ICTCLAS_TO_UPOS: dict[str, str] = {
    "n": "NOUN",  # noun: 朋友
    "ng": "NOUN",  # noun morpheme
    "nl": "NOUN",  # noun phrase
    "nz": "PROPN",  # other proper noun
    "nr": "PROPN",  # person name
    "nr1": "PROPN",
    "nr2": "PROPN",
    "nrj": "PROPN",
    "nrf": "PROPN",
    "nrfg": "PROPN",
    "nrt": "PROPN",  # transliterated name
    "ns": "PROPN",  # place name: 北京
    "nsf": "PROPN",
    "nt": "PROPN",  # organisation
    "j": "NOUN",  # abbreviation: 人大
    "t": "NOUN",  # time word: 今天, 下午
    "tg": "NOUN",
    "s": "NOUN",  # place word: 门口
    "f": "ADP",  # localiser: 上, 里 (CTB LC; dropped either way)
    "v": "VERB",  # verb: 吃, 是
    "vd": "VERB",
    "vn": "VERB",  # verbal noun: 工作 (kept either way)
    "vg": "VERB",
    "vi": "VERB",
    "vl": "VERB",
    "vq": "VERB",
    "vf": "VERB",
    "vx": "VERB",
    "vshi": "VERB",  # 是 (CTB VC -> VERB in spaCy)
    "vyou": "VERB",  # 有 (CTB VE -> VERB in spaCy)
    "a": "ADJ",  # adjective: 好
    "ag": "ADJ",
    "al": "ADJ",
    "an": "NOUN",  # adjectival noun: 困难
    "ad": "ADV",  # adverbial adjective: 突然
    "b": "ADJ",  # distinguishing word: 主要, 女
    "bl": "ADJ",
    "z": "ADJ",  # descriptive word: 优良
    "zg": "ADJ",
    "r": "PRON",  # pronoun: 我, 什么 (demonstratives: see ZH_DETERMINERS)
    "rr": "PRON",
    "rz": "PRON",
    "rzt": "PRON",
    "rzs": "PRON",
    "rzv": "PRON",
    "ry": "PRON",
    "ryt": "PRON",
    "rys": "PRON",
    "ryv": "PRON",
    "rg": "PRON",
    "m": "NUM",  # numeral: 三, 三百万
    "mq": "NUM",  # numeral + measure word: 三个
    "mg": "NUM",
    "q": "NUM",  # measure word: 个 (CTB M -> NUM in spaCy)
    "qv": "NUM",
    "qt": "NUM",
    "d": "ADV",  # adverb: 很
    "df": "ADV",
    "dg": "ADV",
    "p": "ADP",  # preposition: 在, 比
    "pba": "ADP",
    "pbei": "ADP",
    "c": "CCONJ",  # conjunction: 和
    "cc": "CCONJ",
    "u": "PART",  # auxiliary particle
    "uj": "PART",  # 的
    "ul": "PART",  # 了
    "uv": "PART",  # 地
    "uz": "PART",  # 着
    "ud": "PART",  # 得
    "ug": "PART",  # 过
    "ude1": "PART",
    "ude2": "PART",
    "ude3": "PART",
    "uzhe": "PART",
    "ule": "PART",
    "uguo": "PART",
    "y": "PART",  # modal particle: 吗, 呢
    "yg": "PART",
    "e": "INTJ",  # interjection
    "o": "INTJ",  # onomatopoeia
    "i": "VERB",  # idiom: 一帆风顺 (mostly predicates; kept)
    "l": "NOUN",  # set phrase: 发言人 (mostly nominal; kept)
    "h": "X",  # prefix
    "k": "PART",  # suffix: 们
    "g": "X",  # morpheme
    "x": "X",  # non-morpheme / unknown
    "eng": "X",  # Latin-script word
    "w": "PUNCT",  # punctuation
}

# THULAC's tag set -> UPOS (same choices as the jieba table).
THULAC_TO_UPOS: dict[str, str] = {
    "n": "NOUN",  # 名词 noun
    "np": "PROPN",  # 人名 person name
    "ns": "PROPN",  # 地名 place name
    "ni": "PROPN",  # 机构名 organisation
    "nz": "PROPN",  # 其它专名 other proper noun
    "m": "NUM",  # 数词 numeral
    "q": "NUM",  # 量词 measure word
    "mq": "NUM",  # 数量词 numeral + measure word
    "t": "NOUN",  # 时间词 time word
    "f": "ADP",  # 方位词 localiser
    "s": "NOUN",  # 处所词 place word
    "v": "VERB",  # 动词 verb
    "a": "ADJ",  # 形容词 adjective
    "d": "ADV",  # 副词 adverb
    "h": "X",  # 前接成分 prefix
    "k": "PART",  # 后接成分 suffix
    "i": "VERB",  # 习语 idiom
    "j": "NOUN",  # 简称 abbreviation
    "r": "PRON",  # 代词 pronoun
    "c": "CCONJ",  # 连词 conjunction
    "p": "ADP",  # 介词 preposition
    "u": "PART",  # 助词 particle
    "y": "PART",  # 语气助词 modal particle
    "e": "INTJ",  # 叹词 interjection
    "o": "INTJ",  # 拟声词 onomatopoeia
    "g": "X",  # 语素 morpheme
    "w": "PUNCT",  # 标点 punctuation
    "x": "X",  # 其它 other
    "uw": "NOUN",  # word from a user dictionary
}

# jieba and THULAC tag demonstratives as pronouns; CTB (spaCy) calls them DT -> DET, which the
# paper's POS set drops. Applied only to tokens tagged as pronouns.
ZH_DETERMINERS = frozenset(
    ("这", "那", "这个", "那个", "这些", "那些", "这种", "那种", "每", "各", "某", "该", "此", "本")
)

# jieba's dictionary tags some frequent words oddly: "zg" is a grab bag of single characters
# (很 "very" is zg, 县 "county" too) and 哥哥 "elder brother" is a place name (ns). The words
# below get their UPOS directly; everything else goes through ICTCLAS_TO_UPOS.
JIEBA_WORD_UPOS: dict[str, str] = {
    "很": "ADV",
    "较": "ADV",
    "仍": "ADV",
    "稍": "ADV",
    "甚": "ADV",
    "啊": "PART",
    "哦": "INTJ",
    "您": "PRON",
    "虽": "SCONJ",
    "且": "CCONJ",
    "哥哥": "NOUN",
    "一起": "ADV",  # "together"; jieba: m (numeral)
    "等": "VERB",  # "wait" in everyday signing (CSL-Daily); jieba: u ("etc.", written style)
}
# Dictionary entries that glue two everyday words together (今天天气 "today's weather" as one
# idiom); removed so that jieba segments them into their words.
JIEBA_REMOVED_WORDS = ("今天天气",)


class JiebaBackend(Backend):
    """jieba word segmentation + part-of-speech tags (ICTCLAS-style), HMM for unknown words."""

    name = "jieba"
    lang = "zh"

    def __init__(self) -> None:
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict..." chatter
        for word in JIEBA_REMOVED_WORDS:
            jieba.del_word(word)
        self._posseg = jieba.posseg

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": package_version("jieba"),
            "dictionary": "default",
            "removed_words": list(JIEBA_REMOVED_WORDS),
            "word_upos": dict(sorted(JIEBA_WORD_UPOS.items())),
        }

    def tag(self, sentence: str) -> list[TaggedToken]:
        out = []
        for pair in self._posseg.cut(sentence, HMM=True):
            word, flag = pair.word, pair.flag
            if not word.strip():
                continue
            upos = _zh_upos(word, flag, ICTCLAS_TO_UPOS, JIEBA_WORD_UPOS)
            out.append(TaggedToken(word, word, flag, upos))
        return out


def _zh_upos(
    word: str, tag: str, table: dict[str, str], words: dict[str, str] | None = None
) -> str:
    if is_punctuation(word):
        return "PUNCT"
    if words and word in words:
        return words[word]
    upos = table.get(tag, "X")
    if upos == "PRON" and word in ZH_DETERMINERS:
        return "DET"
    return upos


class ThulacBackend(Backend):
    """THULAC (Tsinghua) segmentation + tags; the optional extra ``sign2gpt[zh]``."""

    name = "thulac"
    lang = "zh"

    def __init__(self) -> None:
        try:
            import thulac
        except ImportError:
            raise Sign2GPTError(
                "backend thulac needs the thulac package: pip install 'sign2gpt[zh]' "
                "(or use --backend jieba, installed by default)"
            ) from None
        with contextlib.redirect_stdout(io.StringIO()):  # it prints "Model loaded succeed"
            self._thulac = thulac.thulac(seg_only=False)

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "version": package_version("thulac")}

    def tag(self, sentence: str) -> list[TaggedToken]:
        out = []
        for word, flag in self._thulac.cut(sentence, text=False):
            if not word.strip():
                continue
            out.append(TaggedToken(word, word, flag, _zh_upos(word, flag, THULAC_TO_UPOS)))
        return out
