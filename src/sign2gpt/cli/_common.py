"""What every subcommand module provides, and the argument helpers of those that take a recipe.

A subcommand module defines ``COMMANDS``: one or more :class:`Command` (``pretrain`` and
``train`` share a module), each with its ``--help`` texts, ``add_arguments(parser)`` and
``run(args) -> exit code``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from sign2gpt.config import Config, load_config


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def quiet_libraries(verbose: bool) -> None:
    """transformers' weight-loading bars only with ``-v`` (Lightning's start-up notices are
    quietened where the Trainer is made: :func:`sign2gpt.train.runner.make_trainer`)."""
    import os
    import sys

    if verbose:
        return
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # read when transformers loads
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()


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
