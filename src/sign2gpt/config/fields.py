"""What a config field may declare beside its type: the allowed range of a number
(:func:`setting`, checked on loading), the limits that bound a decode, and the error every
config problem raises."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from sign2gpt.errors import Sign2GPTError

PAPER_POS = ["NOUN", "NUM", "ADV", "PRON", "PROPN", "ADJ", "VERB"]

MAX_PIXELS = 40_000_000
"""Frames and video streams above this many pixels are refused undecoded (``max_pixels``).

Far above any sign language recording, whose frames are 0.05 (Phoenix14T, 210x260) to 0.92
megapixels (How2Sign, 1280x720): 4K UHD (8.3 MP) and 8K UHD (33.2 MP) pass. It bounds what one
decode may take: a frame at the limit is 120 MB as RGB, about twice that while OpenCV converts
its colours, so ``prepare`` with one worker per CPU stays within memory, where the 20000 x 20000
PNG bomb (1.2 GB as RGB) would not."""

MAX_FRAME_BYTES = 64 * 2**20
"""Frame files larger than this (64 MiB) are refused unread (``max_frame_bytes``).

Corpus frames are 10 KB to 1 MB; an uncompressed 4K RGB frame (a BMP) is 24.9 MB, so any real
frame file up to 4K passes with 2.5x to spare, while what one worker reads per frame stays
bounded (a frame file that keeps growing is cut off at the limit, not read to the end)."""


class ConfigError(Sign2GPTError, ValueError):
    """A config file or override that does not fit the schema (message names the key)."""


@dataclass(frozen=True)
class Bounds:
    """The allowed range of a number (or of every number of a list / tuple)."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None

    def holds(self, value: float) -> bool:
        return (
            (self.ge is None or value >= self.ge)
            and (self.gt is None or value > self.gt)
            and (self.le is None or value <= self.le)
            and (self.lt is None or value < self.lt)
        )

    def describe(self) -> str:
        parts = [
            f"{op} {limit:g}"
            for op, limit in ((">=", self.ge), (">", self.gt), ("<=", self.le), ("<", self.lt))
            if limit is not None
        ]
        return " and ".join(parts)


def setting(
    default: Any = dataclasses.MISSING,
    *,
    factory: Any = dataclasses.MISSING,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
) -> Any:
    """A dataclass field with its allowed range, checked by :func:`validate` at load time."""
    metadata = {"bounds": Bounds(ge=ge, gt=gt, le=le, lt=lt)}
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)
