"""Dataset readers: every corpus becomes a list of :class:`ClipRecord`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sign2gpt.data.records import ClipRecord
from sign2gpt.errors import DataError

from . import csl_daily, how2sign, manifest, phoenix14t

READERS: dict[str, Callable[[str | Path], list[ClipRecord]]] = {
    "phoenix14t": phoenix14t.read,
    "csl-daily": csl_daily.read,
    "how2sign": how2sign.read,
    "manifest": manifest.read,
}


def read_dataset(name: str, root: str | Path) -> list[ClipRecord]:
    """Every clip of corpus ``name`` (phoenix14t | csl-daily | how2sign | manifest) under
    ``root``, in annotation order. Fails with a DataError naming the file on a missing file,
    column or frame folder, and on duplicate clip ids."""
    if name not in READERS:
        raise DataError(f"unknown dataset {name!r} (known: {', '.join(READERS)})")
    records = READERS[name](root)
    duplicates = [cid for cid, n in Counter(r.id for r in records).items() if n > 1]
    if duplicates:
        raise DataError(f"{root}: clip id {duplicates[0]} occurs more than once")
    return records


__all__ = ["READERS", "read_dataset"]
