"""The data pipeline on the synthetic corpus in both layouts (sign2gpt.synth, preset tiny)."""

import json
from pathlib import Path

import pytest

from sign2gpt.config import DataConfig
from sign2gpt.data.dataset import SignClipDataset
from sign2gpt.data.prepare import prepare_dataset
from sign2gpt.data.readers import read_dataset
from sign2gpt.data.store import FrameStore

synth = pytest.importorskip("sign2gpt.synth")


@pytest.mark.parametrize("fmt", ["phoenix14t", "csl-daily"])
def test_synthetic_corpus_reads_and_prepares(tmp_path: Path, fmt: str):
    root = tmp_path / "corpus"
    manifest = synth.generate_corpus(
        root, preset="tiny", fmt=fmt, seed=0, workers=1, progress=False
    )
    records = read_dataset(fmt, root)
    counts = {s: sum(r.split == s for r in records) for s in ("train", "dev", "test")}
    assert counts == manifest["counts"]
    truth = {}
    for path in (root / "groundtruth").glob("*/*.json"):
        clip = json.loads(path.read_text())
        truth[clip["name"]] = clip
    assert {r.id for r in records} == set(truth)
    for r in records:
        assert r.text == truth[r.id]["text"] and r.split == truth[r.id]["split"]

    size = manifest["frame_size"][0]
    summary = prepare_dataset(fmt, root, tmp_path / "store", size=size, workers=2, progress=False)
    bad = manifest["frames"]["truncated"] + manifest["frames"]["empty"]
    assert summary.clips_used == len(records) and not summary.skipped
    assert summary.frames_used == manifest["frames"]["total"]
    assert summary.frames_repaired == bad > 0
    store = FrameStore(tmp_path / "store")
    for row in store.clips:
        assert row["num_frames"] == truth[row["id"]]["num_frames"]
        broken = truth[row["id"]]["broken_frames"] + truth[row["id"]]["empty_frames"]
        assert row["repaired"] == len(broken)
    cfg = DataConfig(image_size=size - 8, store_size=size)
    item = SignClipDataset(store.path, "train", cfg, train=True)[0]
    assert item["frames"].shape[1:] == (3, size - 8, size - 8)
