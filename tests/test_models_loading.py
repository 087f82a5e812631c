"""Loading a translation checkpoint whose frozen models are local Hugging Face folders (and an
original DINOv2 .pth): their weights are read, never first drawn at random; --dtype and int8."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch
from tiny import DATA, model_config
from transformers import Dinov2Model

from sign2gpt.config import Config
from sign2gpt.models.checkpoint import save_checkpoint
from sign2gpt.models.quantize import Int8Linear
from sign2gpt.models.spatial import dinov2_config, load_dinov2
from sign2gpt.models.translation_model import TranslationModel
from sign2gpt.pipeline import Pipeline

RANDOM_INITS = ("uniform_", "normal_", "trunc_normal_", "xavier_uniform_", "xavier_normal_")
RANDOM_INITS += ("kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_")


def _count_random_inits(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts the random draws Hugging Face's model init makes into real (not meta) tensors:
    what building a stock model with random weights does. (``from_pretrained`` walks every
    module too, but its init functions skip the weights it has read.)"""
    from transformers import initialization

    calls = {"draws": 0}
    for name in RANDOM_INITS:
        original = initialization.TORCH_INIT_FUNCTIONS[name]

        def counting(tensor, *args, _original=original, **kwargs):
            if tensor.device.type != "meta" and tensor.numel():
                calls["draws"] += 1
            return _original(tensor, *args, **kwargs)

        monkeypatch.setitem(initialization.TORCH_INIT_FUNCTIONS, name, counting)
    return calls


@pytest.fixture
def dinov2_dir(tmp_path: Path) -> Path:
    cfg = model_config().spatial
    torch.manual_seed(4)
    vit = Dinov2Model(dinov2_config(cfg))
    with torch.no_grad():
        vit.embeddings.cls_token.normal_()  # not the value any init would give
    folder = tmp_path / "dinov2"
    vit.save_pretrained(folder)
    return folder


@pytest.fixture
def checkpoint(lm_dir: Path, tokenizer, dinov2_dir: Path, tmp_path: Path) -> Path:
    cfg = model_config(lm_dir)
    cfg.spatial.pretrained = str(dinov2_dir)
    model = TranslationModel.build(cfg, tokenizer=tokenizer)
    full = Config(model=cfg, data=replace(DATA))
    full.train.max_new_tokens = 6  # a short beam search: the command is what is tested
    return save_checkpoint(tmp_path / "ckpt", model, full)


def test_loading_never_draws_random_weights_for_the_frozen_models(
    checkpoint, dinov2_dir, lm_dir, monkeypatch
):
    calls = _count_random_inits(monkeypatch)
    pipeline = Pipeline.from_checkpoint(checkpoint)
    assert calls["draws"] == 0
    assert pipeline.load_seconds > 0
    model = pipeline.model
    assert isinstance(model, TranslationModel)
    stock = Dinov2Model.from_pretrained(dinov2_dir)
    assert torch.equal(model.sign.step_encoder.vit.embeddings.cls_token, stock.embeddings.cls_token)
    # the counter does see a random build: the check above can fail
    Dinov2Model(dinov2_config(model_config().spatial))
    assert calls["draws"] > 0


def test_an_original_dinov2_pth_is_read_without_a_random_build_first(
    dinov2_dir, tmp_path, monkeypatch
):
    from sign2gpt.models.spatial import convert_original_state_dict

    hf = Dinov2Model.from_pretrained(dinov2_dir)
    original = _to_original(hf.state_dict())
    assert set(convert_original_state_dict(original)) == set(hf.state_dict())
    path = tmp_path / "dinov2_tiny.pth"
    torch.save(original, path)
    cfg = model_config().spatial
    cfg.pretrained = str(path)
    calls = _count_random_inits(monkeypatch)
    vit = load_dinov2(cfg)
    assert calls["draws"] == 0
    for key, value in hf.state_dict().items():
        assert torch.equal(vit.state_dict()[key], value), key


def _to_original(hf: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A Hugging Face Dinov2Model state dict in the original DINOv2 names (fused qkv)."""
    fixed = {
        "embeddings.cls_token": "cls_token",
        "embeddings.mask_token": "mask_token",
        "embeddings.position_embeddings": "pos_embed",
        "embeddings.patch_embeddings.projection.weight": "patch_embed.proj.weight",
        "embeddings.patch_embeddings.projection.bias": "patch_embed.proj.bias",
        "layernorm.weight": "norm.weight",
        "layernorm.bias": "norm.bias",
    }
    block = {
        "attention.o_proj": "attn.proj",
        "layer_scale1.lambda1": "ls1.gamma",
        "layer_scale2.lambda1": "ls2.gamma",
    }
    out: dict[str, torch.Tensor] = {}
    for key, value in hf.items():
        if key in fixed:
            out[fixed[key]] = value
            continue
        _, _, i, rest = key.split(".", 3)
        if rest.startswith("attention.q_proj."):
            kind = rest.rsplit(".", 1)[1]
            parts = [hf[f"encoder.layer.{i}.attention.{n}_proj.{kind}"] for n in "qkv"]
            out[f"blocks.{i}.attn.qkv.{kind}"] = torch.cat(parts)
            continue
        if rest.startswith(("attention.k_proj.", "attention.v_proj.")):
            continue
        for new, old in block.items():
            rest = rest.replace(new, old)
        out[f"blocks.{i}.{rest}"] = value
    return out


def test_dtype_and_int8_for_translation(checkpoint):
    plain = Pipeline.from_checkpoint(checkpoint)
    bf16 = Pipeline.from_checkpoint(checkpoint, dtype="bfloat16")
    assert next(plain.model.lm.lm.parameters()).dtype == torch.float32  # the recipe's
    assert next(bf16.model.lm.lm.parameters()).dtype == torch.bfloat16
    assert bf16.cfg.model.lm.dtype == "bfloat16"
    int8 = Pipeline.from_checkpoint(checkpoint, quantize="int8")
    lm = int8.model.lm
    replaced = [m for m in lm.lm.modules() if isinstance(m, Int8Linear)]
    layers = len(lm.adapters)
    assert len(replaced) == 6 * layers  # q, k, v, o, fc1, fc2 per layer; not the head
    assert not isinstance(lm.lm.get_output_embeddings(), Int8Linear)
    assert all(adapter.merged for adapter in lm.adapters)  # the LoRA went into the int8 weights
    g = torch.Generator().manual_seed(0)
    frames = torch.randint(0, 256, (6, 3, 16, 16), dtype=torch.uint8, generator=g)
    lengths = torch.tensor([6])
    with torch.no_grad():
        z, mask = plain.model.encode(frames, lengths)
        ids = torch.tensor([[2, 5, 9, 11]])
        ones = torch.ones_like(ids)
        memory = plain.model.bridge(z)
        ref = plain.model.lm(ids, ones, memory, mask).logits
        got = int8.model.lm(ids, ones, memory, mask).logits
        with bf16.autocast():
            half = bf16.model.lm(ids, ones, memory, mask).logits
    scale = ref.abs().max()
    assert 0 < (got - ref).abs().max() < 0.05 * scale  # int8: close, not equal
    assert (half.float() - ref).abs().max() < 0.05 * scale
    with pytest.raises(Exception, match="not one of"):
        Pipeline.from_checkpoint(checkpoint, dtype="float8")


def test_translate_command_takes_dtype_and_int8(checkpoint, tmp_path, capsys):
    import numpy as np
    from PIL import Image

    from sign2gpt.cli import main

    frames = tmp_path / "clip"
    frames.mkdir()
    rng = np.random.default_rng(0)
    for i in range(6):
        Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(
            frames / f"{i:03d}.png"
        )
    args = ["translate", "--checkpoint", str(checkpoint), "--num-beams", "2", str(frames)]
    assert main([*args, "--dtype", "bfloat16", "--quantize", "int8"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{frames}\t")
    assert "loaded" in captured.err
    with pytest.raises(SystemExit):  # argparse refuses it
        main([*args, "--dtype", "float8"])
