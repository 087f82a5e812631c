"""sign2gpt prepare: convert a corpus to a prepared frame store for fast training."""

from __future__ import annotations

import argparse
import os

from sign2gpt.cli._common import Command
from sign2gpt.config import DataConfig

NAME = "prepare"
HELP = "convert a dataset to a prepared frame store (JPEG frames packed per clip + index)"
_DATA = DataConfig()  # the defaults the help states
_SIZE = _DATA.store_size
DESCRIPTION = f"""\
Reads a corpus (phoenix14t, csl-daily, how2sign or your own manifest), decodes every clip,
stretches its frames to SIZE x SIZE, and packs them as JPEG into one file per clip with an index
(index.jsonl: id, split, signer, text, frame count). Training reads from this store.

SIZE must be the recipe's data.store_size (training refuses a store of another size): with
--config RECIPE it is taken from there (the demo recipes store 64 x 64 frames, the paper's
{_SIZE} x {_SIZE}), as are --dataset and --root (data.dataset, data.root) when not given.

Broken or empty frames are replaced by their nearest readable neighbour and counted, and so
are frames refused unread: over --max-pixels (a decompression bomb), over --max-frame-bytes, or
not a regular file (a link to /dev/zero, a FIFO). A clip with no readable frame is skipped and
listed; a missing file, column or folder, or an unreadable video, stops with one line naming
it. Parallel over clips (--workers), resumable (run the same command again after an
interruption: finished clips are kept, the rest is done) and idempotent.

Keypoints (--pose) go into OUT/keypoints/, one (T, K, 3) array per clip (x, y, confidence;
missing points recorded as missing), with the skeleton's point names in its meta; resumable
like the frames. docs/pose.md says which estimators and layouts are read.

examples:
  sign2gpt prepare --dataset phoenix14t --root data/PHOENIX-2014-T --out stores/phoenix14t
  sign2gpt prepare --config configs/demo/pose.yaml --root demo_out/corpus --out demo_out/store \
                   --pose groundtruth
  sign2gpt prepare --config configs/demo/base.yaml --root demo_out/corpus --out demo_out/store
  sign2gpt prepare --dataset manifest --root my_corpus/manifest.csv --out stores/mine --workers 8
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset",
        choices=["phoenix14t", "csl-daily", "how2sign", "manifest"],
        help="corpus layout (default: data.dataset of --config)",
    )
    parser.add_argument(
        "--root",
        help="corpus folder (for manifest: the manifest file or folder; default: data.root of "
        "--config)",
    )
    parser.add_argument("--out", required=True, help="store folder to write (or to finish)")
    parser.add_argument("--config", help="recipe YAML whose data.store_size, dataset, root apply")
    parser.add_argument(
        "--size",
        type=int,
        default=None,
        help=f"stored frame size (default: data.store_size of --config, else {_DATA.store_size})",
    )
    parser.add_argument(
        "--quality", type=int, default=90, help="JPEG quality (default %(default)s)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="parallel processes (default: number of CPUs)",
    )
    parser.add_argument(
        "--max-pixels",
        type=int,
        default=None,
        help="refuse frames whose header declares more pixels, undecoded, as broken frames "
        f"(default: data.max_pixels, {_DATA.max_pixels:,})",
    )
    parser.add_argument(
        "--max-frame-bytes",
        type=int,
        default=None,
        help="refuse frame files larger than this, unread, as broken frames "
        f"(default: data.max_frame_bytes, {_DATA.max_frame_bytes / 2**20:g} MiB)",
    )
    parser.add_argument(
        "--pose",
        metavar="SOURCE",
        help="also store keypoints (for model.input pose / rgb+pose): 'groundtruth' (a "
        "`sign2gpt synth` corpus's own), 'estimate' (MediaPipe Holistic on each clip; `make "
        "pose-env` first), or a folder of <clip id>.pose / .npz files",
    )
    parser.add_argument(
        "--no-frames",
        action="store_true",
        help="with --pose: keypoints only, no frames (a pose model needs nothing else)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace
    from pathlib import Path

    from sign2gpt.config import Config, load_config
    from sign2gpt.data.pose.store import PoseSource
    from sign2gpt.errors import Sign2GPTError
    from sign2gpt.workflow.steps import prepare_corpus

    cfg = load_config(args.config) if args.config else Config()
    dataset = args.dataset or (cfg.data.dataset if args.config else None)
    root = args.root or (cfg.data.root if args.config else None)
    if not dataset or not root:
        raise Sign2GPTError("--dataset and --root are needed (or a --config that names them)")
    data = replace(
        cfg.data,
        store_size=args.size or cfg.data.store_size,
        max_pixels=args.max_pixels or cfg.data.max_pixels,
        max_frame_bytes=args.max_frame_bytes or cfg.data.max_frame_bytes,
    )
    prepare_corpus(
        dataset,
        root,
        Path(args.out),
        data,
        args.workers,
        quality=args.quality,
        pose=PoseSource.parse(args.pose) if args.pose else None,
        frames=not args.no_frames,
        progress=not args.quiet,
    )
    return 0


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
