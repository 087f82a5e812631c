"""The whole command-line chain on the tiny synthetic corpus, as a user runs it.

synth -> prepare -> pseudo-gloss -> lm-pretrain -> pretrain -> train -> evaluate -> translate,
then Sign(Z)2GPT (extract-features -> train on features) and the resume of a killed run.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch
import yaml
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
    assert metrics["no_repeat_ngram_size"] == 0  # the recipe's: off

    ruled = chain["root"] / "eval-no-repeat"
    run("evaluate", "--checkpoint", str(best), "--out", str(ruled), "--no-repeat-ngram-size", "2")
    again = json.loads((ruled / "test_metrics.json").read_text())
    assert again["no_repeat_ngram_size"] == 2 and again["n"] == 5
    for line in (ruled / "test_hypotheses.txt").read_text().splitlines():
        words = line.split()  # a word pair said twice would repeat a token pair
        pairs = list(itertools.pairwise(words))
        assert len(set(pairs)) == len(pairs), line

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


def test_stage_two_logs_how_its_gates_open(chain: dict[str, Path]) -> None:
    with (chain["root"] / "tr" / "logs" / "gates.csv").open(newline="") as f:
        rows = list(csv.reader(f))
    header, first, last = rows[0], rows[1], rows[-1]
    # the tiny recipe's stand-in LM: 1 layer of 2 heads
    assert header == ["step", "L0.H0", "L0.H1"]
    assert first == ["0", "0", "0"]  # every gate starts closed
    assert int(last[0]) > 0 and all(0.0 <= float(v) <= 1.0 for v in last[1:])
    assert [int(r[0]) for r in rows[1:]] == sorted({int(r[0]) for r in rows[1:]})
    assert not (chain["root"] / "pgp" / "logs" / "gates.csv").exists()  # stage 1 has no gates


def test_one_seed_gives_byte_identical_checkpoints_another_seed_does_not(
    chain: dict[str, Path],
) -> None:
    """Init, data order, frame sampling, augmentation and dropout all follow train.seed."""
    root = chain["root"]
    weights = {}
    for name, seed in (("seed7a", 7), ("seed7b", 7), ("seed8", 8)):
        run(
            "train",
            "--config",
            str(chain["recipe"]),
            *chain["common"],
            f"train.out_dir={root / name}",
            f"train.seed={seed}",
            "model.lm.self_attn_lora.dropout=0.3",  # dropout on, so its masks must match too
            "data.loader=threads",
            "data.num_workers=2",
        )
        weights[name] = (root / name / "best" / "trainable.safetensors").read_bytes()
    assert weights["seed7a"] == weights["seed7b"]
    assert weights["seed7a"] != weights["seed8"]


ROWS = {
    "ref.yaml": "order: 1\nrow: reference\npgp: true\n",
    "same.yaml": "order: 2\nrow: the same settings\npgp: true\ncompare_to: ref\n",
    "nopgp.yaml": "order: 3\nrow: no PGP\npgp: false\npaper: {bleu4: 19.55}\n"
    "paper_setting: Phoenix14T test\ncompare_to: ref\n",
    "window.yaml": "order: 4\nrow: global attention\npgp: true\nstage1: retrain\n"
    "set: {model.sign_encoder.window: 0}\ncompare_to: ref\n",
    "na.yaml": "order: 5\nrow: no adapters\napplies: false\nwhy: nothing to take away\n",
}


def test_ablate_trains_every_row_over_seeds_and_writes_one_table(
    chain: dict[str, Path], capsys
) -> None:
    root = chain["root"]
    rows_dir, out = root / "rows", root / "ablation"
    rows_dir.mkdir()
    for name, text in ROWS.items():
        (rows_dir / name).write_text(text)
    # a Sign(Z)2GPT recipe, as the demo's: stage 2 on cached features of the stage-1 model
    features = root / "ablation_features"
    run("extract-features", "--checkpoint", str(root / "pgp" / "best"), "--out", str(features))
    argv = [
        "ablate",
        "--config",
        str(chain["recipe"]),
        "--pretrain-config",
        str(chain["recipe"]),
        "--rows-dir",
        str(rows_dir),
        "--seeds",
        "2",
        "--first-seed",
        "5",
        "--out",
        str(out),
        *chain["common"],
        f"train.init_from={root / 'pgp' / 'best'}",
        f"data.features={features}",
        "data.loader=threads",
    ]
    run(*argv)
    printed = capsys.readouterr().out
    assert "the same runs as ref" in printed
    table = (out / "ablation.md").read_text()
    assert "| no adapters |  | n/a: nothing to take away |" in table
    assert "19.55 (Phoenix14T test)" in table and "wall time" in table
    rows = {r["name"]: r for r in csv.DictReader((out / "ablation.csv").open())}
    assert list(rows) == ["ref", "same", "nopgp", "window", "na"]
    for name in ("ref", "nopgp", "window"):
        per_seed = []
        for seed in (5, 6):
            run_dir = out / "runs" / name / f"seed{seed}"
            assert yaml.safe_load((run_dir / "config.yaml").read_text())["train"]["seed"] == seed
            metrics = json.loads((run_dir / "best" / "eval" / "test_metrics.json").read_text())
            per_seed.append(f"{metrics['bleu4']:.4f}")
        assert rows[name]["bleu4_per_seed"] == " ".join(per_seed)
    assert rows["same"]["bleu4_per_seed"] == rows["ref"]["bleu4_per_seed"]
    assert not (out / "runs" / "same").exists()  # shared, not trained twice
    # no PGP: from scratch; the retrained row: its own stage 1 with its change, per seed
    ref = yaml.safe_load((out / "runs" / "ref" / "seed5" / "config.yaml").read_text())
    assert ref["data"]["features"] == str(features)  # the recipe's own stage 1 and features
    nopgp = yaml.safe_load((out / "runs" / "nopgp" / "seed5" / "config.yaml").read_text())
    assert nopgp["train"]["init_from"] == "" and nopgp["data"]["features"] == ""
    window = yaml.safe_load((out / "runs" / "window" / "seed6" / "config.yaml").read_text())
    stage1_dir = out / "stage1" / "window" / "seed6"
    assert window["train"]["init_from"] == str(stage1_dir / "best")
    assert window["data"]["features"] == str(stage1_dir / "features")  # its own, extracted
    stage1 = yaml.safe_load((stage1_dir / "config.yaml").read_text())
    assert stage1["model"]["sign_encoder"]["window"] == 0 and stage1["train"]["seed"] == 6
    assert stage1["data"]["features"] == ""  # stage 1 reads frames
    # run again: every step is done already, and the table is the same
    run(*argv)
    again = capsys.readouterr().out
    assert "train_stage(" not in again and "evaluate_on_split(" not in again
    assert f"== window seed 6: train: done already ({out / 'runs/window/seed6/DONE'})" in again
    rerun = {r["name"]: r for r in csv.DictReader((out / "ablation.csv").open())}
    assert [r["bleu4_per_seed"] for r in rerun.values()] == [
        r["bleu4_per_seed"] for r in rows.values()
    ]


def test_report_draws_the_curves_and_the_gates(chain: dict[str, Path], capsys) -> None:
    run("report", str(chain["root"] / "tr"))
    printed = capsys.readouterr().out
    report = chain["root"] / "tr" / "report"
    assert (report / "training_curves.png").stat().st_size > 10_000
    assert (report / "gates.png").stat().st_size > 10_000
    assert "best val/bleu4" in printed and "of 2 above 0.01" in printed
    run("report", str(chain["root"] / "pgp"), "--out", str(chain["root"] / "pgp_report"))
    printed = capsys.readouterr().out
    assert "no logs/gates.csv" in printed
    assert "best val/map" in printed  # stage 1's curve is the metric it is selected by
    assert (chain["root"] / "pgp_report" / "training_curves.png").is_file()
    assert main(["report", str(chain["root"] / "corpus")]) == 2  # not a run folder: one line
