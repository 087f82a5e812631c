"""The frozen language model with a zero-gated sign branch and LoRA in every layer
(docs/method.md#44-language-model-and-gated-fusion).

Per decoder layer, on top of the frozen self-attention:

- LoRA (rank 4) on the q, k, v and output projections of the self-attention;
- a parallel sign branch inside the attention: the sign memory is normalised by the layer's
  frozen pre-attention norm and projected by the layer's frozen k and v projections plus their
  own rank-4 "adapter" LoRAs; queries come from the text stream (frozen q + adapter LoRA); no
  causal mask over the sign positions, sign padding masked. Per head a gate g (init 0, clamped
  to [0, 1] with a straight-through gradient):
  ``GatedAttention(Q, K, V) = (g * softmax(Q K^T / sqrt(d_k))) V``, added to the self-attention
  heads before the output projection.

Where the sign memory enters, as data flow (the torchtune ``FusionLayer`` idea: an explicit
wrapper that keeps the stock state-dict keys)::

    decoder layer i (stock):  h = norm_i(x)  ->  self_attn(h)  ->  + x  -> ...
                                                     |
    self_attn = GatedSignAttention(stock attention, adapter i):
        text = stock_attention(h)                        # (B, T, d), its q/k/v/o carry LoRA
        q    = W_q h + b_q + LoRA_sign_q(h)              # (B, T, H hd)   the text queries
        k, v = W_k n + b_k + LoRA_sign_k(n), ... on n = norm_i(sign memory)  # (B, Hkv, S, hd)
        s    = gate * softmax(q k^T / sqrt(hd)) v         # (B, T, H hd)
        return text + W_o s + LoRA_o(s)                  # = o_proj(heads + s) + LoRA_o(...)

The sign memory reaches every ``GatedSignAttention`` as the keyword argument ``sign_context``
(transformers >= 5 passes ``**kwargs`` from the ``*ForCausalLM`` down to every attention module,
also inside activation checkpointing); ``generate`` cannot carry extra keywords, so during
:meth:`GatedLM.generate` one forward pre-hook on the LM adds it to every step. The LoRAs of the
self-attention's q, k, v, o are forward hooks on those Linear layers
(:meth:`sign2gpt.models.lora.LoRA.attach`); each only adds to its own layer's output. The sign
branch calls the frozen k and v weights directly (``F.linear``), so the self-attention LoRA
never touches the sign memory.

No frozen matrix is read twice per step (decoding reads every weight once per token, so a second
read costs time one for one; benchmarks/full_size.py measures it): the q projection's hook keeps
its frozen output ``W_q h + b_q`` (before the LoRA is added) for the sign queries, and the sign
heads are added to the input of the output projection (a forward pre-hook), which is the same
sum as above: ``o_proj(heads + s) + LoRA_o(heads + s) = text + W_o s + LoRA_o(s)``.

Every trainable tensor lives in :attr:`GatedLM.adapters` (one :class:`GatedLayerAdapter` per
layer, keys ``adapters.<i>.…``); the Hugging Face model keeps its classes and stock state-dict
keys, so a stock checkpoint loads with strict key checking.

Generation. :meth:`GatedLM.generate` runs Hugging Face beam search on the frozen model. The sign
keys/values are computed once per layer on the first step and kept in the
:class:`SignContext` (expanded to the beams; every beam of a clip shares them, so the beam
reordering of the cache never needs to touch them); the self-attention cache only ever holds
the text tokens. This avoids the trap of passing ``encoder_hidden_states`` to XGLM, whose
cross-attention cache shares the self-attention one.

Other decoder-only models (docs/method.md#47-other-language-models): :data:`LAYOUTS` names the
attribute paths per ``model_type``: XGLM and the Llama layout of Llama 3.x, Qwen2.5, Qwen3,
Mistral, Gemma 2 and Gemma 3. The sign branch mirrors each family's own attention: grouped-query
attention (the sign keys/values have the layer's key-value heads), the per-head q/k RMSNorm of
Qwen3 and Gemma 3 (applied to the text queries and the sign keys), the layer's own score scale
(Gemma's ``query_pre_attn_scalar``) and Gemma 2's tanh soft-cap of the scores. The sign memory
gets no rotary embedding: its positions come from the bridge, as the paper's XGLM branch.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
import transformers
from torch import nn
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    GenerationConfig,
    PretrainedConfig,
    PreTrainedModel,
    XGLMConfig,
)

from sign2gpt.config import ConfigError, LMConfig
from sign2gpt.errors import CheckpointError
from sign2gpt.models.lora import LoRA
from sign2gpt.models.pretrained import (
    enable_activation_checkpointing,
    load_pretrained,
    resolve_source,
    seeded_init,
)
from sign2gpt.text.tokenizer import IGNORE_INDEX

log = logging.getLogger(__name__)

SIGN_CONTEXT_KWARG = "sign_context"
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
LORA_TARGETS = ("q", "k", "v", "o")


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


def _float_or_none(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def _attr_path(obj: Any, dotted: str) -> Any:
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


def _random_lm(config: PretrainedConfig, device: torch.device, dtype: torch.dtype) -> Any:
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


# --------------------------------------------------------------------------------------------
# the sign branch


def clamp_ste(x: torch.Tensor, low: float = 0.0, high: float = 1.0) -> torch.Tensor:
    """``x.clamp(low, high)`` forward, identity gradient backward (straight-through)."""
    return x + (x.clamp(low, high) - x).detach()


@dataclass
class SignContext:
    """The sign memory of one forward call or one ``generate`` call.

    ``expand`` > 1 repeats every clip for that many beams (``repeat_interleave``, the order
    ``generate`` uses). With ``cache`` on, each layer's sign keys/values are computed on its first
    call and reused at every later decoding step; off, they are recomputed each call (training,
    where every layer runs once per forward and activation checkpointing replays it).
    """

    memory: torch.Tensor  # (B, S, d_lm)
    mask: torch.Tensor  # (B, S) bool, True = valid sign position
    expand: int = 1
    cache: bool = False
    kv: dict[int, tuple[torch.Tensor, torch.Tensor]] = field(default_factory=dict)
    attn_mask: torch.Tensor = field(init=False)  # (B * expand, 1, 1, S) bool
    has_memory: torch.Tensor = field(init=False)  # (B * expand, 1, 1, 1) bool
    # every clip has a valid position (the usual case): no per-layer zeroing needed
    all_have_memory: bool = field(init=False)
    _cast: dict[torch.dtype, torch.Tensor] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        if self.memory.ndim != 3:
            raise ValueError(f"sign memory must be (B, S, d), got {tuple(self.memory.shape)}")
        if self.mask.shape != self.memory.shape[:2]:
            raise ValueError(
                f"sign mask {tuple(self.mask.shape)} does not match memory "
                f"{tuple(self.memory.shape)}"
            )
        mask = self.mask.bool()
        any_valid = mask.any(dim=1)  # (B,)
        # A clip without a valid position attends to its padding (no NaN) and is then zeroed.
        mask = mask | ~any_valid[:, None]
        if self.expand > 1:
            mask = mask.repeat_interleave(self.expand, dim=0)
            any_valid = any_valid.repeat_interleave(self.expand, dim=0)
        self.attn_mask = mask[:, None, None, :]
        self.has_memory = any_valid[:, None, None, None]
        self.all_have_memory = bool(any_valid.all())

    def memory_as(self, dtype: torch.dtype) -> torch.Tensor:
        """The memory (B, S, d) in ``dtype``, cast once for all layers."""
        if dtype not in self._cast:
            self._cast[dtype] = self.memory.to(dtype)
        return self._cast[dtype]

    @property
    def batch_size(self) -> int:
        return self.memory.shape[0] * self.expand


@dataclass
class _SignPass:
    """One attention call with the sign branch on: its input and, once the q projection has
    run on that input, the frozen queries ``W_q h + b_q`` (without LoRA)."""

    x: torch.Tensor  # (B, T, d) the attention's input (normalised text stream)
    ctx: SignContext
    q: torch.Tensor | None = None  # (B, T, H * hd)


@dataclass
class _FrozenParts:
    """The host layer's frozen modules a :class:`GatedLayerAdapter` reads (not owned by it)."""

    norm: nn.Module
    q: nn.Linear
    k: nn.Linear
    v: nn.Linear
    o: nn.Linear
    q_norm: nn.Module | None = None  # per-head RMSNorm (Qwen3, Gemma 3)
    k_norm: nn.Module | None = None
    scale: float | None = None  # score scale; None = 1 / sqrt(head_dim)
    softcap: float | None = None  # Gemma 2: scores -> softcap * tanh(scores / softcap)


class GatedLayerAdapter(nn.Module):
    """The trainable parts of one decoder layer: self-attention LoRA, sign adapters, gates."""

    def __init__(
        self,
        index: int,
        parts: _FrozenParts,
        cfg: LMConfig,
        num_heads: int,
        num_kv_heads: int,
        head_dim: int,
        attention_dropout: float,
        device: torch.device | None = None,
    ) -> None:
        super().__init__()
        unknown = sorted(set(cfg.self_attn_lora_targets) - set(LORA_TARGETS))
        if unknown:
            raise ConfigError(f"lm.self_attn_lora_targets: unknown {unknown} (known: q, k, v, o)")
        self.index = index
        self.num_heads = num_heads
        self.num_kv_heads = num_kv_heads
        self.head_dim = head_dim
        self.attention_dropout = attention_dropout
        linears = {"q": parts.q, "k": parts.k, "v": parts.v, "o": parts.o}
        self.lora = nn.ModuleDict(
            {
                t: LoRA(linears[t].in_features, linears[t].out_features, cfg.self_attn_lora, device)
                for t in LORA_TARGETS
                if t in cfg.self_attn_lora_targets
            }
        )
        self.sign = nn.ModuleDict(
            {
                t: LoRA(linears[t].in_features, linears[t].out_features, cfg.adapter_lora, device)
                for t in ("q", "k", "v")
            }
        )
        self.gate = nn.Parameter(torch.full((num_heads,), float(cfg.gate_init), device=device))
        # A plain attribute (not submodules): the frozen parts belong to the LM's state dict.
        self._parts = parts
        self._pass: _SignPass | None = None

    def attach_lora(self) -> list[Any]:
        """Add the self-attention LoRAs to the frozen q, k, v, o (forward hooks) and the sign
        branch's taps on q (its frozen output) and o (the sign heads join its input); handles."""
        p = self._parts
        handles = [p.q.register_forward_hook(self._q_hook)]
        handles += [getattr(p, t).register_forward_hook(self._lora_hook(t)) for t in ("k", "v")]
        handles.append(p.o.register_forward_pre_hook(self._o_pre_hook))
        handles.append(p.o.register_forward_hook(self._lora_hook("o")))
        return handles

    def _lora_hook(self, target: str) -> Callable[..., Any]:
        # A partial of a bound method (not a closure) so deepcopy follows the module.
        return functools.partial(self._add_lora, target)

    def _add_lora(
        self, target: str, module: nn.Module, args: tuple[torch.Tensor, ...], out: torch.Tensor
    ) -> torch.Tensor:
        if target not in self.lora:
            return out
        return self.lora[target](args[0], base=out)

    def _q_hook(
        self, module: nn.Module, args: tuple[torch.Tensor, ...], out: torch.Tensor
    ) -> torch.Tensor:
        # out: (B, T, H * hd) = W_q h + b_q, before any LoRA: the sign queries start from it
        if self._pass is not None and args[0] is self._pass.x:
            self._pass.q = out
        return self._add_lora("q", module, args, out)

    def _o_pre_hook(
        self, module: nn.Module, args: tuple[torch.Tensor, ...]
    ) -> tuple[torch.Tensor, ...] | None:
        # args[0]: (B, T, H * hd) the self-attention heads; the sign heads are added to them
        sign = self._pass
        if sign is None:
            return None
        self._pass = None  # one output projection per attention call
        heads = self.sign_attention(sign.x, sign.ctx, q=sign.q)  # (B, T, H * hd)
        return (args[0] + heads.to(args[0].dtype), *args[1:])

    @contextlib.contextmanager
    def sign_pass(self, x: torch.Tensor, ctx: SignContext) -> Iterator[None]:
        """Within: the attention call on ``x`` (B, T, d) gets the sign branch of ``ctx``."""
        self._pass = _SignPass(x, ctx)
        try:
            yield
            if self._pass is not None:
                raise RuntimeError(
                    f"layer {self.index}: the attention never called its output projection, so "
                    "the sign branch had nowhere to join (check LAYOUTS)"
                )
        finally:
            self._pass = None

    def sign_keys_values(self, ctx: SignContext) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys and values of the sign memory, (B * expand, H_kv, S, hd) each."""
        cached = ctx.kv.get(self.index) if ctx.cache else None
        if cached is not None:
            return cached
        p = self._parts
        weight = p.k.weight
        memory = ctx.memory_as(weight.dtype)  # (B, S, d)
        B, S, _ = memory.shape
        h = p.norm(memory)  # the layer's frozen pre-attention norm
        # The frozen projections are applied directly: their LoRA hooks are for the text stream.
        k = self.sign["k"](h, base=F.linear(h, p.k.weight, p.k.bias))  # (B, S, kv)
        v = self.sign["v"](h, base=F.linear(h, p.v.weight, p.v.bias))
        k = k.view(B, S, self.num_kv_heads, self.head_dim)  # (B, S, Hkv, hd)
        if p.k_norm is not None:
            k = p.k_norm(k)
        k = k.transpose(1, 2)  # (B, Hkv, S, hd)
        v = v.view(B, S, self.num_kv_heads, self.head_dim).transpose(1, 2)
        if ctx.expand > 1:
            k = k.repeat_interleave(ctx.expand, dim=0)  # (B * beams, Hkv, S, hd)
            v = v.repeat_interleave(ctx.expand, dim=0)
        if ctx.cache:
            ctx.kv[self.index] = (k, v)
        return k, v

    def sign_attention(
        self, x: torch.Tensor, ctx: SignContext, q: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Gated attention of the text stream over the sign memory, per head before the output
        projection: (B, T, H * hd). ``x``: (B, T, d) the normalised text stream (the attention's
        input); ``q``: its frozen queries ``W_q x + b_q`` when already computed."""
        B, T, _ = x.shape
        if ctx.batch_size != B:
            raise ValueError(f"sign memory batch {ctx.batch_size} does not match text batch {B}")
        p = self._parts
        k, v = self.sign_keys_values(ctx)
        if q is None:
            q = F.linear(x, p.q.weight, p.q.bias)  # (B, T, H * hd) frozen q, without its LoRA
        q = self.sign["q"](x, base=q)
        q = q.view(B, T, self.num_heads, self.head_dim)  # (B, T, H, hd)
        if p.q_norm is not None:
            q = p.q_norm(q)
        q = q.transpose(1, 2)  # (B, H, T, hd)
        if self.num_kv_heads != self.num_heads:  # grouped-query attention
            k = k.repeat_interleave(self.num_heads // self.num_kv_heads, dim=1)
            v = v.repeat_interleave(self.num_heads // self.num_kv_heads, dim=1)
        dropout = self.attention_dropout if self.training else 0.0
        if p.softcap is None:
            out = F.scaled_dot_product_attention(
                q,
                k.to(q.dtype),
                v.to(q.dtype),
                attn_mask=ctx.attn_mask,  # (B, 1, 1, S): padding masked, no causal mask
                dropout_p=dropout,
                scale=p.scale,
            )  # (B, H, T, hd) = softmax(Q K^T * scale) V
        else:
            out = _softcapped_attention(q, k, v, ctx.attn_mask, p.scale, p.softcap, dropout)
        # the straight-through clamp only matters when a gradient is taken
        gate = clamp_ste(self.gate) if torch.is_grad_enabled() else self.gate.clamp(0.0, 1.0)
        gate = gate.to(out.dtype).view(1, self.num_heads, 1, 1)
        if not ctx.all_have_memory:  # a clip without sign positions contributes 0
            gate = gate * ctx.has_memory.to(out.dtype)  # (B, H, 1, 1)
        out = out * gate  # (g * softmax) V = g * (softmax V)
        return out.transpose(1, 2).reshape(B, T, self.num_heads * self.head_dim)

    def extra_repr(self) -> str:
        return f"layer={self.index}, heads={self.num_heads}"


def _softcapped_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor,
    scale: float | None,
    softcap: float,
    dropout: float,
) -> torch.Tensor:
    """Gemma 2's attention: scores capped by ``softcap * tanh(s / softcap)`` before the
    softmax (scaled_dot_product_attention has no cap). q (B, H, T, hd), k / v (B, H, S, hd),
    mask (B, 1, 1, S) bool; returns (B, H, T, hd)."""
    scale = q.shape[-1] ** -0.5 if scale is None else scale
    scores = torch.matmul(q, k.to(q.dtype).transpose(-1, -2)) * scale  # (B, H, T, S)
    scores = torch.tanh(scores / softcap) * softcap
    scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    weights = torch.softmax(scores.float(), dim=-1).to(q.dtype)
    weights = F.dropout(weights, p=dropout, training=dropout > 0)
    return torch.matmul(weights, v.to(q.dtype))


class GatedSignAttention(nn.Module):
    """A decoder layer's self-attention with its gated sign branch beside it.

    Replaces the stock attention module on the layer and calls it unchanged; the state-dict
    keys of the stock module are kept (no ``attention.`` in them), so the LM's state dict is the
    stock one. The adapter is held as a plain attribute: its parameters belong to
    :attr:`GatedLM.adapters`."""

    def __init__(self, attention: nn.Module, adapter: GatedLayerAdapter) -> None:
        super().__init__()
        self.attention = attention
        # not registered as a submodule: its parameters are GatedLM.adapters' (keys adapters.i.)
        object.__setattr__(self, "_adapter", adapter)
        self.register_state_dict_post_hook(_drop_wrapper_prefix)
        self.register_load_state_dict_pre_hook(_add_wrapper_prefix)

    def __getattr__(self, name: str) -> Any:
        # The stock module's attributes (layer_idx, head_dim, config ...), for code that reads
        # them off the layer's attention.
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(super().__getattr__("attention"), name)

    def forward(self, hidden_states: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        # hidden_states: (B, T, d) the layer input after its pre-attention norm
        ctx: SignContext | None = kwargs.pop(SIGN_CONTEXT_KWARG, None)
        if ctx is None:
            return self.attention(hidden_states, *args, **kwargs)
        # the sign heads join the self-attention heads at the output projection's input
        with self._adapter.sign_pass(hidden_states, ctx):
            return self.attention(hidden_states, *args, **kwargs)  # (text (B, T, d), weights)


_WRAPPED = "attention."


def _drop_wrapper_prefix(
    module: nn.Module, state_dict: dict[str, Any], prefix: str, local_metadata: Any
) -> None:
    for key in [k for k in state_dict if k.startswith(prefix + _WRAPPED)]:
        state_dict[prefix + key[len(prefix + _WRAPPED) :]] = state_dict.pop(key)


def _add_wrapper_prefix(
    module: nn.Module, state_dict: dict[str, Any], prefix: str, *args: Any
) -> None:
    for key in [k for k in state_dict if k.startswith(prefix)]:
        state_dict[prefix + _WRAPPED + key[len(prefix) :]] = state_dict.pop(key)


# --------------------------------------------------------------------------------------------
# the gated LM


@dataclass
class GatedLMOutput:
    loss: torch.Tensor | None  # () mean cross-entropy over labelled positions
    logits: torch.Tensor  # (B, T, vocab)


def _inject_sign_context(
    ctx: SignContext, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    kwargs[SIGN_CONTEXT_KWARG] = ctx
    return args, kwargs


class GatedLM(nn.Module):
    """A frozen causal LM (``self.lm``, stock keys) + per-layer trainable parts (``adapters``)."""

    def __init__(self, lm: PreTrainedModel, cfg: LMConfig) -> None:
        super().__init__()
        if int(transformers.__version__.split(".")[0]) < 5:
            raise ConfigError(
                f"the gated LM needs transformers >= 5 (installed {transformers.__version__}): "
                "it relies on keyword arguments reaching every attention module"
            )
        self.cfg = cfg
        self.layout = layout_of(lm)
        self.lm = lm
        self.lm.requires_grad_(False)
        config = lm.config
        layers = _attr_path(lm, self.layout.layers)
        first = getattr(layers[0], self.layout.attention)
        q_proj = getattr(first, self.layout.q)
        k_proj = getattr(first, self.layout.k)
        num_heads = int(getattr(config, "num_attention_heads", 0) or config.attention_heads)
        head_dim = q_proj.out_features // num_heads
        num_kv_heads = k_proj.out_features // head_dim
        if num_heads % num_kv_heads:
            raise ConfigError(f"{num_heads} query heads cannot share {num_kv_heads} key heads")
        self.d_model = q_proj.in_features
        device = q_proj.weight.device
        dropout = float(getattr(config, "attention_dropout", 0.0) or 0.0)

        self.adapters = nn.ModuleList()
        self._handles: list[Any] = []
        for i, layer in enumerate(layers):
            attention = getattr(layer, self.layout.attention)
            parts = _FrozenParts(
                norm=getattr(layer, self.layout.norm),
                q=getattr(attention, self.layout.q),
                k=getattr(attention, self.layout.k),
                v=getattr(attention, self.layout.v),
                o=getattr(attention, self.layout.o),
                q_norm=getattr(attention, self.layout.q_norm) if self.layout.q_norm else None,
                k_norm=getattr(attention, self.layout.k_norm) if self.layout.k_norm else None,
                # the stock attention's own scale (XGLM multiplies its queries by it instead)
                scale=_float_or_none(getattr(attention, "scaling", None)),
                softcap=_float_or_none(getattr(attention, "attn_logit_softcapping", None)),
            )
            adapter = GatedLayerAdapter(
                i, parts, cfg, num_heads, num_kv_heads, head_dim, dropout, device=device
            )
            self._handles += adapter.attach_lora()
            self.adapters.append(adapter)
            setattr(layer, self.layout.attention, GatedSignAttention(attention, adapter))
        if cfg.gradient_checkpointing:
            self.enable_gradient_checkpointing()

    @property
    def config(self) -> PretrainedConfig:
        return self.lm.config

    @torch.no_grad()
    def gate_values(self) -> torch.Tensor:
        """(layers, heads) float32: every gate as the branch uses it (clamped to [0, 1])."""
        return torch.stack([a.gate.detach().float().clamp(0.0, 1.0) for a in self.adapters])

    def tapped_linears(self) -> list[nn.Linear]:
        """The frozen Linears the LoRA and the sign branch hook into: q, k, v, o per layer."""
        return [
            linear
            for adapter in self.adapters
            for linear in (adapter._parts.q, adapter._parts.k, adapter._parts.v, adapter._parts.o)
        ]

    def enable_gradient_checkpointing(self) -> None:
        """Recompute each decoder layer in the backward pass."""
        enable_activation_checkpointing(self.lm)

    def sign_context(
        self,
        sign_memory: torch.Tensor,
        sign_mask: torch.Tensor | None = None,
        expand: int = 1,
        cache: bool = False,
    ) -> SignContext:
        # sign_memory: (B, S, d_lm); sign_mask: (B, S), True/1 = valid (None: all valid)
        if sign_memory.shape[-1] != self.d_model:
            raise ValueError(
                f"sign memory has {sign_memory.shape[-1]} channels, the LM {self.d_model}"
            )
        if sign_mask is None:
            sign_mask = torch.ones(
                sign_memory.shape[:2], dtype=torch.bool, device=sign_memory.device
            )
        return SignContext(sign_memory, sign_mask.bool(), expand=expand, cache=cache)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        sign_memory: torch.Tensor | None = None,
        sign_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        label_smoothing: float = 0.0,
    ) -> GatedLMOutput:
        """Teacher-forced logits (B, T, vocab) and, with ``labels``, the mean cross-entropy.

        ``labels`` are ALREADY aligned with the logits (``labels[:, t]`` is the target of position
        t, i.e. the input shifted by one; -100 = ignored), as :func:`encode_texts` makes them.
        Without ``sign_memory`` this is the LM with its self-attention LoRA only.
        """
        kwargs: dict[str, Any] = {}
        if sign_memory is not None:
            kwargs[SIGN_CONTEXT_KWARG] = self.sign_context(sign_memory, sign_mask)
        out = self.lm(input_ids=input_ids, attention_mask=attention_mask, use_cache=False, **kwargs)
        logits = out.logits  # (B, T, V)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(
                logits.float().reshape(-1, logits.shape[-1]),
                labels.reshape(-1),
                ignore_index=IGNORE_INDEX,
                label_smoothing=label_smoothing,
            )
        return GatedLMOutput(loss=loss, logits=logits)

    def special_ids(self) -> tuple[int, int, int]:
        """(start, eos, pad) token ids from the LM config (XGLM: 2, 2, 1), for a model without
        a tokenizer; :func:`sign2gpt.text.tokenizer.text_format` is what the recipes use."""
        config = self.lm.config
        eos = config.eos_token_id
        eos = eos[0] if isinstance(eos, (list, tuple)) else eos
        start = getattr(config, "decoder_start_token_id", None)
        if start is None:
            start = config.bos_token_id if config.bos_token_id is not None else eos
        pad = config.pad_token_id if config.pad_token_id is not None else eos
        if eos is None or start is None:
            raise ConfigError(
                f"the {config.model_type} config names no end-of-sequence token: give the LM a "
                "tokenizer (or eos_token_id)"
            )
        return int(start), int(eos), int(pad)

    @torch.no_grad()
    def generate(
        self,
        sign_memory: torch.Tensor,
        sign_mask: torch.Tensor | None = None,
        num_beams: int = 4,
        max_new_tokens: int = 64,
        length_penalty: float = 1.0,
        use_cache: bool = True,
        start_token_id: int | None = None,
        eos_token_id: int | None = None,
        pad_token_id: int | None = None,
        prefix_ids: Sequence[int] | None = None,
    ) -> torch.LongTensor:
        """Beam search (greedy for ``num_beams=1``) from the start token (or from ``prefix_ids``:
        the start token and a prompt, the same for every clip), conditioned on the sign memory;
        returns the generated ids (B, L) without the prefix, padded with ``pad_token_id`` after
        each sequence's end token."""
        given = (start_token_id if not prefix_ids else 0, eos_token_id, pad_token_id)
        if any(x is None for x in given):
            defaults = self.special_ids()
            given = tuple(d if x is None else x for x, d in zip(given, defaults))
        start, eos, pad = given
        prefix = list(prefix_ids) if prefix_ids else [start]
        B = sign_memory.shape[0]
        ctx = self.sign_context(sign_memory, sign_mask, expand=num_beams, cache=use_cache)
        input_ids = torch.tensor([prefix], dtype=torch.long, device=sign_memory.device)
        input_ids = input_ids.expand(B, -1).contiguous()  # (B, P)
        generation = GenerationConfig(
            num_beams=num_beams,
            num_return_sequences=1,
            max_new_tokens=max_new_tokens,
            min_new_tokens=0,
            do_sample=False,
            length_penalty=length_penalty,
            early_stopping=False,
            no_repeat_ngram_size=0,
            repetition_penalty=1.0,
            use_cache=use_cache,
            bos_token_id=prefix[0],
            decoder_start_token_id=prefix[0],
            eos_token_id=eos,
            pad_token_id=pad,
        )
        # `generate` passes no extra keyword to the model: this hook adds the sign memory to
        # every step's forward call.
        hook: Callable[..., Any] = functools.partial(_inject_sign_context, ctx)
        handle = self.lm.register_forward_pre_hook(hook, with_kwargs=True)
        try:
            out = self.lm.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                generation_config=generation,
            )
        finally:
            handle.remove()
        return out[:, len(prefix) :]
