"""The step chain of demo and ablate: skips what is done and says so, times every step, names
the step that failed in one error; and the run-folder paths that evaluate writes and they read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sign2gpt.errors import Sign2GPTError
from sign2gpt.runs import RunFolder, eval_folder, scores_file
from sign2gpt.workflow.chain import StepChain, describe_call


def add(a: int, b: int = 0) -> int:
    return a + b


def test_a_step_runs_says_what_and_is_timed(capsys) -> None:
    chain = StepChain("demo")
    assert chain.run("sum", add, 2, b=3) == 5
    assert capsys.readouterr().out == "== sum: add(2, b=3)\n"
    assert list(chain.seconds) == ["sum"] and chain.seconds["sum"] >= 0.0
    chain.run("again", add, 1)
    assert list(chain.seconds) == ["sum", "again"]
    assert chain.spent == pytest.approx(sum(chain.seconds.values()))


def test_a_done_step_is_skipped_and_says_so(tmp_path: Path, capsys) -> None:
    done = tmp_path / "DONE"
    done.write_text("{}")
    ran: list[int] = []
    chain = StepChain("demo")
    assert chain.once("train", done, ran.append, 1) is None
    assert ran == [] and chain.seconds == {} and chain.spent == 0.0
    assert capsys.readouterr().out == f"== train: done already ({done})\n"
    chain.once("train", tmp_path / "not yet", ran.append, 1)
    assert ran == [1] and "train" in chain.seconds


def test_a_failing_step_raises_one_error_naming_it() -> None:
    def broken(path: Path) -> None:
        raise Sign2GPTError(f"{path}: not a recipe")

    chain = StepChain("ablation")
    with pytest.raises(Sign2GPTError) as caught:
        chain.run("ref seed 42: train", broken, Path("x.yaml"))
    assert str(caught.value) == "ablation step 'ref seed 42: train' failed: x.yaml: not a recipe"
    assert "ref seed 42: train" in chain.seconds  # the time it took to fail is kept


def test_a_system_error_of_a_step_names_its_file(tmp_path: Path) -> None:
    def write(path: Path) -> None:
        path.write_text("x")

    missing = tmp_path / "no" / "file.txt"
    said = re.escape(f"demo step 'write' failed: {missing}: no such file")
    with pytest.raises(Sign2GPTError, match=said):
        StepChain("demo").run("write", write, missing)


def test_other_errors_are_bugs_and_keep_their_traceback() -> None:
    with pytest.raises(ZeroDivisionError):
        StepChain("demo").run("divide", lambda: 1 / 0)


def test_the_progress_line_writes_overrides_as_a_command_line_would() -> None:
    line = describe_call(add, [Path("r.yaml"), ["a=1", "b=2"]], {"stage": "pgp", "cfg": object()})
    assert line == "add(r.yaml, a=1 b=2, stage=pgp, cfg=object)"


def test_evaluate_writes_where_the_run_folder_reads(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "translate")
    assert run.scores("test") == tmp_path / "translate" / "best" / "eval" / "test_metrics.json"
    assert run.scores("dev") == scores_file(eval_folder(run.best), "dev")
    with pytest.raises(
        Sign2GPTError, match=r"test_metrics\.json: no test scores \(not written yet\)"
    ):
        run.read_scores("test")
    run.scores("test").parent.mkdir(parents=True)
    run.scores("test").write_text("[1, 2")
    with pytest.raises(Sign2GPTError, match=r"test_metrics\.json: unreadable test scores"):
        run.read_scores("test")
    run.scores("test").write_text(json.dumps({"bleu4": 45.01}))
    assert run.read_scores("test") == {"bleu4": 45.01}


def test_the_run_record_is_what_done_says(tmp_path: Path) -> None:
    run = RunFolder(tmp_path)
    assert run.record() == {} and not run.finished and run.summary() == ""
    run.done.write_text(json.dumps({"epochs": 3, "seconds": 12.5, "warnings": ["gates shut"]}))
    assert run.finished and run.record()["epochs"] == 3
    assert run.summary() == "epochs 3, seconds 12.5; warning: gates shut"
