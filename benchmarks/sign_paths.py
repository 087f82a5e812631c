"""The two ways the sign heads join a layer, timed on the full-size LM (XGLM-1.7B's shapes,
random weights, nothing read): one beam-search step (4 beams, KV cache) of the explicit sum
``text + W_o s + LoRA_o(s)`` (``model.lm.fused_sign_path: false``) against the fast path that
reads W_q and W_o once per step (``true``), interleaved, best of ``--reps``. Both GatedLMs hold
the very same frozen weight tensors (one copy in memory); the step is the difference of two
``generate`` lengths, as in benchmarks/full_size.py. Also prints the largest logit difference
of the two paths on one teacher-forced batch.

    python benchmarks/sign_paths.py [--threads 1] [--decode-tokens 4 12] [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import replace

import torch
from full_size_model import ROOT, random_lm, recipe_model_config
from measure import best_interleaved

from sign2gpt.models.lm import GatedLM, load_lm


def shared_lm(lm: torch.nn.Module, cfg) -> torch.nn.Module:
    """A second LM of ``cfg`` holding ``lm``'s weight tensors (``assign``: nothing copied)."""
    twin = load_lm(cfg, device="meta")
    twin.load_state_dict(lm.state_dict(), assign=True, strict=True)
    twin.tie_weights()
    for mine, theirs in zip(twin.modules(), lm.modules()):  # tables outside the state dict
        for name, buffer in theirs.named_buffers(recurse=False):
            setattr(mine, name, buffer)
        if hasattr(theirs, "make_weights") and hasattr(theirs, "weights"):  # XGLM's positions
            mine.weights = theirs.weights
    twin.requires_grad_(False)
    return twin


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--config", default=str(ROOT / "configs/phoenix14t/translate.yaml"))
    p.add_argument("--decode-tokens", type=int, nargs=2, default=[4, 12])
    p.add_argument("--sign-positions", type=int, default=8)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"{torch.get_num_threads()} threads, load average at start {os.getloadavg()[0]:.1f}")
    cfg = recipe_model_config(args.config)
    start = time.perf_counter()
    frozen = random_lm(cfg, torch.device("cpu"))
    models: dict[str, GatedLM] = {}
    for name, fused in (("explicit", False), ("fused", True)):
        lm_cfg = replace(cfg.lm, fused_sign_path=fused)
        lm = frozen if fused else shared_lm(frozen, lm_cfg)
        models[name] = GatedLM(lm, lm_cfg).eval()
    # the same adapters, with open gates (as trained) so the sign branch does its full work
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for p_explicit, p_fused in zip(
            models["explicit"].adapters.parameters(), models["fused"].adapters.parameters()
        ):
            p_explicit.copy_(torch.randn(p_explicit.shape, generator=g) * 0.02)
            p_fused.copy_(p_explicit)
        for gated in models.values():
            for adapter in gated.adapters:
                adapter.gate.fill_(0.5)
    print(f"built in {time.perf_counter() - start:.0f} s ({cfg.lm.dtype})")
    d = models["fused"].d_model
    memory = torch.randn(1, args.sign_positions, d, generator=g).to(frozen.dtype) * 0.5
    mask = torch.ones(1, args.sign_positions, dtype=torch.bool)
    ids = torch.randint(4, 1000, (2, 16), generator=g)
    with torch.no_grad():
        two = [
            m(ids, torch.ones_like(ids), memory.expand(2, -1, -1), None).logits
            for m in models.values()
        ]
    print(f"largest logit difference, teacher-forced: {(two[0] - two[1]).abs().max():.3g}")
    short, long = args.decode_tokens

    def generate(gated: GatedLM, n: int) -> Callable[[], object]:
        @torch.no_grad()
        def run() -> None:
            out = gated.generate(memory, mask, num_beams=4, max_new_tokens=n, eos_token_id=3)
            if out.shape[1] != n:
                raise RuntimeError(f"beam search stopped after {out.shape[1]} of {n} tokens")

        return run

    fns = {f"{name} {n}": generate(m, n) for name, m in models.items() for n in (short, long)}
    best = best_interleaved(fns, args.reps, torch.device("cpu"))
    step = {
        name: (best[f"{name} {long}"] - best[f"{name} {short}"]) / (long - short) for name in models
    }
    for name, s in step.items():
        print(f"beam step, {name}: {s * 1e3:.0f} ms")
    print(f"RATIO explicit / fused beam step: {step['explicit'] / step['fused']:.3f}x")
    print(f"load average at end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
