"""Int8 weights for decoding on this CPU: one decoding step's matmuls (4 beams) through XGLM-1.7B's
MLP and head shapes, bf16 weights against int8 weights three ways, measured interleaved in one
run (best of --reps):

- torch's dynamically quantised Linear (``quantize_dynamic``, fbgemm; what ``translate
  --quantize int8`` uses: int8 weights per channel, activations quantised per call);
- torchao's ``Int8WeightOnlyConfig`` and ``Int8DynamicActivationInt8WeightConfig`` in eager
  mode, when torchao is importable (it is not a dependency: ``pip install torchao`` to try).

    python benchmarks/int8_linear.py [--layers 4] [--reps 5]
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
import warnings
from collections.abc import Callable

import torch
from torch import nn


def best(fns: dict[str, Callable[[], object]], reps: int) -> dict[str, float]:
    out = {k: float("inf") for k in fns}
    for fn in fns.values():
        fn()
    for _ in range(reps):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            out[name] = min(out[name], time.perf_counter() - start)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--layers", type=int, default=4, help="MLP blocks (fc1 2048->8192, fc2 back)")
    p.add_argument("--vocab", type=int, default=256_008, help="LM head rows (0: no head)")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--threads", type=int, default=0)
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from sign2gpt.models.quantize import Int8Linear

    torch.manual_seed(0)
    linears: list[nn.Module] = []
    for _ in range(args.layers):
        linears += [nn.Linear(2048, 8192), nn.Linear(8192, 2048)]
    if args.vocab:
        linears.append(nn.Linear(2048, args.vocab, bias=False))
    base = nn.Sequential(*linears).to(torch.bfloat16).eval().requires_grad_(False)
    nbytes = sum(p.numel() * p.element_size() for p in base.parameters())
    # 4 beams, one token each: the input of each Linear, by width
    inputs = {n: torch.randn(4, n, dtype=torch.bfloat16) for n in (2048, 8192)}

    def chain(model: nn.Module) -> Callable[[], object]:
        def run() -> None:
            for layer in model:
                layer(inputs[layer.in_features])

        return run

    variants: dict[str, nn.Module] = {"bf16": base}
    variants["torch dynamic int8 (translate --quantize int8)"] = nn.Sequential(
        *[Int8Linear(m) for m in base]
    )
    errors: dict[str, str] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from torchao.quantization import (
                Int8DynamicActivationInt8WeightConfig,
                Int8WeightOnlyConfig,
                quantize_,
            )
        for name, config in (
            ("torchao Int8WeightOnlyConfig (eager)", Int8WeightOnlyConfig()),
            (
                "torchao Int8DynamicActivationInt8WeightConfig (eager)",
                Int8DynamicActivationInt8WeightConfig(),
            ),
        ):
            model = copy.deepcopy(base)
            quantize_(model, config)
            variants[name] = model
    except Exception as exc:  # not installed, or no kernel for this build: say which
        errors["torchao"] = f"{type(exc).__name__}: {exc}"[:300]
    print(
        f"machine: {os.cpu_count()} CPUs, torch {torch.__version__}, {torch.get_num_threads()} "
        f"threads; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{len(base)} Linears, {nbytes / 2**30:.2f} GiB in bf16, 4 input rows (bf16)")
    with torch.no_grad():
        ref = [m(inputs[m.in_features]) for m in base]
        times = best({name: chain(m) for name, m in variants.items()}, args.reps)
        for name, model in variants.items():
            got = [m(inputs[m.in_features]) for m in model]
            err = max(
                ((g.float() - r.float()).abs().max() / r.float().abs().max()).item()
                for g, r in zip(got, ref)
            )
            print(
                f"  {name:<55} {times[name] * 1e3:8.1f} ms  {times['bf16'] / times[name]:5.2f}x "
                f"bf16's speed, max error {err:.3f} of the largest output"
            )
    for name, error in errors.items():
        print(f"  {name}: not measured ({error})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
