"""sign2gpt evaluate: score a checkpoint folder on dev or test."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

from sign2gpt.cli._common import Command
from sign2gpt.metrics.thresholds import LOCALISATION_THRESHOLD, PREDICT_THRESHOLD

NAME = "evaluate"
HELP = "score a checkpoint on a split (BLEU-1..4, ROUGE-L; pseudo-gloss F1 for stage 1)"
# The thresholds the metrics apply, not a copy of them.
_STAGE_1 = textwrap.fill(
    "Stage-1 checkpoints: pseudo-gloss mean average precision (map, what training selects by), "
    f"precision / recall / F1 (the paper's macro F1 at yhat > {PREDICT_THRESHOLD}, its "
    f"localisation check at E > {LOCALISATION_THRESHOLD}), on the synthetic corpus also whether "
    "the peak of E falls inside the true sign span, and heatmaps of E "
    "(<split>_heatmap_<clip>.png) like the paper's Figure 4.",
    96,
)
DESCRIPTION = f"""\
Stage-2 checkpoints: beam search (width from the recipe, 4 in the paper), then BLEU-1..4 and
ROUGE-L as in docs/method.md#6-evaluation-protocol, against the raw references; the scoring
settings are printed with the scores, and the same outputs' BLEU under the other conventions in
use (sacreBLEU's 13a tokenizer; references with the final period restored; zh: sacreBLEU's zh
tokenizer), every figure with its sacreBLEU signature. --bleurt DIR adds BLEURT with a local
checkpoint folder when bleurt-pytorch or bleurt is installed (never downloaded).
Writes <out>/<split>_{{hypotheses,references}}.txt, <split>_side_by_side.tsv and
<split>_metrics.json. Prints how long loading took.

{_STAGE_1}

example: sign2gpt evaluate --checkpoint runs/translate/best --split test
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", required=True, help="checkpoint folder (e.g. RUN/best)")
    parser.add_argument("--split", default="test", choices=["train", "dev", "test"])
    parser.add_argument("--out", default=None, help="output folder (default CHECKPOINT/eval)")
    parser.add_argument("--store", default=None, help="prepared store (default: the recipe's)")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--num-beams", type=int, default=None, help="default: the recipe's")
    parser.add_argument(
        "--no-repeat-ngram-size",
        type=int,
        default=None,
        metavar="N",
        help="stage 2: never produce one token N-gram twice in a sentence; 0 = off "
        "(default: the recipe's train.no_repeat_ngram_size)",
    )
    parser.add_argument("--heatmaps", type=int, default=3, help="stage 1: clips to draw")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1 ...")
    parser.add_argument(
        "--bleurt", default=None, metavar="DIR", help="stage 2: BLEURT checkpoint folder (local)"
    )


def run(args: argparse.Namespace) -> int:
    from sign2gpt.workflow.steps import evaluate_on_split

    evaluate_on_split(
        Path(args.checkpoint),
        split=args.split,
        out=Path(args.out) if args.out else None,
        store=args.store,
        batch_size=args.batch_size,
        num_beams=args.num_beams,
        no_repeat_ngram_size=args.no_repeat_ngram_size,
        heatmaps=args.heatmaps,
        device=args.device,
        bleurt=args.bleurt,
    )
    return 0


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
