"""Argument helpers shared by the subcommands that take a recipe."""

from __future__ import annotations

import argparse

from sign2gpt.config import Config, load_config


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="recipe YAML (see configs/)")
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="KEY=VALUE",
        help="dotted overrides of the recipe, e.g. train.optim.lr=1e-4 data.batch_size=4",
    )


def config_from_args(args: argparse.Namespace) -> Config:
    return load_config(args.config, args.overrides)
