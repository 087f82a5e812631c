"""The same outputs under every BLEU convention in use, each figure with its sacreBLEU signature,
and optional BLEURT (docs/method.md#6-evaluation-protocol). Values worked out by hand."""

from __future__ import annotations

import json
import math
import sys
import types

import pytest
import sacrebleu
import torch

from sign2gpt.cli import main
from sign2gpt.metrics.reports import bleurt_score, full_report
from sign2gpt.metrics.translation import (
    CONVENTIONS,
    comparable_scores,
    convention_bleu,
    with_period,
)

VERSION = sacrebleu.__version__


def test_restoring_the_final_period_by_hand():
    # hyp "a b c" vs ref "a b d": unigrams 2/3, bigrams 1/2, same length (BP 1).
    # With " ." on both: unigrams 3/4, bigrams (a b) of (a b)(b c)(c .) = 1/3.
    got = comparable_scores(["a b c"], ["a b d"], "de")
    assert got["paper"].bleu["bleu1"] == pytest.approx(100 * 2 / 3)
    assert got["paper"].bleu["bleu2"] == pytest.approx(100 * math.sqrt(2 / 3 * 1 / 2))
    assert got["period"].bleu["bleu1"] == pytest.approx(75.0)
    assert got["period"].bleu["bleu2"] == pytest.approx(50.0)
    assert with_period("es regnet") == "es regnet ."
    assert with_period("es regnet .") == "es regnet ." and with_period("ja!") == "ja!"


def test_13a_splits_punctuation_that_tokenize_none_keeps_by_hand():
    # ref "hallo, welt": none -> [hallo,] [welt] (2 tokens, 1 match of 2);
    # 13a -> [hallo] [,] [welt] (3 tokens): both hypothesis words match, BP exp(1 - 3/2)
    got = comparable_scores(["hallo welt"], ["hallo, welt"], "en")
    assert got["paper"].bleu["bleu1"] == pytest.approx(50.0)
    assert got["13a"].bleu["bleu1"] == pytest.approx(100 * math.exp(1 - 3 / 2))


def test_zh_tokenizer_keeps_latin_runs_together_by_hand():
    # paper: one token per character, [今 天 a b] both -> 100;
    # sacreBLEU zh: hyp [今 天 ab] (3) vs ref [今 天 a b] (4): 2 of 3 match, BP exp(1 - 4/3)
    got = comparable_scores(["今天ab"], ["今天a b"], "zh")
    assert set(got) == {"paper", "zh"}
    assert got["paper"].bleu["bleu1"] == pytest.approx(100.0)
    assert got["zh"].bleu["bleu1"] == pytest.approx(100 * math.exp(1 - 4 / 3) * 2 / 3)


def test_every_figure_has_its_signature():
    result = convention_bleu(["a b c"], ["a b d"], "de")  # the paper's protocol
    base = f"nrefs:1|case:lc|eff:no|tok:none|smooth:exp|version:{VERSION}"
    assert result.signatures == {
        "bleu1": base + "|ngram:1",
        "bleu2": base + "|ngram:2",
        "bleu3": base + "|ngram:3",
        "bleu4": base,
    }
    thirteen = convention_bleu(["a"], ["a"], "de", CONVENTIONS["de"][1])
    assert thirteen.signatures["bleu4"] == base.replace("tok:none", "tok:13a")
    zh = convention_bleu(["今天"], ["今天"], "zh", CONVENTIONS["zh"][1])
    assert "tok:zh" in zh.signatures["bleu4"]


def test_paper_protocol_is_the_scorer_of_record_and_identical_outputs_score_100():
    refs = ["am tag regnet es", "im norden scheint die sonne"]
    report = full_report(refs, refs, "de")
    assert report["bleu4"] == pytest.approx(100.0)
    for name, values in report["conventions"].items():
        assert values["bleu4"] == pytest.approx(100.0), name
    assert report["conventions"]["paper"]["bleu4"] == report["bleu4"]
    assert report["signatures"]["bleu4"].startswith("nrefs:1|case:lc|eff:no|tok:none")


def test_score_cli_prints_conventions_and_signatures(tmp_path, capsys):
    hyp, ref, out = tmp_path / "hyp.txt", tmp_path / "ref.txt", tmp_path / "s.json"
    hyp.write_text("a b c\nhallo welt\n", encoding="utf-8")
    ref.write_text("a b d\nhallo, welt\n", encoding="utf-8")
    assert main(["score", "--hyp", str(hyp), "--ref", str(ref), "--lang", "de"]) == 0
    text = capsys.readouterr().out
    assert "13a" in text and "period" in text
    assert (
        f"signature paper BLEU-4: nrefs:1|case:lc|eff:no|tok:none|smooth:exp|version:{VERSION}"
        in text
    )
    args = ["score", "--hyp", str(hyp), "--ref", str(ref), "--lang", "de", "--json", str(out)]
    assert main(args) == 0
    payload = json.loads(out.read_text())
    assert set(payload["conventions"]) == {"paper", "13a", "period"}
    assert payload["conventions"]["period"]["bleu1"] > payload["conventions"]["paper"]["bleu1"]


# ---- BLEURT: optional, never downloaded -------------------------------------------------------


def test_bleurt_is_skipped_with_a_reason_when_it_cannot_run(tmp_path, monkeypatch):
    value, why = bleurt_score(["a"], ["a"], tmp_path / "no-such-checkpoint")
    assert value is None and "not a local folder" in why and "never downloaded" in why
    for name in ("bleurt_pytorch", "bleurt"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails: not installed
    value, why = bleurt_score(["a"], ["a"], tmp_path)
    assert value is None and why == "BLEURT skipped: neither bleurt-pytorch nor bleurt is installed"
    report = full_report(["a"], ["a"], "de", bleurt=tmp_path)
    assert "bleurt" not in report and report["bleurt_note"] == why


def test_bleurt_pytorch_is_used_when_installed(tmp_path, monkeypatch):
    seen: dict[str, object] = {}

    class Tokenizer:
        @classmethod
        def from_pretrained(cls, path):
            seen["tokenizer"] = path
            return cls()

        def __call__(self, refs, hyps, **kwargs):
            seen.setdefault("pairs", []).extend(zip(refs, hyps))
            return {"lengths": torch.tensor([float(len(h)) for h in hyps])}

    class Model:
        @classmethod
        def from_pretrained(cls, path):
            seen["model"] = path
            return cls()

        def eval(self):
            return self

        def __call__(self, lengths):  # a fake score: the hypothesis length / 10
            return types.SimpleNamespace(logits=(lengths / 10)[:, None])

    fake = types.ModuleType("bleurt_pytorch")
    fake.BleurtTokenizer = Tokenizer
    fake.BleurtForSequenceClassification = Model
    monkeypatch.setitem(sys.modules, "bleurt_pytorch", fake)
    value, why = bleurt_score(["ab", "abcd", "a"], ["x", "y", "z"], tmp_path, batch_size=2)
    assert value == pytest.approx(100 * (0.2 + 0.4 + 0.1) / 3)
    assert seen["model"] == seen["tokenizer"] == str(tmp_path)
    assert seen["pairs"] == [("x", "ab"), ("y", "abcd"), ("z", "a")]  # (reference, candidate)
    assert why.startswith("BLEURT (bleurt_pytorch")


def test_tokenised_lines_score_without_sacrebleu_warnings(capfd, caplog):
    # the period convention appends " ." to every line: from 100 such lines on, sacreBLEU warns
    # about undone detokenisation at each call (4 orders x 3 conventions), on purpose here
    days = ("montag", "dienstag", "mittwoch", "sonntag")
    lines = [f"am {day} regnet es {n} ." for n in range(30) for day in days]
    got = comparable_scores(lines, lines, "de")
    assert all(s.bleu["bleu4"] == pytest.approx(100.0) for s in got.values())
    captured = capfd.readouterr()  # sacreBLEU's logger writes to the real stderr
    assert "detokenize" not in captured.out + captured.err + caplog.text
