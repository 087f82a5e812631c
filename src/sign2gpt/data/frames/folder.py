"""Frame folders (Phoenix14T PNGs, CSL-Daily JPEGs): their image files in natural order, read
whole, sampled or by index, a broken or refused frame replaced by its nearest readable
neighbour.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sign2gpt.config import MAX_FRAME_BYTES, MAX_PIXELS
from sign2gpt.data.frames.base import ClipFrames, NoReadableFrames, Sample, WorkBudget
from sign2gpt.data.frames.images import IMAGE_EXTS, read_image_file, resize_frame
from sign2gpt.errors import DataError
from sign2gpt.io import os_reason


def _natural_key(name: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def list_frame_files(folder: str | Path) -> list[Path]:
    """Image files of a frame folder in natural order (``images2`` before ``images10``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: frame folder not found")
    try:
        files = [p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTS]
    except OSError as exc:
        raise DataError(f"{folder}: cannot list frame folder ({os_reason(exc)})") from None
    return sorted(files, key=lambda p: _natural_key(p.name))


def nearest_readable(broken: Sequence[bool], index: int) -> int | None:
    """The previous readable index before ``index``, else the next one, else None."""
    for j in range(index - 1, -1, -1):
        if not broken[j]:
            return j
    for j in range(index + 1, len(broken)):
        if not broken[j]:
            return j
    return None


def read_frame_folder(
    folder: str | Path,
    size: int | None = None,
    *,
    max_pixels: int = MAX_PIXELS,
    max_frame_bytes: int = MAX_FRAME_BYTES,
    budget: WorkBudget | None = None,
    sample: Sample | None = None,
) -> ClipFrames:
    """All frames of a folder, broken or refused ones replaced by their nearest readable
    neighbour; with ``sample``, only the frames it picks are decoded (and the neighbours a
    broken one needs)."""
    files = list_frame_files(folder)
    if not files:
        raise NoReadableFrames(f"{folder}: no image files")
    if sample is not None:
        return _sampled_frame_folder(
            folder, files, size, max_pixels, max_frame_bytes, budget, sample
        )
    decoded: list[np.ndarray | None] = []
    for path in files:
        frame = read_image_file(path, max_pixels, max_frame_bytes, budget)
        decoded.append(None if frame is None else resize_frame(frame, size))
    broken = [f is None for f in decoded]
    if all(broken):
        raise NoReadableFrames(f"{folder}: none of its {len(files)} frames is readable")
    shapes = {f.shape for f in decoded if f is not None}
    if len(shapes) > 1:
        raise DataError(f"{folder}: frames differ in size {sorted(shapes)}; pass a store size")
    frames = [
        f if f is not None else decoded[nearest_readable(broken, i)]  # type: ignore[index]
        for i, f in enumerate(decoded)
    ]
    return ClipFrames(np.stack(frames), repaired=sum(broken))


def _sampled_frame_folder(
    folder: str | Path,
    files: list[Path],
    size: int | None,
    max_pixels: int,
    max_frame_bytes: int,
    budget: WorkBudget | None,
    sample: Sample,
) -> ClipFrames:
    """:func:`read_frame_folder`'s frames ``sample(len(files))``, under the same repair rule (the
    previous readable frame, else the next), decoding no file twice."""
    cache: dict[int, np.ndarray | None] = {}

    def load(i: int) -> np.ndarray | None:
        if i not in cache:
            frame = read_image_file(files[i], max_pixels, max_frame_bytes, budget)
            cache[i] = None if frame is None else resize_frame(frame, size)
        return cache[i]

    indices = np.asarray(sample(len(files)), dtype=np.int64)
    frames, repaired = [], 0
    for i in indices.tolist():
        frame = load(i)
        if frame is None:
            repaired += 1
            order = [*range(i - 1, -1, -1), *range(i + 1, len(files))]
            frame = next((f for j in order if (f := load(j)) is not None), None)
        if frame is None:
            raise NoReadableFrames(f"{folder}: none of its {len(files)} frames is readable")
        frames.append(frame)
    shapes = {f.shape for f in frames}
    if len(shapes) > 1:
        raise DataError(f"{folder}: frames differ in size {sorted(shapes)}; pass a store size")
    return ClipFrames(np.stack(frames), repaired=repaired, indices=indices, total=len(files))


def read_frame_files(
    files: Sequence[Path],
    indices: Sequence[int],
    *,
    max_pixels: int = MAX_PIXELS,
    max_frame_bytes: int = MAX_FRAME_BYTES,
) -> np.ndarray:
    """Frames ``indices`` of a folder listing (random access for training from raw folders);
    a broken frame is replaced by its nearest readable neighbour. (n, H, W, 3) uint8."""
    cache: dict[int, np.ndarray | None] = {}

    def load(i: int) -> np.ndarray | None:
        if i not in cache:
            cache[i] = read_image_file(files[i], max_pixels, max_frame_bytes)
        return cache[i]

    out = []
    for i in indices:
        frame = load(i)
        step = 1
        while frame is None and step < len(files):  # nearest neighbour, previous side first
            for j in (i - step, i + step):
                if 0 <= j < len(files) and (frame := load(j)) is not None:
                    break
            step += 1
        if frame is None:
            raise NoReadableFrames(f"{files[i].parent}: no readable frame")
        out.append(frame)
    return np.stack(out)
