"""What ``tune_allocator`` (glibc malloc keeping freed memory) does for the thread loader: page
faults and CPU per frame, epoch by epoch, in a fresh process with and without it.

    .venv/bin/python benchmarks/loader_allocator.py [--epochs 8] [--clips 32] [--frames 100]

Each setting runs in its own new Python process (glibc's thresholds move with a process's
history of large frees, so a fresh process is the honest start): 2 ``ThreadLoader`` threads
over a prepared store of the Phoenix14T-layout corpus of ``phoenix_fixture.py`` (210x260 PNG
frames, stored at 256x256), evaluation transform, batches of 4 clips normalised by the model's
``FrameNormalise`` in the main thread, as in ``data_throughput.py``. Prints per epoch the
minor page faults per frame, CPU ms per frame (the whole process) and frames/s.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from sign2gpt.config import DataConfig
from sign2gpt.data import loader as loader_module
from sign2gpt.data.dataset import SignClipDataset, collate_clips
from sign2gpt.data.loader import ThreadLoader
from sign2gpt.data.prepare import prepare_dataset
from sign2gpt.data.sampler import LengthBucketSampler
from sign2gpt.data.store import FrameStore
from sign2gpt.models.preprocess import FrameNormalise


def run_epochs(store: Path, epochs: int, tuned: bool) -> None:
    """The measurement, in this (fresh) process."""
    if not tuned:
        loader_module.tune_allocator = lambda: None  # the loader calls it through the module
    torch.set_num_threads(1)
    cfg = DataConfig()
    dataset = SignClipDataset(FrameStore(store), "train", cfg, train=False)
    sampler = LengthBucketSampler(dataset.lengths, 4, shuffle=True, seed=0)
    loader = ThreadLoader(dataset, sampler, collate_clips, num_threads=2)
    normalise = FrameNormalise()  # ImageNet's, as the paper's DINOv2
    size = cfg.image_size
    buf = torch.zeros(4 * max(dataset.lengths) * 3 * size * size)
    print(f"tune_allocator {'on' if tuned else 'off'}:")
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        usage0, t0, frames = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter(), 0
        for batch in loader:
            uint8 = batch["frames"]  # (N, 3, 224, 224) uint8, channels-last memory
            n = uint8.shape[0]
            out = buf[: n * 3 * size * size].view(n, size, size, 3).permute(0, 3, 1, 2)
            normalise(uint8, out=out)  # (N, 3, 224, 224) float32
            frames += n
            del batch, uint8
        usage1, elapsed = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - t0
        cpu = (usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime)
        faults = usage1.ru_minflt - usage0.ru_minflt
        print(
            f"  epoch {epoch}: {faults / frames:5.1f} page faults per frame, "
            f"{cpu / frames * 1e3:.3f} CPU ms per frame, {frames / elapsed:5.0f} frames/s"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--clips", type=int, default=32)
    parser.add_argument("--frames", type=int, default=100, help="mean frames per clip")
    parser.add_argument("--run", help=argparse.SUPPRESS)  # internal: STORE:on|off
    args = parser.parse_args()
    if args.run:
        store, setting = args.run.rsplit(":", 1)
        run_epochs(Path(store), args.epochs, setting == "on")
        return 0
    sys.path.insert(0, str(Path(__file__).parent))
    from phoenix_fixture import write_corpus

    work = Path(tempfile.mkdtemp(prefix="s2g-alloc-"))
    try:
        write_corpus(work / "corpus", args.clips, args.frames)
        prepare_dataset("phoenix14t", work / "corpus", work / "store", workers=2, progress=False)
        for setting in ("off", "on"):
            cmd = [sys.executable, __file__, "--epochs", str(args.epochs)]
            subprocess.run([*cmd, "--run", f"{work / 'store'}:{setting}"], check=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
