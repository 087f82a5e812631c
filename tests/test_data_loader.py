"""The thread-based batch loader (``data.loader: threads``) and its reused frame buffers."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import pytest
import tiny
import torch
from data_fixtures import ClipSpec, write_phoenix14t
from torch.utils.data import DataLoader

from sign2gpt.config import Config, ConfigError, load_config
from sign2gpt.data import loader as loader_module
from sign2gpt.data.dataset import SignClipDataset, collate_clips
from sign2gpt.data.loader import BatchBufferPool, ThreadLoader, make_loader
from sign2gpt.data.prepare import prepare_dataset
from sign2gpt.data.sampler import LengthBucketSampler
from sign2gpt.data.store import FrameStore
from sign2gpt.errors import DataError
from sign2gpt.models.pgp_model import PGPModel
from sign2gpt.pipeline import Pipeline
from sign2gpt.train.datamodule import SignDataModule
from sign2gpt.train.modules import StageModule

CFG = tiny.DATA
PREFIX = "sign2gpt-loader"  # names of the loader's threads


def loader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(PREFIX)]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10 train clips and 3 dev clips of 4..30 frames, as a prepared store."""
    root = tmp_path_factory.mktemp("loader")
    sizes = [9, 12, 30, 5, 7, 16, 11, 4, 14, 8, 6, 10, 13]
    clips = [
        ClipSpec(f"c{i}", "train" if i < 10 else "dev", n, f"satz {i}", f"S{i % 2}", "X")
        for i, n in enumerate(sizes)
    ]
    write_phoenix14t(root / "corpus", clips)
    prepare_dataset(
        "phoenix14t", root / "corpus", root / "store", size=32, workers=1, progress=False
    )
    return root / "store"


class CountingDataset:
    """Item i: a (n, 3, 4, 4) frames tensor full of i % 251, packed like SignClipDataset's
    (from the pool when given); raises DataError for index ``bad``; counts the items made."""

    def __init__(self, size: int, n: int = 2, bad: int = -1, delay: float = 0.0) -> None:
        self.size, self.n, self.bad, self.delay = size, n, bad, delay
        self.made = 0
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return self.size

    def __getitems__(
        self, indices: list[int], buffer_pool: BatchBufferPool | None = None
    ) -> list[dict[str, Any]]:
        time.sleep(self.delay)
        total = self.n * len(indices)
        packed = (
            buffer_pool.take(total, 4) if buffer_pool is not None else torch.empty(total, 3, 4, 4)
        )
        items = []
        for k, i in enumerate(indices):
            if i == self.bad:
                raise DataError(f"clip {i}: frame 0 is corrupt")
            frames = packed[k * self.n : (k + 1) * self.n]  # (n, 3, 4, 4)
            frames.fill_(i % 251)
            items.append({"id": f"c{i}", "text": f"t{i}", "signer": "S", "frames": frames})
        with self.lock:
            self.made += len(indices)
        return items


def batches_of(n: int, batch_size: int = 1) -> list[list[int]]:
    return [list(range(i, min(i + batch_size, n))) for i in range(0, n, batch_size)]


# --------------------------------------------------------------------------------------------
# the same batches as DataLoader


@pytest.mark.parametrize("train", [True, False])
def test_thread_loader_gives_the_dataloader_batches(store: Path, train: bool):
    ds = SignClipDataset(store, "train", CFG, train=train, seed=1)
    ds.set_epoch(2)

    def sampler() -> LengthBucketSampler:
        s = LengthBucketSampler(ds.lengths, batch_size=2, shuffle=train, seed=1)
        s.set_epoch(3)
        return s

    expected = list(DataLoader(ds, batch_sampler=sampler(), collate_fn=collate_clips))
    loader = ThreadLoader(ds, sampler(), collate_clips, num_threads=2, prefetch=1)
    assert len(loader) == len(expected) == 5
    got = list(loader)  # 5 batches through a window of 2: jobs are refilled while consumed
    assert [b["ids"] for b in got] == [b["ids"] for b in expected]  # sampler order
    for a, b in zip(expected, got):
        assert b["texts"] == a["texts"] and b["signers"] == a["signers"]
        assert torch.equal(b["lengths"], a["lengths"])
        assert b["frames"].dtype == torch.uint8 and torch.equal(b["frames"], a["frames"])
        assert b["frames"].is_contiguous(memory_format=torch.channels_last)
    assert not loader_threads()  # the exhausted generator joined its threads


def test_synchronous_thread_loader(store: Path):
    ds = SignClipDataset(store, "dev", CFG, train=False)
    sampler = LengthBucketSampler(ds.lengths, batch_size=2, shuffle=False)
    loader = ThreadLoader(ds, sampler, collate_clips, num_threads=0)
    expected = list(DataLoader(ds, batch_sampler=sampler, collate_fn=collate_clips))
    got = []
    for batch in loader:
        assert not loader_threads()  # loaded in this thread
        got.append(batch)
    assert [b["ids"] for b in got] == [b["ids"] for b in expected]
    assert all(torch.equal(a["frames"], b["frames"]) for a, b in zip(expected, got))


def test_pooled_batch_is_packed_without_a_copy(store: Path):
    ds = SignClipDataset(store, "train", CFG, train=True, seed=3)
    pool = BatchBufferPool()
    items = ds.__getitems__([0, 3, 2], buffer_pool=pool)
    batch = collate_clips(items)
    assert pool.num_pooled == 1
    assert batch["frames"].data_ptr() == pool._buffers[0].data_ptr()  # the pool's buffer
    assert batch["frames"].is_contiguous(memory_format=torch.channels_last)
    single = torch.cat([ds[0]["frames"], ds[3]["frames"], ds[2]["frames"]])
    assert torch.equal(batch["frames"], single)


def test_features_dataset_without_getitems():
    """A dataset with only __getitem__ (like CachedFeatureDataset) and the default collate."""
    data = [torch.full((2,), float(i)) for i in range(7)]

    class Plain:
        def __len__(self) -> int:
            return len(data)

        def __getitem__(self, i: int) -> torch.Tensor:
            return data[i]

    loader = ThreadLoader(Plain(), batches_of(7, 3), num_threads=2)
    got = list(loader)
    assert [b[:, 0].tolist() for b in got] == [[0, 1, 2], [3, 4, 5], [6]]


# --------------------------------------------------------------------------------------------
# errors and early exits


def test_a_failing_item_reaches_the_consumer_as_raised(store: Path):
    real = FrameStore(store)

    class BrokenSource:
        clips = real.clips

        def read_frames(self, clip_id: str, indices: Any) -> np.ndarray:
            if clip_id == "c3":
                raise DataError(f"{clip_id}: frame 0 is corrupt")
            return real.read_frames(clip_id, indices)

    ds = SignClipDataset(BrokenSource(), "train", CFG, train=False)
    order = batches_of(10, 2)  # c3 is in the second batch
    got = []
    with pytest.raises(DataError, match="c3: frame 0 is corrupt"):
        for batch in ThreadLoader(ds, order, collate_clips, num_threads=2):
            got.append(batch["ids"])
    assert got == [["c0", "c1"]]
    assert not loader_threads()


def test_leaving_early_cancels_and_joins(store: Path):
    ds = CountingDataset(1000, delay=0.005)
    loader = ThreadLoader(ds, batches_of(1000), collate_clips, num_threads=2, prefetch=2)
    before = threading.active_count()
    for _batch in loader:
        assert len(loader_threads()) == 2
        time.sleep(0.05)  # the window fills meanwhile
        break
    assert not loader_threads() and threading.active_count() == before
    assert ds.made <= 2 * 2 + 2  # the window and no more: the rest was cancelled
    made = ds.made
    time.sleep(0.05)
    assert ds.made == made


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_threads"):
        ThreadLoader(CountingDataset(2), batches_of(2), num_threads=-1)
    with pytest.raises(ValueError, match="prefetch"):
        ThreadLoader(CountingDataset(2), batches_of(2), prefetch=0)
    with pytest.raises(ValueError, match="max_buffers"):
        BatchBufferPool(0)


# --------------------------------------------------------------------------------------------
# the allocator of the decoding process


class FakeLibc:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def mallopt(self, param: int, value: int) -> int:
        self.calls.append((param, value))
        return 1


def test_tune_allocator_sets_glibc_thresholds_once_per_process(monkeypatch: pytest.MonkeyPatch):
    libc = FakeLibc()
    monkeypatch.setattr(loader_module.ctypes, "CDLL", lambda name: libc)
    monkeypatch.setattr(loader_module, "_TUNED_PID", 0)
    loader_module.tune_allocator()
    # M_MMAP_THRESHOLD (-3): 32 MB; M_TRIM_THRESHOLD (-1): 512 MB (glibc <malloc.h>)
    assert libc.calls == [(-3, 32 << 20), (-1, 512 << 20)]
    loader_module.tune_allocator()  # same process: nothing more
    assert len(libc.calls) == 2
    monkeypatch.setattr(loader_module, "_TUNED_PID", -1)  # as if forked into a new process
    loader_module.tune_allocator()
    assert len(libc.calls) == 4


def test_tune_allocator_without_glibc_is_a_no_op(monkeypatch: pytest.MonkeyPatch):
    def missing(name: str) -> None:
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(loader_module.ctypes, "CDLL", missing)
    monkeypatch.setattr(loader_module, "_TUNED_PID", 0)
    loader_module.tune_allocator()  # no error


@pytest.mark.parametrize("num_threads", [0, 2])
def test_thread_loader_tunes_its_process_before_loading(
    monkeypatch: pytest.MonkeyPatch, num_threads: int
):
    events: list[str] = []
    monkeypatch.setattr(loader_module, "tune_allocator", lambda: events.append("tune"))

    class Recording(CountingDataset):
        def __getitems__(self, indices, buffer_pool=None):  # type: ignore[override]
            events.append("load")
            return super().__getitems__(indices, buffer_pool)

    loader = ThreadLoader(Recording(4), batches_of(4), collate_clips, num_threads=num_threads)
    assert len(list(loader)) == 4
    assert events[0] == "tune" and events.count("load") == 4


# --------------------------------------------------------------------------------------------
# buffer reuse


def test_buffer_is_reused_only_when_nothing_references_it():
    pool = BatchBufferPool()
    t = pool.take(4, 8)  # (4, 3, 8, 8)
    assert t.shape == (4, 3, 8, 8) and t.dtype == torch.uint8
    assert t.is_contiguous(memory_format=torch.channels_last)
    assert t._base is not None and t._base.shape == (4, 8, 8, 3) and t._base.is_contiguous()
    ptr = t.data_ptr()
    del t
    t = pool.take(3, 8)  # smaller fits
    assert t.data_ptr() == ptr and pool.allocations == 1
    for keep in (lambda x: x[1:2], lambda x: x.detach(), lambda x: x.numpy()):
        alias = keep(t)
        del t
        t = pool.take(4, 8)
        assert t.data_ptr() != ptr  # the alias keeps the first buffer busy
        del t, alias
        t = pool.take(4, 8)
        assert t.data_ptr() == ptr  # reused, no copy of the alias was needed
    assert pool.num_pooled == 2 and pool.allocations == 2


def test_pool_grows_buffers_and_is_capped():
    pool = BatchBufferPool(max_buffers=2)
    small = pool.take(1, 8)
    ptr = small.data_ptr()
    del small
    big = pool.take(5, 8)  # the free buffer is too small: replaced
    assert pool.num_pooled == 1 and pool._buffers[0].nbytes() == 5 * 8 * 8 * 3
    kept = [big, pool.take(2, 8), pool.take(2, 8), pool.take(2, 8)]  # all kept by the consumer
    assert pool.num_pooled == 2 and pool.allocations == 5  # two pooled, the others not
    assert len({k.data_ptr() for k in kept}) == 4
    assert ptr != big.data_ptr()


def test_no_reuse_without_use_counts(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(loader_module, "_storage_use_count", None)
    pool = BatchBufferPool()
    for _ in range(3):
        t = pool.take(2, 8)
        assert t.shape == (2, 3, 8, 8) and t.is_contiguous(memory_format=torch.channels_last)
        del t
    assert pool.allocations == 3 and pool.num_pooled == 0


def test_epochs_reuse_buffers_and_kept_batches_stay_intact():
    ds = CountingDataset(12)
    loader = ThreadLoader(ds, batches_of(12), collate_clips, num_threads=2, prefetch=2)
    # at most: the 4 jobs in flight, the batch being yielded and the consumer's previous one
    first = set()
    for batch in loader:
        first.add(batch["frames"].data_ptr())
        time.sleep(0.002)
    del batch
    assert loader.buffer_pool.allocations <= 2 * 2 + 2 < 12
    # epoch 2 reuses them; batch 0 (through a view and a detached alias) is kept meanwhile
    ptrs = set()
    kept_view = kept_alias = None
    for k, batch in enumerate(loader):
        frames = batch["frames"]
        ptrs.add(frames.data_ptr())
        assert torch.all(frames == k)
        if k == 0:
            assert frames.data_ptr() in first  # every buffer was free: a pooled one
            kept_view, kept_alias, kept_ptr = frames[1:], frames.detach(), frames.data_ptr()
        else:
            assert frames.data_ptr() != kept_ptr  # never handed out while batch 0 lives
        del frames
    del batch
    assert loader.buffer_pool.allocations <= 2 * 2 + 2 + 1  # one more for the kept batch
    assert len(first | ptrs) == loader.buffer_pool.allocations  # all pooled, none freed
    assert torch.all(kept_view == 0) and torch.all(kept_alias == 0)  # not overwritten


# --------------------------------------------------------------------------------------------
# configuration and training


def test_config_selects_the_loader(store: Path):
    assert Config().data.loader == "threads"  # the default, by measurement
    cfg = load_config(None, ["data.loader=threads", "data.num_workers=3"])
    assert cfg.data.loader == "threads"
    with pytest.raises(ConfigError, match=r"data.loader: 'thread' is not one of"):
        load_config(None, ["data.loader=thread"])
    ds = SignClipDataset(store, "dev", CFG, train=False)
    sampler = LengthBucketSampler(ds.lengths, batch_size=2, shuffle=False)
    threads = make_loader(ds, sampler, collate_clips, cfg.data)
    assert isinstance(threads, ThreadLoader) and threads.num_threads == 3
    assert threads.dataset is ds and threads.batch_sampler is sampler
    procs = load_config(None, ["data.loader=processes"]).data
    processes = make_loader(ds, sampler, collate_clips, procs, num_workers=0)
    assert isinstance(processes, DataLoader) and processes.num_workers == 0


class RecordingModule(StageModule):
    """Keeps what each training step saw: epoch, dataset epoch, batch ids, frames' buffer."""

    def __init__(self, cfg: Config) -> None:
        super().__init__(torch.nn.Linear(1, 1), cfg)
        self.seen: list[tuple[int, int, list[str]]] = []

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        dataset_epoch = self.trainer.train_dataloader.dataset.epoch
        self.seen.append((self.current_epoch, dataset_epoch, batch["ids"]))
        return (self.model.weight**2).sum() * batch["frames"].float().mean()

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.model.parameters(), lr=1e-3)


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_training_gets_each_epochs_batches(store: Path, tmp_path: Path, kind: str):
    cfg = load_config(
        None,
        [
            f"data.store={store}",
            f"data.loader={kind}",
            f"data.num_workers={2 if kind == 'threads' else 0}",
            "data.image_size=24",
            "data.store_size=32",
            "data.max_frames=8",
            "data.batch_size=3",
            "train.seed=7",
        ],
    )
    module = RecordingModule(cfg)
    # the stage-1 pipeline's loaders, without targets (this module trains on frames alone)
    model = PGPModel.build(tiny.model_config(), num_pseudo_glosses=1)
    datamodule = SignDataModule(Pipeline(cfg, model), collate=collate_clips)
    trainer = L.Trainer(
        accelerator="cpu",
        max_epochs=2,
        use_distributed_sampler=False,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=tmp_path,
    )
    trainer.fit(module, datamodule=datamodule)
    dataset = datamodule.dataset("train")
    for epoch in (0, 1):
        steps = [s for s in module.seen if s[0] == epoch]
        sampler = LengthBucketSampler(dataset.lengths, batch_size=3, shuffle=True, seed=7)
        sampler.set_epoch(epoch)
        assert len(steps) == len(sampler) == 4  # 10 clips in batches of 3
        assert all(s[1] == epoch for s in steps)  # the dataset's augmentation epoch
        # the sampler's epoch: each epoch its own shuffle
        assert [s[2] for s in steps] == [[dataset.ids[i] for i in b] for b in sampler]
    assert [s[2] for s in module.seen[:4]] != [s[2] for s in module.seen[4:]]
    assert not loader_threads()


def test_release_free_memory_gives_the_heap_fragments_back():
    # glibc (this machine): free chunks between live ones stay with the process until
    # malloc_trim; 1,000 live 64 KiB strings keep 1,000 freed 1 MiB ones between them
    if not Path("/proc/self/status").is_file():
        pytest.skip("needs /proc to read the resident set size")

    def rss_kib() -> int:
        line = next(x for x in Path("/proc/self/status").read_text().splitlines() if "VmRSS" in x)
        return int(line.split()[1])

    loader_module.tune_allocator()  # the heap, not mmap, below 32 MB: as in training
    blocks = [b"x" * (2**20 if i % 2 else 2**16) for i in range(2000)]  # written: resident
    del blocks[1::2]  # ~1 GB of holes between ~64 MB kept
    before = rss_kib()
    assert loader_module.release_free_memory() is True
    assert before - rss_kib() > 500_000  # most of the holes back to the kernel
    del blocks


def test_release_free_memory_without_glibc_says_so(monkeypatch: pytest.MonkeyPatch):
    def missing(name: str) -> None:
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(loader_module.ctypes, "CDLL", missing)
    assert loader_module.release_free_memory() is False
