"""The whole command-line chain on the tiny synthetic corpus, as a user runs it.

synth -> prepare -> pseudo-gloss -> lm-pretrain -> pretrain -> train -> evaluate -> translate,
then Sign(Z)2GPT (extract-features -> train on features) and the resume of a killed run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch
from safetensors.torch import load_file
from tiny import run_ok as run

from sign2gpt.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_each_step_writes_its_files(chain: dict[str, Path]) -> None:
    root = chain["root"]
    assert (chain["corpus"] / "annotations/manual/PHOENIX-2014-T.train.corpus.csv").is_file()
    assert (chain["store"] / "DONE").is_file() and (chain["store"] / "index.jsonl").is_file()
    assert json.loads(chain["pg"].read_text())["vocab"]
    assert (chain["lm"] / "model.safetensors").is_file()
    assert (chain["lm"] / "tokenizer.json").is_file()
    for stage in ("pgp", "tr"):
        best = root / stage / "best"
        for name in ("config.yaml", "trainable.safetensors", "metrics.json"):
            assert (best / name).is_file(), (stage, name)
        assert (root / stage / "DONE").is_file()  # finished runs say so
        assert (root / stage / "checkpoints" / "last.ckpt").is_file()
        assert (root / stage / "logs" / "csv" / "version_0" / "metrics.csv").is_file()
        assert (root / stage / "config.yaml").is_file()
    # Stage 1 with co-occurrence prototypes never reads the LM: no tokenizer in its folder.
    assert (root / "tr" / "best" / "tokenizer.json").is_file()
    assert not (root / "pgp" / "best" / "tokenizer.json").exists()
    assert (root / "pgp" / "best" / "pseudo_glosses.json").is_file()
    assert "val/f1" in json.loads((root / "pgp" / "best" / "metrics.json").read_text())
    assert "val/bleu4" in json.loads((root / "tr" / "best" / "metrics.json").read_text())


def test_evaluate_writes_metrics_and_side_by_side(chain: dict[str, Path], capsys) -> None:
    best = chain["root"] / "tr" / "best"
    run("evaluate", "--checkpoint", str(best), "--split", "test")
    metrics = json.loads((best / "eval" / "test_metrics.json").read_text())
    for key in ("bleu1", "bleu2", "bleu3", "bleu4", "rouge_l", "settings", "num_beams"):
        assert key in metrics
    assert metrics["n"] == 5 and 0.0 <= metrics["bleu4"] <= 100.0
    rows = (best / "eval" / "test_side_by_side.tsv").read_text().splitlines()
    assert rows[0] == "id\treference\thypothesis" and len(rows) == 6
    assert len((best / "eval" / "test_hypotheses.txt").read_text().splitlines()) == 5
    assert "tokenize=none" in capsys.readouterr().out

    pgp = chain["root"] / "pgp" / "best"
    run("evaluate", "--checkpoint", str(pgp), "--split", "test", "--heatmaps", "1")
    result = json.loads((pgp / "eval" / "test_metrics.json").read_text())
    for key in ("f1", "loc_precision", "loc_recall", "loc_f1", "span_hit_rate"):
        assert key in result
    assert len(result["heatmaps"]) == 1 and Path(result["heatmaps"][0]).is_file()
    table = (pgp / "eval" / "test_pseudo_glosses.tsv").read_text(encoding="utf-8").splitlines()
    assert table[0].split("\t")[:3] == ["gloss", "train_sentences", "support"]
    assert len(table) > 1 and isinstance(result["never_found"], list)


def test_translate_a_frame_folder_and_a_bad_input(chain: dict[str, Path], capsys) -> None:
    clip = next((chain["corpus"] / "features/fullFrame-210x260px/test").iterdir())
    code = main(
        [
            "translate",
            "--checkpoint",
            str(chain["root"] / "tr" / "best"),
            str(clip),
            str(chain["root"] / "missing.mp4"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 1  # one input was unreadable; the other still translated
    line = next(x for x in captured.out.splitlines() if x.startswith(str(clip)))
    assert "\t" in line
    assert "missing.mp4" in captured.err and "Traceback" not in captured.err


def test_sign_z_2_gpt_from_cached_features(chain: dict[str, Path]) -> None:
    root = chain["root"]
    feats = root / "features"
    pgp = root / "pgp" / "best"
    run("extract-features", "--checkpoint", str(pgp), "--out", str(feats), "--views", "1")
    first = {p.name: load_file(str(p))["z"] for p in feats.glob("shard-*.safetensors")}
    # Extracting again into a fresh folder gives identical features.
    run("extract-features", "--checkpoint", str(pgp), "--out", str(root / "again"), "--views", "1")
    again = {p.name: load_file(str(p))["z"] for p in (root / "again").glob("shard-*.safetensors")}
    assert first.keys() == again.keys() and all(torch.equal(first[k], again[k]) for k in first)
    index = [json.loads(x) for x in (feats / "index.jsonl").read_text().splitlines()]
    assert sum(r["split"] == "train" for r in index) == 2 * 20  # view 0 + one augmented view
    run(
        "train",
        "--config",
        str(chain["recipe"]),
        *chain["common"],
        f"train.out_dir={root / 'z2gpt'}",
        f"train.init_from={pgp}",
        f"data.features={feats}",
        "data.loader=threads",  # a dataset without __getitems__ through the threads
    )
    best = root / "z2gpt" / "best"
    run("evaluate", "--checkpoint", str(best), "--split", "dev")
    assert "bleu4" in json.loads((best / "eval" / "dev_metrics.json").read_text())
    clip = next((chain["corpus"] / "features/fullFrame-210x260px/dev").iterdir())
    run("translate", "--checkpoint", str(best), str(clip))


def test_killed_run_resumes_from_its_last_checkpoint(chain: dict[str, Path], capsys) -> None:
    out = chain["root"] / "killed"
    argv = [
        sys.executable,
        "-m",
        "sign2gpt",
        "train",
        "--config",
        str(chain["recipe"]),
        *chain["common"],
        f"train.out_dir={out}",
        "train.epochs=50",
        "train.checkpoint_every_steps=2",
        "train.val_every_epochs=100",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    last = out / "checkpoints" / "last.ckpt"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if last.is_file() and torch.load(last, weights_only=True)["global_step"] >= 4:
                break
            time.sleep(0.5)
        assert proc.poll() is None, "the run ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)  # no clean shutdown, as a preempted job
    finally:
        proc.kill()
        proc.wait()
    saved = torch.load(last, weights_only=True)
    step = saved["global_step"]
    assert step >= 4
    # Resume with the budget equal to the saved step: a resumed run trains no further, so its
    # weights are exactly those of the checkpoint (a fresh start would have trained `step` steps).
    run(
        "train",
        "--config",
        str(chain["recipe"]),
        *chain["common"],
        f"train.out_dir={out}",
        f"train.max_steps={step}",
        "train.epochs=50",
    )
    assert f"resuming from {last}" in capsys.readouterr().out
    assert (out / "logs" / "csv" / "version_1").is_dir()  # the killed run's logs are kept
    resumed = load_file(str(out / "best" / "trainable.safetensors"))
    for key, value in saved["state_dict"].items():
        assert torch.equal(resumed[key.removeprefix("model.")], value), key


def test_prepare_takes_the_store_size_of_the_recipe(chain: dict[str, Path], tmp_path) -> None:
    out = tmp_path / "store"
    run(
        "prepare",
        "--config",
        str(chain["recipe"]),
        "--root",
        str(chain["corpus"]),
        "--out",
        str(out),
        "--workers",
        "1",
        "--quiet",
    )
    assert json.loads((out / "meta.json").read_text())["size"] == 48  # data.store_size
