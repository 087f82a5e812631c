"""What a training step of the spatial backbone costs at the demo's 32 px frames: the demo's
small CNN against ResNet18 (the paper's backbone ablation), forward + backward of one batch of
frames, both trained fully, on this machine's CPU threads. Prints seconds per batch and the
ratio, measured in one run (best of --reps after one warm-up), and what the ratio makes of the
demo's stage 1.

  python benchmarks/backbone_cost.py --frames 1024 --reps 3
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from sign2gpt.config import SpatialConfig
from sign2gpt.models.spatial import build_spatial


def seconds_per_batch(backbone: str, frames: int, size: int, reps: int) -> float:
    model = build_spatial(SpatialConfig(backbone=backbone, out_dim=128, train_backbone=True))
    model.train()
    x = torch.randn(frames, 3, size, size)
    best = float("inf")
    for rep in range(reps + 1):  # the first pass warms up the allocator and oneDNN
        model.zero_grad(set_to_none=True)
        start = time.perf_counter()
        model(x).square().mean().backward()
        if rep:
            best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1024, help="frames per batch")
    parser.add_argument("--size", type=int, default=32, help="frame size (the demo's 32)")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    threads = torch.get_num_threads()
    print(f"machine: {os.cpu_count()} CPUs, torch {torch.__version__}, {threads} threads")
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    cnn = seconds_per_batch("cnn", args.frames, args.size, args.reps)
    resnet = seconds_per_batch("resnet18", args.frames, args.size, args.reps)
    print(f"demo CNN : {cnn:.3f} s per batch of {args.frames} frames at {args.size} px")
    print(f"ResNet18 : {resnet:.3f} s per batch of {args.frames} frames at {args.size} px")
    print(f"ResNet18 / CNN = {resnet / cnn:.1f}x the backbone time of a training step")


if __name__ == "__main__":
    main()
