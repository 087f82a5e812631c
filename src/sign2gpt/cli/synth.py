"""sign2gpt synth: render the synthetic signing corpus (a preset or any sentences), print a
corpus's statistics, or draw a contact sheet of one clip."""

from __future__ import annotations

import argparse
from pathlib import Path

from sign2gpt.cli._common import Command

NAME = "synth"
HELP = "render a synthetic signing corpus in the Phoenix14T or CSL-Daily layout"
DESCRIPTION = """\
Renders continuous signing by synthetic signers (German weather forecasts for the phoenix14t
layout, Chinese everyday sentences for csl-daily), with the real dataset's files and folder
names, plus ground truth the real datasets lack (groundtruth/: sign spans, 2D keypoints per
frame, the exact list of broken and empty frames, a manifest).

presets: tiny (30 clips, 48x48, seconds; for tests), demo (2,300 clips, 64x64; about two
minutes on two cores) and large (Phoenix14T's size and statistics: 8,257 clips of generated
German, signed by rule from HanTa lemmas; phoenix14t layout only). The same --seed gives
byte-identical annotation files.

--sentences FILE renders your own sentences (UTF-8, one per line): each is tagged by the
pseudo-gloss tagger (HanTa for de, jieba for zh), its lemmas become signs in sign order (time
first, then place, the rest, verbs, negation, question words; no articles, prepositions or
auxiliaries; see the README), and the clips are split deterministically by sentence (--split-
ratios, default Phoenix14T's) or as --split-file says (one train/dev/test per line).

--stats DIR prints a corpus's statistics beside Phoenix14T's (any corpus in the phoenix14t or
csl-daily layout); --stats without DIR prints them for the corpus just rendered.

examples:
  sign2gpt synth --out data/synth --preset demo
  sign2gpt synth --out data/synth-zh --preset tiny --format csl-daily --signer-independent
  sign2gpt synth --out data/large --preset large --stats
  sign2gpt synth --sentences my_corpus.txt --out data/mine --lang de --split-ratios 8,1,1
  sign2gpt synth --stats data/large
  sign2gpt synth --preview data/synth/features/fullFrame-210x260px/train/<name> --out clip.png
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", help="corpus folder to create; with --preview, the PNG file to write"
    )
    parser.add_argument("--preset", default="demo", choices=["tiny", "demo", "large"])
    parser.add_argument(
        "--format",
        choices=["phoenix14t", "csl-daily"],
        help="layout (default phoenix14t; with --sentences: that of --lang)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--signer-independent",
        action="store_true",
        help="hold two signers out of train; they sign all of dev and test",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="rendering processes (default %(default)s)"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace a corpus already in --out"
    )
    parser.add_argument(
        "--sentences", metavar="FILE", help="render these sentences (UTF-8, one per line)"
    )
    parser.add_argument(
        "--lang",
        choices=["de", "zh"],
        default="de",
        help="language of --sentences (default %(default)s)",
    )
    parser.add_argument(
        "--split-file", metavar="FILE", help="with --sentences: train/dev/test, one per line"
    )
    parser.add_argument(
        "--split-ratios",
        metavar="T,D,T",
        help="with --sentences: train,dev,test shares (default Phoenix14T's 7096,519,642)",
    )
    parser.add_argument(
        "--stats",
        nargs="?",
        const="",
        metavar="DIR",
        help="print the statistics of corpus DIR (or of the corpus just rendered)",
    )
    parser.add_argument(
        "--preview",
        metavar="CLIP_DIR",
        help="instead of rendering a corpus, draw a contact sheet of this frame folder",
    )


def run(args: argparse.Namespace) -> int:
    from sign2gpt.errors import Sign2GPTError
    from sign2gpt.synth import render_preview
    from sign2gpt.synth.sentences import SentenceFile
    from sign2gpt.synth.stats import corpus_stats, format_stats
    from sign2gpt.workflow.steps import synth_corpus

    if args.stats:
        print(format_stats(corpus_stats(Path(args.stats), args.format, progress=True)))
        return 0
    if not args.out:
        raise Sign2GPTError("--out is needed (or --stats DIR for an existing corpus)")
    if args.preview:
        out = render_preview(args.preview, args.out)
        print(f"wrote {out}")
        return 0
    if (args.split_file or args.split_ratios) and not args.sentences:
        raise Sign2GPTError("--split-file and --split-ratios go with --sentences FILE")
    sentences = None
    if args.sentences:
        split_file = Path(args.split_file) if args.split_file else None
        sentences = SentenceFile(Path(args.sentences), args.lang, split_file, args.split_ratios)
    manifest = synth_corpus(
        Path(args.out),
        preset=args.preset,
        fmt=args.format,
        seed=args.seed,
        signer_independent=args.signer_independent,
        workers=args.workers,
        overwrite=args.overwrite,
        sentences=sentences,
    )
    if args.stats is not None:
        print(format_stats(corpus_stats(Path(args.out), manifest["format"], progress=True)))
    return 0


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
