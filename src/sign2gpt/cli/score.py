"""sign2gpt score: BLEU-1..4 and ROUGE-L of any hypothesis file against a reference file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sign2gpt.cli._common import Command

NAME = "score"
HELP = "score a hypothesis file against a reference file (BLEU-1..4, ROUGE-L)"
DESCRIPTION = """\
Scores translations exactly as `sign2gpt evaluate` does (docs/method.md#6-evaluation-protocol):
corpus BLEU-1..4 with sacreBLEU (tokenize none, lowercased words for de/en, one token per
character for zh) and the MS-COCO sentence-level ROUGE-L (beta 1.2) averaged over sentences.
Both files hold one sentence per line, UTF-8, paired line by line; an empty hypothesis line is
allowed and scores 0; a line of more than 100,000 tokens (words, or characters for zh) is
refused (a file that lost its newlines: ROUGE-L's LCS grows with the square of its length).
The exact settings are printed under the table, then the BLEU of the same files under the
other conventions in use (sacreBLEU's 13a tokenizer; references and hypotheses with the final
period restored; zh: sacreBLEU's zh tokenizer), each figure with its sacreBLEU signature, so a
number can be put beside any paper's. --bleurt DIR adds BLEURT with a
local checkpoint folder when bleurt-pytorch or bleurt is installed (never downloaded).

example: sign2gpt score --hyp RUN/best/eval/test_hypotheses.txt \
           --ref RUN/best/eval/test_references.txt --lang de
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hyp", required=True, help="hypotheses, one sentence per line")
    parser.add_argument("--ref", required=True, help="references, one sentence per line")
    parser.add_argument("--lang", required=True, choices=["de", "en", "zh"], help="target language")
    parser.add_argument("--json", metavar="OUT", help="also write the scores and settings as JSON")
    parser.add_argument("--bleurt", metavar="DIR", help="BLEURT checkpoint folder (local)")


def run(args: argparse.Namespace) -> int:
    from sign2gpt.errors import DataError
    from sign2gpt.metrics.reports import format_report, format_table, read_lines, score_files
    from sign2gpt.metrics.translation import language_mismatch

    scores = score_files(args.hyp, args.ref, args.lang, bleurt=args.bleurt)
    warning = language_mismatch(read_lines(args.ref) + read_lines(args.hyp), args.lang)
    if warning:
        print(f"sign2gpt score: warning: {warning}", file=sys.stderr)
    print(format_table(scores))
    print(f"settings: {scores['settings']}")
    print(format_report(scores))
    if args.json:
        out = Path(args.json)
        payload = {**scores, "lang": args.lang, "hyp": args.hyp, "ref": args.ref}
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", "utf-8")
        except OSError as exc:
            raise DataError(f"{out}: cannot write ({exc.strerror})") from None
    return 0


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
