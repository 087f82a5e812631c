"""sign2gpt translate: sign language video (or frame folder) in, sentence out."""

from __future__ import annotations

import argparse
import json
import sys

NAME = "translate"
HELP = "translate video files or frame folders with a trained checkpoint"
DESCRIPTION = """\
Each INPUT is a video file (mp4, avi, mkv, ...) or a folder of frames (png/jpg, in name order).
Frames are sampled and transformed exactly as in evaluation (every 2nd frame, resize, normalise),
then decoded by beam search. Prints one line per input: the input, a tab, the sentence.
An unreadable input prints one error line and the others still run (exit code 1 at the end).

  --heatmap-checkpoint DIR   a stage-1 checkpoint: also draw its pseudo-gloss localisation
                             map E for each clip into --heatmap-dir

example: sign2gpt translate --checkpoint runs/translate/best clip1.mp4 frames/clip2/
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", required=True, help="stage-2 checkpoint folder")
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="video file or frame folder")
    parser.add_argument("--num-beams", type=int, default=None, help="default: the recipe's (4)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--heatmap-checkpoint", default=None, help="stage-1 checkpoint folder")
    parser.add_argument("--heatmap-dir", default="heatmaps", help="where heatmaps go")
    parser.add_argument("--json", default=None, help="also write the results as JSON here")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sign2gpt.infer.translate import Translator

    translator = Translator(
        args.checkpoint, args.device, args.num_beams, pgp_checkpoint=args.heatmap_checkpoint
    )
    heatmap_dir = args.heatmap_dir if args.heatmap_checkpoint else None
    results = []
    for source in tqdm(args.inputs, desc="translating", unit="clip", disable=len(args.inputs) < 3):
        result = translator.translate(source, heatmap_dir=heatmap_dir)
        results.append(result)
        if result.error:
            print(f"sign2gpt translate: error: {result.error}", file=sys.stderr)
        else:
            print(f"{source}\t{result.text}", flush=True)
            if result.heatmap:
                print(f"  heatmap: {result.heatmap}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump([r.__dict__ for r in results], f, ensure_ascii=False, indent=2)
    return 1 if any(r.error for r in results) else 0
