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
import ctypes
import gc
import json
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
GB = 1024**3  # printed as GiB


# --------------------------------------------------------------------------------------------
# memory and time


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


# --------------------------------------------------------------------------------------------
# the full-size model with random weights


def recipe_model_config(path: str, checkpointing: bool = False):
    from sign2gpt.config import load_config

    cfg = load_config(path).model
    cfg.spatial.pretrained = ""  # the sizes in the recipe: those of facebook/dinov2-small
    cfg.lm.pretrained = ""  # and facebook/xglm-1.7B
    cfg.spatial.gradient_checkpointing = checkpointing
    cfg.lm.gradient_checkpointing = checkpointing
    return cfg


@torch.no_grad()
def fill_random_(model: nn.Module, seed: int = 0, std: float = 0.02) -> None:
    """Weights of realistic scale in place: N(0, std) matrices, norms 1, biases 0."""
    g = torch.Generator(device="cpu").manual_seed(seed)
    for name, p in model.named_parameters():  # tied weights are listed once
        if p.ndim >= 2:
            for rows in torch.split(p, 8192):  # chunks: no full-size temporary
                rows.copy_(torch.randn(rows.shape, generator=g, dtype=p.dtype).mul_(std))
        elif name.endswith("bias"):
            p.zero_()
        else:
            p.fill_(1.0)


def random_lm(cfg, device: torch.device) -> nn.Module:
    """The frozen LM of ``cfg`` in its dtype: meta, then storage, then random values."""
    from sign2gpt.models.lm import load_lm

    lm = load_lm(cfg.lm, device="meta")
    lm.to_empty(device=device)
    lm.tie_weights()  # to_empty gives each module its own tensor: the LM head shares again
    fill_random_(lm)
    for module in lm.modules():  # non-persistent tables a meta build leaves empty
        if hasattr(module, "make_weights") and hasattr(module, "weights"):
            size, dtype = module.weights.shape[0], module.weights.dtype
            module.weights = torch.empty(0, device=device, dtype=dtype)
            module.make_weights(size, module.embedding_dim, module.padding_idx)
    lm.requires_grad_(False)
    return lm


def build_model(cfg, device: torch.device) -> nn.Module:
    from sign2gpt.models.bridge import Bridge
    from sign2gpt.models.lm import GatedLM
    from sign2gpt.models.sign_model import build_sign_model
    from sign2gpt.models.translation_model import TranslationModel

    sign = build_sign_model(cfg, load_weights=False).to(device)  # 35 M parameters, seeded
    lm = GatedLM(random_lm(cfg, device), cfg.lm)
    bridge = Bridge(cfg.bridge, cfg.sign_encoder.dim, lm.d_model).to(device)
    return TranslationModel(cfg, sign, bridge, lm)


def set_checkpointing(model: nn.Module, on: bool) -> None:
    for hf in (model.sign.step_encoder.vit, model.lm.lm):
        if on:
            from sign2gpt.models.pretrained import enable_activation_checkpointing

            enable_activation_checkpointing(hf)
        else:
            hf.activation_checkpointing_disable()


def count(params: Iterator[nn.Parameter]) -> int:
    return sum(p.numel() for p in params)


# --------------------------------------------------------------------------------------------
# one training step, part by part


PARTS = (
    "frame normalisation",
    "DINOv2 with LoRA (+proj, BN)",
    "sign encoder",
    "bridge",
    "gated LM forward (+loss)",
    "gated LM backward",
    "sign model backward",
    "optimizer step (AdamW)",
)


@dataclass
class StepResult:
    batch: int
    frames: int
    tokens: int
    checkpointing: bool
    seconds: dict[str, float] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)  # high-water mark after each part
    start_memory: int = 0

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def make_inputs(batch: int, frames: int, tokens: int, size: int, device: torch.device, seed: int):
    g = torch.Generator().manual_seed(seed)
    clips = torch.randint(0, 256, (batch * frames, 3, size, size), dtype=torch.uint8, generator=g)
    lengths = torch.full((batch,), frames, dtype=torch.long)
    ids = torch.randint(4, 250_000, (batch, tokens), generator=g)
    ids[:, 0] = 2  # </s> starts every text
    labels = torch.cat([ids[:, 1:], torch.full((batch, 1), 2)], dim=1)
    mask = torch.ones_like(ids)
    return clips.to(device), lengths.to(device), ids.to(device), mask.to(device), labels.to(device)


def training_step(model, optimizer, inputs, memory: Memory, device, result: StepResult) -> None:
    from torch.nn.utils.rnn import pad_sequence

    frames, lengths, ids, attention, labels = inputs
    sign = model.sign
    marks: dict[str, float] = {}
    autocast = torch.autocast(device.type, dtype=torch.bfloat16)

    def mark(part: str, start: float) -> float:
        sync(device)
        now = time.perf_counter()
        result.seconds[part] = now - start
        result.peak[part] = memory.peak()
        return now

    memory.reset()
    result.start_memory = memory.now()
    sync(device)
    t = time.perf_counter()
    with autocast:
        x = sign.normalise(frames)  # (N, 3, S, S)
        t = mark(PARTS[0], t)
        feats = sign.step_encoder(x)  # (N, D)
        t = mark(PARTS[1], t)
        sizes = [int(n) for n in lengths.tolist()]
        padded = pad_sequence(list(feats.split(sizes)), batch_first=True)  # (B, T, D)
        steps = torch.arange(padded.shape[1], device=device)
        valid = steps[None, :] < lengths[:, None]
        z, zmask = sign.encoder(padded, valid)  # (B, T', D)
        t = mark(PARTS[2], t)
        sign_memory = model.bridge(z)  # (B, T', d_lm)
        t = mark(PARTS[3], t)
        loss = model.lm(ids, attention, sign_memory, zmask, labels).loss
        t = mark(PARTS[4], t)

    def lm_done(grad: torch.Tensor) -> None:
        sync(device)
        marks.setdefault("lm_done", time.perf_counter())

    sign_memory.register_hook(lm_done)
    loss.backward()
    sync(device)
    end = time.perf_counter()
    result.seconds[PARTS[5]] = marks.get("lm_done", end) - t
    result.seconds[PARTS[6]] = end - marks.get("lm_done", end)
    result.peak[PARTS[5]] = result.peak[PARTS[6]] = memory.peak()
    t = end
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    mark(PARTS[7], t)


def run_training(model, cfg, args, device: torch.device, memory: Memory, out: dict) -> None:
    from sign2gpt.train.optim import build_adamw

    model.train()
    optim = build_adamw(model, 3e-4, 1e-3, (0.9, 0.999))
    size = cfg_image_size(args)
    results: list[StepResult] = []
    # untimed warm-up: kernels chosen, optimiser state allocated (as from the second step on)
    warm = StepResult(1, 8, args.tokens, False)
    training_step(
        model, optim, make_inputs(1, 8, args.tokens, size, device, 0), memory, device, warm
    )
    configs = [
        (b, f, args.tokens, c)
        for c in args.checkpointing
        for b in args.batches
        for f in args.frames
    ]
    configs += [(1, args.frames[0], t, c) for c in args.checkpointing for t in args.extra_tokens]
    for batch, frames, tokens, ckpt in configs:
        set_checkpointing(model, ckpt == "on")
        result = StepResult(batch, frames, tokens, ckpt == "on")
        inputs = make_inputs(batch, frames, tokens, size, device, seed=batch * 1000 + frames)
        try:
            training_step(model, optim, inputs, memory, device, result)
        except (RuntimeError, MemoryError) as exc:  # out of memory: say so, go on
            print(f"batch {batch} x {frames} frames, checkpointing {ckpt}: failed: {exc}")
            optim.zero_grad(set_to_none=True)
            continue
        del inputs
        print_step(result, memory)
        results.append(result)
    set_checkpointing(model, False)
    out["train"] = [
        {
            "batch": r.batch,
            "frames": r.frames,
            "tokens": r.tokens,
            "checkpointing": r.checkpointing,
            "seconds": r.seconds,
            "peak_bytes": r.peak,
            "start_bytes": r.start_memory,
        }
        for r in results
    ]
    print("\nmemory: activations per frame and per token from these steps")
    print_estimate_check(args, out["train"], out.get("runtime_bytes", 0))


def fit_activation_costs(train: list[dict]) -> dict[bool, dict[str, float]]:
    """Bytes per frame (from batch 1 at two frame counts), per text token (from batch 1 at two
    token counts) and the rest (weights, optimizer state, runtime), per checkpointing setting."""
    fits: dict[bool, dict[str, float]] = {}
    for ckpt in (False, True):
        rows = [r for r in train if r["checkpointing"] == ckpt and r["batch"] == 1]
        peak = {(r["frames"], r["tokens"]): max(r["peak_bytes"].values()) for r in rows}
        frames = sorted({f for f, _ in peak})
        tokens = sorted({t for _, t in peak})
        if len(frames) < 2 or len(tokens) < 2:
            continue
        f0, t0 = frames[0], min(t for f, t in peak if f == frames[0])
        per_frame = (peak[(frames[-1], t0)] - peak[(f0, t0)]) / (frames[-1] - f0)
        t1 = max(t for f, t in peak if f == f0)
        per_token = (peak[(f0, t1)] - peak[(f0, t0)]) / (t1 - t0)
        rest = peak[(f0, t0)] - per_frame * f0 - per_token * t0
        fits[ckpt] = {"per_frame": per_frame, "per_token": per_token, "rest": rest}
    return fits


def print_estimate_check(args, train: list[dict], runtime: int) -> None:
    """The fit of this run, and ``sign2gpt summary``'s estimate against every measured peak."""
    fits = fit_activation_costs(train)
    for ckpt, fit in fits.items():
        print(
            f"  fit, checkpointing {'on' if ckpt else 'off'}: {fit['per_frame'] / 1e6:.2f} MB per "
            f"frame, {fit['per_token'] / 1e6:.2f} MB per text token, rest "
            f"{fit['rest'] / GB:.2f} GiB (process before the model: {runtime / GB:.2f} GiB)"
        )
    try:
        from sign2gpt.models.memory import estimate_training_memory
        from sign2gpt.models.summary import build_on_meta
    except ImportError:  # the code before the estimate existed
        return
    import dataclasses

    from sign2gpt.config import load_config

    full = load_config(args.config)
    print("  sign2gpt summary's estimate against the measured peaks:")
    for r in train:
        model_cfg = recipe_model_config(args.config, r["checkpointing"])
        meta = build_on_meta(model_cfg, "translate")
        est = estimate_training_memory(
            meta,
            dataclasses.replace(model_cfg),
            full.data.image_size,
            r["batch"],
            r["frames"],
            r["tokens"],
            "cpu",
        )
        peak = max(r["peak_bytes"].values())
        print(
            f"    batch {r['batch']} x {r['frames']} frames x {r['tokens']} tokens, checkpointing "
            f"{'on ' if r['checkpointing'] else 'off'}: estimate {est.total / GB:6.2f} GiB, "
            f"measured {peak / GB:6.2f} GiB ({(est.total - peak) / peak:+.1%})"
        )


def cfg_image_size(args) -> int:
    from sign2gpt.config import load_config

    return load_config(args.config).data.image_size


def print_step(r: StepResult, memory: Memory) -> None:
    ckpt = "on" if r.checkpointing else "off"
    print(
        f"\ntraining step: batch {r.batch} x {r.frames} frames, {r.tokens} tokens, "
        f"gradient checkpointing {ckpt}, bf16 autocast"
    )
    print(f"  {'part':<30} {'seconds':>8}  {memory.what + ' GiB':>24}")
    for part in PARTS:
        print(f"  {part:<30} {r.seconds[part]:8.2f}  {r.peak[part] / GB:24.2f}")
    print(f"  {'step':<30} {r.total:8.2f}  {max(r.peak.values()) / GB:24.2f}")
    print(f"  memory at the start of the step: {r.start_memory / GB:.2f} GiB")


# --------------------------------------------------------------------------------------------
# ratios to the limit


def best_interleaved(fns: dict[str, Callable[[], object]], reps: int, device) -> dict[str, float]:
    best = {name: float("inf") for name in fns}
    for fn in fns.values():  # untimed: kernels chosen, caches and allocator warm
        fn()
    for _ in range(reps):
        for name, fn in fns.items():
            best[name] = min(best[name], timed(fn, device))
    return best


def lm_linears(lm: nn.Module) -> list[torch.Tensor]:
    """Every matrix a decoding step reads: the Linears of the layers and the LM head."""
    weights = {id(m.weight): m.weight for m in lm.modules() if isinstance(m, nn.Linear)}
    head = lm.get_output_embeddings().weight
    weights[id(head)] = head
    return list(weights.values())


@torch.no_grad()
def beam_step_ratio(model, args, device, reps: int) -> dict[str, float]:
    lm = model.lm
    dtype = next(lm.lm.parameters()).dtype
    S = args.ratio_frames // model.sign.temporal_stride
    g = torch.Generator().manual_seed(5)
    memory = (torch.randn(1, S, lm.d_model, generator=g) * 0.5).to(device)
    mask = torch.ones(1, S, dtype=torch.bool, device=device)
    weights = lm_linears(lm.lm)
    x4 = torch.randn(4, max(w.shape[1] for w in weights), generator=g).to(device, dtype)
    short, long = args.decode_tokens

    def generate(n: int) -> Callable[[], object]:
        def run() -> None:
            out = lm.generate(memory, mask, num_beams=4, max_new_tokens=n, eos_token_id=3)
            if out.shape[1] != n:
                raise RuntimeError(f"beam search stopped after {out.shape[1]} of {n} tokens")

        return run

    def read_weights() -> None:
        for w in weights:
            F.linear(x4[:, : w.shape[1]], w)

    best = best_interleaved(
        {"short": generate(short), "long": generate(long), "pass": read_weights}, reps, device
    )
    step = (best["long"] - best["short"]) / (long - short)
    nbytes = sum(w.numel() * w.element_size() for w in weights)
    return {
        "beam_step_s": step,
        "weight_pass_s": best["pass"],
        "ratio": step / best["pass"],
        "weight_bytes": nbytes,
        "dtype": str(dtype).removeprefix("torch."),
        "short_s": best["short"],
        "long_s": best["long"],
    }


def stock_dinov2(vit: nn.Module) -> nn.Module:
    """A stock Dinov2Model holding the very same weight tensors (nothing copied)."""
    from transformers import Dinov2Model

    with torch.device("meta"):
        stock = Dinov2Model(vit.config)
    stock.load_state_dict(vit.state_dict(), strict=True, assign=True)
    return stock.eval()


@torch.no_grad()
def dinov2_ratio(model, args, device, reps: int) -> dict[str, dict[str, float]]:
    spatial = model.sign.step_encoder
    spatial.eval()
    stock = stock_dinov2(spatial.vit)
    size = cfg_image_size(args)
    g = torch.Generator().manual_seed(6)
    frames = torch.randint(
        0, 256, (args.ratio_frames, 3, size, size), dtype=torch.uint8, generator=g
    )
    x = model.sign.normalise(frames.to(device))
    out: dict[str, dict[str, float]] = {}
    for name, dtype in (("float32", None), ("bf16 autocast", torch.bfloat16)):

        def context(dtype: torch.dtype | None = dtype) -> torch.autocast:
            if dtype is None:
                return torch.autocast(device.type, enabled=False)
            return torch.autocast(device.type, dtype=dtype)

        def ours(context: Callable[[], torch.autocast] = context) -> None:
            with context():
                spatial.features(x)

        def plain(context: Callable[[], torch.autocast] = context) -> None:
            with context():
                stock(pixel_values=x).last_hidden_state[:, 0]

        best = best_interleaved({"lora": ours, "stock": plain}, reps, device)
        out[name] = {**best, "ratio": best["lora"] / best["stock"]}
    with torch.autocast(device.type, enabled=False):
        same = torch.allclose(spatial.features(x), stock(pixel_values=x).last_hidden_state[:, 0])
    out["zero LoRA output equals stock"] = {"equal": float(same)}
    return out


def stock_lm(lm: nn.Module) -> nn.Module:
    """A stock *ForCausalLM holding the very same weight tensors (nothing copied)."""
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        stock = AutoModelForCausalLM.from_config(lm.config)
    stock.load_state_dict(lm.state_dict(), strict=True, assign=True)
    for name, buf in lm.named_buffers():  # non-persistent tables (sinusoidal positions)
        module_name, _, attr = name.rpartition(".")
        setattr(stock.get_submodule(module_name), attr, buf)
    return stock.requires_grad_(False)


def lm_train_ratio(model, args, device, reps: int) -> dict[str, float]:
    lm = model.lm
    lm.train()
    stock = stock_lm(lm.lm).train()
    B, L = 1, args.tokens
    S = args.ratio_frames // model.sign.temporal_stride
    g = torch.Generator().manual_seed(7)
    ids = torch.randint(4, 250_000, (B, L), generator=g).to(device)
    labels = torch.roll(ids, -1, dims=1)
    attention = torch.ones_like(ids)
    memory = (torch.randn(B, S, lm.d_model, generator=g) * 0.5).to(device).requires_grad_(True)
    with torch.no_grad():  # open gates and non-zero LoRA: every branch does its real work
        for p in lm.adapters.parameters():
            p.add_(0.01)
    stock.get_input_embeddings().register_forward_hook(lambda m, i, o: o.requires_grad_(True))
    autocast = torch.autocast(device.type, dtype=torch.bfloat16)

    def gated() -> None:
        with autocast:
            loss = lm(ids, attention, memory, None, labels).loss
        loss.backward()
        lm.zero_grad(set_to_none=True)
        memory.grad = None

    def gated_no_sign() -> None:
        with autocast:
            loss = lm(ids, attention, labels=labels).loss
        loss.backward()
        lm.zero_grad(set_to_none=True)

    def plain() -> None:
        with autocast:
            logits = stock(input_ids=ids, attention_mask=attention, use_cache=False).logits
            loss = F.cross_entropy(logits.float().flatten(0, 1), labels.flatten())
        loss.backward()

    best = best_interleaved(
        {"gated": gated, "lora only": gated_no_sign, "stock": plain}, reps, device
    )
    lm.eval()
    return {
        **best,
        "ratio": best["gated"] / best["stock"],
        "ratio_lora_only": best["lora only"] / best["stock"],
        "tokens": L,
        "sign_positions": S,
    }


def run_ratios(model, args, device, out: dict) -> None:
    model.eval()
    reps = args.reps
    print(f"\nratios to the limit (best of {reps} interleaved runs each)")
    beam = beam_step_ratio(model, args, device, reps)
    print(
        f"  beam-search step (4 beams, KV cache), {beam['dtype']}: "
        f"{beam['beam_step_s'] * 1e3:.0f} ms"
        f" (generate {args.decode_tokens[0]} tokens {beam['short_s']:.2f} s, "
        f"{args.decode_tokens[1]} tokens {beam['long_s']:.2f} s)"
    )
    print(
        f"  one pass reading every LM weight once ({beam['weight_bytes'] / GB:.2f} GiB, 4 rows): "
        f"{beam['weight_pass_s'] * 1e3:.0f} ms = "
        f"{beam['weight_bytes'] / beam['weight_pass_s'] / 1e9:.1f} GB/s"
    )
    print(f"  RATIO beam step / weight pass: {beam['ratio']:.2f}x (target <= 1.5x)")
    vit = dinov2_ratio(model, args, device, reps)
    for name, r in vit.items():
        if "ratio" in r:
            print(
                f"  DINOv2 inference, {args.ratio_frames} frames, {name}: "
                f"with LoRA {r['lora']:.2f} s, "
                f"stock Dinov2Model {r['stock']:.2f} s"
            )
            print(f"  RATIO DINOv2 with LoRA / stock, {name}: {r['ratio']:.3f}x (target <= 1.15x)")
    same = bool(vit["zero LoRA output equals stock"]["equal"])
    print(f"  zero-initialised LoRA gives the stock output: {same}")
    lmr = lm_train_ratio(model, args, device, reps)
    print(
        f"  LM forward+backward, {lmr['tokens']} tokens, {lmr['sign_positions']} sign positions, "
        f"bf16 autocast: gated {lmr['gated']:.2f} s, LoRA only (no sign memory) "
        f"{lmr['lora only']:.2f} s, stock XGLM {lmr['stock']:.2f} s"
    )
    print(
        f"  RATIO gated LM / stock XGLM forward+backward: {lmr['ratio']:.2f}x "
        f"(LoRA alone {lmr['ratio_lora_only']:.2f}x; the rest is the sign branch)"
    )
    out["ratios"] = {"beam": beam, "dinov2": vit, "lm_train": lmr}


# --------------------------------------------------------------------------------------------
# loading a saved full-size model, and translating a 10-second clip


def full_vocab_tokenizer(vocab_size: int):
    """A tokenizer with the LM's vocabulary size that decodes every id (w0, w1, ...): the
    checkpoint needs one, and XGLM's own cannot be downloaded here."""
    from tokenizers import Tokenizer, decoders, models
    from transformers import PreTrainedTokenizerFast

    from sign2gpt.text.tokenizer import METASPACE, SPECIAL_TOKENS

    vocab = {t: i for i, t in enumerate(SPECIAL_TOKENS)}
    vocab.update({f"{METASPACE}w{i}": i for i in range(len(SPECIAL_TOKENS), vocab_size)})
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    tok.add_special_tokens(SPECIAL_TOKENS)
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always")
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
    )


def save_full_size(model, args, work: Path) -> Path:
    """The random model as a user would have it: the LM and DINOv2 in the stock Hugging Face
    layout (safetensors) and a translation checkpoint folder that references them."""
    from sign2gpt.config import load_config
    from sign2gpt.models.checkpoint import save_checkpoint

    lm_dir, vit_dir, ckpt = work / "xglm", work / "dinov2", work / "translate"
    if (ckpt / "trainable.safetensors").is_file():
        return ckpt
    stock_lm(model.lm.lm).save_pretrained(lm_dir)
    stock_dinov2(model.sign.step_encoder.vit).save_pretrained(vit_dir)
    full = load_config(args.config)
    full.model = model.cfg
    full.model.spatial.pretrained = str(vit_dir)
    full.model.lm.pretrained = str(lm_dir)
    tokenizer = full_vocab_tokenizer(model.lm.lm.config.vocab_size)
    save_checkpoint(ckpt, model, full, tokenizer=tokenizer)
    return ckpt


def run_loading(args, work: Path, out: dict) -> None:
    from transformers import Dinov2Model, XGLMForCausalLM

    from sign2gpt.pipeline import Pipeline

    lm_dir, vit_dir, ckpt = work / "xglm", work / "dinov2", work / "translate"

    def stock() -> None:
        lm = XGLMForCausalLM.from_pretrained(lm_dir, dtype=torch.bfloat16)
        vit = Dinov2Model.from_pretrained(vit_dir, dtype=torch.float32)
        del lm, vit
        gc.collect()

    def ours() -> None:
        pipeline = Pipeline.from_checkpoint(ckpt)
        del pipeline
        gc.collect()

    def tokenizer() -> None:  # what translation needs and the stock baseline does not load
        from sign2gpt.text.tokenizer import load_tokenizer

        load_tokenizer(ckpt, "the checkpoint's tokenizer")

    fns = {"stock": stock, "ours": ours, "tokenizer": tokenizer}
    best = best_interleaved(fns, args.reps, torch.device("cpu"))
    ratio = best["ours"] / best["stock"]
    size = sum(f.stat().st_size for f in work.rglob("*.safetensors"))
    print(
        f"\nloading the saved full-size model ({size / GB:.2f} GiB of safetensors, page cache warm)"
    )
    print(f"  XGLMForCausalLM.from_pretrained + Dinov2Model.from_pretrained: {best['stock']:.2f} s")
    print(f"  Pipeline.from_checkpoint (what translate and evaluate do): {best['ours']:.2f} s")
    print(f"  of which the tokenizer alone (256,008 entries): {best['tokenizer']:.2f} s")
    print(f"  RATIO loading / stock from_pretrained: {ratio:.2f}x (target <= 1.5x)")
    with_tok = best["ours"] / (best["stock"] + best["tokenizer"])
    print(f"  ratio with the tokenizer on the stock side too: {with_tok:.2f}x")
    out["loading"] = {**best, "ratio": ratio, "bytes": size}


def write_clip(folder: Path, frames: int, seed: int = 0) -> Path:
    """A frame folder of ``frames`` PNG pictures (260 x 210, Phoenix14T's size)."""
    import numpy as np
    from PIL import Image

    if folder.is_dir() and len(list(folder.glob("*.png"))) == frames:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (260, 210, 3), dtype=np.uint8)
    for i in range(frames):
        shift = np.roll(base, i, axis=1)  # a moving picture, not one frame repeated
        Image.fromarray(shift).save(folder / f"{i:05d}.png")
    return folder


def run_clip(args, work: Path, out: dict) -> None:
    from sign2gpt.infer.translator import Translator

    clip = write_clip(work / "clip_10s", args.clip_frames)
    seconds_of_video = args.clip_frames / args.clip_fps
    print(
        f"\ntranslating a {seconds_of_video:.0f}-second clip ({args.clip_frames} frames at "
        f"{args.clip_fps:g} fps, a frame folder) with the full-size model, beam search 4, "
        f"best of {args.reps} interleaved"
    )
    memory = Memory(torch.device("cpu"))
    memory.reset()
    translators = {}
    for name, quantize in (("bf16", None), ("int8", "int8")):
        translators[name] = Translator.from_checkpoints(
            work / "translate", "cpu", dtype="bfloat16", quantize=quantize
        )
        train = translators[name].pipeline.cfg.train
        budget, train.max_new_tokens = train.max_new_tokens, 4
        translators[name].translate(clip)  # untimed, 4 tokens: kernels chosen, pages touched
        train.max_new_tokens = budget
    results: dict[str, dict] = {}
    for _ in range(args.reps):
        for name, translator in translators.items():
            result = translator.translate(clip)
            if name not in results or result.seconds < results[name]["seconds"]:
                results[name] = {
                    "seconds": result.seconds,
                    "rtf": result.seconds / seconds_of_video,
                    "frames": result.sampled_frames,
                    "tokens": len(result.text.split()),
                    "load_s": translator.load_seconds,
                }
    for name, r in results.items():
        print(
            f"  {name:5s}: {r['seconds']:.1f} s ({r['frames']} frames into DINOv2, {r['tokens']} "
            f"tokens generated), real-time factor {r['rtf']:.2f}; loaded in {r['load_s']:.1f} s"
        )
    speedup = results["bf16"]["seconds"] / results["int8"]["seconds"]
    print(f"  RATIO int8 speed-up over bf16: {speedup:.2f}x")
    print(f"  peak RSS with both loaded: {memory.peak() / GB:.2f} GiB")
    out["clip"] = {**results, "speedup": speedup, "peak_bytes": memory.peak()}


# --------------------------------------------------------------------------------------------


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
