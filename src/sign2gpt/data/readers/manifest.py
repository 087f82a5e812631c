"""Anyone's own corpus: a CSV, TSV or JSONL table of clips.

Columns: ``id``, ``text``, and ``video`` (a video file) or ``frames`` (a frame folder), paths
relative to the manifest; optional ``start`` / ``end`` (seconds into the video), ``signer``,
``split`` (train / dev / test; ``val``, ``valid`` or ``validation`` mean dev; default train;
anything else is an error). ``--root`` is the manifest file
or a folder holding exactly one ``manifest.csv|tsv|jsonl``.
"""

from __future__ import annotations

from pathlib import Path

from sign2gpt.data.records import ClipRecord, normalise_split
from sign2gpt.errors import DataError

from ._table import parse_seconds, read_jsonl, read_table

SUFFIXES = {".csv": ",", ".tsv": "\t", ".jsonl": None}


def find_manifest(root: Path) -> Path:
    if root.is_file():
        return root
    if not root.is_dir():
        raise DataError(f"{root}: manifest file or folder not found")
    found = [root / f"manifest{s}" for s in SUFFIXES if (root / f"manifest{s}").is_file()]
    if len(found) != 1:
        what = "none" if not found else ", ".join(p.name for p in found)
        raise DataError(f"{root}: expected one of manifest.csv / .tsv / .jsonl, found {what}")
    return found[0]


def read(root: str | Path) -> list[ClipRecord]:
    path = find_manifest(Path(root))
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(f"{path}: manifest must end in .csv, .tsv or .jsonl")
    delimiter = SUFFIXES[suffix]
    if delimiter is None:
        rows = read_jsonl(path, required=("id", "text"))
    else:
        rows = read_table(path, delimiter, required=("id", "text"))
    if rows and not any(k in rows[0] for k in ("video", "frames")):
        raise DataError(f"{path}: missing column 'video' or 'frames'")
    base = path.parent
    records = []
    for row in rows:
        clip_id = str(row["id"])
        video, frames = str(row.get("video") or ""), str(row.get("frames") or "")
        if bool(video) == bool(frames):
            raise DataError(f"{path}: clip {clip_id}: give exactly one of video and frames")
        source = base / (video or frames)
        if video and not source.is_file():
            raise DataError(f"{source}: video file not found (clip {clip_id} of {path})")
        if frames and not source.is_dir():
            raise DataError(f"{source}: frame folder missing (clip {clip_id} of {path})")
        where = f"{path}: line {row.line}"
        start = parse_seconds(row.get("start"), path, "start", clip_id)
        end = parse_seconds(row.get("end"), path, "end", clip_id)
        if frames and (start is not None or end is not None):
            raise DataError(f"{path}: clip {clip_id}: start/end apply to videos only")
        if start is not None and end is not None and end <= start:
            raise DataError(f"{path}: clip {clip_id}: end {end} is not after start {start}")
        records.append(
            ClipRecord(
                id=clip_id,
                split=normalise_split(str(row.get("split") or "train"), where),
                signer=str(row.get("signer") or ""),
                text=str(row["text"]),
                source=str(source),
                start=start,
                end=end,
                gloss=str(row.get("gloss") or ""),
                origin=where,
            )
        )
    return records
