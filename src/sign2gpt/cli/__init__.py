"""The ``sign2gpt`` command. Thin: each subcommand module parses its arguments and calls
library code; this module only collects them and turns user errors into one clear line."""

from __future__ import annotations

import argparse
import importlib
import sys

from sign2gpt import __version__
from sign2gpt.errors import Sign2GPTError

# One module per subcommand under sign2gpt.cli; each defines NAME, HELP and
# ``add_arguments(parser)`` + ``run(args) -> int``. Listed in the order `--help` shows them.
COMMANDS: list[str] = [
    "synth",
    "prepare",
    "pseudo-gloss",
    "lm-pretrain",
    "pretrain",
    "train",
    "extract-features",
    "evaluate",
    "translate",
    "serve",
    "score",
    "summary",
    "demo",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sign2gpt",
        description="Gloss-free sign language translation with a frozen LLM (Sign2GPT).",
    )
    parser.add_argument("--version", action="version", version=f"sign2gpt {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"sign2gpt.cli.{name.replace('-', '_')}")
        cmd = sub.add_parser(
            module.NAME,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except Sign2GPTError as exc:
        print(f"sign2gpt {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"sign2gpt {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
