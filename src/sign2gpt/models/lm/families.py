"""Which decoder-only LMs the gated branch fits, and loading them frozen
(docs/method.md#47-other-language-models).

:data:`LAYOUTS` names the attribute paths of each Hugging Face ``model_type``: XGLM and the Llama
layout of Llama 3.x, Qwen2.5, Qwen3, Mistral, Gemma 2 and Gemma 3. :func:`load_lm` gives the
frozen LM of a recipe: pretrained weights, or a seeded random LM of the recipe's sizes, or the
architecture alone on the meta device.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    PretrainedConfig,
    PreTrainedModel,
    XGLMConfig,
)

from sign2gpt.config import ConfigError, LMConfig
from sign2gpt.errors import CheckpointError
from sign2gpt.models.pretrained import load_pretrained, resolve_source, seeded_init

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


# --------------------------------------------------------------------------------------------
# where the parts of a decoder-only LM live


@dataclass(frozen=True)
class DecoderLayout:
    """Attribute names of a Hugging Face decoder-only LM (``*ForCausalLM``)."""

    layers: str  # dotted path from the model to the list of decoder layers
    attention: str  # the self-attention module, on a layer
    norm: str  # the norm applied to the layer input before the self-attention, on a layer
    q: str  # projections, on the attention module
    k: str
    v: str
    o: str
    # per-head RMSNorm of the queries / keys after their projection (Qwen3, Gemma 3), on the
    # attention module; "" = none
    q_norm: str = ""
    k_norm: str = ""


_LLAMA = DecoderLayout(
    "model.layers", "self_attn", "input_layernorm", "q_proj", "k_proj", "v_proj", "o_proj"
)
_QK_NORM = dataclasses.replace(_LLAMA, q_norm="q_norm", k_norm="k_norm")

LAYOUTS: dict[str, DecoderLayout] = {
    "xglm": DecoderLayout(
        "model.layers",
        "self_attn",
        "self_attn_layer_norm",
        "q_proj",
        "k_proj",
        "v_proj",
        "out_proj",
    ),
    "llama": _LLAMA,  # Llama 2, 3.x
    "mistral": _LLAMA,
    "qwen2": _LLAMA,  # Qwen2, Qwen2.5 (q, k, v with biases)
    "gemma2": _LLAMA,  # extra post-attention norm: applied to the branch's output too
    "qwen3": _QK_NORM,
    "gemma3_text": _QK_NORM,  # Gemma 3 text-only models (270M, 1B)
}

# `model.lm.family` -> the Hugging Face ``model_type`` its sizes build
FAMILY_MODEL_TYPES: dict[str, str] = {
    "xglm": "xglm",
    "llama": "llama",
    "qwen2": "qwen2",
    "qwen3": "qwen3",
    "mistral": "mistral",
    "gemma2": "gemma2",
    "gemma3": "gemma3_text",
}


def decoder_layer_classes() -> tuple[type[nn.Module], ...]:
    """The repeated decoder-layer classes of the supported LMs (FSDP auto-wrap units)."""
    from transformers.models.gemma2.modeling_gemma2 import Gemma2DecoderLayer
    from transformers.models.gemma3.modeling_gemma3 import Gemma3DecoderLayer
    from transformers.models.llama.modeling_llama import LlamaDecoderLayer
    from transformers.models.mistral.modeling_mistral import MistralDecoderLayer
    from transformers.models.qwen2.modeling_qwen2 import Qwen2DecoderLayer
    from transformers.models.qwen3.modeling_qwen3 import Qwen3DecoderLayer
    from transformers.models.xglm.modeling_xglm import XGLMDecoderLayer

    return (
        XGLMDecoderLayer,
        LlamaDecoderLayer,
        MistralDecoderLayer,
        Qwen2DecoderLayer,
        Qwen3DecoderLayer,
        Gemma2DecoderLayer,
        Gemma3DecoderLayer,
    )


def layout_of(lm: PreTrainedModel) -> DecoderLayout:
    model_type = getattr(lm.config, "model_type", "")
    if model_type not in LAYOUTS:
        raise ConfigError(
            f"language model type {model_type!r} has no gated-branch layout "
            f"(supported: {', '.join(sorted(LAYOUTS))})"
        )
    return LAYOUTS[model_type]


def attr_path(obj: Any, dotted: str) -> Any:
    """``obj.a.b.c`` for ``dotted="a.b.c"`` (a layout's paths; modules are typed loosely here
    because each family's classes differ)."""
    for name in dotted.split("."):
        obj = getattr(obj, name)
    return obj


# --------------------------------------------------------------------------------------------
# loading the frozen LM


def xglm_config(cfg: LMConfig) -> XGLMConfig:
    """The Hugging Face config of an XGLM with the sizes of ``cfg`` (XGLM defaults otherwise)."""
    if cfg.d_model % cfg.attention_heads:
        raise ConfigError(
            f"lm.d_model {cfg.d_model} is not divisible by attention_heads {cfg.attention_heads}"
        )
    return XGLMConfig(
        vocab_size=cfg.vocab_size,
        d_model=cfg.d_model,
        num_layers=cfg.num_layers,
        attention_heads=cfg.attention_heads,
        ffn_dim=cfg.ffn_dim,
        max_position_embeddings=cfg.max_position_embeddings,
    )


def lm_architecture(cfg: LMConfig) -> PretrainedConfig:
    """The Hugging Face config of ``cfg.family`` with the sizes of ``cfg`` (the family's defaults
    for everything else), for an LM built without its weights."""
    if cfg.family == "xglm":
        return xglm_config(cfg)
    heads = cfg.attention_heads
    kv_heads = cfg.num_key_value_heads or heads
    if heads % kv_heads:
        raise ConfigError(
            f"lm.attention_heads {heads} is not a multiple of num_key_value_heads {kv_heads}"
        )
    if not cfg.head_dim and cfg.d_model % heads:
        raise ConfigError(
            f"lm.d_model {cfg.d_model} is not divisible by attention_heads {heads} "
            "(set lm.head_dim)"
        )
    head_dim = cfg.head_dim or cfg.d_model // heads
    extra: dict[str, Any] = {}
    if cfg.family in ("gemma2", "gemma3"):
        # Gemma scales the scores by query_pre_attn_scalar ** -0.5: the published 1B-9B
        # models use their head_dim (256)
        extra["query_pre_attn_scalar"] = head_dim
    return AutoConfig.for_model(
        FAMILY_MODEL_TYPES[cfg.family],
        vocab_size=cfg.vocab_size,
        hidden_size=cfg.d_model,
        intermediate_size=cfg.ffn_dim,
        num_hidden_layers=cfg.num_layers,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        head_dim=head_dim,
        max_position_embeddings=cfg.max_position_embeddings,
        rope_theta=cfg.rope_theta,
        rms_norm_eps=cfg.rms_norm_eps,
        tie_word_embeddings=cfg.tie_word_embeddings,
        **extra,
    )


def local_lm_config(source: str) -> PretrainedConfig | None:
    """The config of a local model folder (no weights read), None for a hub id or no folder."""
    if not source or not (Path(source) / "config.json").is_file():
        return None
    try:
        return AutoConfig.from_pretrained(source)
    except (OSError, ValueError) as exc:
        raise CheckpointError(
            f"{Path(source) / 'config.json'}: not a model config ({exc})"
        ) from None


def _random_lm(
    config: PretrainedConfig, device: torch.device, dtype: torch.dtype
) -> PreTrainedModel:
    if device.type == "meta":
        with torch.device("meta"):
            return AutoModelForCausalLM.from_config(config).to(dtype)
    with seeded_init():
        model = AutoModelForCausalLM.from_config(config)
    return model.to(device=device, dtype=dtype)


def load_lm(
    cfg: LMConfig, device: str | torch.device = "cpu", load_weights: bool = True
) -> PreTrainedModel:
    """The frozen causal LM of ``cfg``, every parameter with ``requires_grad=False``.

    - ``cfg.pretrained`` a hub id or a local folder: ``from_pretrained`` in ``cfg.dtype``; missing,
      unexpected or mismatched weights are a :class:`CheckpointError`.
    - ``cfg.pretrained`` empty: an LM of ``cfg.family`` with the sizes in ``cfg``, random but the
      same on every call (fixed seed), so a checkpoint that references it rebuilds it.
    - ``device="meta"`` or ``load_weights=False``: the architecture only, nothing read but a
      local folder's ``config.json`` (a hub id is never contacted: the sizes in ``cfg`` are used).
    """
    dtype = DTYPES[cfg.dtype]
    device = torch.device(device)
    if device.type == "meta" or not load_weights or not cfg.pretrained:
        config = local_lm_config(cfg.pretrained) or lm_architecture(cfg)
        model = _random_lm(config, device, dtype)
    else:
        source = resolve_source(cfg.pretrained, "model.lm.pretrained")
        model = load_pretrained(AutoModelForCausalLM, source, dtype, "the language model")
        model = model.to(device)
    model.requires_grad_(False)
    return model
