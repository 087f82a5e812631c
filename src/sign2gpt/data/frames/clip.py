"""The clip-level reader: :func:`read_clip` takes a frame folder or a video file and hands it to
the reader for what it is, under the same limits, budget and sampling.
"""

from __future__ import annotations

from pathlib import Path

from sign2gpt.config import MAX_FRAME_BYTES, MAX_PIXELS
from sign2gpt.data.frames.base import ClipFrames, Sample, WorkBudget, check_limits
from sign2gpt.data.frames.folder import read_frame_folder
from sign2gpt.data.frames.video import is_video_file, read_video
from sign2gpt.errors import DataError


def read_clip(
    source: str | Path,
    start: float | None = None,
    end: float | None = None,
    size: int | None = None,
    *,
    max_pixels: int = MAX_PIXELS,
    max_frame_bytes: int = MAX_FRAME_BYTES,
    budget: WorkBudget | None = None,
    sample: Sample | None = None,
) -> ClipFrames:
    """Frames of a frame folder or a video file (dispatch on what ``source`` is); limits as
    :data:`MAX_PIXELS` and :data:`MAX_FRAME_BYTES` say; ``budget`` and ``sample`` as
    :mod:`sign2gpt.data.frames` says."""
    check_limits(max_pixels, max_frame_bytes)
    source = Path(source)
    if source.is_dir():
        return read_frame_folder(
            source,
            size,
            max_pixels=max_pixels,
            max_frame_bytes=max_frame_bytes,
            budget=budget,
            sample=sample,
        )
    if is_video_file(source) or source.is_file():
        return read_video(
            source, start, end, size, max_pixels=max_pixels, budget=budget, sample=sample
        )
    raise DataError(f"{source}: neither a frame folder nor a video file")
