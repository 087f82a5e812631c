"""How2Sign: tab-separated sentence tables with start/end times into longer videos.

``how2sign_realigned_{train,val,test}.csv`` (or ``how2sign_{train,val,test}.csv``) with columns
VIDEO_NAME, SENTENCE_NAME, START(_REALIGNED), END(_REALIGNED), SENTENCE. A sentence clip that
exists as its own file ``<SENTENCE_NAME>.mp4`` is read whole; otherwise it is cut from
``<VIDEO_NAME>.mp4`` by its start and end. Videos are found anywhere under the root. ``val``
becomes the ``dev`` split.
"""

from __future__ import annotations

from pathlib import Path

from sign2gpt.data.frames import VIDEO_EXTS
from sign2gpt.data.records import ClipRecord
from sign2gpt.errors import DataError

from ._table import check_columns, parse_seconds, read_table

SPLIT_FILES = {"train": "train", "dev": "val", "test": "test"}


def find_tables(root: Path) -> dict[str, Path]:
    candidates = sorted(
        p
        for folder in (root, root / "annotations")
        if folder.is_dir()
        for p in folder.iterdir()
        if p.suffix.lower() in (".csv", ".tsv") and "how2sign" in p.name.lower()
    )
    tables = {}
    for split, token in SPLIT_FILES.items():
        matches = [p for p in candidates if f"_{token}." in p.name.lower()]
        # the re-aligned times are the corrected ones; prefer them when both tables exist
        matches.sort(key=lambda p: "realigned" not in p.name.lower())
        if matches:
            tables[split] = matches[0]
    if not tables:
        raise DataError(f"{root}: no How2Sign table found (how2sign_realigned_train.csv ...)")
    return tables


def _column(path: Path, header: list[str], *names: str) -> str:
    for name in names:
        if name in header:
            return name
    check_columns(path, header, names[:1])
    return names[0]


def read(root: str | Path) -> list[ClipRecord]:
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: dataset folder not found")
    videos = {p.stem: p for p in root.rglob("*") if p.suffix.lower() in VIDEO_EXTS}
    records = []
    for split, table in find_tables(root).items():
        rows = read_table(table, "\t", required=("VIDEO_NAME", "SENTENCE_NAME", "SENTENCE"))
        header = list(rows[0]) if rows else []
        start_col = _column(table, header, "START_REALIGNED", "START") if rows else ""
        end_col = _column(table, header, "END_REALIGNED", "END") if rows else ""
        for row in rows:
            name = row["SENTENCE_NAME"]
            if name in videos:
                source, start, end = videos[name], None, None
            elif row["VIDEO_NAME"] in videos:
                source = videos[row["VIDEO_NAME"]]
                start = parse_seconds(row[start_col], table, start_col, name)
                end = parse_seconds(row[end_col], table, end_col, name)
            else:
                raise DataError(
                    f"{table}: clip {name}: neither {name}.mp4 nor {row['VIDEO_NAME']}.mp4 "
                    f"found under {root}"
                )
            records.append(
                ClipRecord(
                    id=name,
                    split=split,
                    signer=row.get("SIGNER", ""),
                    text=row["SENTENCE"],
                    source=str(source),
                    start=start,
                    end=end,
                    origin=f"{table}: line {row.line}",
                )
            )
    return records
