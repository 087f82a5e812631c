"""sign2gpt pretrain: stage 1, pseudo-gloss pretraining (PGP)."""

from __future__ import annotations

import argparse

from sign2gpt.cli._common import add_config_arguments, config_from_args

NAME = "pretrain"
HELP = "stage 1: pseudo-gloss pretraining of the spatial backbone and sign encoder"
DESCRIPTION = """\
Stage 1 of Sign2GPT (SPEC section 3): the sign encoder learns to predict the pseudo-glosses of
each clip through the prototype head. Needs a prepared store (data.store), a pseudo-gloss file
(data.pseudo_glosses) and the LM whose input embeddings give the prototypes (model.lm.pretrained).

Writes train.out_dir/{config.yaml, checkpoints/, best/, logs/}; best/ is chosen by the dev macro
F1 of pseudo-gloss prediction and is what `sign2gpt train train.init_from=...` starts from.
An interrupted run resumes from checkpoints/last.ckpt when started again with the same out_dir.

example: sign2gpt pretrain --config configs/phoenix14t/pretrain.yaml train.out_dir=runs/pgp
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from sign2gpt.train.runner import run_stage

    best = run_stage(config_from_args(args), "pgp")
    print(f"best stage-1 checkpoint: {best}")
    return 0
