"""RWTH-PHOENIX-Weather 2014 T: ``|``-separated corpus CSVs and PNG frame folders."""

from __future__ import annotations

from pathlib import Path

from sign2gpt.data.records import SPLITS, ClipRecord
from sign2gpt.errors import DataError

from ._table import read_table

COLUMNS = ("name", "video", "start", "end", "speaker", "orth", "translation")
FRAME_DIR = "fullFrame-210x260px"


def annotation_path(root: Path, split: str) -> Path:
    return root / "annotations" / "manual" / f"PHOENIX-2014-T.{split}.corpus.csv"


def frames_root(root: Path) -> Path:
    """``features/fullFrame-210x260px``, or the one other ``fullFrame-*`` folder there."""
    features = root / "features"
    preferred = features / FRAME_DIR
    if preferred.is_dir():
        return preferred
    others = sorted(features.glob("fullFrame-*")) if features.is_dir() else []
    if len(others) == 1 and others[0].is_dir():
        return others[0]
    raise DataError(f"{preferred}: frame folder not found")


def read(root: str | Path) -> list[ClipRecord]:
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: dataset folder not found")
    frames = frames_root(root)
    records = []
    for split in SPLITS:
        csv_path = annotation_path(root, split)
        for row in read_table(csv_path, "|", required=COLUMNS, quoting=False):
            folder = frames / split / row["name"]
            if not folder.is_dir():
                raise DataError(
                    f"{folder}: frame folder missing (clip {row['name']} of {csv_path})"
                )
            records.append(
                ClipRecord(
                    id=row["name"],
                    split=split,
                    signer=row["speaker"],
                    text=row["translation"],
                    source=str(folder),
                    gloss=row["orth"],
                    origin=f"{csv_path}: line {row.line}",
                )
            )
    return records
