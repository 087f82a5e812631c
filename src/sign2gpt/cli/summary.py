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
    from sign2gpt.models.summary import format_table, parameter_table, size_sources

    cfg = config_from_args(args)
    stage = args.stage or cfg.train.stage
    print(f"{args.config} (stage {stage})")
    print(format_table(parameter_table(cfg.model, stage)))
    for line in size_sources(cfg.model):
        print(line)
    return 0


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
