"""A contact sheet of the frames the model saw: a grid of evenly spaced thumbnails, each with
its frame number in the clip.

(``sign2gpt.synth.preview`` draws sheets of frame folders with the ground truth of the synthetic
corpus; this one takes decoded frames in memory, which is what a server has.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

TILE = 112  # thumbnail side in pixels
COLUMNS = 6  # 24 tiles in 6 x 4: fits a desktop column and stays legible on a phone
LABEL = 20  # strip under each thumbnail for its frame number
FONT_SIZE = 14
GAP = 4
BACKGROUND = (245, 245, 245)
INK = (40, 40, 40)


def pick_evenly(n: int, k: int) -> np.ndarray:
    """``min(n, k)`` indices into ``range(n)``, first and last included, evenly spread."""
    if n <= k:
        return np.arange(n)
    return np.linspace(0, n - 1, k).round().astype(np.int64)


def contact_sheet(
    frames: np.ndarray,
    numbers: np.ndarray | None = None,
    max_tiles: int = 24,
    columns: int = COLUMNS,
) -> Image.Image:
    """frames (T, H, W, 3) uint8 -> one RGB image; ``numbers`` (T,) labels the tiles
    (default 0..T-1)."""
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise ValueError(f"contact_sheet needs (T, H, W, 3) frames with T > 0, got {frames.shape}")
    numbers = np.arange(len(frames)) if numbers is None else numbers
    chosen = pick_evenly(len(frames), max_tiles)
    columns = min(columns, len(chosen))
    rows = -(-len(chosen) // columns)
    width = columns * TILE + (columns + 1) * GAP
    height = rows * (TILE + LABEL) + (rows + 1) * GAP
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    try:
        font = ImageFont.load_default(size=FONT_SIZE)
    except TypeError:  # Pillow < 10.1: only the small bitmap font
        font = ImageFont.load_default()
    for slot, i in enumerate(chosen):
        r, c = divmod(slot, columns)
        x, y = GAP + c * (TILE + GAP), GAP + r * (TILE + LABEL + GAP)
        tile = Image.fromarray(np.ascontiguousarray(frames[i])).resize((TILE, TILE), Image.BICUBIC)
        sheet.paste(tile, (x, y))
        draw.text((x + 2, y + TILE + 2), f"frame {int(numbers[i])}", fill=INK, font=font)
    return sheet


def write_contact_sheet(
    frames: np.ndarray, out_png: Path, numbers: np.ndarray | None = None
) -> Path:
    out_png.parent.mkdir(parents=True, exist_ok=True)
    contact_sheet(frames, numbers).save(out_png)
    return out_png
