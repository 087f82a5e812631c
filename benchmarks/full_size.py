"""The paper's full-size model, measured: a training step part by part, its peak memory, and three
ratios to the limit, each measured in one run (absolute times drift on a shared machine; ratios
hold).

The model is the recipe's (default configs/phoenix14t/translate.yaml: DINOv2-small sizes, the
sign encoder, the bridge and XGLM-1.7B sizes) with random weights, nothing read or downloaded:
the LM is built on the meta device, given storage in its own dtype and filled with N(0, 0.02)
(norms 1, biases 0), so no float32 copy of the 1.7 B weights is ever made.

Sections (``--sections``):

- ``train``: one training step (bf16 autocast, as ``train.precision: bf16-mixed``) per batch size x
  frames per clip x gradient checkpointing, timed per part: frame normalisation, DINOv2 with
  LoRA (+ its projection and BatchNorm), sign encoder, bridge, gated LM forward (+ loss), gated
  LM backward (until the gradient of the sign memory is complete), the sign model's backward,
  the AdamW step. Peak memory: on CPU the process's peak resident set (VmHWM, reset before each
  step), on GPU ``torch.cuda.max_memory_allocated``.
- ``ratios``: (1) one beam-search step of the gated LM (4 beams, KV cache on, from the
  difference of two ``generate`` lengths) against one pass that reads every LM weight once in
  the same dtype (``F.linear`` of 4 rows over every Linear and the LM head); (2) DINOv2 with the
  model's LoRA against a stock ``Dinov2Model`` holding the same weight tensors, inference, same
  frames and dtype; (3) the gated LM's forward+backward against the stock ``XGLMForCausalLM``
  holding the same weight tensors, at the same tokens (the stock backward goes down to the input
  embeddings: the least any adapter training must do). Each pair is measured interleaved, the
  best of ``--reps`` taken.

    python benchmarks/full_size.py                       # both sections, CPU
    python benchmarks/full_size.py --device cuda --batches 8 --frames 128   # gpu_check.sh
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch
from full_size_model import ROOT, build_model, count, recipe_model_config
from full_size_ratios import run_ratios
from full_size_saved import run_clip, run_loading, save_full_size
from full_size_train import print_estimate_check, run_training
from measure import GB, Memory


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--config", default=str(ROOT / "configs/phoenix14t/translate.yaml"))
    p.add_argument("--device", default="cpu")
    p.add_argument(
        "--sections",
        nargs="+",
        default=["ratios", "train"],
        choices=["ratios", "train", "load", "clip"],
        help="load, clip: save the model to --work (4 GB), load it back, translate a clip",
    )
    p.add_argument("--work", default="", help="folder for the saved model (load, clip)")
    p.add_argument("--clip-frames", type=int, default=250)
    p.add_argument("--clip-fps", type=float, default=25.0)
    p.add_argument("--batches", type=int, nargs="+", default=[1, 2])
    p.add_argument("--frames", type=int, nargs="+", default=[32, 64])
    p.add_argument("--checkpointing", nargs="+", default=["off", "on"], choices=["off", "on"])
    p.add_argument("--tokens", type=int, default=24, help="text tokens per clip (</s> included)")
    p.add_argument(
        "--extra-tokens",
        type=int,
        nargs="*",
        default=[64],
        help="also one step at batch 1 x the first --frames with these token counts",
    )
    p.add_argument("--ratio-frames", type=int, default=32, help="frames of the ratio runs")
    p.add_argument("--decode-tokens", type=int, nargs=2, default=[4, 12])
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--json", default="", help="also write every figure here")
    p.add_argument(
        "--check-estimate",
        default="",
        metavar="JSON",
        help="only compare sign2gpt summary's estimate with the peaks of a run's --json",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    memory = Memory(device)
    import sign2gpt

    print(f"sign2gpt from {Path(sign2gpt.__file__).parent}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, device {device}"
        + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else "")
    )
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    if args.check_estimate:  # a finished run's figures against today's estimate
        saved = json.loads(Path(args.check_estimate).read_text())
        print_estimate_check(args, saved["train"], saved.get("runtime_bytes", 0))
        return 0
    import sign2gpt.models.translation_model

    runtime = memory.now()  # the process before the model: Python, torch, transformers
    cfg = recipe_model_config(args.config)
    start = time.perf_counter()
    model = build_model(cfg, device)
    build_s = time.perf_counter() - start
    frozen = count(p for p in model.parameters() if not p.requires_grad)
    trainable = count(p for p in model.parameters() if p.requires_grad)
    print(
        f"model: {args.config} with random weights, LM {cfg.lm.dtype}: {frozen:,} frozen + "
        f"{trainable:,} trainable parameters, built in {build_s:.1f} s, "
        f"{memory.peak() / GB:.2f} GiB peak so far ({memory.what})"
    )
    out: dict = {
        "build_s": build_s,
        "frozen": frozen,
        "trainable": trainable,
        "runtime_bytes": runtime,
    }
    if "ratios" in args.sections:
        run_ratios(model, args, device, out)
    if "train" in args.sections:
        run_training(model, cfg, args, device, memory, out)
    if {"load", "clip"} & set(args.sections):
        if not args.work:
            raise SystemExit("--sections load / clip need --work FOLDER (about 4 GB)")
        work = Path(args.work)
        save_full_size(model, args, work)
        del model
        gc.collect()
        if "load" in args.sections:
            run_loading(args, work, out)
        if "clip" in args.sections:
            run_clip(args, work, out)
    print(f"\nload average at end: {os.getloadavg()[0]:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
