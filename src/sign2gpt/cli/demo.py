"""sign2gpt demo: the whole method, offline, on the synthetic corpus.

The demo runs the very subcommands a user runs, in order, so what it shows is what the CLI does:
synth -> prepare -> pseudo-gloss -> lm-pretrain -> pretrain -> train -> evaluate.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from sign2gpt.cli._common import Command
from sign2gpt.errors import Sign2GPTError

NAME = "demo"
HELP = "the embedded default: the whole method end to end on a synthetic corpus, offline"
DESCRIPTION = """\
Renders the synthetic signing corpus, prepares its frame store, makes pseudo-glosses, pre-trains
the stand-in LM, runs stage 1 (PGP) and stage 2 (translation), then evaluates on the test split
and prints the metrics table, example translations beside their references and the path of the
localisation heatmap. Every step is a `sign2gpt` subcommand; the commands are printed as they
run. A step whose output already exists is skipped, so an interrupted demo continues.

  --stage2     features (default): stage 2 on cached stage-1 features (Sign(Z)2GPT): an epoch
               costs ~5 s instead of ~50 s here, so the CPU budget buys 20 epochs;
               end-to-end: the paper's main setting, stage 2 fine-tunes the whole sign model.
  --ablation   also trains stage 2 end to end from scratch (the paper's "no PGP" setting)
               for as many epochs as stage 1 had, and prints both rows.
  --preset     tiny (seconds; for tests) or demo (the real demo, about 15 minutes on 2 cores).
  --seeds N    trains the main stage-2 run with N seeds (train.seed = the recipe's 42, 43, ...)
               and prints each and their mean and standard deviation.
  --seed S     the seed of the synthetic corpus (not of training).
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="demo_out", help="working folder (default demo_out)")
    parser.add_argument("--preset", default="demo", choices=["tiny", "demo"])
    parser.add_argument(
        "--config-dir", default="configs/demo", help="folder of the demo recipes (configs/demo)"
    )
    parser.add_argument("--stage2", default="features", choices=["features", "end-to-end"])
    parser.add_argument("--ablation", action="store_true", help="also train without PGP")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic corpus")
    parser.add_argument(
        "--seeds", type=int, default=1, help="stage-2 training seeds of the main run (default 1)"
    )
    parser.add_argument("--workers", type=int, default=2)


def _config_dir(arg: str) -> Path:
    path = Path(arg)
    for name in (
        "base.yaml",
        "lm.yaml",
        "pretrain.yaml",
        "translate.yaml",
        "translate_features.yaml",
    ):
        if not (path / name).is_file():
            raise Sign2GPTError(f"{path / name}: demo recipe not found (run from the repo root)")
    return path


def _step(title: str, argv: list[str], timings: dict[str, float], done: Path | None) -> None:
    from sign2gpt.cli import main

    if done is not None and done.exists():
        print(f"== {title}: done already ({done})")
        return
    print(f"== {title}: sign2gpt {' '.join(argv)}", flush=True)
    start = time.perf_counter()
    code = main(argv)
    timings[title] = time.perf_counter() - start
    if code != 0:
        raise Sign2GPTError(f"step '{title}' failed (exit {code})")


def run(args: argparse.Namespace) -> int:
    from sign2gpt.metrics.tables import table

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg_dir = _config_dir(args.config_dir)
    corpus, store, pg = out / "corpus", out / "store", out / "pseudo_glosses.json"
    lm_dir, pgp_dir = out / "lm", out / "pgp"
    common = [
        f"data.root={corpus}",
        f"data.store={store}",
        f"data.pseudo_glosses={pg}",
        f"model.lm.pretrained={lm_dir}",
        f"lm_pretrain.out_dir={lm_dir}",
    ]
    if args.preset == "tiny":
        common += ["train.epochs=1", "lm_pretrain.epochs=1"]
    timings: dict[str, float] = {}
    total_start = time.perf_counter()
    synth_argv = ["synth", "--out", str(corpus), "--preset", args.preset, "--seed", str(args.seed)]
    _step("synth", synth_argv, timings, corpus / "groundtruth" / "manifest.json")
    manifest = json.loads((corpus / "groundtruth" / "manifest.json").read_text())
    preview = out / "preview.png"
    if not preview.is_file():
        from sign2gpt.synth import render_preview

        render_preview(corpus / manifest["example_clip"], preview)
    print(f"preview of a training clip (what the model sees): {preview}")
    from sign2gpt.config import load_config

    prep_argv = ["prepare", "--config", str(cfg_dir / "base.yaml"), "--dataset", "phoenix14t"]
    prep_argv += ["--root", str(corpus), "--out", str(store), "--workers", str(args.workers)]
    _step("prepare", prep_argv, timings, store / "DONE")
    pg_argv = ["pseudo-gloss", "--dataset", "phoenix14t", "--root", str(corpus), "--lang", "de"]
    _step("pseudo-gloss", [*pg_argv, "--out", str(pg)], timings, pg)
    lm_argv = ["lm-pretrain", "--config", str(cfg_dir / "lm.yaml"), *common]
    _step("lm-pretrain", lm_argv, timings, lm_dir / "config.json")
    pgp_argv = ["pretrain", "--config", str(cfg_dir / "pretrain.yaml"), *common]
    _step("pretrain (PGP)", [*pgp_argv, f"train.out_dir={pgp_dir}"], timings, None)

    init = f"train.init_from={pgp_dir / 'best'}"
    if args.stage2 == "features":
        features = out / "features"
        fx_argv = [
            "extract-features",
            "--checkpoint",
            str(pgp_dir / "best"),
            "--out",
            str(features),
        ]
        _step("extract-features", fx_argv, timings, None)
        main_run = ("translate_features.yaml", [init, f"data.features={features}"])
        label = "Sign(Z)2GPT: with PGP, stage 2 on cached features"
    else:
        main_run = ("translate.yaml", [init])
        label = "Sign2GPT: with PGP, end to end"
    runs = {label: (out / "translate", *main_run)}
    if args.seeds < 1:
        raise Sign2GPTError("--seeds must be at least 1")
    first_seed = load_config(cfg_dir / main_run[0]).train.seed
    for seed in range(first_seed + 1, first_seed + args.seeds):
        recipe, extra = main_run
        runs[f"{label}, train.seed {seed}"] = (
            out / f"translate_seed{seed}",
            recipe,
            [*extra, f"train.seed={seed}"],
        )
    if args.ablation:
        pgp_epochs = load_config(cfg_dir / "pretrain.yaml").train.epochs
        runs["Sign2GPT: no PGP, end to end"] = (
            out / "translate_nopgp",
            "translate.yaml",
            [
                "train.init_from=",
                f"train.epochs={pgp_epochs}",
                f"train.val_every_epochs={pgp_epochs}",
            ],
        )
    keys = ["bleu1", "bleu2", "bleu3", "bleu4", "rouge_l"]
    rows, examples = [], []
    seed_scores: list[dict[str, float]] = []
    for label, (run_dir, recipe, extra) in runs.items():
        tr_cfg = str(cfg_dir / recipe)
        tr_argv = ["train", "--config", tr_cfg, *common, f"train.out_dir={run_dir}", *extra]
        _step(f"train: {label}", tr_argv, timings, None)
        ev_argv = ["evaluate", "--checkpoint", str(run_dir / "best"), "--split", "test"]
        _step(f"evaluate: {label}", ev_argv, timings, None)
        metrics = json.loads((run_dir / "best" / "eval" / "test_metrics.json").read_text())
        rows.append([label, *(f"{metrics[k]:.2f}" for k in keys)])
        examples = examples or metrics.get("examples", [])
        if run_dir.name.startswith("translate") and run_dir.name != "translate_nopgp":
            seed_scores.append({k: float(metrics[k]) for k in keys})
    if len(seed_scores) > 1:
        import statistics

        rows.append(
            [
                f"mean ± sd over {len(seed_scores)} seeds",
                *(
                    f"{statistics.fmean(v):.2f} ± {statistics.stdev(v):.2f}"
                    for v in ([s[k] for s in seed_scores] for k in keys)
                ),
            ]
        )
    ev1 = ["evaluate", "--checkpoint", str(pgp_dir / "best"), "--split", "test", "--heatmaps", "3"]
    _step("evaluate: pseudo-glosses", ev1, timings, None)
    pgp_metrics = json.loads((pgp_dir / "best" / "eval" / "test_metrics.json").read_text())
    total = time.perf_counter() - total_start

    print("\n== Results on the synthetic test split")
    print(table(["model", "BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "ROUGE-L"], rows))
    print(f"scoring: {metrics.get('settings', '')}")
    print("\nexamples (reference / hypothesis):")
    for ex in examples[:5]:
        print(f"  ref: {ex['reference']}\n  hyp: {ex['hypothesis']}")
    loc = {k: pgp_metrics.get(k, 0.0) for k in ("loc_precision", "loc_recall", "loc_f1")}
    print(
        "\npseudo-gloss localisation (E > 0.2): "
        + ", ".join(f"{k} {v:.2f}" for k, v in loc.items())
        + (
            f", peak inside the true sign span {pgp_metrics['span_hit_rate']:.2f}"
            if "span_hit_rate" in pgp_metrics
            else ""
        )
    )
    for path in pgp_metrics.get("heatmaps", []):
        print(f"heatmap: {path}")
    print("\ntime per step (s): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
    print(f"total: {total:.0f} s")
    summary = {"results": rows, "timings_s": timings, "total_s": total, "pgp": pgp_metrics}
    (out / "demo_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(
        f"\nserve it: sign2gpt serve --checkpoint {out / 'translate' / 'best'} "
        f"--heatmap-checkpoint {pgp_dir / 'best'}"
    )
    return 0


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
