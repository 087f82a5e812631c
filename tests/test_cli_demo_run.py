"""`sign2gpt demo --preset tiny` end to end (slow: a few minutes on 2 cores): every step runs
once through the step chain, the table shows the scores evaluate wrote, a re-run skips what is
done."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tiny import run_ok

from sign2gpt.runs import RunFolder


@pytest.mark.slow
def test_the_tiny_demo_runs_every_step_once_and_reports_what_evaluate_wrote(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[1])  # the recipes: configs/demo
    out = tmp_path / "demo"
    argv = ["demo", "--preset", "tiny", "--out", str(out), "--workers", "1"]
    run_ok(*argv)
    printed = capsys.readouterr().out
    for step in ("synth", "prepare", "pseudo-gloss", "lm-pretrain", "pretrain (PGP): rgb"):
        assert f"== {step}: " in printed
    summary = json.loads((out / "demo_summary.json").read_text())
    (row,) = summary["results"]
    scores = RunFolder(out / "translate").read_scores("test")
    assert row[4] == f"{scores['bleu4']:.2f}"
    assert list(summary["timings_s"])[:4] == ["synth", "prepare", "pseudo-gloss", "lm-pretrain"]
    assert RunFolder(out / "pgp").scores("test").is_file()

    run_ok(*argv)
    again = capsys.readouterr().out
    assert f"== synth: done already ({out / 'corpus/groundtruth/manifest.json'})" in again
    assert f"== lm-pretrain: done already ({out / 'lm/config.json'})" in again
    assert f"{out / 'translate'}: finished already" in again
    assert json.loads((out / "demo_summary.json").read_text())["results"] == summary["results"]
