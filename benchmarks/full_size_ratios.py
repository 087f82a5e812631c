"""``full_size.py --sections ratios``: three ratios to the limit, each pair measured interleaved:
a beam-search step against one pass over every LM weight, DINOv2 with LoRA against the stock
``Dinov2Model``, and the gated LM's forward+backward against the stock XGLM's."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from full_size_model import cfg_image_size, stock_dinov2, stock_lm
from measure import GB, best_interleaved
from torch import nn


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
