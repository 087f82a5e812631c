"""The prepared frame store, reading side: every clip's frames as JPEG at ``size`` x ``size``,
packed into one file per clip behind a table of byte offsets (:mod:`sign2gpt.data.clip_file`),
plus a JSONL index. :mod:`sign2gpt.data.prepare` writes it (``sign2gpt prepare``).

Why this format (measured: docs/data.md#why-this-format): a training step reads a sorted subset
of a clip's frames; one file per clip turns that into one open and one read instead of one file
per frame, and JPEG at 256x256 (quality 90, 4:2:0 chroma) decodes several times faster than
Phoenix14T's 210x260 PNGs while taking a fraction of their space. Raw uint8 frames would decode
for free but take far more disk than the JPEGs.

Layout of a store folder::

    meta.json     format version and the settings it was made with (size, JPEG quality, chroma)
    index.jsonl   one row per finished clip: id, split, signer, text, num_frames, file, ...
    clips/*.s2f   one packed clip per file (header, offsets, JPEG bytes)
    DONE          the summary of the run that finished the store (JSON)
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sign2gpt.data.clip_file import VERSION, read_clip_file
from sign2gpt.errors import DataError

FORMAT = "sign2gpt-frame-store"
INDEX = "index.jsonl"
META = "meta.json"
DONE = "DONE"
CLIPS = "clips"


def read_index(path: str | Path) -> tuple[list[dict[str, Any]], bool]:
    """Rows of ``index.jsonl``; the second value says whether a cut last line was dropped."""
    index = Path(path) / INDEX
    if not index.is_file():
        return [], False
    rows, cut = [], False
    with open(index, encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n"):
                cut = True  # a run stopped in the middle of writing this line
                break
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                cut = True
                break
    return rows, cut


class FrameStore:
    """A prepared store. ``clips``: index rows (id, split, signer, text, num_frames, ...) in the
    corpus' order; ``read_frames(clip_id, indices)`` -> (n, H, W, 3) uint8."""

    def __init__(self, path: str | Path, require_complete: bool = True) -> None:
        self.path = Path(path)
        meta = self.path / META
        if not meta.is_file():
            raise DataError(f"{meta}: not a prepared store (run `sign2gpt prepare` first)")
        self.meta: dict[str, Any] = json.loads(meta.read_text(encoding="utf-8"))
        if self.meta.get("format") != FORMAT or self.meta.get("version") != VERSION:
            raise DataError(f"{meta}: not a sign2gpt frame store of version {VERSION}")
        done = self.path / DONE
        self.complete = done.is_file()
        if require_complete and not self.complete:
            raise DataError(f"{self.path}: store is incomplete (run `sign2gpt prepare` again)")
        self.stats: dict[str, Any] = (
            json.loads(done.read_text(encoding="utf-8")) if self.complete else {}
        )
        rows, _ = read_index(self.path)
        self.clips: list[dict[str, Any]] = sorted(rows, key=lambda r: r.get("order", 0))
        self.by_id: dict[str, dict[str, Any]] = {r["id"]: r for r in self.clips}
        self.size = int(self.meta["size"])

    def __len__(self) -> int:
        return len(self.clips)

    def split(self, name: str) -> list[dict[str, Any]]:
        return [r for r in self.clips if r["split"] == name]

    @property
    def splits(self) -> dict[str, int]:
        return dict(Counter(r["split"] for r in self.clips))

    def num_frames(self, clip_id: str) -> int:
        return int(self._row(clip_id)["num_frames"])

    def _row(self, clip_id: str) -> dict[str, Any]:
        try:
            return self.by_id[clip_id]
        except KeyError:
            raise DataError(f"{self.path}: no clip {clip_id!r} in the store") from None

    def read_frames(self, clip_id: str, indices: Sequence[int] | None = None) -> np.ndarray:
        row = self._row(clip_id)
        return read_clip_file(self.path / row["file"], indices, int(row["num_frames"]))
