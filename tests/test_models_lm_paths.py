"""The two ways the sign heads join a layer (the explicit ``text + W_o s + LoRA_o(s)`` and the
opt-in fast path that reads W_q and W_o once) give the same logits and the same beam search;
merging the self-attention LoRA and int8 weights on q, k, v, o keep the logits close; and the
trainable state written by the code before the ``models/lm/`` split loads, key for key, into both
paths with the logits it gave then (docs/method.md#44-language-model-and-gated-fusion)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch
import yaml
from safetensors.torch import load_file
from tiny import family_lm_config, randomise_

from sign2gpt.config import Config, save_config
from sign2gpt.models.checkpoint import CONFIG_FILE, CheckpointFolder
from sign2gpt.models.lm import GatedLM, load_lm
from sign2gpt.models.quantize import Int8Linear, quantize_lm_int8

FAMILIES = ["xglm", "llama", "qwen3", "gemma2"]
BEFORE_SPLIT = Path(__file__).parent / "fixtures" / "gated_lm_before_split.safetensors"
# What GatedLM.state_dict() held outside the frozen LM at commit ef56942 (models/gated_lm.py,
# before the split), for 2 layers; a checkpoint stores them under "lm." (TranslationModel.lm).
KEYS_BEFORE_SPLIT = [
    f"adapters.{i}.{name}"
    for i in range(2)
    for name in [
        "gate",
        "lora.k.lora_A",
        "lora.k.lora_B",
        "lora.o.lora_A",
        "lora.o.lora_B",
        "lora.q.lora_A",
        "lora.q.lora_B",
        "lora.v.lora_A",
        "lora.v.lora_B",
        "sign.k.lora_A",
        "sign.k.lora_B",
        "sign.q.lora_A",
        "sign.q.lora_B",
        "sign.v.lora_A",
        "sign.v.lora_B",
    ]
]


def _trainable(gated: GatedLM) -> dict[str, torch.Tensor]:
    return {k: v for k, v in gated.state_dict().items() if not k.startswith("lm.")}


def _gated(family: str, fused: bool, seed: int = 7, std: float = 0.3) -> GatedLM:
    """A tiny random LM of ``family`` (the same frozen weights on every call) with random
    adapters (of standard deviation ``std``) and gates between 0.1 and 0.9."""
    cfg = replace(family_lm_config(family), fused_sign_path=fused)
    gated = GatedLM(load_lm(cfg), cfg)
    randomise_(gated, seed=seed, std=std)
    with torch.no_grad():
        for adapter in gated.adapters:
            adapter.gate.copy_(torch.linspace(0.1, 0.9, adapter.gate.numel()))
    return gated


def _batch(d_model: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(11)
    ids = torch.randint(4, 100, (2, 6), generator=g)  # (B, T)
    memory = torch.randn(2, 5, d_model, generator=g)  # (B, S, d)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.bool)  # (B, S)
    return ids, memory, mask


def _generate(gated: GatedLM, memory: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return gated.generate(
        memory,
        mask,
        num_beams=2,
        max_new_tokens=5,
        start_token_id=2,
        eos_token_id=3,
        pad_token_id=1,
    )


@pytest.mark.parametrize("family", FAMILIES)
def test_both_paths_give_the_same_logits_gradients_and_beams(family):
    explicit = _gated(family, fused=False)
    fused = _gated(family, fused=True)
    assert fused.adapters[0].gate.sum() > 0 and torch.equal(
        explicit.adapters[0].sign["q"].lora_B, fused.adapters[0].sign["q"].lora_B
    )
    ids, memory, mask = _batch(explicit.d_model)
    labels = torch.roll(ids, -1, dims=1)
    logits, grads = [], []
    for gated in (explicit, fused):
        gated.train()
        torch.manual_seed(0)  # the same dropout masks: both draw them in the same order
        out = gated(ids, torch.ones_like(ids), memory, mask, labels=labels)
        out.loss.backward()
        logits.append(out.logits.detach())
        grads.append({n: p.grad for n, p in gated.adapters.named_parameters()})
    torch.testing.assert_close(logits[0], logits[1])
    for name, grad in grads[0].items():
        torch.testing.assert_close(grad, grads[1][name], msg=name)
    assert grads[0]["0.gate"].abs().sum() > 0  # the gates did take part
    without = explicit(ids, torch.ones_like(ids)).logits.detach()
    assert (logits[0] - without).abs().max() > 1e-2  # ... and the sign branch changed the logits

    explicit.eval(), fused.eval()
    with torch.no_grad():
        torch.testing.assert_close(
            explicit(ids, torch.ones_like(ids), memory, mask).logits,
            fused(ids, torch.ones_like(ids), memory, mask).logits,
        )
    assert torch.equal(_generate(explicit, memory, mask), _generate(fused, memory, mask))


def test_the_fast_path_is_the_one_configured():
    explicit, fused = _gated("xglm", fused=False), _gated("xglm", fused=True)
    attention = fused.lm.model.layers[0].self_attn
    assert (
        attention.fast_path is not None and explicit.lm.model.layers[0].self_attn.fast_path is None
    )
    # the fast path taps q (its output) and o (its input); the explicit one hooks only the LoRA
    q_explicit = explicit.lm.model.layers[0].self_attn.attention.q_proj
    assert len(attention.attention.q_proj._forward_hooks) == len(q_explicit._forward_hooks) + 1
    assert len(attention.attention.out_proj._forward_pre_hooks) == 1
    assert not explicit.lm.model.layers[0].self_attn.attention.out_proj._forward_pre_hooks


@pytest.mark.parametrize("family", FAMILIES)
def test_a_checkpoint_written_before_the_split_loads_with_the_same_logits(family):
    stored = load_file(BEFORE_SPLIT)
    saved = {k.split("/", 1)[1]: v for k, v in stored.items() if k.startswith(f"{family}/adapt")}
    assert sorted(saved) == KEYS_BEFORE_SPLIT
    ids, memory, mask = (stored[f"{family}/{n}"] for n in ("input_ids", "memory", "mask"))
    for fused in (False, True):
        gated = _gated(family, fused=fused, seed=99).eval()  # other values, then overwritten
        assert sorted(_trainable(gated)) == KEYS_BEFORE_SPLIT
        gated.adapters.load_state_dict(
            {k.removeprefix("adapters."): v for k, v in saved.items()}, strict=True
        )
        with torch.no_grad():
            logits = gated(ids, torch.ones_like(ids), memory, mask).logits
        torch.testing.assert_close(logits, stored[f"{family}/logits"], rtol=1e-5, atol=1e-5)
        assert torch.equal(_generate(gated, memory, mask), stored[f"{family}/generated"])


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("fused", [False, True], ids=["explicit", "fused"])
def test_merging_the_lora_keeps_the_logits_and_drops_its_hooks(family, fused):
    gated = _gated(family, fused=fused).eval()
    ids, memory, mask = _batch(gated.d_model)
    q = gated.adapters[0].parts.q
    hooks_before = len(q._forward_hooks)
    with torch.no_grad():
        before = gated(ids, torch.ones_like(ids), memory, mask).logits
        text_only = gated(ids, torch.ones_like(ids)).logits
        weight = q.weight.clone()
        generated = _generate(gated, memory, mask)
        gated.merge_lora()
        after = gated(ids, torch.ones_like(ids), memory, mask).logits
        text_after = gated(ids, torch.ones_like(ids)).logits
    assert not torch.equal(q.weight, weight)  # the LoRA is in the weight now
    assert len(q._forward_hooks) == hooks_before - 1  # ... and no longer a hook
    assert not any(p.requires_grad for p in gated.adapters[0].lora.parameters())
    # float32: the merged product and the LoRA taken back off differ by rounding only
    torch.testing.assert_close(after, before, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(text_after, text_only, rtol=1e-4, atol=1e-4)
    assert torch.equal(_generate(gated, memory, mask), generated)
    before_trainable = {k: v.clone() for k, v in _trainable(gated).items()}
    gated.merge_lora()  # a second merge adds nothing
    with torch.no_grad():
        torch.testing.assert_close(gated(ids, torch.ones_like(ids), memory, mask).logits, after)
    assert all(torch.equal(v, before_trainable[k]) for k, v in _trainable(gated).items())


@pytest.mark.parametrize("fused", [False, True], ids=["explicit", "fused"])
@pytest.mark.parametrize("family", ["xglm", "qwen3"])
def test_int8_covers_q_k_v_o_and_keeps_the_logits_close(family, fused):
    # milder adapters than the others' 0.3: with those, the tiny LM's attention is near argmax
    # and int8 rounding flips it (max error 14 % of the largest logit in qwen3; 1.7 % here)
    gated = _gated(family, fused=fused, std=0.05).eval()
    ids, memory, mask = _batch(gated.d_model)
    with torch.no_grad():
        ref = gated(ids, torch.ones_like(ids), memory, mask).logits
        replaced = quantize_lm_int8(gated)
        got = gated(ids, torch.ones_like(ids), memory, mask).logits
    mlp = 2 if family == "xglm" else 3  # fc1, fc2 / gate, up, down
    assert replaced == len(gated.adapters) * (4 + mlp)
    parts = gated.adapters[0].parts
    assert all(isinstance(parts.projection(t), Int8Linear) for t in "qkvo")
    assert not isinstance(gated.lm.get_output_embeddings(), Int8Linear)
    scale = ref.abs().max()
    assert 0 < (got - ref).abs().max() < 0.05 * scale  # int8: close, not equal
    assert _generate(gated, memory, mask).shape[0] == 2


def test_merging_after_int8_is_refused():
    gated = _gated("xglm", fused=False)
    quantize_lm_int8(gated)
    gated.adapters[0].merged = False  # as if quantised without merging first
    with pytest.raises(TypeError, match="merge the LoRA before quantising"):
        gated.adapters[0].merge_lora()


def test_a_checkpoint_config_from_before_the_sign_path_setting_stays_on_the_fast_path(tmp_path):
    folder = tmp_path / "best"
    folder.mkdir()
    save_config(Config(), folder / CONFIG_FILE)  # written by today's code: every field in it
    assert CheckpointFolder.open(folder).config.model.lm.fused_sign_path is False
    saved = yaml.safe_load((folder / CONFIG_FILE).read_text())
    del saved["model"]["lm"]["fused_sign_path"]  # as the code before the setting wrote it
    (folder / CONFIG_FILE).write_text(yaml.safe_dump(saved))
    assert CheckpointFolder.open(folder).config.model.lm.fused_sign_path is True


@pytest.mark.parametrize("family", ["xglm", "llama"])
def test_both_paths_give_the_same_gradients_to_a_trained_lm(family):
    """model.lm.train_weights: the LM's own weights learn, through the sign branch's reads of
    W_q, W_k, W_v and W_o as well, and the fast path's taps pass the same gradients."""
    grads = []
    for fused in (False, True):
        cfg = replace(family_lm_config(family), fused_sign_path=fused, train_weights=True)
        gated = GatedLM(load_lm(cfg), cfg)
        randomise_(gated.adapters, seed=7, std=0.3)
        with torch.no_grad():
            for adapter in gated.adapters:
                adapter.gate.copy_(torch.linspace(0.1, 0.9, adapter.gate.numel()))
        ids, memory, mask = _batch(gated.d_model)
        gated.train()
        torch.manual_seed(0)
        out = gated(ids, torch.ones_like(ids), memory, mask, labels=torch.roll(ids, -1, dims=1))
        out.loss.backward()
        grads.append({n: p.grad for n, p in gated.lm.named_parameters() if p.requires_grad})
    assert grads[0] and set(grads[0]) == set(grads[1])
    for name, grad in grads[0].items():
        assert grad is not None, name
        torch.testing.assert_close(grad, grads[1][name], msg=name)
    k_proj = next(n for n in grads[0] if n.endswith("k_proj.weight"))
    assert grads[0][k_proj].abs().sum() > 0
