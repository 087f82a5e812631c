"""The scorer of SPEC section 6 against hand-computed values and against sacreBLEU itself."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import sacrebleu

from sign2gpt.cli import main
from sign2gpt.errors import DataError
from sign2gpt.metrics.reports import full_report, read_lines, score_files
from sign2gpt.metrics.translation import (
    MAX_LINE_TOKENS,
    SETTINGS,
    comparable_scores,
    corpus_bleu,
    lcs_length,
    rouge_l,
    score,
    settings,
    tokens,
)

# Two German sentences worked out by hand (upper case in a hypothesis: scoring lowercases).
#
#   hyp 1 "Der der regen kommt heute"  (5 tokens)   ref 1 "der regen kommt heute nicht"  (5)
#   hyp 2 "es wird kalt"               (3 tokens)   ref 2 "es wird sehr kalt und nass"   (6)
#
# Clipped n-gram matches / hypothesis n-grams, summed over the corpus:
#   1-grams: hyp 1: der x2 but the reference has one der -> 1, regen, kommt, heute -> 4 of 5;
#            hyp 2: es, wird, kalt -> 3 of 3                                  p1 = 7/8
#   2-grams: hyp 1: "der der" no, "der regen", "regen kommt", "kommt heute" -> 3 of 4;
#            hyp 2: "es wird" yes, "wird kalt" no -> 1 of 2                   p2 = 4/6
#   3-grams: hyp 1: "der der regen" no, "der regen kommt", "regen kommt heute" -> 2 of 3;
#            hyp 2: "es wird kalt" no -> 0 of 1                               p3 = 2/4
#   4-grams: hyp 1: "der der regen kommt" no, "der regen kommt heute" yes -> 1 of 2;
#            hyp 2: no 4-grams                                                p4 = 1/2
# Brevity penalty: hypothesis length 8 < reference length 11: BP = exp(1 - 11/8) = exp(-0.375).
# BLEU-n = 100 * BP * (p1 * ... * pn) ** (1/n).
HYPS = ["Der der regen kommt heute", "es wird kalt"]
REFS = ["der regen kommt heute nicht", "es wird sehr kalt und nass"]
BP = math.exp(1 - 11 / 8)
P = [7 / 8, 4 / 6, 2 / 4, 1 / 2]


def _bleu(n: int) -> float:
    return 100 * BP * math.prod(P[:n]) ** (1 / n)


def test_bleu_by_hand():
    got = corpus_bleu(HYPS, REFS, "de")
    assert set(got) == {"bleu1", "bleu2", "bleu3", "bleu4"}
    for n in (1, 2, 3, 4):
        assert got[f"bleu{n}"] == pytest.approx(_bleu(n), abs=1e-9)
    assert got["bleu1"] == pytest.approx(60.1378, abs=1e-3)  # 100 * 0.68729 * 0.875


# ROUGE-L, MS-COCO: P = LCS/|hyp|, R = LCS/|ref|, F = (1 + 1.44) P R / (R + 1.44 P).
#   sentence 1: LCS "der regen kommt heute" = 4, P = 4/5, R = 4/5 -> F = 0.8 (P = R gives F = P)
#   sentence 2: LCS "es wird kalt" = 3, P = 3/3, R = 3/6
#               -> F = 2.44 * 0.5 / (0.5 + 1.44) = 1.22 / 1.94 = 0.628866
#   mean x 100 = (0.8 + 0.628866) / 2 * 100 = 71.4433
def test_rouge_l_by_hand():
    assert lcs_length(tokens(HYPS[0], "de"), tokens(REFS[0], "de")) == 4
    assert lcs_length(tokens(HYPS[1], "de"), tokens(REFS[1], "de")) == 3
    expected = 100 * (0.8 + 1.22 / 1.94) / 2
    assert rouge_l(HYPS, REFS, "de") == pytest.approx(expected, abs=1e-9)
    assert expected == pytest.approx(71.4433, abs=1e-4)


def test_lcs_is_a_subsequence_not_a_substring():
    assert lcs_length(list("abcbdab"), list("bdcaba")) == 4  # the textbook CLRS example
    assert lcs_length([], list("abc")) == 0


# Chinese at character level: hyp "今天 下雨" -> 今 天 下 雨 (space dropped), ref "今天下大雨".
#   1-grams 4/4; 2-grams 今天 天下 yes, 下雨 no -> 2/3; 3-grams 今天下 yes, 天下雨 no -> 1/2;
#   4-grams 今天下雨 no -> 0/1, sacreBLEU's "exp" smoothing makes the first zero order 1/(2 * 1).
#   BP = exp(1 - 5/4). ROUGE-L: LCS 4, P = 1, R = 4/5 -> F = 2.44 * 0.8 / (0.8 + 1.44) = 1.952/2.24.
def test_chinese_is_scored_per_character():
    hyp, ref = ["今天 下雨"], ["今天下大雨"]
    assert tokens(hyp[0], "zh") == ["今", "天", "下", "雨"]
    got = score(hyp, ref, "zh")
    bp = math.exp(1 - 5 / 4)
    p = [1.0, 2 / 3, 1 / 2, 1 / 2]
    for n in (1, 2, 3, 4):
        assert got[f"bleu{n}"] == pytest.approx(100 * bp * math.prod(p[:n]) ** (1 / n), abs=1e-9)
    assert got["rouge_l"] == pytest.approx(100 * 1.952 / 2.24, abs=1e-9)
    # Word level would see 2 hypothesis words against 1 reference word and score 0.
    assert score(hyp, ref, "de")["bleu1"] == 0.0


def test_bleu4_matches_sacrebleu_corpus_bleu():
    hyps = [
        "am tag scheint die sonne",
        "morgen regnet es im norden",
        "",
        "im süden gewitter und starker wind",
        "Die Temperaturen steigen auf zwanzig grad",
        "nachts frost",
    ]
    refs = [
        "am tag scheint im süden die sonne",
        "morgen regnet es im norden und osten",
        "es bleibt trocken",
        "im süden kommt es zu gewittern mit starkem wind",
        "die temperaturen steigen auf zwanzig grad",
        "in der nacht gibt es frost",
    ]
    ours = corpus_bleu(hyps, refs, "de")["bleu4"]
    theirs = sacrebleu.corpus_bleu(hyps, [refs], tokenize="none", lowercase=True).score
    assert ours == pytest.approx(theirs, abs=1e-9)
    assert 0 < ours < 100
    # Chinese: our character split equals sacreBLEU's own "char" tokenizer on this text.
    zh_h = ["今天 天气 很好", "明天下雨", "北方有雪"]
    zh_r = ["今天天气很好", "明天会下大雨", "北方地区有大雪"]
    ours_zh = corpus_bleu(zh_h, zh_r, "zh")["bleu4"]
    theirs_zh = sacrebleu.corpus_bleu(zh_h, [zh_r], tokenize="char", lowercase=True).score
    assert ours_zh == pytest.approx(theirs_zh, abs=1e-9)


def test_empty_hypotheses_score_zero_and_perfect_scores_hundred():
    empty = score(["", ""], REFS, "de")
    assert empty == {"bleu1": 0, "bleu2": 0, "bleu3": 0, "bleu4": 0, "rouge_l": 0, "n": 2}
    perfect = score(REFS, REFS, "de")
    for key in ("bleu1", "bleu2", "bleu3", "bleu4", "rouge_l"):
        assert perfect[key] == pytest.approx(100.0)


def test_mismatched_counts_and_bad_language_are_errors():
    with pytest.raises(DataError, match="2 hypotheses but 1 references"):
        score(HYPS, REFS[:1], "de")
    with pytest.raises(Exception, match="unknown language"):
        score(HYPS, REFS, "fr")


def test_settings_name_every_choice():
    for lang in ("de", "zh"):
        text = settings(lang)
        for word in (sacrebleu.__version__, "tokenize=none", "lowercase", "smooth=exp", "1.2"):
            assert word in text
    assert "character" in settings("zh") and "character" not in settings("de")
    assert sacrebleu.__version__ in SETTINGS


def test_read_lines_keeps_empty_lines_and_ignores_final_newline(tmp_path: Path):
    f = tmp_path / "h.txt"
    f.write_bytes("a b\r\n\nc\u2028d\n".encode())
    assert read_lines(f) == ["a b", "", "c\u2028d"]  # U+2028 does not split a sentence


def test_score_files_names_the_files(tmp_path: Path):
    hyp, ref = tmp_path / "hyp.txt", tmp_path / "ref.txt"
    hyp.write_text("\n".join(HYPS) + "\n", encoding="utf-8")
    ref.write_text(REFS[0] + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"hyp\.txt has 2 lines but .*ref\.txt has 1"):
        score_files(hyp, ref, "de")
    with pytest.raises(DataError, match=r"missing\.txt: file not found"):
        score_files(tmp_path / "missing.txt", ref, "de")


def test_cli_prints_table_settings_and_json(tmp_path: Path, capsys):
    hyp, ref, out = tmp_path / "hyp.txt", tmp_path / "ref.txt", tmp_path / "o" / "s.json"
    hyp.write_text("\n".join(HYPS) + "\n", encoding="utf-8")
    ref.write_text("\n".join(REFS) + "\n", encoding="utf-8")
    rc = main(["score", "--hyp", str(hyp), "--ref", str(ref), "--lang", "de", "--json", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "BLEU-4" in printed and "ROUGE-L" in printed and "settings:" in printed
    assert f"{_bleu(4):7.2f}" in printed
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["bleu4"] == pytest.approx(_bleu(4)) and data["n"] == 2
    assert data["settings"] == settings("de")

    ref.write_text(REFS[0] + "\n", encoding="utf-8")
    rc = main(["score", "--hyp", str(hyp), "--ref", str(ref), "--lang", "de"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "has 2 lines but" in err


def test_chinese_scored_as_german_is_warned_about(tmp_path, capsys):
    from sign2gpt.metrics.translation import language_mismatch

    zh = ["今天天气很好", "明天北方有大雨", "今天南方有雪"]
    assert "3 of 3 sentences" in language_mismatch(zh, "de")
    assert language_mismatch(zh, "zh") == ""
    assert language_mismatch(["am tag regnet es", "今天 天气"], "de") == ""  # words, spaced
    hyp, ref = tmp_path / "hyp.txt", tmp_path / "ref.txt"
    hyp.write_text("今天天气很好\n明天有雨\n", encoding="utf-8")
    ref.write_text("今天天气很好\n明天北方有大雨\n", encoding="utf-8")
    assert main(["score", "--hyp", str(hyp), "--ref", str(ref), "--lang", "de"]) == 0
    captured = capsys.readouterr()
    warning = [line for line in captured.err.splitlines() if "warning" in line]
    assert len(warning) == 1 and "--lang zh" in warning[0]
    assert "0.00" in captured.out  # one 'word' per sentence: what the warning is about
    assert main(["score", "--hyp", str(hyp), "--ref", str(ref), "--lang", "zh"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_collapse_warning_counts_distinct_sentences():
    from sign2gpt.metrics.translation import collapse_warning

    refs = [f"am tag {n} regnet es" for n in range(20)]  # 20 distinct references
    three = ["es regnet", "es schneit", "die sonne scheint"] * 6 + ["es regnet"] * 2
    warning = collapse_warning(three, refs)
    assert warning.startswith("outputs collapsed: 3 distinct sentences for 20 clips")
    assert "(20 distinct references)" in warning
    four = ["a", "b", "c", "d"] * 5  # a fifth of 20: not collapsed
    assert collapse_warning(four, refs) == ""
    assert collapse_warning(["x"] * 9, refs[:9]) == ""  # under 10 distinct references: no verdict


def _lcs_by_table(a: list[str], b: list[str]) -> int:
    """The textbook DP table, cell by cell: what the bit-parallel LCS must agree with."""
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a, start=1):
        for j, y in enumerate(b, start=1):
            diagonal, up, left = table[i - 1][j - 1], table[i - 1][j], table[i][j - 1]
            table[i][j] = diagonal + 1 if x == y else max(up, left)
    return table[-1][-1]


def test_bit_parallel_lcs_equals_the_dp_table():
    import random

    rng = random.Random(7)
    for _ in range(400):
        alphabet = "abcdef"[: rng.randint(1, 6)]
        a = [rng.choice(alphabet) for _ in range(rng.randint(0, 70))]  # past one 64-bit word
        b = [rng.choice(alphabet) for _ in range(rng.randint(0, 70))]
        assert lcs_length(a, b) == _lcs_by_table(a, b), (a, b)


def test_long_chinese_line_scores_fast_and_exactly():
    import random
    import time

    rng = random.Random(3)
    ref = "".join(chr(0x4E00 + rng.randrange(500)) for _ in range(30_000))
    hyp = "".join(c if rng.random() < 0.7 else chr(0x4E00 + rng.randrange(500)) for c in ref)
    start = time.process_time()
    got = score([hyp], [ref], "zh")
    report = full_report([hyp], [ref], "zh")
    spent = time.process_time() - start
    # the cell-by-cell LCS alone took minutes on this line (benchmarks/score_long_lines.py)
    assert spent < 30, spent
    lcs = lcs_length(tokens(hyp, "zh"), tokens(ref, "zh"))
    assert 0.7 * len(ref) < lcs < len(ref)
    precision = lcs / len(ref)  # hypothesis and reference of one length: P = R, so F = P
    assert got["rouge_l"] == pytest.approx(100 * precision, abs=1e-9)
    assert report["conventions"]["zh"]["signatures"]["bleu4"].count("tok:zh") == 1


def test_linear_zh_tokenizer_equals_sacrebleus():
    from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh

    from sign2gpt.metrics.translation import sacrebleu_zh_tokens

    theirs = TokenizerZh()
    lines = [
        "今天天气很好，明天下雨。",
        "北京2024年的GDP增长5.2%, 上海-3度",
        "  mixed Latin 和 中文 text (with) punctuation!  ",
        "全角ＡＢＣ１２３　空格「引号」",
        "",
        "a.b,c 1,000.5 x-1 ☀天气☔",
    ]
    for line in lines:
        assert sacrebleu_zh_tokens(line) == theirs(line), line
    hyps, refs = lines[:3], lines[3:]
    ours = comparable_scores(hyps, refs, "zh")["zh"].bleu["bleu4"]
    direct = sacrebleu.corpus_bleu(hyps, [refs], tokenize="zh", lowercase=True).score
    assert ours == pytest.approx(direct, abs=1e-9)


def test_overlong_line_is_refused_naming_the_file_and_line(tmp_path: Path, capsys):
    long_line = "天" * (MAX_LINE_TOKENS + 1)
    with pytest.raises(DataError, match=r"reference 2 has 100,001 characters"):
        score(["今天", "明天"], ["今天", long_line], "zh")
    # de/en count words, not characters: a long line of few words is fine
    one_word = "x" * (MAX_LINE_TOKENS + 1)
    assert score([one_word], [one_word], "de")["bleu1"] == pytest.approx(100)
    hyp, ref, out = tmp_path / "hyp.txt", tmp_path / "ref.txt", tmp_path / "s.json"
    hyp.write_text(f"今天\n{long_line}\n", encoding="utf-8")
    ref.write_text("今天\n明天\n", encoding="utf-8")
    args = ["score", "--hyp", str(hyp), "--ref", str(ref), "--lang", "zh", "--json", str(out)]
    assert main(args) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and f"{hyp}: line 2 has 100,001 characters" in err[0]
    assert "refused" in err[0] and captured.out == "" and not out.exists()
