"""The sign encoder: a small temporal transformer over per-frame features
(docs/method.md#42-sign-encoder).

Z* (B, T, 512) + sinusoidal PE -> blocks 1-2 -> avg-pool /2 -> blocks 3-4 -> Z (B, ceil(T/2), 512).

Each block is post-LN with layer-scale on both branches (the authors' MetaFormer block with
``layer_norm_type="post"``): x = LN1(x + drop_path(ls1 * attn(x))); x = LN2(x + drop_path(ls2 *
mlp(x))). Attention is local (a frame sees frames within +-window//2) and masked by the key
padding, through PyTorch's scaled-dot-product attention with one boolean mask. Every frame may
always attend to itself (as in the authors' code), so no row is fully masked and padded
frames never produce NaN.

Temporal downsampling (after block 2) is a parameter-free average pool, kernel 3, stride 2,
padding 1, as in the authors' code (``avg_pool1d(x, 3, 2, 1)``, zero padding counted), with two
changes that make the result independent of how much a clip is padded in its batch:
- padded frames are zeroed before pooling, so the window that straddles a clip's last frame sees
  zeros, exactly like the zero padding at the end of an unpadded tensor;
- a pooled position is valid when its centre frame is valid (``mask[:, ::2]``), so a clip of L
  valid frames gives ceil(L / 2) valid positions, the length it gets alone. The authors' rule
  (valid when any frame of the window is valid) gives one more position, made of padding
  only, whenever a clip of even length is padded; for unpadded clips both rules agree, and so do
  the pooled values.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from sign2gpt.config import ConfigError, SignEncoderConfig
from sign2gpt.models.positional import RotaryEmbedding, SinusoidalPositionalEncoding


class DropPath(nn.Module):
    """Stochastic depth: drop the whole residual branch per sample, rescale the survivors."""

    def __init__(self, p: float = 0.0) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.p == 0.0 or not self.training:
            return x
        keep = 1.0 - self.p
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)  # (B, 1, 1)
        noise = x.new_empty(shape).bernoulli_(keep)
        return x * noise / keep

    def extra_repr(self) -> str:
        return f"p={self.p:.4f}"


def local_attention_mask(mask: torch.Tensor, window: int) -> torch.Tensor:
    """Boolean attention mask (B, 1, T, T), True = may attend.

    Key j is visible from query i when |i - j| <= window // 2 (window 0: any distance) and key j
    is a valid frame; the diagonal is always visible so that no row is empty.
    """
    B, T = mask.shape
    idx = torch.arange(T, device=mask.device)
    allowed = mask[:, None, None, :].expand(B, 1, T, T)  # (B, 1, T, T) key padding
    if window > 0:
        local = (idx[:, None] - idx[None, :]).abs() <= window // 2  # (T, T)
        allowed = allowed & local
    eye = idx[:, None] == idx[None, :]  # (T, T)
    return allowed | eye


def pool_sequence(x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Average pool /2 (kernel 3, stride 2, padding 1): (B, T, D), (B, T) -> (B, ceil(T/2), ...)."""
    x = x * mask[..., None].to(x.dtype)  # padded frames count as zeros, as the tensor's own padding
    pooled = F.avg_pool1d(x.transpose(1, 2), kernel_size=3, stride=2, padding=1)  # (B, D, T')
    return pooled.transpose(1, 2), mask[:, ::2]  # (B, T', D), (B, T') valid iff the centre is


class LocalSelfAttention(nn.Module):
    """Multi-head self-attention with rotary q/k and a boolean (local + padding) mask."""

    def __init__(self, dim: int, num_heads: int, dropout: float, rotary: bool) -> None:
        super().__init__()
        if dim % num_heads:
            raise ConfigError(f"sign_encoder.dim {dim} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)
        self.attn_dropout = dropout
        self.resid_dropout = nn.Dropout(dropout)
        self.rotary = RotaryEmbedding(self.head_dim) if rotary else None

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        # (B, T, C) -> (B, H, T, hd)
        q = self.q_proj(x).view(B, T, self.num_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.num_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.num_heads, self.head_dim).transpose(1, 2)
        if self.rotary is not None:
            q, k = self.rotary(q, k)
        y = F.scaled_dot_product_attention(
            q,
            k,
            v,
            attn_mask=attn_mask,  # (B, 1, T, T) bool, broadcast over heads
            dropout_p=self.attn_dropout if self.training else 0.0,
        )  # (B, H, T, hd)
        y = y.transpose(1, 2).reshape(B, T, C)
        return self.resid_dropout(self.out_proj(y))


class SignEncoderBlock(nn.Module):
    """Post-LN transformer block with layer-scale on both residual branches."""

    def __init__(self, cfg: SignEncoderConfig, drop_path: float) -> None:
        super().__init__()
        d = cfg.dim
        self.attn = LocalSelfAttention(d, cfg.num_heads, cfg.dropout, cfg.rotary)
        self.norm1 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(
            nn.Linear(d, cfg.mlp_dim),
            nn.GELU(),
            nn.Dropout(cfg.dropout),
            nn.Linear(cfg.mlp_dim, d),
            nn.Dropout(cfg.dropout),
        )
        self.norm2 = nn.LayerNorm(d)
        self.layer_scale1 = nn.Parameter(torch.full((d,), cfg.layer_scale_init))
        self.layer_scale2 = nn.Parameter(torch.full((d,), cfg.layer_scale_init))
        self.drop_path = DropPath(drop_path)

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor) -> torch.Tensor:
        # x: (B, T, D); attn_mask: (B, 1, T, T)
        x = self.norm1(x + self.drop_path(self.layer_scale1 * self.attn(x, attn_mask)))
        x = self.norm2(x + self.drop_path(self.layer_scale2 * self.mlp(x)))
        return x


class SignEncoder(nn.Module):
    """(B, T, D) features + (B, T) validity -> (B, T', D) features + (B, T') validity."""

    def __init__(self, cfg: SignEncoderConfig) -> None:
        super().__init__()
        if cfg.num_blocks < 1:
            raise ConfigError(f"sign_encoder.num_blocks must be >= 1, got {cfg.num_blocks}")
        if cfg.window < 0 or (cfg.window > 0 and cfg.window % 2 == 0):
            raise ConfigError(
                f"sign_encoder.window must be 0 (global) or odd (self + two wings), "
                f"got {cfg.window}"
            )
        bad = [i for i in cfg.downsample_after if not 1 <= i <= cfg.num_blocks]
        if bad:
            raise ConfigError(
                f"sign_encoder.downsample_after {bad} must name blocks 1..{cfg.num_blocks}"
            )
        self.cfg = cfg
        self.input_pe = SinusoidalPositionalEncoding(cfg.dim) if cfg.input_pe else None
        # Drop-path rises linearly from 0 at the first block to cfg.drop_path at the last.
        rates = torch.linspace(0.0, cfg.drop_path, cfg.num_blocks, device="cpu").tolist()
        self.blocks = nn.ModuleList(SignEncoderBlock(cfg, rate) for rate in rates)
        self.downsample_after = sorted(set(cfg.downsample_after))
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    @property
    def dim(self) -> int:
        return self.cfg.dim

    @property
    def temporal_stride(self) -> int:
        """Input steps per output step: each pool halves the sequence."""
        return 2 ** len(self.downsample_after)

    def output_length(self, length: int) -> int:
        """Sequence length after the encoder's pools (each one maps T to ceil(T / 2))."""
        for _ in self.downsample_after:
            length = (length + 1) // 2
        return length

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # x: (B, T, D) with padded frames anywhere after each clip's end; mask: (B, T) bool
        if x.ndim != 3 or x.shape[-1] != self.cfg.dim:
            raise ValueError(f"expected (B, T, {self.cfg.dim}) features, got {tuple(x.shape)}")
        if mask.shape != x.shape[:2]:
            raise ValueError(f"mask {tuple(mask.shape)} does not match features {tuple(x.shape)}")
        mask = mask.bool()
        if self.input_pe is not None:
            x = self.input_pe(x)
        attn_mask = local_attention_mask(mask, self.cfg.window)  # (B, 1, T, T)
        for i, block in enumerate(self.blocks, start=1):
            x = block(x, attn_mask)
            if i in self.downsample_after:
                x, mask = pool_sequence(x, mask)  # (B, ceil(T/2), D)
                attn_mask = local_attention_mask(mask, self.cfg.window)
        # Padded positions carry no information downstream (heads, bridge, feature caches).
        return x * mask[..., None].to(x.dtype), mask
