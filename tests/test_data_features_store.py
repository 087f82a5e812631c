import json
from pathlib import Path

import pytest
import torch

from sign2gpt.data.features import (
    CachedFeatureDataset,
    FeatureStoreWriter,
    collate_features,
    read_index,
)
from sign2gpt.errors import DataError


def _row(i: int, split: str = "train", view: int = 0) -> dict:
    return {"id": f"c{i}", "split": split, "signer": "s1", "text": f"text {i}", "view": view}


def test_write_read_back_views_and_resume(tmp_path):
    writer = FeatureStoreWriter(tmp_path, {"checkpoint": "ck"}, shard_clips=2)
    feats = {(i, v): torch.randn(3 + i, 4) for i in range(3) for v in range(2)}
    for (i, v), z in feats.items():
        writer.add(_row(i, view=v), z)
    writer.flush()
    assert len(list(tmp_path.glob("shard-*.safetensors"))) == 3  # 6 views, 2 per shard
    ds = CachedFeatureDataset(tmp_path, "train", train=False)
    assert ds.ids == ["c0", "c1", "c2"] and ds.lengths == [3, 4, 5]
    item = ds[1]
    assert torch.equal(item["features"], feats[(1, 0)])  # evaluation reads view 0
    train = CachedFeatureDataset(tmp_path, "train", train=True, seed=3)
    seen = set()
    for epoch in range(12):
        train.set_epoch(epoch)
        z = train[2]["features"]
        seen.add(next(v for v in range(2) if torch.equal(z, feats[(2, v)])))
    assert seen == {0, 1}  # both views are used across epochs
    # a second writer on the same folder knows what is done and continues the numbering
    again = FeatureStoreWriter(tmp_path, {"checkpoint": "ck"}, shard_clips=2)
    assert (("c2", 1) in again.done) and again.next_shard == 3
    again.add(_row(9, split="dev"), torch.ones(2, 4))
    again.flush()
    assert [r["id"] for r in read_index(tmp_path) if r["split"] == "dev"] == ["c9"]


def test_cut_last_index_line_is_redone_and_other_checkpoint_refused(tmp_path):
    writer = FeatureStoreWriter(tmp_path, {"checkpoint": "ck"}, shard_clips=1)
    writer.add(_row(0), torch.ones(2, 4))
    writer.add(_row(1), torch.ones(2, 4))
    index = tmp_path / "index.jsonl"
    lines = index.read_text().splitlines()
    index.write_text(lines[0] + "\n" + lines[1][:10])  # crash in the middle of a line
    assert [r["id"] for r in read_index(tmp_path)] == ["c0"]
    assert ("c1", 0) not in FeatureStoreWriter(tmp_path, {"checkpoint": "ck"}).done
    with pytest.raises(DataError, match="features of ck"):
        FeatureStoreWriter(tmp_path, {"checkpoint": "other"})
    # the same checkpoint named by its absolute path (from another working folder) is accepted
    assert ("c0", 0) in FeatureStoreWriter(tmp_path, {"checkpoint": str(Path("ck").resolve())}).done
    json.loads((tmp_path / "meta.json").read_text())


def test_collate_pads_with_mask():
    items = [
        {"id": "a", "text": "x", "signer": "s", "features": torch.ones(2, 3)},
        {"id": "b", "text": "y", "signer": "s", "features": torch.ones(4, 3) * 2},
    ]
    batch = collate_features(items)
    assert batch["features"].shape == (2, 4, 3)
    assert batch["feature_mask"].tolist() == [[True, True, False, False], [True] * 4]
    assert batch["features"][0, 2:].abs().sum() == 0 and batch["features"][1].mean() == 2
