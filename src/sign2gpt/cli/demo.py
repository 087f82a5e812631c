"""sign2gpt demo: the whole method, offline, on the synthetic corpus.

The demo runs the very subcommands a user runs, in order, so what it shows is what the CLI does:
synth -> prepare -> pseudo-gloss -> lm-pretrain -> pretrain -> train -> evaluate.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from sign2gpt.cli._common import Command
from sign2gpt.config import Modality, Stage, TrainConfig
from sign2gpt.errors import Sign2GPTError
from sign2gpt.runs import RunFolder
from sign2gpt.workflow.chain import StepChain

NAME = "demo"
HELP = "the embedded default: the whole method end to end on a synthetic corpus, offline"
_SEED = TrainConfig().seed  # the demo recipes keep the default train.seed
DESCRIPTION = f"""\
Renders the synthetic signing corpus, prepares its frame store, makes pseudo-glosses, pre-trains
the stand-in LM, runs stage 1 (PGP) and stage 2 (translation), then evaluates on the test split
and prints the metrics table, example translations beside their references and the path of the
localisation heatmap. Every step is a `sign2gpt` subcommand; the commands are printed as they
run. A step whose output already exists is skipped, so an interrupted demo continues.

  --modality   what the sign model reads, one or several joined by commas (the rows are
               printed side by side): rgb (default; the rendered frames, as the paper),
               pose (the corpus's ground-truth keypoints: a perfect pose estimator),
               rgb+pose (both, fused per frame), gloss (the gloss sequence: the ceiling of
               what any video model can reach). Keypoints are prepared with
               `prepare --pose groundtruth` when a modality reads them.
  --stage2     features (default): stage 2 on cached stage-1 features (Sign(Z)2GPT): an epoch
               costs ~5 s instead of ~50 s here, so the CPU budget buys 20 epochs;
               end-to-end: the paper's main setting, stage 2 fine-tunes the whole sign model.
  --ablation   also trains stage 2 end to end from scratch (the paper's "no PGP" setting)
               for as many epochs as stage 1 had, per modality, and prints both rows.
  --preset     tiny (seconds of training; for trying the commands), demo (the real demo,
               about 15 minutes on 2 cores for rgb; pose adds a few minutes) or large
               (Phoenix14T's size: 7,096 training clips, the recipes of configs/large; with
               rgb,gloss --ablation about 1.6 hours of training on 2 cores after 45 minutes
               of rendering and preparing; benchmarks/RESULTS.md has its figures).
  --seeds N    trains each main stage-2 run with N seeds (train.seed = the recipe's
               {_SEED}, {_SEED + 1}, ...) and prints each and their mean and standard deviation.
  --seed S     the seed of the synthetic corpus (not of training).

With gloss among the modalities, each video row's BLEU-4 is also printed as a percentage of
the gloss-to-text ceiling's.

example: sign2gpt demo --modality rgb,pose,rgb+pose --ablation
"""

# Run folders of each modality: rgb keeps the plain names (pgp/, translate/) of earlier demos.
FOLDER_SUFFIX = {
    Modality.RGB: "",
    Modality.POSE: "_pose",
    Modality.RGB_POSE: "_rgb_pose",
    Modality.GLOSS: "_gloss",
}
SCORES = ("bleu1", "bleu2", "bleu3", "bleu4", "rouge_l")


def modality_overrides(modality: Modality) -> list[str]:
    """What a run of ``modality`` sets beyond the recipe: a gloss sequence has one step per sign,
    so the encoder keeps every step (pooling would average neighbouring signs)."""
    overrides = [f"model.input={modality.value}"]
    if modality is Modality.GLOSS:
        overrides.append("model.sign_encoder.downsample_after=[]")
    return overrides


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="demo_out", help="working folder (default %(default)s)")
    parser.add_argument(
        "--preset",
        default="demo",
        choices=["tiny", "demo", "large"],
        help="the synthetic corpus: tiny, demo (default) or large (use configs/large)",
    )
    parser.add_argument(
        "--config-dir",
        default=None,
        help="folder of the recipes (default configs/demo; configs/large for --preset large)",
    )
    parser.add_argument(
        "--modality",
        type=parse_modalities,
        default=[Modality.RGB],
        help="rgb (default), pose, rgb+pose, gloss, or several joined by commas",
    )
    parser.add_argument("--stage2", default="features", choices=["features", "end-to-end"])
    parser.add_argument("--ablation", action="store_true", help="also train without PGP")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic corpus")
    parser.add_argument(
        "--seeds",
        type=int,
        default=1,
        help="stage-2 training seeds of each main run (default %(default)s)",
    )
    parser.add_argument("--workers", type=int, default=2)


def parse_modalities(text: str) -> list[Modality]:
    """``rgb,pose`` -> [Modality.RGB, Modality.POSE] (order kept, repeats dropped)."""
    known = {m.value: m for m in Modality}
    modalities: list[Modality] = []
    for name in (part.strip() for part in text.split(",")):
        if name not in known:
            raise argparse.ArgumentTypeError(
                f"unknown modality {name!r} (known: {', '.join(known)})"
            )
        if known[name] not in modalities:
            modalities.append(known[name])
    return modalities


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


@dataclass(frozen=True)
class StageTwoRun:
    """One stage-2 training run of the demo and where its test scores land."""

    label: str
    modality: Modality
    folder: Path
    recipe: str  # file name in the demo's config folder
    overrides: tuple[str, ...]
    main: bool  # a with-PGP run (its seeds are averaged); False: the no-PGP ablation


@dataclass(frozen=True)
class ModalityRuns:
    """Stage 1 of one modality and the stage-2 runs that start from it (or from scratch)."""

    modality: Modality
    pgp: Path  # stage-1 run folder
    features: Path | None  # cached stage-1 features (--stage2 features)
    runs: tuple[StageTwoRun, ...]


def plan_runs(
    out: Path,
    modalities: list[Modality],
    stage2: str,
    seeds: list[int],
    ablation_epochs: int | None,
) -> list[ModalityRuns]:
    """The demo's training runs per modality: stage 1, the main stage-2 run per seed (from the
    stage-1 model, on its cached features or end to end) and, with ``ablation_epochs``, stage 2
    from scratch for that many epochs."""
    plans = []
    for modality in modalities:
        suffix = FOLDER_SUFFIX[modality]
        pgp = out / f"pgp{suffix}"
        name = f"{modality.value}: " + (
            "gloss-to-text ceiling, " if modality is Modality.GLOSS else ""
        )
        init = f"train.init_from={RunFolder(pgp).best}"
        features = out / f"features{suffix}" if stage2 == "features" else None
        if features is not None:
            recipe, extra = "translate_features.yaml", (init, f"data.features={features}")
            label = name + "Sign(Z)2GPT, with PGP, stage 2 on cached features"
        else:
            recipe, extra = "translate.yaml", (init,)
            label = name + "Sign2GPT, with PGP, end to end"
        runs = []
        for i, seed in enumerate(seeds):
            folder = out / (f"translate{suffix}" + (f"_seed{seed}" if i else ""))
            runs.append(
                StageTwoRun(
                    label + (f", train.seed {seed}" if i else ""),
                    modality,
                    folder,
                    recipe,
                    (*extra, f"train.seed={seed}"),
                    main=True,
                )
            )
        if ablation_epochs is not None:
            runs.append(
                StageTwoRun(
                    name + "Sign2GPT, no PGP, end to end",
                    modality,
                    out / f"translate{suffix}_nopgp",
                    "translate.yaml",
                    (
                        "train.init_from=",
                        f"train.epochs={ablation_epochs}",
                        f"train.val_every_epochs={ablation_epochs}",
                    ),
                    main=False,
                )
            )
        plans.append(ModalityRuns(modality, pgp, features, tuple(runs)))
    return plans


def ceiling_shares(bleu4: list[tuple[StageTwoRun, float]]) -> list[str]:
    """Each video run's test BLEU-4 as a percentage of the gloss-to-text ceiling's (the mean of
    the gloss input's with-PGP runs); no lines without a gloss run."""
    ceiling = [b for run, b in bleu4 if run.modality is Modality.GLOSS and run.main]
    if not ceiling:
        return []
    top = statistics.fmean(ceiling)
    if top <= 0:
        return ["the gloss-to-text ceiling scored BLEU-4 0: no percentage of it"]
    return [
        f"{run.label}: {100 * b / top:.1f} % of the ceiling's BLEU-4 ({b:.2f} of {top:.2f})"
        for run, b in bleu4
        if run.modality is not Modality.GLOSS
    ]


def _seconds_per_epoch(run: RunFolder) -> str:
    """Training seconds per epoch of a finished run (its DONE file; validation included)."""
    done = run.record()
    try:
        return f"{done['seconds'] / max(int(done['epochs']), 1):.1f}"
    except (KeyError, TypeError, ValueError):
        return "?"


def _mean_row(label: str, scores: list[dict[str, float]]) -> list[str]:
    return [
        label,
        *(
            f"{statistics.fmean(v):.2f} ± {statistics.stdev(v):.2f}"
            for v in ([s[k] for s in scores] for k in SCORES)
        ),
        "",
    ]


@dataclass
class Results:
    """What the demo prints and writes to demo_summary.json, filled in run by run."""

    rows: list[list[str]] = field(default_factory=list)
    examples: list[dict[str, str]] = field(default_factory=list)
    bleu4: list[tuple[StageTwoRun, float]] = field(default_factory=list)  # each stage-2 run's
    localisation: list[list[str]] = field(default_factory=list)
    settings: str = ""


def _inputs(args: argparse.Namespace, chain: StepChain, cfg_dir: Path, out: Path) -> list[str]:
    """Corpus, store, pseudo-glosses and stand-in LM (each skipped when there already); the
    overrides that point every recipe at them."""
    from sign2gpt.config import load_config
    from sign2gpt.data.pose.store import PoseSource
    from sign2gpt.synth import render_preview
    from sign2gpt.workflow import steps

    corpus, store, pg = out / "corpus", out / "store", out / "pseudo_glosses.json"
    lm_dir = out / "lm"
    manifest_file = corpus / "groundtruth" / "manifest.json"
    chain.once(
        "synth",
        manifest_file,
        steps.synth_corpus,
        corpus,
        preset=args.preset,
        seed=args.seed,
        workers=args.workers,
    )
    preview = out / "preview.png"
    if not preview.is_file():
        manifest = json.loads(manifest_file.read_text())
        render_preview(corpus / manifest["example_clip"], preview)
    print(f"preview of a training clip (what the model sees): {preview}")

    modalities: list[Modality] = args.modality
    data = load_config(cfg_dir / "base.yaml").data
    where = ("phoenix14t", corpus, store, data, args.workers)
    if any(not m.reads_keypoints or m.reads_frames for m in modalities):  # the frame store
        chain.once("prepare", store / "DONE", steps.prepare_corpus, *where)
    if any(m.reads_keypoints for m in modalities):
        pose, done = PoseSource.parse("groundtruth"), store / "keypoints" / "DONE"
        chain.once("prepare keypoints", done, steps.prepare_corpus, *where, pose=pose, frames=False)
    chain.once("pseudo-gloss", pg, steps.make_pseudo_glosses, "phoenix14t", corpus, pg, "de")
    common = [
        f"data.root={corpus}",
        f"data.store={store}",
        f"data.pseudo_glosses={pg}",
        f"model.lm.pretrained={lm_dir}",
        f"lm_pretrain.out_dir={lm_dir}",
    ]
    if args.preset == "tiny":
        common += ["train.epochs=1", "lm_pretrain.epochs=1"]
    chain.once(
        "lm-pretrain", lm_dir / "config.json", steps.pretrain_lm, cfg_dir / "lm.yaml", common
    )
    return common


def _train_modality(
    plan: ModalityRuns,
    chain: StepChain,
    cfg_dir: Path,
    common: list[str],
    results: Results,
    verbose: bool,
) -> None:
    """Stage 1 of one modality, its stage-2 runs, their test scores and stage 1's
    localisation, into ``results``."""
    from sign2gpt.workflow import steps

    m = plan.modality.value
    inputs = [*common, *modality_overrides(plan.modality)]
    pgp = RunFolder(plan.pgp)
    chain.run(
        f"pretrain (PGP): {m}",
        steps.train_stage,
        cfg_dir / "pretrain.yaml",
        [*inputs, f"train.out_dir={plan.pgp}"],
        Stage.PGP,
        verbose=verbose,
    )
    if plan.features is not None:
        chain.run(f"extract-features: {m}", steps.extract_sign_features, pgp.best, plan.features)
    seed_scores = []
    for stage2 in plan.runs:
        run = RunFolder(stage2.folder)
        chain.run(
            f"train: {stage2.label}",
            steps.train_stage,
            cfg_dir / stage2.recipe,
            [*inputs, f"train.out_dir={stage2.folder}", *stage2.overrides],
            Stage.TRANSLATE,
            verbose=verbose,
        )
        chain.run(f"evaluate: {stage2.label}", steps.evaluate_on_split, run.best, "test")
        metrics = run.read_scores("test")
        results.settings = metrics.get("settings", results.settings)
        # the stage-1 epoch time stands beside the runs that start from stage 1
        epoch = _seconds_per_epoch(pgp) if stage2.main else "-"
        results.rows.append([stage2.label, *(f"{metrics[k]:.2f}" for k in SCORES), epoch])
        results.examples = results.examples or metrics.get("examples", [])
        results.bleu4.append((stage2, float(metrics["bleu4"])))
        if stage2.main:
            seed_scores.append({k: float(metrics[k]) for k in SCORES})
    if len(seed_scores) > 1:
        results.rows.append(_mean_row(f"{m}: mean ± sd over {len(seed_scores)} seeds", seed_scores))
    title = f"evaluate: pseudo-glosses, {m}"
    chain.run(title, steps.evaluate_on_split, pgp.best, "test", heatmaps=3)
    pgp_metrics = pgp.read_scores("test")
    results.localisation.append(
        [
            m,
            *(f"{pgp_metrics.get(k, 0.0):.2f}" for k in ("loc_precision", "loc_recall")),
            f"{pgp_metrics.get('loc_f1', 0.0):.2f}",
            f"{pgp_metrics['span_hit_rate']:.2f}" if "span_hit_rate" in pgp_metrics else "-",
            ", ".join(pgp_metrics.get("heatmaps", [])[:1]),
        ]
    )


def _report(results: Results, timings: dict[str, float], total: float, out: Path) -> None:
    """The tables, examples and timings printed at the end, and demo_summary.json."""
    from sign2gpt.metrics.tables import table

    print("\n== Results on the synthetic test split")
    header = ["model", "BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "ROUGE-L", "stage-1 s/epoch"]
    print(table(header, results.rows))
    print(f"scoring: {results.settings}")
    shares = ceiling_shares(results.bleu4)
    if shares:
        print("\nvideo to text against the gloss-to-text ceiling (test BLEU-4):")
        print("\n".join(f"  {line}" for line in shares))
    print("\nexamples (reference / hypothesis):")
    for ex in results.examples[:5]:
        print(f"  ref: {ex['reference']}\n  hyp: {ex['hypothesis']}")
    print("\npseudo-gloss localisation of stage 1 (E > 0.2):")
    loc_header = ["input", "precision", "recall", "F1", "peak in true span", "a heatmap"]
    print(table(loc_header, results.localisation))
    print("\ntime per step (s): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
    print(f"total: {total:.0f} s")
    summary = {
        "results": results.rows,
        "localisation": results.localisation,
        "ceiling_shares": shares,
        "timings_s": timings,
        "total_s": total,
    }
    (out / "demo_summary.json").write_text(json.dumps(summary, indent=2) + "\n")


def run(args: argparse.Namespace) -> int:
    from sign2gpt.config import load_config

    out = Path(args.out)
    default_dir = "configs/large" if args.preset == "large" else "configs/demo"
    cfg_dir = _config_dir(args.config_dir or default_dir)
    if args.seeds < 1:
        raise Sign2GPTError("--seeds must be at least 1")
    out.mkdir(parents=True, exist_ok=True)
    chain = StepChain("demo")
    total_start = time.perf_counter()
    common = _inputs(args, chain, cfg_dir, out)
    first_seed = load_config(cfg_dir / "translate.yaml").train.seed
    pgp_epochs = load_config(cfg_dir / "pretrain.yaml", common).train.epochs  # tiny: 1
    plans = plan_runs(
        out,
        args.modality,
        args.stage2,
        list(range(first_seed, first_seed + args.seeds)),
        pgp_epochs if args.ablation else None,
    )
    results = Results()
    for plan in plans:
        _train_modality(plan, chain, cfg_dir, common, results, args.verbose)
    _report(results, chain.seconds, time.perf_counter() - total_start, out)
    first = plans[0]
    print(
        f"\nserve it: sign2gpt serve --checkpoint {RunFolder(first.runs[0].folder).best} "
        f"--heatmap-checkpoint {RunFolder(first.pgp).best}"
    )
    return 0


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
