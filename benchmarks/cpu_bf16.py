"""bf16 against float32 on this CPU, at the shapes of the large recipe's training step: is
``train.precision: bf16-mixed`` worth it here?

    .venv/bin/python benchmarks/cpu_bf16.py [--tokens 1184] [--reps 20] [--threads 1]

A forward and backward of the 128-wide layers the large recipe trains (sign encoder MLP 128 ->
512 -> 128, attention projections 128 -> 384, the stand-in LM's output 128 -> 4,000) on
``--tokens`` rows (16 clips of 74 steps: the recipe's batch after downsampling), float32 against
``torch.autocast("cpu", torch.bfloat16)``; best of ``--reps``, one process. bf16 only pays where
the CPU has bf16 arithmetic (AVX512-BF16 or AMX: the flags are printed); elsewhere torch
converts and computes in float32, and the conversions cost.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import torch.nn as nn

SHAPES = ((128, 512), (512, 128), (128, 384), (128, 4000))


def cpu_flags() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.is_file():
        return "unknown (no /proc/cpuinfo)"
    words = set(cpuinfo.read_text().split())
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")
    return ", ".join(f"{w} {'yes' if w in words else 'no'}" for w in wanted)


def best_seconds(layers: list[nn.Linear], x: torch.Tensor, bf16: bool, reps: int) -> float:
    times = []
    for _ in range(reps + 1):  # the first is a warm-up
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = sum(layer(x if layer.in_features == 128 else x.repeat(1, 4)).float().mean()
                       for layer in layers)  # fmt: skip
        loss.backward()
        times.append(time.perf_counter() - start)
    return min(times[1:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=16 * 74)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"CPU flags: {cpu_flags()}; torch {torch.__version__}, {args.threads} thread(s)")
    layers = [nn.Linear(i, o) for i, o in SHAPES]
    x = torch.randn(args.tokens, 128, requires_grad=True)  # (B*T, C)
    fp32 = best_seconds(layers, x, False, args.reps)
    bf16 = best_seconds(layers, x, True, args.reps)
    print(f"forward+backward of {len(SHAPES)} layers on {args.tokens} rows: float32 "
          f"{fp32 * 1e3:.2f} ms, bf16 autocast {bf16 * 1e3:.2f} ms; bf16 / float32 = "
          f"{bf16 / fp32:.2f}x")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
