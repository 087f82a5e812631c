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


DEEP = 100_000  # nesting levels: far past the parsers' recursion limit
DIGITS = "1" * 4000  # under Python's 4300-digit conversion limit, over every number type


def _deep_yaml(tmp: Path) -> str:
    (tmp / "deep.yaml").write_text("train: " + "[" * DEEP + "\n")
    return str(tmp / "deep.yaml")


def _manifest_with(tmp: Path, name: str, text: str) -> str:
    (tmp / "clips" / "a").mkdir(parents=True, exist_ok=True)
    (tmp / name).write_text(text)
    return str(tmp / name)


def _deep_json(tmp: Path) -> str:
    (tmp / "pg.json").write_text("[" * DEEP)
    return str(tmp / "pg.json")


def _prepare_manifest(path: Callable[[Path], str]) -> Callable[[dict[str, Path], Path], list[str]]:
    return lambda c, t: [
        "prepare",
        "--dataset",
        "manifest",
        "--root",
        path(t),
        "--out",
        str(t / "store"),
    ]


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
        "evaluate: a negative --no-repeat-ngram-size",
        lambda c, t: [
            "evaluate",
            "--checkpoint",
            str(c["root"] / "tr" / "best"),
            "--out",
            str(t / "eval"),
            "--no-repeat-ngram-size",
            "-1",
        ],
        "beam search: no_repeat_ngram_size must be >= 0, got -1",
        lambda t: [t / "eval"],
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
    # issue 26, item 7: YAML, JSON, JSONL and CSV that break their parsers
    Case(
        "summary: a YAML override with a Python tag",
        lambda c, t: [
            "summary",
            "--config",
            str(c["recipe"]),
            "train.optim.lr=!!python/object/apply:os.system [echo pwned]",
        ],
        "override train.optim.lr: not valid YAML (ConstructorError",
    ),
    Case(
        "summary: a YAML override that does not parse",
        lambda c, t: ["summary", "--config", str(c["recipe"]), "train.epochs=[1"],
        "override train.epochs: not valid YAML (ParserError",
    ),
    Case(
        "summary: a YAML override nested 100k deep",
        lambda c, t: ["summary", "--config", str(c["recipe"]), "train.epochs=" + "[" * DEEP],
        "override train.epochs: not readable YAML (nested too deep)",
    ),
    Case(
        "summary: a recipe nested 100k deep",
        lambda c, t: ["summary", "--config", _deep_yaml(t)],
        "deep.yaml: not readable YAML (nested too deep)",
    ),
    Case(
        "summary: a 4000-digit learning rate",
        lambda c, t: ["summary", "--config", str(c["recipe"]), f"train.optim.lr={DIGITS}"],
        "train.optim.lr: an integer of 4000 digits is too large for a number",
    ),
    Case(
        "summary: a 4000-digit batch size",
        lambda c, t: ["summary", "--config", str(c["recipe"]), f"data.batch_size={DIGITS}"],
        "data.batch_size: an integer of 4000 digits is out of range",
    ),
    Case(
        "pretrain: pseudo-glosses nested 100k deep",
        lambda c, t: [
            "pretrain",
            *recipe(c, f"data.pseudo_glosses={_deep_json(t)}", f"train.out_dir={t / 'run'}"),
        ],
        "pg.json: not a readable JSON file: not readable JSON (nested too deep)",
        lambda t: [t / "run"],
    ),
    Case(
        "prepare: a JSONL manifest line nested 100k deep",
        _prepare_manifest(lambda t: _manifest_with(t, "manifest.jsonl", "[" * DEEP + "\n")),
        "manifest.jsonl: line 1: not readable JSON (nested too deep)",
        lambda t: [t / "store" / "DONE"],
    ),
    Case(
        "prepare: a JSONL manifest with a 5000-digit number",
        _prepare_manifest(
            lambda t: _manifest_with(t, "manifest.jsonl", '{"id": ' + "1" * 5000 + "}\n")
        ),
        "manifest.jsonl: line 1: not readable JSON (Exceeds the limit (4300 digits)",
        lambda t: [t / "store" / "DONE"],
    ),
    Case(
        "prepare: a CSV manifest field of 200,000 characters",
        _prepare_manifest(
            lambda t: _manifest_with(
                t, "manifest.csv", f"id,text,frames\na,{'x' * 200_000},clips/a\n"
            )
        ),
        "manifest.csv: line 2: not readable (field larger than field limit (131072))",
        lambda t: [t / "store" / "DONE"],
    ),
    # item 8: a quoted line break inside a CSV field was silently dropped ("hallowelt")
    Case(
        "prepare: a CSV manifest with a quoted line break in a sentence",
        _prepare_manifest(
            lambda t: _manifest_with(
                t, "manifest.csv", 'id,text,frames\nb,"gut",clips/a\na,"hallo\nwelt",clips/a\n'
            )
        ),
        "manifest.csv: line 3: column 'text' holds a line break",
        lambda t: [t / "store" / "DONE"],
    ),
    Case(
        "demo: no recipes in the folder",
        lambda c, t: ["demo", "--out", str(t / "demo"), "--config-dir", str(t / "none")],
        "demo recipe not found",
    ),
]


def upload_scope(boundary: bytes, length: int) -> dict:
    """The ASGI scope of a multipart POST to /api/translate declaring ``length`` body bytes."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/translate",
        "raw_path": b"/api/translate",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"multipart/form-data; boundary=" + boundary),
            (b"content-length", str(length).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }


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


def test_a_manifest_keeps_quoted_commas_and_refuses_line_breaks_in_csv_and_jsonl(tmp_path):
    from sign2gpt.data.readers.manifest import read
    from sign2gpt.errors import DataError

    (tmp_path / "clips" / "a").mkdir(parents=True)
    csv_path = tmp_path / "manifest.csv"
    csv_path.write_text('id,text,frames\na,"hallo, welt",clips/a\n')
    (record,) = read(csv_path)
    assert record.text == "hallo, welt" and record.origin.endswith("line 2")
    csv_path.write_text('id,text,frames\na,"hallo\r\nwelt",clips/a\n')
    with pytest.raises(DataError, match=r"line 2: column 'text' holds a line break"):
        read(csv_path)
    jsonl = tmp_path / "m.jsonl"
    jsonl.write_text('{"id": "a", "text": "hallo\\nwelt", "frames": "clips/a"}\n')
    with pytest.raises(DataError, match=r"m\.jsonl: line 1: column 'text' holds a line break"):
        read(jsonl)


# --------------------------------------------------------------------------------------------
# sign2gpt serve and translate against hostile files (issue 26)

BASE = "http://127.0.0.1"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    pytest.importorskip("fastapi", reason="sign2gpt serve needs the `serve` extra")
    pytest.importorskip("fastapi_offline", reason="sign2gpt serve needs the `serve` extra")
    from serve_fixtures import build_checkpoints, build_pose_checkpoint, write_clip

    from sign2gpt.serve.engine import Engine

    root = tmp_path_factory.mktemp("hostile-serve")
    translate, _ = build_checkpoints(root / "ckpt")
    pose = build_pose_checkpoint(root / "ckpt")
    return {
        "root": root,
        "translate": translate,
        "pose": pose,
        "rgb": Engine(translate),
        "pose_engine": Engine(pose),
        "clip": write_clip(root / "clip.mp4", clip=1, num_frames=20),
    }


def _client(engine, work: Path, origins: list[str] | None = None, **limits):
    from fastapi.testclient import TestClient

    from sign2gpt.serve.app import create_app
    from sign2gpt.serve.uploads import ServeLimits

    work.mkdir(parents=True, exist_ok=True)
    app = create_app(engine, ServeLimits(**limits), work, ["127.0.0.1"], origins)
    return TestClient(app, base_url=BASE, raise_server_exceptions=False)


def _post(client, *files: tuple[str, bytes], **kw):
    return client.post("/api/translate", files=[("file", f) for f in files], **kw)


def _error(response, status: int, says: str) -> str:
    assert response.status_code == status, response.text
    message = response.json()["error"]
    assert says in message and "\n" not in message and "Traceback" not in message, message
    return message


def _npz_declaring(path: Path, frames: int) -> Path:
    """A keypoint .npz of the synth-22 layout whose points header declares ``frames`` frames
    (frames x 22 x 3 float32) while the file holds 2 frames' worth of bytes: a loader that
    trusts the header allocates everything first."""
    import io
    import zipfile

    import numpy as np
    from serve_fixtures import write_keypoints

    small = write_keypoints(path.with_name("small.npz"), 2, seed=0)
    header = io.BytesIO()
    shape = (frames, 22, 3)
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": shape}
    )
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "points.npy":
                data = header.getvalue() + bytes(2 * 22 * 3 * 4)
            out.writestr(info.filename, data)
    return path


def _peak_traced(fn: Callable[[], object]) -> tuple[object, int]:
    import tracemalloc

    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_item1_an_npz_declaring_gigabytes_is_refused_before_anything_is_allocated(served, tmp_path):
    from sign2gpt.data.pose.keypoints import read_npz
    from sign2gpt.errors import DataError

    bomb = _npz_declaring(tmp_path / "bomb.npz", 11_000_000)  # 2.9 GB declared, 10 KB on disk
    assert bomb.stat().st_size < 20_000

    def read() -> str:
        with pytest.raises(DataError) as caught:
            read_npz(bomb)
        return str(caught.value)

    message, peak = _peak_traced(read)
    assert "declares 2,769 MiB, more than the 512 MiB" in message
    assert peak < 50 * 2**20, peak  # the header alone was read
    with pytest.raises(DataError, match=r"long\.npz: 1501 frames, more than the limit of 1500"):
        read_npz(_npz_declaring(tmp_path / "long.npz", 1501), max_frames=1500)
    # an rgb server refuses it unread; a pose server by its header, as over --max-frames
    with _client(served["rgb"], tmp_path / "w1") as c:
        r, peak = _peak_traced(lambda: _post(c, ("bomb.npz", bomb.read_bytes())))
        _error(r, 400, "bomb.npz: a keypoint file, and this server's model reads rgb")
        assert peak < 50 * 2**20, peak
    with _client(served["pose_engine"], tmp_path / "w2", max_frames=1500) as c:
        r, peak = _peak_traced(lambda: _post(c, ("bomb.npz", bomb.read_bytes())))
        _error(r, 413, "bomb.npz: 11000000 frames, more than the limit of 1500 (--max-frames)")
        assert peak < 50 * 2**20, peak


def _png(side: int) -> bytes:
    """A black ``side`` x ``side`` PNG: a few KB whatever its size."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    idat = zlib.compress(bytes(1 + 3 * side) * side, 9)
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _zip(files: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_item2_frames_obey_a_work_budget_of_pixels_and_seconds(served, tmp_path, monkeypatch):
    import sign2gpt.data.frames.images as images_module  # where frame files are decoded
    from sign2gpt.data.frames import OverBudget, WorkBudget, read_clip

    big = _zip({f"f{i}.png": _png(2000) for i in range(6)})  # 6 x 4 MP in a few KB
    decoded: list[int] = []
    real = images_module.decode_image

    def counting(data, out=None, max_pixels=images_module.MAX_PIXELS):
        decoded.append(1)
        return real(data, out, max_pixels)

    monkeypatch.setattr(images_module, "decode_image", counting)
    with _client(served["rgb"], tmp_path / "w1", max_megapixels=20) as c:
        start = time.monotonic()
        r = _post(c, ("big.zip", big))
        _error(r, 413, "big.zip: its frames hold 24 megapixels, more than this server's budget")
        assert "(--max-megapixels)" in r.json()["error"] and time.monotonic() - start < 10
        assert decoded == []  # refused from the headers: not one frame decoded
        r = _post(c, ("clip.mp4", served["clip"].read_bytes()))  # 20 x 64 x 48 pixels
        assert r.status_code == 200, r.text
    with _client(served["rgb"], tmp_path / "w2", max_decode_seconds=1e-9) as c:
        _error(_post(c, ("big.zip", big)), 413, "decoding took longer than the budget of 1e-09 s")
        assert decoded == []  # stopped at the first frame's charge, before its decoding
        r = _post(c, ("clip.mp4", served["clip"].read_bytes()))
        _error(r, 413, "clip.mp4: decoding took longer than the budget")
    # the budget is the reader's: a video, frame by frame
    with pytest.raises(OverBudget, match="pass the budget of 0 megapixels"):
        read_clip(served["clip"], budget=WorkBudget(max_pixels=64 * 48 * 5))


class _HeldEngine:
    """The real engine behind a gate the test opens, recording the threads that do the work."""

    def __init__(self, engine) -> None:
        import threading

        self.engine = engine
        self.info = engine.info
        self.entered = threading.Event()
        self.gate = threading.Event()

    def translate(self, source, out_dir, budget=None):
        self.entered.set()
        assert self.gate.wait(30)
        return self.engine.translate(source, out_dir, budget)


def test_item3_a_full_line_refuses_an_upload_before_its_body_is_read(served, tmp_path, monkeypatch):
    import asyncio
    import threading

    import sign2gpt.serve.translations as translations_module
    import sign2gpt.serve.uploads as uploads_module

    threads: list[str] = []
    real_open = uploads_module.open_upload

    def recording_open(*args):
        threads.append(threading.current_thread().name)
        return real_open(*args)

    monkeypatch.setattr(translations_module, "open_upload", recording_open)
    zipped = _zip({f"f{i}.png": _png(16) for i in range(4)})
    held = _HeldEngine(served["rgb"])
    results = []
    with _client(held, tmp_path / "w", max_waiting=1) as c:
        first = threading.Thread(target=lambda: results.append(_post(c, ("a.zip", zipped))))
        first.start()
        assert held.entered.wait(30)
        second = threading.Thread(target=lambda: results.append(_post(c, ("b.zip", zipped))))
        second.start()
        deadline = time.monotonic() + 30
        while c.get("/api/health").json()["queue"]["waiting"] < 1:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        uploads = c.app.state.work_dir / "uploads"
        # the waiting zip is on disk but not unpacked: that is the worker's job, in turn
        assert len(list(uploads.iterdir())) == 2
        assert len(list(uploads.glob("*/frames"))) == 1, list(uploads.rglob("*"))
        assert len(threads) == 1  # only the running upload was opened

        def never(*_):
            raise AssertionError("the body of a refused upload was read")

        async def refused() -> list[dict]:
            sent: list[dict] = []

            async def send(message: dict) -> None:
                sent.append(message)

            scope = upload_scope(b"x", 100)
            await c.app(scope, never, send)
            return sent

        try:
            sent = asyncio.run(refused())
        finally:
            held.gate.set()  # whatever happened, the held jobs finish
            first.join(60)
            second.join(60)
        assert sent[0]["status"] == 503 and b"the line is full" in sent[1]["body"]
    assert [r.status_code for r in results] == [200, 200], [r.text for r in results]
    assert threads == ["sign2gpt-model_0"] * 2  # unpacked and checked on the model's worker


def _long_video(path: Path, frames: int) -> Path:
    import av
    import numpy as np

    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=25)
        stream.width = stream.height = 16
        stream.pix_fmt = "yuv420p"
        for i in range(frames):
            picture = np.full((16, 16, 3), (i * 7) % 256, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_item4_translate_keeps_only_the_frames_it_samples(served, tmp_path, capsys):
    import json

    from sign2gpt.data.frames import read_clip
    from sign2gpt.data.sampling import sample_indices
    from sign2gpt.infer.clip import read_clip_input
    from sign2gpt.pipeline import Pipeline

    video = _long_video(tmp_path / "long.mp4", 3000)
    pipeline = Pipeline.from_checkpoint(served["translate"])
    clip, peak = _peak_traced(lambda: read_clip_input(pipeline, video))
    assert clip.decoded == 3000 and clip.steps == 256  # every 2nd frame, 256 spread evenly
    assert clip.indices.tolist() == sample_indices(3000, pipeline.cfg.data, train=False).tolist()
    assert peak < 12 * 2**20, peak  # all 3000 frames at 48 x 48 would be 20 MB
    # the kept frames are the ones a full decode gives at those indices
    whole = read_clip(video, size=48).frames
    kept = read_clip(video, size=48, sample=lambda n: sample_indices(n, pipeline.cfg.data, False))
    assert (kept.frames == whole[kept.indices]).all() and kept.total == 3000
    out = tmp_path / "out.json"
    argv = ["translate", "--checkpoint", str(served["translate"]), str(video), "--json", str(out)]
    assert main(argv) == 0
    (entry,) = json.loads(out.read_text())
    assert entry["decoded_frames"] == 3000 and entry["sampled_frames"] == 256
    assert "num_frames" not in entry


def _pose_file(path: Path, fps: float, frames: int, cut: int = 0) -> Path:
    import io

    import numpy as np
    from pose_format import Pose
    from pose_format.numpy.pose_body import NumPyPoseBody
    from pose_format.pose_header import PoseHeader, PoseHeaderComponent, PoseHeaderDimensions

    names = [f"p{i}" for i in range(33)]
    component = PoseHeaderComponent("POSE_LANDMARKS", names, [(0, 1)], [(255, 0, 0)], "XYC")
    header = PoseHeader(0.1, PoseHeaderDimensions(64, 48, 1), [component])
    body = NumPyPoseBody(
        fps, np.ones((frames, 1, 33, 2), np.float32), np.ones((frames, 1, 33), np.float32)
    )
    buf = io.BytesIO()
    Pose(header, body).write(buf)
    data = buf.getvalue()
    path.write_bytes(data[: len(data) - cut] if cut else data)
    return path


def test_item6_crafted_media_are_one_error_line_each_and_the_batch_goes_on(
    served, tmp_path, capsys
):
    import json

    pytest.importorskip("pose_format")
    from serve_fixtures import write_keypoints

    svg = tmp_path / "picture.mp4"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"></svg>')
    crafted = {
        svg: "no decoder for its",
        _pose_file(tmp_path / "nan.pose", float("nan"), 10): "frame rate nan",
        _pose_file(tmp_path / "empty.pose", 25.0, 0): "no frames",
        _pose_file(tmp_path / "short.pose", 25.0, 10, cut=100): "not a readable .pose file",
    }
    good = write_keypoints(tmp_path / "good.npz", 14, seed=5)
    out = tmp_path / "out.json"
    argv = ["translate", "--checkpoint", str(served["pose"]), *map(str, crafted), str(good)]
    capsys.readouterr()
    assert main([*argv, "--json", str(out)]) == 1
    captured = capsys.readouterr()
    errors = [x for x in captured.err.splitlines() if "error" in x]
    assert "Traceback" not in captured.err and len(errors) == len(crafted), captured.err
    for line, (path, says) in zip(errors, crafted.items()):
        assert line.startswith(f"sign2gpt translate: error: {path}: ") and says in line, line
    assert captured.out.splitlines()[-1].startswith(f"{good}\t")  # the batch went on
    results = json.loads(out.read_text())
    assert [bool(r["error"]) for r in results] == [True] * len(crafted) + [False]
    # the server: 400 and one line for each, and it goes on serving
    with _client(served["pose_engine"], tmp_path / "w") as c:
        for path, says in crafted.items():
            _error(_post(c, (path.name, path.read_bytes())), 400, says)
        assert _post(c, (good.name, good.read_bytes())).status_code == 200
    with _client(served["rgb"], tmp_path / "w2") as c:
        _error(_post(c, (svg.name, svg.read_bytes())), 400, "picture.mp4: not a readable video")


def test_item5_a_page_of_another_origin_cannot_post(served, tmp_path, monkeypatch):
    import sign2gpt.serve.translations as translations_module

    saved: list[int] = []
    real_save = translations_module.save_upload
    monkeypatch.setattr(
        translations_module, "save_upload", lambda *a: saved.append(1) or real_save(*a)
    )
    clip = ("clip.mp4", served["clip"].read_bytes())
    with _client(served["rgb"], tmp_path / "w", origins=["http://localhost:8888"]) as c:
        for headers in (
            {"origin": "https://evil.example"},
            {"origin": "null"},  # a sandboxed frame, a file:// page
            {"origin": "http://127.0.0.1:7861"},  # another port is another origin
            {"sec-fetch-site": "cross-site"},  # a browser that sent no Origin
        ):
            r = _post(c, clip, headers=headers)
            _error(r, 403, "may not post to this server (start it with --allow-origin")
        assert saved == []  # refused before the upload was read
        for headers in (
            {"origin": BASE},  # the page itself
            {"origin": "http://localhost:8888"},  # an origin allowed by --allow-origin
            {},  # curl, a script: no browser, no Origin
        ):
            assert _post(c, clip, headers=headers).status_code == 200, headers
        health = c.get("/api/health", headers={"origin": "https://evil.example"})
        assert health.status_code == 200  # reading is not refused; the browser hides the answer


def _raw_upload(app, chunks: list[bytes | None], length: int) -> list[dict]:
    """POST ``chunks`` of a multipart body to ``app`` straight through ASGI; None: the client
    disconnects there; the list running out: the client stops sending (and waits)."""
    import asyncio

    sent: list[dict] = []
    pending = list(chunks)

    async def receive() -> dict:
        if not pending:
            await asyncio.sleep(3600)
        chunk = pending.pop(0)
        if chunk is None:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = upload_scope(b"b", length)
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 30))
    return sent


def test_item9_a_client_leaving_mid_upload_is_one_quiet_line_and_a_stall_gets_408(
    served, tmp_path, caplog
):
    import logging

    head = b"--b\r\nContent-Disposition: form-data; name=file; filename=x.mp4\r\n\r\n"
    with _client(served["rgb"], tmp_path / "w", body_timeout=0.5) as c:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="sign2gpt.serve"):
            _raw_upload(c.app, [head, b"\0" * 1000, None], 10_000)
        records = [r for r in caplog.records if r.name.startswith("sign2gpt")]
        assert [r.levelno for r in records] == [logging.INFO], caplog.text
        assert "went away during its upload" in records[0].getMessage()
        assert not any(r.exc_info for r in caplog.records) and "Traceback" not in caplog.text
        start = time.monotonic()
        sent = _raw_upload(c.app, [head, b"\0" * 1000], 10_000)  # then nothing
        assert time.monotonic() - start < 10
        assert sent[0]["status"] == 408 and b"sent nothing for 0.5 s" in sent[1]["body"]
        assert c.get("/api/health").json()["queue"]["waiting"] == 0  # the place was given up
        assert list((c.app.state.work_dir / "uploads").iterdir()) == []


def test_item10_serve_on_another_loopback_address_answers_to_it(served, monkeypatch, capsys):
    pytest.importorskip("uvicorn")
    import uvicorn
    from fastapi.testclient import TestClient

    answers: list[int] = []

    def run(self, sockets=None):  # instead of serving: one request as a browser would send it
        host, port = sockets[0].getsockname()[:2]
        with TestClient(self.config.app, base_url=f"http://{host}:{port}") as c:
            answers.append(c.get("/api/health").status_code)
            answers.append(c.get("/api/health", headers={"host": "evil.example"}).status_code)

    monkeypatch.setattr(uvicorn.Server, "run", run)
    argv = ["serve", "--checkpoint", str(served["translate"]), "--host", "127.0.0.2", "--port", "0"]
    assert main(argv) == 0
    assert answers == [200, 400]


def test_item10_translate_escapes_tabs_and_newlines_in_file_names(served, tmp_path, capsys):
    odd = tmp_path / "a\tb\nc.mp4"
    odd.write_bytes(served["clip"].read_bytes())
    broken = tmp_path / "x\ny.mp4"
    broken.write_bytes(b"not a video")
    capsys.readouterr()
    assert main(["translate", "--checkpoint", str(served["translate"]), str(odd), str(broken)]) == 1
    captured = capsys.readouterr()
    (line,) = [x for x in captured.out.splitlines() if "\t" in x]
    name, sentence = line.split("\t")
    assert name == str(tmp_path / "a\\tb\\nc.mp4") and sentence
    (error,) = captured.err.strip().splitlines()[-1:]
    assert error.startswith(f"sign2gpt translate: error: {tmp_path}/x\\ny.mp4: "), captured.err
    assert len([x for x in captured.err.splitlines() if "error" in x]) == 1


def test_frame_counts_are_decoded_and_sampled_frames_in_every_answer(served, tmp_path):
    import json

    from sign2gpt.serve import static

    with _client(served["rgb"], tmp_path / "w") as c:
        r = _post(c, ("clip.mp4", served["clip"].read_bytes())).json()
    assert r["decoded_frames"] == 20 and r["sampled_frames"] == 10 and "num_frames" not in r
    page = (Path(static.__path__[0]) / "app.js").read_text()
    assert "r.decoded_frames" in page and "num_frames" not in page
    out = tmp_path / "out.json"
    argv = ["translate", "--checkpoint", str(served["translate"]), str(served["clip"])]
    assert main([*argv, "--json", str(out)]) == 0
    (entry,) = json.loads(out.read_text())
    assert (entry["decoded_frames"], entry["sampled_frames"]) == (20, 10)
