"""``full_size.py --sections train``: one training step of the full-size model, timed and its
peak memory read part by part, at each batch size x frames x gradient checkpointing asked for;
the activation costs fitted from those steps and checked against ``sign2gpt summary``'s
estimate."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
from full_size_model import cfg_image_size, recipe_model_config, set_checkpointing
from measure import GB, Memory, sync

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
