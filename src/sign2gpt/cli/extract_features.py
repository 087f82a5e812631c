"""sign2gpt extract-features: cache Z of a frozen stage-1 model (Sign(Z)2GPT)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sign2gpt.cli._common import Command

NAME = "extract-features"
HELP = "cache sign features Z of a stage-1 checkpoint for fast stage-2 training"
DESCRIPTION = """\
Runs the frozen stage-1 spatial backbone and sign encoder once per clip and stores Z with its
length in an indexed feature store (the paper's Sign(Z)2GPT setting). View 0 of every clip uses
the evaluation transform; --views K adds K augmented views of each training clip, one of which
is drawn per epoch in training. Resumable: views already stored are skipped.

Then train on them:  sign2gpt train --config RECIPE data.features=DIR train.init_from=STAGE1_DIR

example: sign2gpt extract-features --checkpoint runs/pgp/best --out runs/features --views 2
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", required=True, help="stage-1 checkpoint folder")
    parser.add_argument("--out", required=True, help="feature store folder")
    parser.add_argument("--store", default=None, help="prepared frame store (default: recipe's)")
    parser.add_argument("--views", type=int, default=0, help="augmented views per training clip")
    parser.add_argument("--splits", default="train,dev,test", help="comma-separated splits")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--device", default="cpu")


def run(args: argparse.Namespace) -> int:
    from sign2gpt.workflow.steps import extract_sign_features

    extract_sign_features(
        Path(args.checkpoint),
        Path(args.out),
        views=args.views,
        splits=tuple(s.strip() for s in args.splits.split(",") if s.strip()),
        store=args.store,
        batch_size=args.batch_size,
        device=args.device,
    )
    return 0


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
