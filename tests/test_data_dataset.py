from pathlib import Path

import cv2
import numpy as np
import pytest
import tiny
import torch
from data_fixtures import ClipSpec, write_phoenix14t
from torch.utils.data import DataLoader

from sign2gpt.data.dataset import FolderSource, SignClipDataset, collate_clips
from sign2gpt.data.prepare import prepare_dataset
from sign2gpt.data.readers import read_dataset
from sign2gpt.data.sampler import LengthBucketSampler
from sign2gpt.data.store import FrameStore
from sign2gpt.errors import DataError
from sign2gpt.models.preprocess import FrameNormalise

CFG = tiny.DATA


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ds")
    clips = [
        ClipSpec(f"c{i}", "train" if i < 6 else "dev", n, f"satz {i}", f"S{i % 2}", "X")
        for i, n in enumerate([9, 12, 30, 5, 7, 16, 11, 4])
    ]
    write_phoenix14t(root / "corpus", clips)
    prepare_dataset(
        "phoenix14t", root / "corpus", root / "store", size=32, workers=1, progress=False
    )
    return root


def test_items_lengths_and_determinism(store: Path):
    train = SignClipDataset(store / "store", "train", CFG, train=True, seed=5)
    assert train.ids == ["c0", "c1", "c2", "c3", "c4", "c5"]
    assert train.lengths == [5, 6, 8, 3, 4, 8]  # every 2nd frame, at most 8
    item = train[2]
    assert set(item) == {"id", "text", "signer", "frames"}
    assert (item["id"], item["text"], item["signer"]) == ("c2", "satz 2", "S0")
    assert item["frames"].shape == (8, 3, 24, 24) and item["frames"].dtype == torch.uint8
    # (seed, epoch, index) decide everything: a second instance agrees, another epoch differs
    other = SignClipDataset(store / "store", "train", CFG, train=True, seed=5)
    assert torch.equal(other[2]["frames"], item["frames"])
    other.set_epoch(1)
    assert not torch.equal(other[2]["frames"], item["frames"])
    dev = SignClipDataset(store / "store", "dev", CFG, train=False)
    assert dev.ids == ["c6", "c7"] and dev.lengths == [6, 2]
    assert torch.equal(dev[0]["frames"], dev[0]["frames"])
    with pytest.raises(DataError, match=r"no clips in split 'test' \(found: dev, train\)"):
        SignClipDataset(store / "store", "test", CFG, train=False)


def test_eval_frames_are_the_strided_frames(store: Path):
    dev = SignClipDataset(store / "store", "dev", CFG, train=False)
    frames = dev[0]["frames"]  # c6: 11 frames -> 0, 2, ..., 10; uint8, not normalised
    red = frames[:, 0, 12, 12].numpy().astype(np.int64)
    assert np.abs(red - 10 * np.arange(0, 11, 2)).max() < 3


def test_collate_packs_frames_without_padding(store: Path):
    ds = SignClipDataset(store / "store", "train", CFG, train=True)
    items = [ds[0], ds[3], ds[2]]
    batch = collate_clips(items)
    assert batch["lengths"].tolist() == [item["frames"].shape[0] for item in items]
    assert batch["frames"].shape == (int(batch["lengths"].sum()), 3, 24, 24)
    assert torch.equal(batch["frames"], torch.cat([i["frames"] for i in items]))
    assert batch["ids"] == ["c0", "c3", "c2"]
    assert batch["texts"] == ["satz 0", "satz 3", "satz 2"]
    assert batch["signers"] == ["S0", "S1", "S0"]


def test_batched_fetch_packs_without_a_copy(store: Path):
    ds = SignClipDataset(store / "store", "train", CFG, train=True, seed=3)
    items = ds.__getitems__([0, 3, 2])  # what the DataLoader calls for one batch
    batch = collate_clips(items)
    assert batch["frames"].data_ptr() == items[0]["frames"].data_ptr()  # no copy
    single = torch.cat([ds[0]["frames"], ds[3]["frames"], ds[2]["frames"]])
    assert torch.equal(batch["frames"], single)
    assert batch["lengths"].tolist() == [len(ds[i]["frames"]) for i in (0, 3, 2)]


def test_loader_workers_give_the_same_batches(store: Path):
    ds = SignClipDataset(store / "store", "train", CFG, train=True, seed=1)
    ds.set_epoch(2)

    def batches(workers: int) -> list[dict]:
        sampler = LengthBucketSampler(ds.lengths, batch_size=2, shuffle=True, seed=1)
        # a timeout: a worker that deadlocks fails the test instead of hanging the suite
        loader = DataLoader(
            ds,
            batch_sampler=sampler,
            collate_fn=collate_clips,
            num_workers=workers,
            timeout=120 if workers else 0,
        )
        return list(loader)

    # OpenCV has run in this process (the rotated clips of the single-process pass) before the
    # workers fork: with its thread pool started, a forked worker used to deadlock.
    assert cv2.getNumThreads() == 1
    single, multi = batches(0), batches(2)
    assert [b["ids"] for b in single] == [b["ids"] for b in multi]
    normalise = FrameNormalise()  # the model normalises the uint8 frames the dataset gives
    for a, b in zip(single, multi):
        assert b["frames"].dtype == torch.uint8 and torch.equal(a["frames"], b["frames"])
        # packed once in a worker's shared memory, one (S, S, 3) picture per frame
        assert b["frames"].is_shared() and not a["frames"].is_shared()
        assert b["frames"].is_contiguous(memory_format=torch.channels_last)
        # the workers' packed uint8 batch (shared memory), normalised by the model's first
        # step, is the single-process batch normalised, and the items normalised one by one
        x = normalise(b["frames"])
        assert x.dtype == torch.float32 and x.is_contiguous(memory_format=torch.channels_last)
        assert torch.equal(x, normalise(a["frames"]))
        items = [ds[ds.ids.index(i)]["frames"] for i in b["ids"]]
        assert torch.equal(x, torch.cat([normalise(f) for f in items]))


def test_folder_source_reads_raw_frames(store: Path):
    records = read_dataset("phoenix14t", store / "corpus")
    raw = SignClipDataset(FolderSource(records), "dev", CFG, train=False)
    prepared = SignClipDataset(FrameStore(store / "store"), "dev", CFG, train=False)
    a, b = raw[0]["frames"], prepared[0]["frames"]
    assert a.shape == b.shape and a.dtype == b.dtype == torch.uint8
    # same frames; resampling and JPEG differ slightly (a few of 255 grey levels)
    assert (a.float() - b.float()).abs().mean() < 5
    augmented = SignClipDataset(FolderSource(records), "train", CFG, train=True)
    assert augmented[2]["frames"].shape == (8, 3, 24, 24)
