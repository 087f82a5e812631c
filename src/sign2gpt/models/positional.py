"""Position information without parameters: sinusoidal encodings and rotary embeddings.

Shared by the sign encoder (sinusoidal PE at its input, rotary q/k in every block) and the
bridge (sinusoidal PE before the Linear to the LM). Tables are computed on the fly in float32
from integer positions, so they have no length limit, add no state-dict keys, build on the meta
device, and stay exact at long lengths (the authors' rotary table was computed in the input
dtype, which in bf16 cannot even represent positions above 256 exactly).
"""

from __future__ import annotations

import math

import torch
from torch import nn


def sinusoidal_table(
    length: int,
    dim: int,
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
    base: float = 10000.0,
) -> torch.Tensor:
    """(length, dim) table of Vaswani et al., sin on even and cos on odd channels.

    pe[p, 2i] = sin(p / base^(2i / dim)), pe[p, 2i + 1] = cos(p / base^(2i / dim)).
    """
    pos = torch.arange(length, device=device, dtype=torch.float32)[:, None]  # (T, 1)
    channel = torch.arange(dim, device=device)  # (D,)
    freq = torch.exp(-math.log(base) * (2 * (channel // 2)).float() / dim)  # (D,)
    angle = pos * freq  # (T, D)
    table = torch.where(channel % 2 == 0, torch.sin(angle), torch.cos(angle))
    return table.to(dtype)


class SinusoidalPositionalEncoding(nn.Module):
    """x + pe[:T]; positions count from 0 at every sequence's first frame."""

    def __init__(self, dim: int, base: float = 10000.0) -> None:
        super().__init__()
        self.dim = dim
        self.base = base

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (B, T, D)
        if x.shape[-1] != self.dim:
            raise ValueError(f"expected {self.dim} channels, got {x.shape[-1]}")
        pe = sinusoidal_table(x.shape[-2], self.dim, device=x.device, base=self.base)  # (T, D)
        return x + pe.to(x.dtype)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


def rotary_cos_sin(
    length: int,
    head_dim: int,
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
    base: float = 10000.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin tables (length, head_dim) of rotary embeddings, GPT-NeoX half-split layout."""
    if head_dim % 2:
        raise ValueError(f"rotary embeddings need an even head size, got {head_dim}")
    inv_freq = 1.0 / (
        base ** (torch.arange(0, head_dim, 2, device=device, dtype=torch.float32) / head_dim)
    )  # (hd/2,)
    t = torch.arange(length, device=device, dtype=torch.float32)  # (T,)
    freqs = torch.outer(t, inv_freq)  # (T, hd/2)
    emb = torch.cat((freqs, freqs), dim=-1)  # (T, hd)
    return emb.cos().to(dtype), emb.sin().to(dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate x (..., T, hd) by position: x * cos + rotate_half(x) * sin."""
    return x * cos + rotate_half(x) * sin


class RotaryEmbedding(nn.Module):
    """Rotary position embedding of q and k (B, H, T, hd); no parameters, no buffers."""

    def __init__(self, head_dim: int, base: float = 10000.0) -> None:
        super().__init__()
        if head_dim % 2:
            raise ValueError(f"rotary embeddings need an even head size, got {head_dim}")
        self.head_dim = head_dim
        self.base = base

    def forward(self, q: torch.Tensor, k: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        cos, sin = rotary_cos_sin(
            k.shape[-2], self.head_dim, device=k.device, dtype=q.dtype, base=self.base
        )  # (T, hd)
        return apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)

    def extra_repr(self) -> str:
        return f"head_dim={self.head_dim}"
