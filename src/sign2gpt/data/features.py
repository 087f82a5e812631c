"""Cached sign features Z (Sign(Z)2GPT): an indexed store and the dataset that reads it.

Layout of a feature store folder::

    index.jsonl                  one row per stored clip view: id, split, signer, text, view,
                                 shard, offset, length (rows appended only after their shard
                                 is complete, so an interrupted extraction resumes cleanly)
    shard-00000.safetensors      Z of many clip views concatenated along time: (sum T', D)
    meta.json                    feature size, dtype and the checkpoint they came from

View 0 of a clip uses the evaluation transform; views 1..K the training augmentation.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset

from sign2gpt.errors import DataError
from sign2gpt.io import load_safetensors, os_reason, save_safetensors

INDEX = "index.jsonl"
META = "meta.json"


class FeatureStoreWriter:
    """Appends clip views to shards; each shard lands atomically before its index rows."""

    def __init__(self, folder: str | Path, meta: dict[str, Any], shard_clips: int = 256) -> None:
        self.folder = Path(folder)
        meta_path = self.folder / META
        if meta_path.is_file():
            old = json.loads(meta_path.read_text())
            # the same folder named relatively and absolutely is the same checkpoint
            if (
                Path(str(old.get("checkpoint"))).resolve()
                != Path(str(meta.get("checkpoint"))).resolve()
            ):
                raise DataError(
                    f"{meta_path}: store holds features of {old.get('checkpoint')}, "
                    f"not of {meta.get('checkpoint')}; use another --out"
                )
        else:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
            except OSError as exc:
                reason = os_reason(exc)
                raise DataError(
                    f"{self.folder}: cannot write the feature store ({reason})"
                ) from None
        self.shard_clips = shard_clips
        self.done = {(r["id"], r["view"]) for r in read_index(self.folder, missing_ok=True)}
        shards = sorted(self.folder.glob("shard-*.safetensors"))
        self.next_shard = 1 + max((int(p.stem.split("-")[1]) for p in shards), default=-1)
        self.pending: list[tuple[dict[str, Any], torch.Tensor]] = []

    def add(self, row: dict[str, Any], z: torch.Tensor) -> None:
        """row: id, split, signer, text, view; z: (T', D) features of the clip view."""
        self.pending.append((row, z.detach().to("cpu").contiguous()))
        if len(self.pending) >= self.shard_clips:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        name = f"shard-{self.next_shard:05d}.safetensors"
        tensors = torch.cat([z for _, z in self.pending])  # (sum T', D)
        # atomic, and readable by whoever may read the folder (safetensors alone makes 0600)
        save_safetensors({"z": tensors}, self.folder / name)
        offset = 0
        with _writing(self.folder), (self.folder / INDEX).open("a", encoding="utf-8") as f:
            for row, z in self.pending:
                entry = {**row, "shard": name, "offset": offset, "length": int(z.shape[0])}
                f.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
                self.done.add((row["id"], row["view"]))
                offset += int(z.shape[0])
            f.flush()
            os.fsync(f.fileno())
        self.next_shard += 1
        self.pending = []


@contextlib.contextmanager
def _writing(folder: Path) -> Iterator[None]:
    """An index row that cannot be written (full disk) as one :class:`DataError` line; the shard
    it describes stays unlisted, so a later run redoes it."""
    try:
        yield
    except OSError as exc:
        raise DataError(f"{folder}: cannot write the feature store ({os_reason(exc)})") from None


def read_index(folder: str | Path, missing_ok: bool = False) -> list[dict[str, Any]]:
    path = Path(folder) / INDEX
    if not path.is_file():
        if missing_ok:
            return []
        raise DataError(f"{path}: not a feature store (run `sign2gpt extract-features`)")
    rows = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            if number == len(lines):  # a crash cut the last line short: that shard is redone
                break
            raise DataError(f"{path}: line {number} is not JSON") from None
    return rows


class CachedFeatureDataset(Dataset):
    """Clips of one split from a feature store; in training a random view per epoch."""

    def __init__(self, folder: str | Path, split: str, train: bool, seed: int = 0) -> None:
        self.folder = Path(folder)
        rows = [r for r in read_index(self.folder) if r["split"] == split]
        if not rows:
            raise DataError(f"{self.folder / INDEX}: no clips of split '{split}'")
        views: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            views.setdefault(row["id"], []).append(row)
        self.ids = sorted(views)
        self.views = {k: sorted(v, key=lambda r: r["view"]) for k, v in views.items()}
        self.train = train
        self.seed = seed
        self.epoch = 0
        self._shards: dict[str, torch.Tensor] = {}

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    @property
    def lengths(self) -> list[int]:
        return [self.views[i][0]["length"] for i in self.ids]

    def __len__(self) -> int:
        return len(self.ids)

    def _shard(self, name: str) -> torch.Tensor:
        if name not in self._shards:
            path = self.folder / name
            if not path.exists():
                raise DataError(f"{path}: shard listed in the index is missing")
            self._shards[name] = load_safetensors(path, DataError, "feature shard")["z"]
        return self._shards[name]

    def __getitem__(self, index: int) -> dict[str, Any]:
        clip_views = self.views[self.ids[index]]
        if self.train and len(clip_views) > 1:
            rng = random.Random(f"{self.seed}/{self.epoch}/{index}")
            row = rng.choice(clip_views)
        else:
            row = clip_views[0]
        z = self._shard(row["shard"])[row["offset"] : row["offset"] + row["length"]]
        return {"id": row["id"], "text": row["text"], "signer": row["signer"], "features": z}


def collate_features(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Pad to (B, T', D) with a mask (True = valid)."""
    longest = max(item["features"].shape[0] for item in items)
    dim = items[0]["features"].shape[1]
    features = torch.zeros(len(items), longest, dim, dtype=torch.float32)
    mask = torch.zeros(len(items), longest, dtype=torch.bool)
    for i, item in enumerate(items):
        n = item["features"].shape[0]
        features[i, :n] = item["features"].float()
        mask[i, :n] = True
    return {
        "features": features,
        "feature_mask": mask,
        "ids": [item["id"] for item in items],
        "texts": [item["text"] for item in items],
        "signers": [item["signer"] for item in items],
    }
