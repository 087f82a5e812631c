"""One packed clip of a prepared frame store (``clips/*.s2f``): a header (magic, version,
frame count, height, width), a table of byte offsets and the JPEG bytes of every frame.

A training step reads a sorted subset of a clip's frames: the offsets turn that into one open
and one read of the span they cover (see :mod:`sign2gpt.data.store` for why this format).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sign2gpt.data.frames import decode_image
from sign2gpt.errors import DataError

VERSION = 1  # of the clip files and of the store that holds them (meta.json)
MAGIC = b"S2GF"
_HEADER = struct.Struct("<4sIIII")  # magic, version, frame count, height, width


def clip_filename(clip_id: str) -> str:
    """A file name for any clip id: readable prefix + hash (unique, case-insensitive safe)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", clip_id)[:80]
    return f"{safe}-{hashlib.sha1(clip_id.encode('utf-8')).hexdigest()[:10]}.s2f"


def write_clip_file(path: Path, jpegs: Sequence[bytes], height: int, width: int) -> int:
    """Write a packed clip atomically (temporary file + rename); returns its size in bytes."""
    offsets = np.zeros(len(jpegs) + 1, dtype="<u8")
    offsets[1:] = np.cumsum([len(j) for j in jpegs])
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(_HEADER.pack(MAGIC, VERSION, len(jpegs), height, width))
            f.write(offsets.tobytes())
            for jpeg in jpegs:
                f.write(jpeg)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk leaves no half clip behind
        raise
    return path.stat().st_size


def read_clip_file(
    path: str | Path, indices: Sequence[int] | None = None, num_frames: int | None = None
) -> np.ndarray:
    """Frames ``indices`` (all when None) of a packed clip: (n, H, W, 3) uint8.

    With ``num_frames`` known (from the index) the header and offsets come in one read."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise DataError(f"{path}: clip file missing from the store (run prepare again)") from None
    try:
        count_hint = num_frames if num_frames is not None else 0
        head = os.pread(fd, _HEADER.size + 8 * (count_hint + 1), 0)
        if len(head) < _HEADER.size:
            raise DataError(f"{path}: truncated clip file")
        magic, version, count, height, width = _HEADER.unpack_from(head)
        if magic != MAGIC or version != VERSION:
            raise DataError(f"{path}: not a sign2gpt clip file (or another format version)")
        table_end = _HEADER.size + 8 * (count + 1)
        if len(head) < table_end:
            head = os.pread(fd, table_end, 0)
        offsets = np.frombuffer(head, dtype="<u8", count=count + 1, offset=_HEADER.size)
        wanted = np.arange(count) if indices is None else np.asarray(indices, dtype=np.int64)
        if len(wanted) and (wanted.min() < 0 or wanted.max() >= count):
            raise DataError(f"{path}: frame index out of range (clip has {count} frames)")
        out = np.empty((len(wanted), height, width, 3), dtype=np.uint8)
        if not len(wanted):
            return out
        lo, hi = int(wanted.min()), int(wanted.max())
        # One read covering the wanted span: the sampled frames of a clip are spread over it.
        base = int(offsets[lo])
        blob = os.pread(fd, int(offsets[hi + 1]) - base, table_end + base)
    finally:
        os.close(fd)
    view = memoryview(blob)
    for k, i in enumerate(wanted):
        a, b = int(offsets[i]) - base, int(offsets[i + 1]) - base
        if decode_image(view[a:b].tobytes(), out=out[k]) is None:
            raise DataError(f"{path}: frame {i} is corrupt (run prepare again on a fresh folder)")
    return out


def clip_file_jpegs(path: str | Path) -> list[bytes]:
    """The encoded frames of a packed clip, undecoded (for inspection and benchmarks)."""
    blob = Path(path).read_bytes()
    magic, version, count, _, _ = _HEADER.unpack_from(blob)
    if magic != MAGIC or version != VERSION:
        raise DataError(f"{path}: not a sign2gpt clip file (or another format version)")
    offsets = np.frombuffer(blob, dtype="<u8", count=count + 1, offset=_HEADER.size)
    base = _HEADER.size + 8 * (count + 1)
    return [blob[base + int(a) : base + int(b)] for a, b in itertools.pairwise(offsets)]
