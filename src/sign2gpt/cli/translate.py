"""sign2gpt translate: sign language video (or frame folder) in, sentence out."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sign2gpt.cli._common import Command
from sign2gpt.errors import DataError

NAME = "translate"
HELP = "translate video files or frame folders with a trained checkpoint"
DESCRIPTION = """\
Each INPUT is a video file (mp4, avi, mov, mkv, webm, ...) or a folder of frames (png/jpg, in
name order). Frames are sampled and transformed exactly as in evaluation (every
data.frame_stride-th frame, resized to data.store_size then data.image_size; the model
normalises them), then decoded by beam search. A video is read at its own frame rate: the
model was trained at the corpus's (25 fps for Phoenix14T). Prints how long loading took, then
one line per input: the input, a tab, the sentence (a backslash, tab, carriage return or line
feed in either is written \\\\, \\t, \\r, \\n, so each line splits at its one tab). An unreadable
input prints one error line and the others still run (exit code 1 at the end).

  --heatmap-checkpoint DIR   a stage-1 checkpoint: also draw its pseudo-gloss localisation
                             map E for each clip into --heatmap-dir
  --json FILE                also write every result (text, frames, seconds, error) as JSON
  --dtype bfloat16|float32   the LM's weights are read in this dtype and, for bfloat16, the
                             whole model runs under bf16 autocast (default: the recipe's)
  --quantize int8            the LM's LoRA merged, then int8 weights for its attention and
                             MLP Linears (CPU only; docs/performance.md has the figures)

example: sign2gpt translate --checkpoint runs/translate/best clip1.mp4 frames/clip2/
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", required=True, help="stage-2 checkpoint folder")
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="video file or frame folder")
    parser.add_argument("--num-beams", type=int, default=None, help="default: the recipe's (4)")
    parser.add_argument(
        "--no-repeat-ngram-size",
        type=int,
        default=None,
        metavar="N",
        help="never produce one token N-gram twice in a sentence; 0 = off "
        "(default: the recipe's train.no_repeat_ngram_size)",
    )
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1 ...")
    parser.add_argument(
        "--dtype",
        choices=["bfloat16", "float32"],
        default=None,
        help="the LM's weights and the compute dtype (default: the recipe's model.lm.dtype)",
    )
    parser.add_argument(
        "--quantize",
        choices=["int8"],
        default=None,
        help="int8 weights for the LM's attention and MLP Linears (CPU; docs/performance.md)",
    )
    parser.add_argument("--heatmap-checkpoint", default=None, help="stage-1 checkpoint folder")
    parser.add_argument("--heatmap-dir", default="heatmaps", help="where heatmaps go")
    parser.add_argument("--json", default=None, help="also write the results as JSON here")


def one_line(text: str) -> str:
    """``text`` escaped for a line of "input TAB sentence": backslash, tab, CR and LF as two
    characters each (a file name may hold any of them)."""
    for char, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\r", "\\r"), ("\n", "\\n")):
        text = text.replace(char, escaped)
    return text


def _check_writable(path: Path) -> None:
    """Refuse an output file that cannot be written before any work is done (the translations
    would be printed, then the JSON lost)."""
    from sign2gpt.io import writable_folder

    folder = path.parent
    if not folder.is_dir():
        raise DataError(f"{path}: folder {folder} does not exist")
    if path.exists() and not path.is_file():
        raise DataError(f"{path}: exists and is not a regular file (a folder or a device)")
    writable_folder(folder, what="folder of the --json file")


def run(args: argparse.Namespace) -> int:
    from sign2gpt.infer.translator import Translator
    from sign2gpt.io import progress_bar

    json_path = Path(args.json) if args.json else None
    if json_path is not None:
        _check_writable(json_path)
    translator = Translator.from_checkpoints(
        args.checkpoint,
        args.device,
        args.num_beams,
        heatmap_checkpoint=args.heatmap_checkpoint,
        dtype=args.dtype,
        quantize=args.quantize,
        no_repeat_ngram_size=args.no_repeat_ngram_size,
    )
    print(f"loaded {args.checkpoint} in {translator.load_seconds:.1f} s", file=sys.stderr)
    heatmap_dir = args.heatmap_dir if args.heatmap_checkpoint else None
    results = []
    # no bar in a log: its carriage returns would run into the error lines
    quiet = len(args.inputs) < 3 or not sys.stderr.isatty()
    for source in progress_bar(args.inputs, desc="translating", unit="clip", disable=quiet):
        result = translator.translate(source, heatmap_dir=heatmap_dir)
        results.append(result)
        if result.error:
            print(f"sign2gpt translate: error: {one_line(result.error)}", file=sys.stderr)
        else:
            print(f"{one_line(source)}\t{one_line(result.text)}", flush=True)
            if result.heatmap:
                print(f"  heatmap: {one_line(result.heatmap)}")
    if json_path is not None:
        text = json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2) + "\n"
        tmp = json_path.with_name(json_path.name + ".tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(json_path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise DataError(f"{json_path}: cannot write ({exc.strerror})") from None
    return 1 if any(r.error for r in results) else 0


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
