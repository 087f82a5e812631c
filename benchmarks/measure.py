"""Time and peak memory for the model benchmarks (``full_size.py`` and the scripts beside it):
peak memory as the process's resident set on CPU or the CUDA allocator's, a timed call that
waits for the device, and the best of interleaved runs (on a shared machine absolute times
drift; runs of the things compared, taken in turns, drift together)."""

from __future__ import annotations

import ctypes
import gc
import re
import time
from collections.abc import Callable
from pathlib import Path

import torch

GB = 1024**3  # printed as GiB


class Memory:
    """Peak memory since the last ``reset``: CPU resident set (VmHWM) or CUDA allocator."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.cuda = device.type == "cuda"
        try:
            self._libc: ctypes.CDLL | None = ctypes.CDLL("libc.so.6")
        except OSError:
            self._libc = None

    def _status(self, key: str) -> int:
        text = Path("/proc/self/status").read_text()
        match = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
        return int(match.group(1)) * 1024 if match else 0

    def reset(self) -> None:
        gc.collect()
        if self.cuda:
            torch.cuda.synchronize(self.device)
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats(self.device)
            return
        if self._libc is not None:
            self._libc.malloc_trim(0)  # give freed heap back, so the peak is this step's
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS

    def peak(self) -> int:
        if self.cuda:
            return int(torch.cuda.max_memory_allocated(self.device))
        return self._status("VmHWM")

    def now(self) -> int:
        if self.cuda:
            return int(torch.cuda.memory_allocated(self.device))
        return self._status("VmRSS")

    @property
    def what(self) -> str:
        return "torch.cuda.max_memory_allocated" if self.cuda else "peak RSS (VmHWM)"


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn: Callable[[], object], device: torch.device) -> float:
    sync(device)
    start = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - start


def best_interleaved(fns: dict[str, Callable[[], object]], reps: int, device) -> dict[str, float]:
    best = {name: float("inf") for name in fns}
    for fn in fns.values():  # untimed: kernels chosen, caches and allocator warm
        fn()
    for _ in range(reps):
        for name, fn in fns.items():
            best[name] = min(best[name], timed(fn, device))
    return best
