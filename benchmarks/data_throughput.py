"""Frames per second delivered as 224x224 normalised tensors: raw PNG frame folders vs the
prepared store, same clips, same sampling and transforms, 2 workers: DataLoader worker
processes and the in-process ThreadLoader (``data.loader``, the default), each in one run.

    .venv/bin/python benchmarks/data_throughput.py [--clips 32] [--frames 100] [--workers 2]
        [--rounds 3] [--epochs 3] [--warmup-epochs 1] [--loaders processes threads]
        [--cache warm cold]

The corpus: the synthetic corpus (``sign2gpt.synth``, Phoenix14T layout) when it renders
210x260 frames, otherwise a corpus written here in the Phoenix14T layout at 210x260 with
camera-like noise, calibrated to about 48 KB per PNG (the real Phoenix14T frames are ~40 KB:
a 39 GB release for ~950k frames). Both pipelines read the same clips through the same
``SignClipDataset`` and the same loader (frame sampling of docs/method.md#5-training-recipe,
then the training augmentation or the evaluation transform: resize to 224); only the frame
source differs.

What "delivered" means: the workers hand over uint8 frames (what the dataset yields); the
consumer loop in the main thread normalises every batch with the model's own first step
(``FrameNormalise`` from ``sign2gpt.models.preprocess``, mean / std of the data config) into
a float32 buffer it reuses, as a GPU's caching allocator would; that normalisation is inside
the timed loop. So the frames/s are of float32 224x224 normalised tensors, as before the
frames became uint8.

Two page-cache settings, each for both pipelines: warm (every file stays in the page cache after
its first read, as when the whole corpus fits in the memory left over) and cold (both sources'
files are dropped from the page cache before every epoch, with ``posix_fadvise``, as when the
corpus is larger than that memory: Phoenix14T's PNG frames are about 39 GB, its store about 6).

Prints the frames/s of each pipeline, loader and cache setting (best of ``--rounds`` interleaved
passes; a pass is ``--warmup-epochs`` untimed epochs, then ``--epochs`` timed ones: the steady
state of a long training epoch), the ratio, CPU ms per frame (workers and main process together,
warm-up included), the preparation time, peak memory (main process, where the threads run too,
and the largest worker process), sizes on disk, and a single-process table (warm cache) of
what one frame costs in each step (read + decode, transform, hand-over through fresh shared
memory (worker processes only), normalisation), from which the ratio the machine allows follows
when every core is busy. The corpus is written by ``phoenix_fixture.py``; that table is measured
by ``frame_costs.py``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from frame_costs import component_costs, decode_costs, print_components
from phoenix_fixture import synth_corpus, write_corpus
from torch.utils.data import DataLoader

from sign2gpt.config import DataConfig
from sign2gpt.data.dataset import FolderSource, SignClipDataset, collate_clips
from sign2gpt.data.loader import ThreadLoader
from sign2gpt.data.prepare import prepare_dataset
from sign2gpt.data.readers import read_dataset
from sign2gpt.data.sampler import LengthBucketSampler
from sign2gpt.data.store import FrameStore
from sign2gpt.models.preprocess import FrameNormalise


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the loader workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measure(
    dataset: SignClipDataset,
    loader_kind: str,
    workers: int,
    batch_size: int,
    round_: int,
    epochs: int,
    buf: torch.Tensor,
    warmup: int = 1,
    evict: Callable[[], None] | None = None,
) -> tuple[float, float]:
    """One pass through one loader (DataLoader worker processes started once, or the
    in-process ThreadLoader's threads): ``warmup`` untimed epochs, then ``epochs`` timed ones.
    Returns (frames/s of the timed epochs, CPU ms per frame of the main process and the workers
    together over all epochs, warm-up included: worker processes report their CPU time only
    when they exit). The warm-up is what the first few dozen batches of a real epoch (thousands
    of clips) absorb: worker start-up, the thread loader's buffer pool growing to its working
    set and the allocator's heap to its own, whose fresh pages are faulted in once. Each uint8
    batch is normalised here, in the main thread, by the model's ``FrameNormalise``, into
    ``buf`` (float32, large enough for any batch, allocated and touched once, as a GPU's caching
    allocator keeps its memory; in shared memory, so that forking the workers does not make it
    copy-on-write for the main process). ``evict``, when given, runs before every epoch,
    outside the clock (cold page cache: every file read comes from the disk)."""
    dataset.set_epoch(round_)  # the augmentation draws: one set per pass
    sampler = LengthBucketSampler(dataset.lengths, batch_size, shuffle=True, seed=round_)
    loader: Any
    if loader_kind == "threads":
        loader = ThreadLoader(dataset, sampler, collate_clips, num_threads=workers)
    else:
        loader = DataLoader(
            dataset,
            batch_sampler=sampler,
            collate_fn=collate_clips,
            num_workers=workers,
            persistent_workers=workers > 0,
        )
    normalise = FrameNormalise()  # ImageNet's, as the paper's DINOv2
    size = dataset.cfg.image_size
    frames, total, elapsed = 0, 0, 0.0
    cpu0 = cpu_seconds()
    for epoch in range(warmup + epochs):
        sampler.set_epoch(epoch)
        if evict is not None:
            evict()
        start = time.perf_counter()
        for batch in loader:
            uint8 = batch["frames"]  # (N, 3, 224, 224) uint8, channels-last memory
            n = uint8.shape[0]
            out = buf[: n * 3 * size * size].view(n, size, size, 3).permute(0, 3, 1, 2)
            x = normalise(uint8, out=out)  # (N, 3, 224, 224) float32, channels-last memory
            assert x.shape[1:] == (3, 224, 224) and x.dtype == torch.float32
            total += n
            frames += n if epoch >= warmup else 0
            del batch, uint8  # the loader may reuse the batch's memory
        if epoch >= warmup:
            elapsed += time.perf_counter() - start
    del loader  # workers exit: their CPU time is counted
    return frames / elapsed, (cpu_seconds() - cpu0) / total * 1e3


def page_cache_evicter(folders: Sequence[Path]) -> Callable[[], None]:
    """A function that drops every file under ``folders`` from the page cache (written data
    flushed first: only clean pages can be dropped), as when a corpus is larger than the
    memory left for caching it (Phoenix14T's PNG frames are about 39 GB)."""
    files = [p for folder in folders for p in folder.rglob("*") if p.is_file()]

    def evict() -> None:
        os.sync()
        for path in files:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)

    return evict


def cold_cache_unavailable(folder: Path) -> str | None:
    """Why files under ``folder`` cannot be dropped from the page cache (None when they can):
    no ``posix_fadvise`` (macOS, Windows), or a memory-backed file system, whose pages are the
    files themselves."""
    if not hasattr(os, "posix_fadvise"):
        return "os.posix_fadvise is not available on this system"
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None  # not Linux: nothing to tell
    target, best, fstype = str(folder.resolve()), "", ""
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount = fields[1].replace("\\040", " ")
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) > len(best):
            best, fstype = mount, fields[2]
    if fstype in ("tmpfs", "ramfs"):
        return f"{folder} is on {fstype} (memory); give --dir a folder on a disk"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=32)
    parser.add_argument("--frames", type=int, default=100, help="mean frames per clip")
    parser.add_argument("--workers", type=int, default=2, help="worker processes or threads")
    parser.add_argument(
        "--loaders",
        nargs="+",
        choices=["processes", "threads"],
        default=["processes", "threads"],
        help="DataLoader worker processes and/or the in-process ThreadLoader",
    )
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved passes per setting")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per pass")
    parser.add_argument(
        "--warmup-epochs", type=int, default=1, help="untimed epochs first, in each pass"
    )
    parser.add_argument(
        "--cache",
        nargs="+",
        choices=["warm", "cold"],
        default=["warm", "cold"],
        help="page cache: warm (files read before stay cached) and/or cold (both sources' "
        "files dropped from the page cache before every epoch, as for a corpus larger than "
        "memory; needs a disk-backed file system, not tmpfs)",
    )
    parser.add_argument("--dir", help="work folder (default: a temporary one, removed)")
    parser.add_argument("--corpus", choices=["auto", "fixture"], default="auto")
    args = parser.parse_args()

    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="s2g-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    why_not_cold = cold_cache_unavailable(work)
    if "cold" in args.cache and why_not_cold:
        args.cache = [c for c in args.cache if c != "cold"]
        if not args.cache:
            print(f"data_throughput.py: cannot measure a cold page cache: {why_not_cold}")
            return 2
        print(f"page cache: cold setting skipped: {why_not_cold}")
    corpus, store = work / "corpus", work / "store"
    try:
        fixture = "Phoenix14T-layout corpus written by this script (210x260 PNG, noise)"
        if corpus.exists():
            made = f"existing corpus {corpus}"
        elif args.corpus == "auto" and synth_corpus(corpus):
            made = "synthetic corpus (sign2gpt.synth, preset tiny)"
        else:
            shutil.rmtree(corpus, ignore_errors=True)
            write_corpus(corpus, args.clips, args.frames)
            made = fixture
        records = read_dataset("phoenix14t", corpus)
        train = [r for r in records if r.split == "train"]
        pngs = list(corpus.rglob("*.png"))
        t0 = time.perf_counter()
        summary = prepare_dataset("phoenix14t", corpus, store, workers=args.workers, progress=False)
        prep_s = time.perf_counter() - t0

        cfg = DataConfig()  # image 224, store 256, stride 2, ImageNet normalisation
        print(f"corpus: {made}")
        print(
            f"  {len(train)} training clips, {sum(1 for p in pngs)} PNG frames, "
            f"{du(corpus / 'features') / len(pngs) / 1e3:.1f} KB per PNG"
        )
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
            f"torch {torch.__version__}; {args.workers} workers, "
            f"batch {args.batch_size}, {args.warmup_epochs} untimed + {args.epochs} timed "
            "epochs per pass; the consumer normalises on 1 thread"
        )
        print(
            f"prepare: {summary.frames_used} frames in {prep_s:.1f} s "
            f"({summary.frames_used / prep_s:.0f} frames/s, {args.workers} workers)"
        )
        print(f"load average at start: {os.getloadavg()[0]:.1f}")
        torch.set_num_threads(1)  # for every single-process measurement too
        for name, ms in decode_costs(train, FrameStore(store)).items():
            print(f"decode only, one process: {name:26s} {ms:.3f} ms per frame")
        sources = {"raw PNG folders": FolderSource(records), "prepared store": FrameStore(store)}
        longest = max(train, key=lambda r: FrameStore(store).by_id[r.id]["num_frames"])
        n = min(96, int(FrameStore(store).by_id[longest.id]["num_frames"]))
        costs = component_costs(sources, longest.id, cfg, n=n)
        # The consumer: one thread, the workers have the cores (its normalisation stands in
        # for the GPU's), and one float32 output buffer for the largest possible batch.
        longest_batch = args.batch_size * max(
            SignClipDataset(FrameStore(store), "train", cfg, train=False).lengths
        )
        buf = torch.zeros(longest_batch * cfg.image_size * cfg.image_size * 3).share_memory_()
        evict = page_cache_evicter([corpus / "features", store])
        fps: dict[tuple[str, str, str, str], list[float]] = {}
        cpu: dict[tuple[str, str, str, str], list[float]] = {}
        # Interleaved rounds, best of each: other work on the machine slows single passes.
        for round_ in range(args.rounds):
            for cache in args.cache:
                for kind in args.loaders:
                    for mode in ("train", "eval"):
                        for name, source in sources.items():
                            ds = SignClipDataset(source, "train", cfg, mode == "train", seed=0)
                            key = (cache, kind, mode, name)
                            f, c = measure(
                                ds,
                                kind,
                                args.workers,
                                args.batch_size,
                                round_,
                                args.epochs,
                                buf,
                                warmup=args.warmup_epochs,
                                evict=evict if cache == "cold" else None,
                            )
                            fps.setdefault(key, []).append(f)
                            cpu.setdefault(key, []).append(c)
        for cache in args.cache:
            print(
                "page cache: warm (every file stays cached after its first read)"
                if cache == "warm"
                else "page cache: cold (both sources' files dropped before every epoch)"
            )
            for kind in args.loaders:
                what = "DataLoader worker processes" if kind == "processes" else "threads"
                print(f"  loader: {args.workers} {what}")
                for mode in ("train", "eval"):
                    for name in sources:
                        best = max(fps[cache, kind, mode, name])
                        med = float(np.median(cpu[cache, kind, mode, name]))
                        print(
                            f"    {mode:5s} transform, {name:16s}: {best:7.0f} frames/s "
                            f"(best of {args.rounds}), {med:.2f} CPU ms per frame"
                        )
                    ratio = max(fps[cache, kind, mode, "prepared store"]) / max(
                        fps[cache, kind, mode, "raw PNG folders"]
                    )
                    cpu_ratio = np.median(cpu[cache, kind, mode, "raw PNG folders"]) / np.median(
                        cpu[cache, kind, mode, "prepared store"]
                    )
                    print(
                        f"    {mode:5s} transform: prepared store / raw PNG = {ratio:.2f}x "
                        f"frames/s, {cpu_ratio:.2f}x less CPU per frame"
                    )
        print_components(costs)
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
        main_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak memory: main process {main_peak:.0f} MB, largest worker {worker_peak:.0f} MB")
        raw_bytes, store_bytes = du(corpus / "features"), du(store)
        print(
            f"on disk: raw PNG frames {raw_bytes / 1e6:.1f} MB, prepared store "
            f"{store_bytes / 1e6:.1f} MB ({store_bytes / raw_bytes:.2f}x), "
            f"{store_bytes / max(summary.frames_used, 1) / 1e3:.1f} KB per frame"
        )
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
