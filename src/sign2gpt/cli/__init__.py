"""The ``sign2gpt`` command. Thin: each subcommand module parses its arguments and calls
library code; this module only collects them and turns user errors into one clear line."""

from __future__ import annotations

import argparse
import importlib
import sys

from sign2gpt import __version__
from sign2gpt.cli._common import quiet_libraries
from sign2gpt.errors import Sign2GPTError
from sign2gpt.io import describe_os_error

# The subcommand modules under sign2gpt.cli, each defining COMMANDS (sign2gpt.cli._common).
# Listed in the order `--help` shows them.
MODULES: list[str] = [
    "synth",
    "prepare",
    "pseudo_gloss",
    "lm_pretrain",
    "train",
    "extract_features",
    "evaluate",
    "translate",
    "serve",
    "score",
    "summary",
    "report",
    "ablate",
    "demo",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sign2gpt",
        description="Gloss-free sign language translation with a frozen LLM (Sign2GPT).",
    )
    parser.add_argument("--version", action="version", version=f"sign2gpt {__version__}")
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also print the libraries' start-up notices (Lightning's devices, tips)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in MODULES:
        module = importlib.import_module(f"sign2gpt.cli.{name}")
        for command in module.COMMANDS:
            cmd = sub.add_parser(
                command.name,
                help=command.help,
                description=command.description,
                formatter_class=argparse.RawDescriptionHelpFormatter,
                parents=[verbose],
            )
            command.add_arguments(cmd)
            cmd.set_defaults(_run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    quiet_libraries(args.verbose)
    try:
        return int(args._run(args) or 0)
    except Sign2GPTError as exc:
        # one line, whatever a file name in it holds
        message = str(exc).replace("\r", "\\r").replace("\n", "\\n")
        print(f"sign2gpt {args.command}: error: {message}", file=sys.stderr)
        return 2
    except OSError as exc:
        # A file the command had to write or read failed at the system level (a full disk, a
        # folder turned read-only mid-run): one line naming it, never a traceback.
        print(f"sign2gpt {args.command}: error: {describe_os_error(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"sign2gpt {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
