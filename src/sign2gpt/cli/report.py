"""sign2gpt report: the training curves of a run and, for stage 2, how its gates opened."""

from __future__ import annotations

import argparse
from pathlib import Path

from sign2gpt.cli._common import Command
from sign2gpt.train.selection import SELECTIONS

NAME = "report"
HELP = "draw a run's training curves and (stage 2) the opening of its gates"
_METRICS = " or ".join(s.metric for s in SELECTIONS)
DESCRIPTION = f"""\
Reads what a training run logged (RUN_DIR/logs/csv/version_N/metrics.csv, every start of a
resumed run joined; RUN_DIR/logs/gates.csv for stage 2) and writes into RUN_DIR/report/
(or --out):

  training_curves.png  training loss, the dev metric used for model selection
                       ({_METRICS}, its best point marked) and the learning rate of every
                       parameter group, over optimiser steps
  gates.png            stage 2: every gate of every layer and head by step (the zero-initialised
                       gated fusion opening; docs/method.md#44-language-model-and-gated-fusion),
                       and the mean gate of each layer

and prints a short summary (steps, last training loss, best dev metric, gates at the end).

example: sign2gpt report runs/phoenix14t/translate
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a training run folder (train.out_dir)")
    parser.add_argument("--out", default=None, help="output folder (default RUN_DIR/report)")


def run(args: argparse.Namespace) -> int:
    from sign2gpt.metrics.plots import plot_gate_heatmap, plot_training_curves
    from sign2gpt.metrics.run_logs import read_gates, read_metrics

    run_dir = Path(args.run_dir)
    out = Path(args.out) if args.out else run_dir / "report"
    metrics = read_metrics(run_dir)
    # The stage's own selection metric: a run logs only its stage's dev metrics.
    monitor = next((s.metric for s in SELECTIONS if s.metric in metrics), SELECTIONS[0].metric)
    name = "/".join(run_dir.resolve().parts[-2:])  # e.g. demo_out/translate
    curves = plot_training_curves(metrics, monitor, name, out / "training_curves.png")
    print(f"training curves: {curves}")
    loss = metrics.get("train/loss")
    if loss is not None and loss.steps:
        print(f"steps logged: {loss.steps[-1]}, last train/loss {loss.values[-1]:.4f}")
    best = metrics[monitor].best() if monitor in metrics else None
    if best is not None:
        print(f"best {monitor}: {best[1]:.2f} at step {best[0]}")
    gates = read_gates(run_dir)
    if gates is None:
        print("no logs/gates.csv (a stage-1 run, or one from before gates were logged)")
        return 0
    picture = plot_gate_heatmap(
        gates, f"{name}: gates by layer and head over training", out / "gates.png"
    )
    print(f"gates: {picture}")
    final = gates.values[-1]  # (L, H)
    per_layer = ", ".join(f"{v:.2f}" for v in final.mean(1))
    print(
        f"gates at step {int(gates.steps[-1])}: mean {final.mean():.3f}, max {final.max():.3f}, "
        f"{int((final > 0.01).sum())} of {final.size} above 0.01; mean per layer: {per_layer}"
    )
    return 0


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
