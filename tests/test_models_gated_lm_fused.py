"""The gated branch, on both paths (the explicit ``text + W_o s + LoRA_o(s)`` and the fast path:
sign queries from the q projection's own output, sign heads joined at the output projection's
input), equals the formula of docs/method.md#44-language-model-and-gated-fusion computed by
hand, also under bf16 autocast with activation checkpointing."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from tiny import D_LM, HEADS, lm_config

from sign2gpt.models.lm import SIGN_CONTEXT_KWARG, GatedLM, load_lm


def _gated(lm_dir, **overrides) -> GatedLM:
    cfg = lm_config(lm_dir)
    for k, v in overrides.items():
        setattr(cfg, k, v)
    torch.manual_seed(0)
    gated = GatedLM(load_lm(cfg), cfg)
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for p in gated.adapters.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
        for adapter in gated.adapters:
            adapter.gate.copy_(torch.tensor([0.2, 0.5, 0.9, 1.0]))
    return gated


def _lora(lora, x: torch.Tensor) -> torch.Tensor:
    return (x @ lora.lora_A.T) @ lora.lora_B.T * lora.scaling


PATHS = pytest.mark.parametrize("fused", [False, True], ids=["explicit", "fused"])


@PATHS
def test_one_layer_equals_the_formula_by_hand(lm_dir, fused):
    gated = _gated(lm_dir, fused_sign_path=fused).eval()
    layer = gated.lm.model.layers[0]
    wrapper, adapter = layer.self_attn, gated.adapters[0]
    attn = wrapper.attention
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 5, D_LM, generator=g)  # (B, T, d) normalised text stream
    memory = torch.randn(2, 4, D_LM, generator=g)  # (B, S, d)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]], dtype=torch.bool)
    ctx = gated.sign_context(memory, mask)
    with torch.no_grad():
        text = wrapper(x)[0]  # the stock attention with its LoRA, no sign memory
        fused = wrapper(x, **{SIGN_CONTEXT_KWARG: ctx})[0]
        hd = D_LM // HEADS
        n = layer.self_attn_layer_norm(memory)
        q = x @ attn.q_proj.weight.T + attn.q_proj.bias + _lora(adapter.sign["q"], x)
        k = n @ attn.k_proj.weight.T + attn.k_proj.bias + _lora(adapter.sign["k"], n)
        v = n @ attn.v_proj.weight.T + attn.v_proj.bias + _lora(adapter.sign["v"], n)
        q, k, v = (t.view(2, -1, HEADS, hd).transpose(1, 2) for t in (q, k, v))
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd)  # (B, H, T, S)
        scores = scores.masked_fill(~mask[:, None, None, :], float("-inf"))
        heads = F.softmax(scores, dim=-1) @ v * adapter.gate.view(1, HEADS, 1, 1)
        s = heads.transpose(1, 2).reshape(2, 5, D_LM)  # (B, T, H hd)
        expected = text + s @ attn.out_proj.weight.T + _lora(adapter.lora["o"], s)
    assert torch.allclose(fused, expected, atol=1e-5)
    assert (fused - text).abs().max() > 1e-2  # the sign branch did contribute


@PATHS
def test_bf16_autocast_with_checkpointing_gives_the_same_gradients(lm_dir, fused):
    g = torch.Generator().manual_seed(2)
    ids = torch.randint(4, 100, (2, 6), generator=g)
    labels = torch.roll(ids, -1, dims=1)
    memory = torch.randn(2, 4, D_LM, generator=g)
    grads = []
    for checkpointing in (False, True):
        gated = _gated(
            lm_dir, dtype="bfloat16", gradient_checkpointing=checkpointing, fused_sign_path=fused
        ).train()
        sign = memory.clone().requires_grad_(True)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = gated(ids, torch.ones_like(ids), sign, None, labels=labels).loss
        loss.backward()
        grads.append([sign.grad, *(p.grad for p in gated.adapters.parameters())])
    for a, b in zip(*grads):
        assert a is not None and b is not None
        assert torch.allclose(a.float(), b.float(), rtol=2e-2, atol=1e-3)
    assert grads[0][0].abs().sum() > 0  # the memory gets a gradient through every layer
