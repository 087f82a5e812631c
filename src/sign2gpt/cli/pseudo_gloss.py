"""sign2gpt pseudo-gloss: build the pseudo-gloss vocabulary of a corpus, or explain one sentence."""

from __future__ import annotations

import argparse
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from sign2gpt.cli._common import Command
from sign2gpt.config import PseudoGlossConfig

if TYPE_CHECKING:
    from sign2gpt.config import Config

NAME = "pseudo-gloss"
HELP = "make the pseudo-glosses of a corpus (or show those of one sentence)"
_PG = PseudoGlossConfig()  # the defaults the help states
# textwrap.fill keeps the paragraph's lines even whatever the defaults' lengths.
_WHAT = textwrap.fill(
    "Pseudo-glosses (docs/method.md#2-pseudo-glosses) are the lemmas (German, English) or words "
    "(Chinese) of a spoken sentence whose universal POS is in the POS set (default "
    f"{' '.join(_PG.pos)}). The vocabulary comes from the training split; a pseudo-gloss found "
    f"in >= {_PG.max_sentence_fraction * 100:g} % of the training sentences is dropped as a stop "
    "word. The JSON file holds the vocabulary with counts and the pseudo-glosses of every clip of "
    "every split; the dev / test coverage is printed.",
    96,
)
DESCRIPTION = f"""\
{_WHAT}

Backends: auto (de, en: hanta; zh: jieba), hanta, jieba, thulac (pip install 'sign2gpt[zh]'),
spacy (pip install 'sign2gpt[spacy]' plus a trained pipeline, --spacy-model; the paper's tool).

examples:
  sign2gpt pseudo-gloss --dataset phoenix14t --root DIR --lang de --out pseudo_glosses.json
  sign2gpt pseudo-gloss --dataset csl-daily --root DIR --lang zh --out pseudo_glosses.json
  sign2gpt pseudo-gloss --config configs/phoenix14t/base.yaml
  sign2gpt pseudo-gloss --lang de --show "am tag wechseln sonne und wolken einander ab"
  sign2gpt pseudo-gloss --show "im norden regnet es" --vocab pseudo_glosses.json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset",
        choices=["phoenix14t", "csl-daily", "how2sign", "manifest"],
        help="corpus layout (default: data.dataset of --config)",
    )
    parser.add_argument("--root", help="corpus folder (default: data.root of --config)")
    parser.add_argument(
        "--lang",
        choices=["de", "zh", "en"],
        help="language of the sentences (default: from the dataset, or data.lang of --config)",
    )
    parser.add_argument("--out", help="output JSON (default: data.pseudo_glosses of --config)")
    parser.add_argument("--config", help="recipe YAML: its data.* and pseudo_gloss.* settings")
    parser.add_argument(
        "--backend",
        choices=["auto", "hanta", "jieba", "thulac", "spacy"],
        help="tagger (default: pseudo_gloss.backend of --config, else auto)",
    )
    parser.add_argument("--spacy-model", help="spaCy pipeline name for --backend spacy")
    parser.add_argument(
        "--pos", help="comma-separated universal POS tags to keep (default: the paper's set)"
    )
    parser.add_argument(
        "--max-sentence-fraction",
        type=float,
        help="drop pseudo-glosses found in at least this share of training sentences "
        f"({_PG.max_sentence_fraction})",
    )
    parser.add_argument(
        "--show", metavar="SENTENCE", help="print one sentence's tokens, lemmas, POS and decisions"
    )
    parser.add_argument(
        "--vocab", metavar="FILE", help="with --show: use this vocabulary's settings and filter"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _settings(args: argparse.Namespace, cfg: Config) -> PseudoGlossConfig:
    """The recipe's pseudo_gloss settings with what the command line changes."""
    given = {
        "backend": args.backend,
        "spacy_model": args.spacy_model,
        "pos": [p for p in args.pos.split(",") if p.strip()] if args.pos else None,
        "max_sentence_fraction": args.max_sentence_fraction,
    }
    return replace(cfg.pseudo_gloss, **{k: v for k, v in given.items() if v is not None})


def run(args: argparse.Namespace) -> int:
    from sign2gpt.config import Config, load_config
    from sign2gpt.errors import Sign2GPTError
    from sign2gpt.text.pseudo_gloss import DATASET_LANG, explain_sentence, format_explanation
    from sign2gpt.workflow.steps import make_pseudo_glosses

    cfg = load_config(args.config) if args.config else Config()
    settings = _settings(args, cfg)
    if args.show is not None:
        lang = args.lang or (cfg.data.lang if args.config else "de")
        vocab = Path(args.vocab) if args.vocab else None
        print(format_explanation(explain_sentence(args.show, settings, lang, vocab)))
        return 0

    dataset = args.dataset or (cfg.data.dataset if args.config else None)
    root = args.root or (cfg.data.root if args.config else None)
    out = args.out or (cfg.data.pseudo_glosses if args.config else None)
    missing = [n for n, v in (("--dataset", dataset), ("--root", root), ("--out", out)) if not v]
    if missing:
        raise Sign2GPTError(f"{', '.join(missing)} needed (or --show SENTENCE for one sentence)")
    lang = args.lang or (cfg.data.lang if args.config else DATASET_LANG.get(dataset))
    make_pseudo_glosses(dataset, root, Path(out), lang, settings, progress=not args.no_progress)
    return 0


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
