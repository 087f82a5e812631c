"""Dataset readers: every corpus becomes a list of :class:`ClipRecord`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from sign2gpt.data.records import ClipRecord
from sign2gpt.errors import DataError

from . import csl_daily, how2sign, manifest, phoenix14t

log = logging.getLogger(__name__)

READERS: dict[str, Callable[[str | Path], list[ClipRecord]]] = {
    "phoenix14t": phoenix14t.read,
    "csl-daily": csl_daily.read,
    "how2sign": how2sign.read,
    "manifest": manifest.read,
}


def read_dataset(name: str, root: str | Path) -> list[ClipRecord]:
    """Every clip of corpus ``name`` (phoenix14t | csl-daily | how2sign | manifest) under
    ``root``, in annotation order. Fails with a DataError naming the file on a missing file,
    column or frame folder, an unknown split, and on duplicate clip ids (naming both rows);
    warns in one line about clips with an empty translation (they teach nothing)."""
    if name not in READERS:
        raise DataError(f"unknown dataset {name!r} (known: {', '.join(READERS)})")
    records = READERS[name](root)
    first: dict[str, ClipRecord] = {}
    for record in records:
        if record.id in first:
            where = record.origin or str(root)
            before = first[record.id].origin or "above"
            raise DataError(
                f"{where}: clip id {record.id} occurs more than once (first at {before})"
            )
        first[record.id] = record
    warn_empty_translations(records, root)
    return records


def warn_empty_translations(records: list[ClipRecord], root: str | Path, shown: int = 5) -> None:
    """One warning line naming how many clips have an empty translation, and the first few."""
    empty = [r.id for r in records if not r.text.strip()]
    if empty:
        more = f", ... ({len(empty) - shown} more)" if len(empty) > shown else ""
        log.warning(
            "%s: %d of %d clips have an empty translation: %s%s",
            root,
            len(empty),
            len(records),
            ", ".join(empty[:shown]),
            more,
        )


__all__ = ["READERS", "read_dataset"]
