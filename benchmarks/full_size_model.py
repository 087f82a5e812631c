"""The paper's full-size model with random weights, for ``full_size.py`` and ``sign_paths.py``:
the recipe's model config without pretrained weights, the frozen LM built on the meta device and
filled with random values in its own dtype, the whole translation model, and stock Hugging Face
twins (``Dinov2Model``, ``*ForCausalLM``) that hold the very same weight tensors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent


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


def cfg_image_size(args) -> int:
    from sign2gpt.config import load_config

    return load_config(args.config).data.image_size


def stock_dinov2(vit: nn.Module) -> nn.Module:
    """A stock Dinov2Model holding the very same weight tensors (nothing copied)."""
    from transformers import Dinov2Model

    with torch.device("meta"):
        stock = Dinov2Model(vit.config)
    stock.load_state_dict(vit.state_dict(), strict=True, assign=True)
    return stock.eval()


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
