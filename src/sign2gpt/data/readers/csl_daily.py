"""CSL-Daily: ``csl2020ct_v2.pkl`` (read with the restricted unpickler), ``split_1.txt`` and
JPEG frame folders. The sentence is the joined ``label_char`` (as the authors' loader)."""

from __future__ import annotations

from pathlib import Path

from sign2gpt.data.records import ClipRecord, normalise_split
from sign2gpt.data.safe_pickle import safe_load
from sign2gpt.errors import DataError

from ._table import read_table

INFO_FIELDS = ("name", "label_char", "signer")


def read(root: str | Path) -> list[ClipRecord]:
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: dataset folder not found")
    pkl = root / "sentence_label" / "csl2020ct_v2.pkl"
    split_file = root / "sentence_label" / "split_1.txt"
    frames = root / "sentence" / "frames_512x512"
    data = safe_load(pkl)
    if not isinstance(data, dict) or not isinstance(data.get("info"), list):
        raise DataError(f"{pkl}: expected a dict with an 'info' list of clip records")
    splits = {
        row["name"]: normalise_split(row["split"], f"{split_file}: line {row.line}")
        for row in read_table(split_file, "|", required=("name", "split"))
    }
    if not frames.is_dir():
        raise DataError(f"{frames}: frame folder not found")
    records = []
    for number, info in enumerate(data["info"]):
        if not isinstance(info, dict):
            raise DataError(f"{pkl}: info[{number}] is not a dict")
        for field in INFO_FIELDS:
            if field not in info:
                raise DataError(f"{pkl}: info[{number}] lacks field '{field}'")
        name = str(info["name"])
        if name not in splits:
            raise DataError(f"{split_file}: clip {name} (in {pkl.name}) has no split")
        folder = frames / name
        if not folder.is_dir():
            raise DataError(f"{folder}: frame folder missing (clip {name} of {pkl})")
        chars = info["label_char"]
        glosses = info.get("label_gloss", [])
        records.append(
            ClipRecord(
                id=name,
                split=splits[name],
                signer=str(info["signer"]),
                text="".join(chars) if isinstance(chars, (list, tuple)) else str(chars),
                source=str(folder),
                gloss=" ".join(glosses) if isinstance(glosses, (list, tuple)) else str(glosses),
                origin=f"{pkl}: info[{number}]",
            )
        )
    return records
