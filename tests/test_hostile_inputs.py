"""Every subcommand against bad input, as a hostile or unlucky user would give it.

Each case must end with exit code 2 and exactly one line on stderr that names the file or the
key, with no traceback, and leave no output that looks complete. Then the guarantees of runs
and files: a finished run re-run changes nothing, a crafted resume file cannot run code, a run
killed before its first checkpoint starts over and says so, weight files get the usual
permissions.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import torch
from tiny import model_config, run_ok

from sign2gpt.cli import main
from sign2gpt.config import Config
from sign2gpt.models.checkpoint import save_checkpoint
from sign2gpt.models.pgp_model import PGPModel

READ_ONLY = Path("/sys/sign2gpt-test")  # a read-only file system, even for root


@dataclass
class Case:
    name: str
    argv: Callable[[dict[str, Path], Path], list[str]]  # (chain, tmp) -> argv
    says: str  # a part of the one error line
    absent: Callable[[Path], list[Path]] = field(default=lambda tmp: [])


def recipe(chain: dict[str, Path], *extra: str) -> list[str]:
    return ["--config", str(chain["recipe"]), *chain["common"], *extra]  # type: ignore[list-item]


def _self_base(tmp: Path) -> str:
    path = tmp / "loop.yaml"
    path.write_text("base: loop.yaml\ntrain: {epochs: 1}\n")
    return str(path)


def _manifest(tmp: Path, split: str) -> str:
    folder = tmp / "clips" / "a"
    folder.mkdir(parents=True)
    (tmp / "manifest.csv").write_text(f"id,text,frames,split\na,hallo welt,clips/a,{split}\n")
    return str(tmp / "manifest.csv")


def _comma_phoenix(tmp: Path) -> str:
    folder = tmp / "PHOENIX" / "annotations" / "manual"
    folder.mkdir(parents=True)
    (tmp / "PHOENIX" / "features" / "fullFrame-210x260px").mkdir(parents=True)
    for split in ("train", "dev", "test"):
        (folder / f"PHOENIX-2014-T.{split}.corpus.csv").write_text(
            "name,video,start,end,speaker,orth,translation\n"
        )
    return str(tmp / "PHOENIX")


def _latin1(tmp: Path) -> tuple[str, str]:
    hyp, ref = tmp / "hyp.txt", tmp / "ref.txt"
    hyp.write_bytes("größer\n".encode("latin-1"))
    ref.write_text("größer\n", encoding="utf-8")
    return str(hyp), str(ref)


def _garbled(chain: dict[str, Path], tmp: Path) -> str:
    copy = tmp / "garbled"
    shutil.copytree(chain["root"] / "tr" / "best", copy, ignore=shutil.ignore_patterns("eval"))
    (copy / "trainable.safetensors").write_bytes(b"\x00" * 16)
    return str(copy)


def _clip(chain: dict[str, Path]) -> str:
    return str(next((chain["corpus"] / "features/fullFrame-210x260px/test").iterdir()))


CASES = [
    Case(
        "prepare: no such corpus",
        lambda c, t: [
            "prepare",
            "--dataset",
            "phoenix14t",
            "--root",
            str(t / "nope"),
            "--out",
            str(t / "store"),
        ],
        "nope",
        lambda t: [t / "store" / "DONE"],
    ),
    Case(
        "prepare: a split that does not exist",
        lambda c, t: [
            "prepare",
            "--dataset",
            "manifest",
            "--root",
            _manifest(t, "trian"),
            "--out",
            str(t / "store"),
        ],
        "trian",
        lambda t: [t / "store" / "DONE"],
    ),
    Case(
        "prepare: a Phoenix CSV separated by commas",
        lambda c, t: [
            "prepare",
            "--dataset",
            "phoenix14t",
            "--root",
            _comma_phoenix(t),
            "--out",
            str(t / "store"),
        ],
        "'|'",
        lambda t: [t / "store" / "DONE"],
    ),
    Case(
        "prepare: a read-only output folder",
        lambda c, t: [
            "prepare",
            "--dataset",
            "phoenix14t",
            "--root",
            str(c["corpus"]),
            "--out",
            str(READ_ONLY),
            "--size",
            "48",
            "--workers",
            "1",
            "--quiet",
        ],
        str(READ_ONLY),
    ),
    Case(
        "pseudo-gloss: no such corpus",
        lambda c, t: [
            "pseudo-gloss",
            "--dataset",
            "phoenix14t",
            "--root",
            str(t / "nope"),
            "--lang",
            "de",
            "--out",
            str(t / "pg.json"),
        ],
        "nope",
        lambda t: [t / "pg.json"],
    ),
    Case(
        "lm-pretrain: epochs out of range",
        lambda c, t: [
            "lm-pretrain",
            *recipe(c, "lm_pretrain.epochs=0", f"lm_pretrain.out_dir={t / 'lm'}"),
        ],
        "lm_pretrain.epochs: 0 is out of range (allowed: >= 1)",
        lambda t: [t / "lm"],
    ),
    Case(
        "pretrain: batch size 0",
        lambda c, t: ["pretrain", *recipe(c, "data.batch_size=0", f"train.out_dir={t / 'run'}")],
        "data.batch_size: 0 is out of range (allowed: >= 1)",
        lambda t: [t / "run"],
    ),
    Case(
        "pretrain: a negative learning rate",
        lambda c, t: ["pretrain", *recipe(c, "train.optim.lr=-5", f"train.out_dir={t / 'run'}")],
        "train.optim.lr: -5.0 is out of range (allowed: > 0)",
        lambda t: [t / "run"],
    ),
    Case(
        "pretrain: negative epochs",
        lambda c, t: ["pretrain", *recipe(c, "train.epochs=-1", f"train.out_dir={t / 'run'}")],
        "train.epochs: -1 is out of range",
        lambda t: [t / "run"],
    ),
    Case(
        "pretrain: a base: that includes itself",
        lambda c, t: ["pretrain", "--config", _self_base(t), f"train.out_dir={t / 'run'}"],
        "includes itself",
        lambda t: [t / "run"],
    ),
    Case(
        "pretrain: FSDP on a CPU",
        lambda c, t: ["pretrain", *recipe(c, "train.strategy=fsdp", f"train.out_dir={t / 'run'}")],
        "train.strategy=fsdp needs CUDA GPUs",
        lambda t: [t / "run"],
    ),
    Case(
        "pretrain: a store of another size than the recipe's",
        lambda c, t: ["pretrain", *recipe(c, "data.store_size=64", f"train.out_dir={t / 'run'}")],
        "--size 64",
        lambda t: [t / "run"],
    ),
    Case(
        "pretrain: a read-only run folder",
        lambda c, t: ["pretrain", *recipe(c, f"train.out_dir={READ_ONLY / 'run'}")],
        "cannot write the run folder",
    ),
    Case(
        "train: the stand-in LM not made yet",
        lambda c, t: [
            "train",
            *recipe(
                c,
                f"model.lm.pretrained={t / 'lm'}",
                f"lm_pretrain.out_dir={t / 'lm'}",
                f"train.out_dir={t / 'run'}",
            ),
        ],
        "sign2gpt lm-pretrain",
        lambda t: [t / "run"],
    ),
    Case(
        "train: a stage-1 folder that does not exist",
        lambda c, t: [
            "train",
            *recipe(c, f"train.init_from={t / 'gone'}", f"train.out_dir={t / 'run'}"),
        ],
        "gone",
        lambda t: [t / "run"],
    ),
    Case(
        "train: cached features without the stage-1 model",
        lambda c, t: [
            "train",
            *recipe(c, f"data.features={t}", "train.init_from=", f"train.out_dir={t / 'run'}"),
        ],
        "data.features needs train.init_from",
        lambda t: [t / "run"],
    ),
    Case(
        "evaluate: no such checkpoint",
        lambda c, t: ["evaluate", "--checkpoint", str(t / "nope")],
        "nope: checkpoint folder not found",
    ),
    Case(
        "evaluate: garbled weights",
        lambda c, t: ["evaluate", "--checkpoint", _garbled(c, t)],
        "trainable.safetensors: not a readable",
        lambda t: [t / "garbled" / "eval" / "test_metrics.json"],
    ),
    Case(
        "evaluate: a read-only output folder",
        lambda c, t: [
            "evaluate",
            "--checkpoint",
            str(c["root"] / "tr" / "best"),
            "--out",
            str(READ_ONLY),
        ],
        "cannot write the output folder",
    ),
    Case(
        "extract-features: a stage-2 checkpoint",
        lambda c, t: [
            "extract-features",
            "--checkpoint",
            str(c["root"] / "tr" / "best"),
            "--out",
            str(t / "feats"),
        ],
        "features come from a stage-1",
        lambda t: [t / "feats"],
    ),
    Case(
        "extract-features: a read-only output folder",
        lambda c, t: [
            "extract-features",
            "--checkpoint",
            str(c["root"] / "pgp" / "best"),
            "--out",
            str(READ_ONLY),
        ],
        "cannot write the feature store",
    ),
    Case(
        "translate: a stage-1 checkpoint",
        lambda c, t: ["translate", "--checkpoint", str(c["root"] / "pgp" / "best"), _clip(c)],
        "cannot translate",
    ),
    Case(
        "translate: --json into a folder that does not exist",
        lambda c, t: [
            "translate",
            "--checkpoint",
            str(c["root"] / "tr" / "best"),
            _clip(c),
            "--json",
            str(t / "no" / "out.json"),
        ],
        "does not exist",
        lambda t: [t / "no"],
    ),
    Case(
        "translate: --json onto a device",
        lambda c, t: [
            "translate",
            "--checkpoint",
            str(c["root"] / "tr" / "best"),
            _clip(c),
            "--json",
            "/dev/null",
        ],
        "not a regular file",
    ),
    Case(
        "translate: --json into a read-only folder",
        lambda c, t: [
            "translate",
            "--checkpoint",
            str(c["root"] / "tr" / "best"),
            _clip(c),
            "--json",
            "/sys/out.json",
        ],
        "cannot write the folder of the --json file",
    ),
    Case(
        "score: a hypothesis file that is not UTF-8",
        lambda c, t: ["score", "--hyp", _latin1(t)[0], "--ref", str(t / "ref.txt"), "--lang", "de"],
        "hyp.txt: not UTF-8",
    ),
    Case(
        "summary: an unknown key",
        lambda c, t: ["summary", "--config", str(c["recipe"]), "model.lm.d_modle=3"],
        "d_modle",
    ),
    Case(
        "demo: no recipes in the folder",
        lambda c, t: ["demo", "--out", str(t / "demo"), "--config-dir", str(t / "none")],
        "demo recipe not found",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_one_line_and_exit_code_2(case: Case, chain, tmp_path, capsys):
    argv = case.argv(chain, tmp_path)
    capsys.readouterr()
    start = time.monotonic()
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, (argv, err)
    assert len(err) == 1 and "Traceback" not in err[0], err
    assert case.says in err[0], err
    assert time.monotonic() - start < 60  # no retries against a hub that cannot be reached
    for path in case.absent(tmp_path):
        assert not path.exists(), path


def test_a_hub_id_without_network_fails_at_once(chain, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.monotonic()
    code = main(
        [
            "train",
            *recipe(
                chain, "model.lm.pretrained=facebook/xglm-1.7B", f"train.out_dir={tmp_path / 'run'}"
            ),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "facebook/xglm-1.7B" in err[0] and "offline mode is on" in err[0]
    assert time.monotonic() - start < 10
    assert not (tmp_path / "run").exists()


# --------------------------------------------------------------------------------------------
# runs


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_finished_run_run_again_changes_nothing(chain, capsys):
    run_dir = chain["root"] / "pgp"
    before = _tree(run_dir)
    assert main(["pretrain", *recipe(chain, f"train.out_dir={run_dir}")]) == 0
    assert "finished already" in capsys.readouterr().out
    assert _tree(run_dir) == before  # best/, last.ckpt, logs, DONE: byte for byte


def test_continue_trains_a_finished_run_on(chain, tmp_path, capsys):
    run_dir = tmp_path / "run"
    shutil.copytree(chain["root"] / "pgp", run_dir)
    steps = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)["global_step"]
    argv = ["pretrain", *recipe(chain, f"train.out_dir={run_dir}", "train.epochs=2"), "--continue"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "resuming from" in captured.out
    # stderr is no terminal here: one line per epoch, no progress bar's carriage returns
    assert "\r" not in captured.err
    (line,) = [x for x in captured.err.splitlines() if x.startswith("epoch ")]
    assert line.startswith("epoch 2/2 in ") and "train/loss" in line
    after = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)["global_step"]
    assert after == 2 * steps  # one more epoch on top of the finished one
    assert (run_dir / "DONE").is_file()


class _Payload:
    """Unpickled, it would create the file ``path`` (what a crafted last.ckpt does)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def test_a_crafted_resume_file_cannot_run_code(chain, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")  # torch's escape hatch: ignored
    run_dir = tmp_path / "run"
    (run_dir / "checkpoints").mkdir(parents=True)
    marker = tmp_path / "pwned"
    last = run_dir / "checkpoints" / "last.ckpt"
    torch.save({"state_dict": {}, "payload": _Payload(marker)}, last)
    with pytest.raises(OSError):  # the file really is an exploit: unpickled, it runs
        pickle.loads(pickle.dumps(_Payload(tmp_path / "nowhere" / "x")))
    code = main(["pretrain", *recipe(chain, f"train.out_dir={run_dir}")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "last.ckpt: refused" in err[0], err
    assert not marker.exists()


def test_a_run_killed_before_its_first_checkpoint_starts_over(chain, tmp_path, capsys):
    run_dir = tmp_path / "run"
    shutil.copytree(chain["root"] / "pgp" / "best", run_dir / "best")  # what the killed run left
    (run_dir / "best" / "stale").write_text("from the killed run")
    (run_dir / "checkpoints").mkdir()
    (run_dir / "checkpoints" / "best-epoch=0.ckpt").write_bytes(b"an old best")
    assert main(["pretrain", *recipe(chain, f"train.out_dir={run_dir}")]) == 0
    out = capsys.readouterr().out
    assert "no checkpoint to resume from" in out and "starting over" in out
    assert not (run_dir / "best" / "stale").exists()
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["last.ckpt"]


def test_weight_files_get_the_usual_permissions(lm_dir, tmp_path):
    old = os.umask(0o022)
    try:
        model = PGPModel.build(model_config(lm_dir), prototypes=torch.randn(3, 32))
        folder = save_checkpoint(tmp_path / "ckpt", model, Config(model=model_config(lm_dir)))
        mode = (folder / "trainable.safetensors").stat().st_mode & 0o777
    finally:
        os.umask(old)
    assert mode == 0o644  # safetensors alone writes 0600


def test_a_stage_one_run_with_cooccurrence_prototypes_never_reads_the_lm(chain, tmp_path):
    run_ok(
        "pretrain",
        *recipe(
            chain,
            f"model.lm.pretrained={tmp_path / 'absent'}",
            "train.epochs=1",
            f"train.out_dir={tmp_path / 'run'}",
        ),
    )
    assert (tmp_path / "run" / "best" / "trainable.safetensors").is_file()


def test_a_first_training_run_prints_no_library_notices(chain, tmp_path):
    # a fresh interpreter: Lightning is imported for the first time, which resets its loggers
    import subprocess
    import sys

    run_dir = tmp_path / "run"
    argv = [sys.executable, "-m", "sign2gpt", "pretrain"]
    argv += recipe(chain, f"train.out_dir={run_dir}", "train.epochs=1")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    output = done.stdout + done.stderr
    for notice in ("GPU available", "litlogger", "limit_val_batches", "TPU available"):
        assert notice not in output
    assert "epoch 1/1 in " in done.stderr  # the one line per epoch of a log file
    assert (run_dir / "DONE").is_file()
