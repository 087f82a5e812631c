"""sign2gpt ablate: the paper's ablations as rows, each trained over several seeds, as one table.

The loop runs the very steps the subcommands run (``pretrain``, ``extract-features``,
``lm-pretrain``, ``train``, ``evaluate``: :mod:`sign2gpt.workflow.steps`) through a
:class:`~sign2gpt.workflow.chain.StepChain`, as ``sign2gpt demo`` does; the rows, their results
and the table are :mod:`sign2gpt.metrics.ablation`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sign2gpt.cli._common import Command
from sign2gpt.config import Stage
from sign2gpt.errors import Sign2GPTError
from sign2gpt.runs import RunFolder
from sign2gpt.workflow.chain import StepChain

if TYPE_CHECKING:
    from sign2gpt.metrics.ablation import AblationRow, RowResult

NAME = "ablate"
HELP = "train the paper's ablation rows over several seeds and print one table"
DESCRIPTION = """\
Each row (a YAML file in --rows-dir, docs/research.md#ablations) is a change to the recipe
--config (the stage-2 recipe); per seed (train.seed = first seed, +1, ...) the row is trained:

  pgp: false      stage 2 from scratch (train.init_from and data.features cleared)
  pgp: true       stage 2 from the recipe's stage-1 checkpoint (train.init_from), on its cached
                  features when the recipe names data.features; with stage1: retrain (a change
                  to the sign model) or --stage1 per-seed, stage 1 is trained first with
                  --pretrain-config (and its features extracted when the recipe uses them)

then evaluated on --split. Prints and writes (--out) ablation.md and ablation.csv: every
metric's mean and sample standard deviation over the seeds, the difference in BLEU-4 from the
row each is compared with (and whether it exceeds twice its standard error), and the paper's
figure for the row. Rows that do not apply to the recipe (the demo's CNN has no adapters) are
printed as n/a with the reason; a row with `skip:` (the demo's resnet18: its cost) is left out
of --rows all, printed as not run with the reason, and runs when named in --rows. A step whose
output exists is skipped, so an interrupted ablation continues; rows with identical settings
share their runs.

  --demo-out DIR  fills in the paths of a `sign2gpt demo --out DIR` folder (corpus, store,
                  pseudo-glosses, LM, stage 1, features), for the demo's recipes

example (the demo's table, docs/research.md#the-demo-corpus-table):
  sign2gpt ablate --config configs/demo/translate_features.yaml \\
    --pretrain-config configs/demo/pretrain.yaml --rows-dir configs/demo/ablations \\
    --rows all --seeds 3 --stage1 shared --demo-out demo_out --out ablation_demo
  (99 minutes on 2 CPU cores; --stage1 per-seed retrains the reference's stage 1 per seed too)
example (Phoenix14T): sign2gpt ablate --config configs/phoenix14t/translate.yaml \\
    --rows no_pgp,global_attention,no_downsampling --seeds 3 --out runs/ablation
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="the stage-2 recipe the rows change")
    parser.add_argument(
        "--pretrain-config", default=None, help="stage-1 recipe (rows that retrain stage 1)"
    )
    parser.add_argument(
        "--rows",
        default="all",
        help="comma-separated row names (a named row runs even if it has skip:), or all",
    )
    parser.add_argument("--rows-dir", default="configs/ablations", help="folder of row files")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per row (default %(default)s)")
    parser.add_argument(
        "--first-seed", type=int, default=None, help="default: the recipe's train.seed"
    )
    parser.add_argument("--split", default="test", choices=["dev", "test"])
    parser.add_argument(
        "--stage1",
        default="shared",
        choices=["shared", "per-seed"],
        help="rows that reuse stage 1: the recipe's checkpoint (shared) or one trained per seed",
    )
    parser.add_argument("--out", required=True, help="folder of the runs and the table")
    parser.add_argument("--demo-out", default=None, help="a `sign2gpt demo` output folder")
    parser.add_argument(
        "overrides", nargs="*", metavar="KEY=VALUE", help="dotted overrides of every step"
    )


def _demo_overrides(folder: Path) -> list[str]:
    names = {
        "data.root": "corpus",
        "data.store": "store",
        "data.pseudo_glosses": "pseudo_glosses.json",
        "model.lm.pretrained": "lm",
    }
    paths = {key: folder / name for key, name in names.items()}
    paths["train.init_from"] = RunFolder(folder / "pgp").best
    missing = [str(path) for path in paths.values() if not path.exists()]
    if missing:
        raise Sign2GPTError(f"{missing[0]}: not found (run `sign2gpt demo --out {folder}` first)")
    out = [f"{key}={path}" for key, path in paths.items()]
    if (folder / "features").is_dir():
        out.append(f"data.features={folder / 'features'}")
    return out


def run(args: argparse.Namespace) -> int:
    from sign2gpt.config import load_config
    from sign2gpt.metrics.ablation import RowResult, find_rows

    out = Path(args.out)
    common = [*(_demo_overrides(Path(args.demo_out)) if args.demo_out else []), *args.overrides]
    cfg = load_config(args.config, common)  # a bad recipe or override fails before any run
    rows = find_rows([n.strip() for n in args.rows.split(",") if n.strip()], args.rows_dir)
    needs_stage1 = any(r.runs and r.pgp and r.stage1 == "retrain" for r in rows)
    if args.stage1 == "per-seed" or needs_stage1:
        if not args.pretrain_config:
            raise Sign2GPTError("rows that retrain stage 1 need --pretrain-config (stage-1 recipe)")
        load_config(args.pretrain_config, common)
    if any(r.runs and r.pgp for r in rows) and not cfg.train.init_from:
        raise Sign2GPTError(
            f"{args.config}: train.init_from is empty, but rows with PGP start from stage 1"
        )
    if args.seeds < 1:
        raise Sign2GPTError("--seeds must be at least 1")
    first = cfg.train.seed if args.first_seed is None else args.first_seed
    seeds = [first + i for i in range(args.seeds)]
    out.mkdir(parents=True, exist_ok=True)

    chain = StepChain("ablation")
    start = time.perf_counter()
    shared: dict[tuple[object, ...], RowResult] = {}
    results: list[RowResult] = []
    for row in rows:
        if not row.runs:
            results.append(RowResult(row))
            continue
        same = shared.get(row.identity())
        if same is not None:  # the same settings as a row already run: its results
            print(f"== {row.name}: the same runs as {same.row.name}")
            results.append(RowResult(row, same.seeds, same.metrics, 0.0))
            continue
        result = RowResult(row, seeds=list(seeds))
        for seed in seeds:
            metrics, spent = _run_row_seed(args, cfg.data.features, common, row, seed, out, chain)
            result.metrics.append(metrics)
            result.seconds += spent
        shared[row.identity()] = result
        results.append(result)
        _write_tables(results, out, args.split, time.perf_counter() - start)
    total = time.perf_counter() - start
    table = _write_tables(results, out, args.split, total)
    print(f"\n{table}\n")
    print(
        f"wall time: {total:.0f} s ({total / 60:.1f} min); written: {out / 'ablation.md'}, "
        f"{out / 'ablation.csv'}"
    )
    return 0


def _write_tables(results: list[RowResult], out: Path, split: str, seconds: float) -> str:
    """ablation.md and ablation.csv of the rows so far (rewritten after every row)."""
    from sign2gpt.metrics.ablation import markdown_table, write_csv

    table = markdown_table(results, split)
    note = (
        f"\n\nMean ± sample standard deviation over seeds; {split} split; wall time "
        f"{seconds:.0f} s ({seconds / 60:.1f} min).\n"
    )
    (out / "ablation.md").write_text(table + note, encoding="utf-8")
    write_csv(results, out / "ablation.csv")
    return table


def _run_row_seed(
    args: argparse.Namespace,
    features: str,
    common: list[str],
    row: AblationRow,
    seed: int,
    out: Path,
    chain: StepChain,
) -> tuple[dict[str, float], float]:
    """Train and evaluate one row with one seed; its metrics and the seconds spent."""
    from sign2gpt.workflow import steps

    before = chain.spent
    row_args = [*common, *row.overrides]
    if row.lm_pretrain:  # a stand-in LM of its own (the demo's smaller-LM row), one for all seeds
        lm_dir = out / "lm" / row.name
        lm_args = [*row_args, *row.lm_pretrain, f"lm_pretrain.out_dir={lm_dir}"]
        recipe = row.lm_config or args.config
        chain.once(
            f"{row.name}: lm-pretrain", lm_dir / "config.json", steps.pretrain_lm, recipe, lm_args
        )
        row_args.append(f"model.lm.pretrained={lm_dir}")
    seeded = [*row_args, f"train.seed={seed}"]
    if not row.pgp:
        stage2 = [*seeded, "train.init_from=", "data.features="]
    elif row.stage1 == "retrain" or args.stage1 == "per-seed":
        stage2 = [*seeded, *_stage1(args, features, common, row, seed, out, chain)]
    else:
        stage2 = seeded  # the recipe's own stage 1 (and features)
    run = RunFolder(out / "runs" / row.name / f"seed{seed}")
    chain.once(
        f"{row.name} seed {seed}: train",
        run.done,
        steps.train_stage,
        args.config,
        [*stage2, f"train.out_dir={run.out_dir}"],
        Stage.TRANSLATE,
    )
    title = f"{row.name} seed {seed}: evaluate"
    chain.once(title, run.scores(args.split), steps.evaluate_on_split, run.best, args.split)
    result = run.read_scores(args.split)
    metrics = {k: float(result[k]) for k in ("bleu1", "bleu2", "bleu3", "bleu4", "rouge_l")}
    return metrics, chain.spent - before


def _stage1(
    args: argparse.Namespace,
    features: str,
    common: list[str],
    row: AblationRow,
    seed: int,
    out: Path,
    chain: StepChain,
) -> list[str]:
    """Stage 1 trained for this row and seed (with the row's change, or the reference's per
    seed), and its features when the recipe trains on features; the stage-2 overrides that
    start from it."""
    from sign2gpt.workflow import steps

    key = row.name if row.stage1 == "retrain" else "base"
    pgp = RunFolder(out / "stage1" / key / f"seed{seed}")
    stage1_args = [*common, *(row.overrides if row.stage1 == "retrain" else ())]
    # stage 1 reads frames: the stage-2 recipe's cached features are not its input
    stage1_args += ["data.features=", f"train.seed={seed}", f"train.out_dir={pgp.out_dir}"]
    chain.once(
        f"{key} seed {seed}: pretrain",
        pgp.done,
        steps.train_stage,
        args.pretrain_config,
        stage1_args,
        Stage.PGP,
    )
    overrides = [f"train.init_from={pgp.best}"]
    if features:
        feature_dir = pgp.out_dir / "features"
        # resumable by itself: what is stored already is skipped
        title = f"{key} seed {seed}: extract-features"
        chain.run(title, steps.extract_sign_features, pgp.best, feature_dir)
        overrides.append(f"data.features={feature_dir}")
    return overrides


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
