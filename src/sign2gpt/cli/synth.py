"""sign2gpt synth: render the synthetic signing corpus, or a contact sheet of one clip."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sign2gpt.cli._common import Command

NAME = "synth"
HELP = "render a synthetic signing corpus in the Phoenix14T or CSL-Daily layout"
DESCRIPTION = """\
Renders continuous signing by synthetic signers (German weather forecasts for the phoenix14t
layout, Chinese everyday sentences for csl-daily), with the real dataset's files and folder
names, plus ground truth the real datasets lack (groundtruth/: sign spans, 2D keypoints per
frame, the exact list of broken and empty frames, a manifest).

presets: tiny (30 clips, 48x48, seconds; for tests) and demo (2,300 clips, 64x64; about two
minutes on two cores). The same --seed gives byte-identical annotation files.

examples:
  sign2gpt synth --out data/synth --preset demo
  sign2gpt synth --out data/synth-zh --preset tiny --format csl-daily --signer-independent
  sign2gpt synth --preview data/synth/features/fullFrame-210x260px/train/<name> --out clip.png
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        required=True,
        help="corpus folder to create; with --preview, the PNG file to write",
    )
    parser.add_argument("--preset", default="demo", choices=["tiny", "demo"])
    parser.add_argument("--format", default="phoenix14t", choices=["phoenix14t", "csl-daily"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--signer-independent",
        action="store_true",
        help="hold two signers out of train; they sign all of dev and test",
    )
    parser.add_argument("--workers", type=int, default=2, help="rendering processes (default 2)")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace a corpus already in --out"
    )
    parser.add_argument(
        "--preview",
        metavar="CLIP_DIR",
        help="instead of rendering a corpus, draw a contact sheet of this frame folder",
    )


def run(args: argparse.Namespace) -> int:
    from sign2gpt.synth import generate_corpus, render_preview

    if args.preview:
        out = render_preview(args.preview, args.out)
        print(f"wrote {out}")
        return 0
    t0 = time.perf_counter()
    m = generate_corpus(
        Path(args.out),
        preset=args.preset,
        fmt=args.format,
        seed=args.seed,
        signer_independent=args.signer_independent,
        workers=args.workers,
        overwrite=args.overwrite,
    )
    dt = time.perf_counter() - t0
    c, f = m["counts"], m["frames"]
    print(
        f"{m['format']} corpus in {args.out}: train {c['train']}, dev {c['dev']}, "
        f"test {c['test']} clips; {f['total']} frames of {m['frame_size'][0]}x"
        f"{m['frame_size'][1]} ({f['truncated']} truncated, {f['empty']} empty: "
        f"{100 * m['bad_frame_share']:.2f} %); {m['glosses']} glosses, {m['word_forms']} "
        f"word forms; {len(m['signers'])} signers"
        + (f", held out: {', '.join(m['held_out_signers'])}" if m["held_out_signers"] else "")
    )
    print(
        f"rendered in {dt:.1f} s with {args.workers} worker(s); ground truth in "
        f"{Path(args.out) / 'groundtruth'}"
    )
    return 0


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
