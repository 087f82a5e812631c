"""sign2gpt summary: the parameter table of a recipe's model, built on the meta device."""

from __future__ import annotations

import argparse

from sign2gpt.cli._common import Command, add_config_arguments, config_from_args

NAME = "summary"
HELP = "parameter table of a recipe's model (meta device: no weights, no download)"
DESCRIPTION = """\
Builds the model of a recipe on PyTorch's meta device, so nothing is allocated, read or
downloaded, and prints parameters and trainable parameters per component (spatial backbone,
sign encoder, PGP head or decoder, total). Sizes come from the config; a `pretrained` that names
a local model folder has its config.json read instead; a hub id is never contacted.
The stage is the recipe's train.stage unless --stage says otherwise.

example: sign2gpt summary --config configs/phoenix14t/translate.yaml
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument(
        "--stage", choices=["pgp", "translate"], help="model of this stage (default: train.stage)"
    )


def run(args: argparse.Namespace) -> int:
    from sign2gpt.config import Modality
    from sign2gpt.errors import Sign2GPTError
    from sign2gpt.models.summary import format_table, parameter_table, size_sources

    cfg = config_from_args(args)
    stage = args.stage or cfg.train.stage
    modality = cfg.model.input
    skeleton, glosses = None, 0
    if modality.reads_keypoints:
        from sign2gpt.data.pose.skeletons import known_skeleton

        try:
            skeleton = known_skeleton(cfg.model.pose.skeleton)
        except ValueError as exc:
            raise Sign2GPTError(f"model.pose.skeleton: {exc}") from None
    if modality is Modality.GLOSS:
        from sign2gpt.pipeline import sign_inputs

        glosses = len(sign_inputs(cfg)[1] or [])  # the training split's gloss vocabulary
    print(f"{args.config} (stage {stage}, input {modality.value})")
    print(format_table(parameter_table(cfg.model, stage, skeleton, glosses)))
    for line in size_sources(cfg.model):
        print(line)
    return 0


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
