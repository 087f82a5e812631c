"""sign2gpt train: stage 2, translation."""

from __future__ import annotations

import argparse

from sign2gpt.cli._common import add_config_arguments, config_from_args

NAME = "train"
HELP = "stage 2: translation with the frozen LM (from a stage-1 checkpoint or from scratch)"
DESCRIPTION = """\
Stage 2 of Sign2GPT (SPEC sections 4-5): the sign model feeds the frozen LM through the bridge
and the zero-gated cross-attention; trained with label-smoothed cross-entropy.

  train.init_from=DIR   start from a stage-1 checkpoint folder (Sign2GPT with PGP);
                        empty = from scratch (the paper's "no PGP" setting)
  data.features=DIR     train on cached sign features (Sign(Z)2GPT, see extract-features)

Writes train.out_dir/{config.yaml, checkpoints/, best/, logs/}; best/ is chosen by dev BLEU-4 of
beam search. An interrupted run resumes from checkpoints/last.ckpt.

example: sign2gpt train --config configs/phoenix14t/translate.yaml train.init_from=runs/pgp/best
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from sign2gpt.train.runner import run_stage

    best = run_stage(config_from_args(args), "translate")
    print(f"best translation checkpoint: {best}")
    return 0
