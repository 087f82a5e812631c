"""sign2gpt pretrain / train: the two training stages, one recipe each."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable

from sign2gpt.cli._common import Command, add_config_arguments
from sign2gpt.config import Stage
from sign2gpt.train.selection import PGP_SELECTION, TRANSLATION_SELECTION

RERUN = """\
Writes train.out_dir/{config.yaml, checkpoints/last.ckpt, best/, logs/, DONE}. Run the same
command again: an interrupted run resumes from checkpoints/last.ckpt (written every
train.checkpoint_every_steps steps); a finished run (DONE) is left unchanged and says so.
  --continue    a finished run trains on from its last checkpoint (e.g. with more train.epochs)
  --overwrite   delete what the run folder holds and start over
"""

# From the selection the modules use, so that the help cannot name another metric.
_PGP_BEST = textwrap.fill(
    f"best/ is the epoch of the best {PGP_SELECTION.describe()}; the paper's macro F1 at "
    "yhat > 0.5 is logged beside it. best/ is what `sign2gpt train train.init_from=...` "
    "starts from.",
    96,
)
_TRANSLATION_BEST = textwrap.fill(
    f"best/ is the epoch of the best {TRANSLATION_SELECTION.describe()}.", 96
)

PRETRAIN = f"""\
Stage 1 of Sign2GPT (docs/method.md#3-stage-1-pseudo-gloss-pretraining): the sign model learns
to predict the pseudo-glosses of each clip through the prototype head. Needs a prepared store
(data.store, at data.store_size: `sign2gpt prepare --size`) and a pseudo-gloss file
(data.pseudo_glosses). The frozen prototypes come from model.pgp_head.prototypes: cooccurrence
(word vectors from the training sentences, the demo's), a fastText .vec/.bin file (the
authors'), or lm (the LM's input embeddings: then model.lm.pretrained must name the LM). Only
`lm` reads the language model; the other two never load it.

{_PGP_BEST}

{RERUN}
example: sign2gpt pretrain --config configs/phoenix14t/pretrain.yaml train.out_dir=runs/pgp
"""

TRAIN = f"""\
Stage 2 of Sign2GPT (docs/method.md#44-language-model-and-gated-fusion): the sign model feeds the
frozen LM through the bridge and the zero-gated cross-attention; trained with label-smoothed
cross-entropy (docs/method.md#5-training-recipe).

  train.init_from=DIR   start from a stage-1 checkpoint folder (Sign2GPT with PGP);
                        empty = from scratch (the paper's "no PGP" setting)
  data.features=DIR     train on cached sign features (Sign(Z)2GPT, see extract-features)

{_TRANSLATION_BEST}

{RERUN}
example: sign2gpt train --config configs/phoenix14t/translate.yaml train.init_from=runs/pgp/best
"""


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    again = parser.add_mutually_exclusive_group()
    again.add_argument(
        "--continue",
        dest="resume",
        action="store_const",
        const="continue",
        default="auto",
        help="train a finished run on from its last checkpoint",
    )
    again.add_argument(
        "--overwrite",
        dest="resume",
        action="store_const",
        const="overwrite",
        help="start over in train.out_dir, deleting what an earlier run left there",
    )


def _runner(stage: Stage) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from sign2gpt.workflow.steps import train_stage

        train_stage(args.config, args.overrides, stage, resume=args.resume, verbose=args.verbose)
        return 0

    return run


COMMANDS = [
    Command(
        "pretrain",
        "stage 1: pseudo-gloss pretraining of the sign model (spatial backbone + encoder)",
        PRETRAIN,
        _add_arguments,
        _runner(Stage.PGP),
    ),
    Command(
        "train",
        "stage 2: translation with the frozen LM (from a stage-1 checkpoint or from scratch)",
        TRAIN,
        _add_arguments,
        _runner(Stage.TRANSLATE),
    ),
]
