"""What every frame reader shares: the frames of one clip (:class:`ClipFrames`), the ``sample``
callback that picks which to keep, the limits check, the decode work budget
(:class:`WorkBudget`) and the errors a clip's decoding raises.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sign2gpt.errors import DataError

Sample = Callable[[int], np.ndarray]  # frames in the clip -> sorted indices of those to keep


class NoReadableFrames(DataError):
    """A clip whose every frame is broken or empty (skipped and listed by ``prepare``)."""


class OverBudget(DataError):
    """Decoding a clip passed its :class:`WorkBudget`; ``kind`` says which part: ``pixels`` or
    ``seconds``."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class WorkBudget:
    """What decoding one clip may cost: ``max_pixels`` decoded pixels (all frames together) and
    ``max_seconds`` from the budget's creation; None: no limit. Every frame is charged before
    it is converted, so a clip over the budget stops within one frame of it."""

    def __init__(self, max_pixels: int | None = None, max_seconds: float | None = None) -> None:
        self.max_pixels = max_pixels
        self.max_seconds = max_seconds
        self.pixels = 0
        self.started = time.monotonic()

    def charge(self, source: str | Path, width: int, height: int) -> None:
        self.pixels += width * height
        if self.max_pixels is not None and self.pixels > self.max_pixels:
            raise OverBudget(
                f"{source}: its frames pass the budget of {self.max_pixels / 1e6:,.0f} "
                "megapixels decoded per clip",
                "pixels",
            )
        if self.max_seconds is not None and time.monotonic() - self.started > self.max_seconds:
            raise OverBudget(
                f"{source}: decoding took longer than the budget of {self.max_seconds:g} s per "
                "clip",
                "seconds",
            )


@dataclass
class ClipFrames:
    """Decoded frames of one clip: ``frames`` (T, H, W, 3) uint8.

    ``repaired``: broken or empty frame files replaced by a neighbour; ``dropped``: undecodable
    video packets left out. Read with ``sample``, ``frames`` holds only the frames ``indices``
    of the ``total`` frames the clip has; otherwise all of them (``indices`` None)."""

    frames: np.ndarray
    repaired: int = 0
    dropped: int = 0
    indices: np.ndarray | None = None
    total: int = 0

    def __post_init__(self) -> None:
        if self.indices is None:
            self.total = len(self.frames)


def check_limits(max_pixels: int, max_frame_bytes: int) -> None:
    """DataError unless both limits are positive integers."""
    for name, value in (("max_pixels", max_pixels), ("max_frame_bytes", max_frame_bytes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise DataError(f"{name} {value!r}: must be a positive whole number")
