"""The gated sign branch of one decoder layer (docs/method.md#44-language-model-and-gated-fusion).

Per layer, on top of the frozen self-attention:

- LoRA on the q, k, v and output projections of the self-attention (forward hooks on those
  Linears, :meth:`sign2gpt.models.lora.LoRA.attach`: each only adds to its own layer's output);
- a parallel sign branch: the sign memory is normalised by the layer's frozen pre-attention norm
  and projected by the layer's frozen k and v projections plus their own "adapter" LoRAs; queries
  come from the text stream (frozen q + adapter LoRA); no causal mask over the sign positions,
  sign padding masked. Per head a gate g (init 0, clamped to [0, 1] with a straight-through
  gradient): ``s = (g * softmax(Q K^T / sqrt(d_k))) V``, the sign heads (B, T, H * hd).

``GatedSignAttention`` (:mod:`sign2gpt.models.lm.fusion`) replaces the layer's attention module
(the torchtune ``FusionLayer`` idea: an explicit wrapper that keeps the stock state-dict keys)
and says where the sign heads join::

    text = stock_attention(h)            # (B, T, d), its q/k/v/o carry the self-attention LoRA
    s    = adapter.sign_heads(h, memory) # (B, T, H hd)
    out  = text + W_o s + LoRA_o(s)      # = o_proj(heads + s) + LoRA_o(heads + s)

The frozen projections of the sign branch never carry the self-attention LoRA (it is for the
text stream): :func:`project` applies the Linear's own weight, not its hooks. The opt-in fast path
(``model.lm.fused_sign_path``, :mod:`sign2gpt.models.lm.fusion`) computes the same sum without
reading W_q and W_o a second time per step.

The branch mirrors each family's attention: grouped-query attention (the sign keys/values have
the layer's key-value heads), the per-head q/k RMSNorm of Qwen3 and Gemma 3 (on the text queries
and the sign keys), the layer's own score scale (Gemma's ``query_pre_attn_scalar``) and Gemma 2's
tanh soft-cap of the scores. The sign memory gets no rotary embedding: its positions come from
the bridge, as in the paper's XGLM branch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.hooks import RemovableHandle

from sign2gpt.config import ConfigError, LMConfig
from sign2gpt.models.lora import LoRA

SIGN_CONTEXT_KWARG = "sign_context"
LORA_TARGETS = ("q", "k", "v", "o")


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


@runtime_checkable
class QuantizedProjection(Protocol):
    """A frozen projection that is not an ``nn.Linear`` (models/quantize.py's ``Int8Linear``):
    what the sign branch needs of it."""

    bias: torch.Tensor | None  # (out,)

    def matmul(self, x: torch.Tensor) -> torch.Tensor:
        """``x W^T`` without the bias: (..., in) -> (..., out)."""
        ...


def project(linear: nn.Module, x: torch.Tensor, bias: bool = True) -> torch.Tensor:
    """The frozen map ``W x (+ b)`` of a projection (an ``nn.Linear`` or a
    :class:`QuantizedProjection`), without the LoRA its forward hooks add.
    x (..., in) -> (..., out)."""
    if isinstance(linear, nn.Linear):
        return F.linear(x, linear.weight, linear.bias if bias else None)
    if not isinstance(linear, QuantizedProjection):
        raise TypeError(f"{type(linear).__name__} is not a projection the sign branch can read")
    out = linear.matmul(x)
    return out + linear.bias if bias and linear.bias is not None else out


@dataclass
class FrozenAttentionParts:
    """The host layer's frozen modules a :class:`GatedLayerAdapter` reads (not owned by it)."""

    norm: nn.Module
    # nn.Linear, or a QuantizedProjection once quantised
    q: nn.Module
    k: nn.Module
    v: nn.Module
    o: nn.Module
    dtype: torch.dtype  # the LM's
    q_norm: nn.Module | None = None  # per-head RMSNorm (Qwen3, Gemma 3)
    k_norm: nn.Module | None = None
    scale: float | None = None  # score scale; None = 1 / sqrt(head_dim)
    softcap: float | None = None  # Gemma 2: scores -> softcap * tanh(scores / softcap)

    def projection(self, target: str) -> nn.Module:
        return {"q": self.q, "k": self.k, "v": self.v, "o": self.o}[target]


class GatedLayerAdapter(nn.Module):
    """The trainable parts of one decoder layer: self-attention LoRA, sign adapters, gates.

    Keys: ``lora.<q|k|v|o>.*`` (the self-attention LoRA), ``sign.<q|k|v>.*`` (the adapter LoRAs
    of the sign branch), ``gate`` (H,)."""

    def __init__(
        self,
        index: int,
        parts: FrozenAttentionParts,
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

        def sizes(t: str) -> tuple[int, int]:
            linear = parts.projection(t)
            assert isinstance(linear, nn.Linear)  # a fresh LM: quantising comes later
            return linear.in_features, linear.out_features

        self.lora = nn.ModuleDict(
            {
                t: LoRA(*sizes(t), cfg.self_attn_lora, device)
                for t in LORA_TARGETS
                if t in cfg.self_attn_lora_targets
            }
        )
        self.sign = nn.ModuleDict(
            {t: LoRA(*sizes(t), cfg.adapter_lora, device) for t in ("q", "k", "v")}
        )
        self.gate = nn.Parameter(torch.full((num_heads,), float(cfg.gate_init), device=device))
        # A plain attribute (not submodules): the frozen parts belong to the LM's state dict.
        self._parts = parts
        # True once the self-attention LoRA is added into the frozen weights (merge_lora)
        self.merged = False

    @property
    def parts(self) -> FrozenAttentionParts:
        return self._parts

    def bind(self, parts: FrozenAttentionParts) -> list[RemovableHandle]:
        """Read the frozen layer through ``parts`` from now on and hook the self-attention LoRA
        onto its projections (none once merged); the hooks' handles."""
        self._parts = parts
        if self.merged:
            return []
        return [lora.attach(parts.projection(t)) for t, lora in self.lora.items()]

    @torch.no_grad()
    def merge_lora(self) -> None:
        """Add the self-attention LoRA into the frozen q, k, v, o weights (inference only: the
        LoRA stops training). Call :meth:`bind` again to drop its hooks.

        The sign branch needs the UNmerged W_q, W_k, W_v (the self-attention LoRA is not part
        of its queries, keys and values): :meth:`frozen` takes the LoRA back off, a rank-r
        product (W' x - dW x = W x). For the output projection the merged weight is exactly
        what the sign heads need (W' s = W_o s + LoRA_o(s))."""
        if self.merged:
            return
        for target, lora in self.lora.items():
            linear = self._parts.projection(target)
            if not isinstance(linear, nn.Linear):
                raise TypeError(f"layer {self.index}: merge the LoRA before quantising {target}")
            delta = (lora.lora_B.float() @ lora.lora_A.float()) * lora.scaling  # (out, in)
            linear.weight.add_(delta.to(linear.weight.dtype))
        self.lora.requires_grad_(False)
        self.merged = True

    def frozen(self, target: str, x: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        """The frozen projection ``W x + b`` of q, k or v, without the self-attention LoRA;
        ``out``: that projection's output on ``x`` when already computed (the fast path's q)."""
        if out is None:
            out = project(self._parts.projection(target), x)
        if self.merged and target in self.lora:
            out = out - self.lora[target](x)  # W' x - dW x = W x
        return out

    def sign_keys_values(self, ctx: SignContext) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys and values of the sign memory, (B * expand, H_kv, S, hd) each."""
        cached = ctx.kv.get(self.index) if ctx.cache else None
        if cached is not None:
            return cached
        p = self._parts
        memory = ctx.memory_as(p.dtype)  # (B, S, d)
        B, S, _ = memory.shape
        h = p.norm(memory)  # the layer's frozen pre-attention norm
        k = self.sign["k"](h, base=self.frozen("k", h))  # (B, S, kv)
        v = self.sign["v"](h, base=self.frozen("v", h))
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

    def sign_heads(
        self, x: torch.Tensor, ctx: SignContext, q: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The gated sign heads s (B, T, H * hd): attention of the text stream over the sign
        memory, per head before the output projection. ``x``: (B, T, d) the normalised text
        stream (the attention's input); ``q``: the q projection's own output on ``x`` (before
        its LoRA) when already computed."""
        B, T, _ = x.shape
        if ctx.batch_size != B:
            raise ValueError(f"sign memory batch {ctx.batch_size} does not match text batch {B}")
        p = self._parts
        k, v = self.sign_keys_values(ctx)
        q = self.sign["q"](x, base=self.frozen("q", x, out=q))  # (B, T, H * hd)
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

    def sign_output(self, s: torch.Tensor) -> torch.Tensor:
        """``W_o s + LoRA_o(s)``: the sign heads s (B, T, H * hd) through the output projection
        (no bias: the text's output already has it) -> (B, T, d)."""
        out = project(self._parts.o, s, bias=False)
        if "o" in self.lora and not self.merged:  # merged: W_o' s already holds LoRA_o(s)
            out = self.lora["o"](s, base=out)
        return out

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
