"""The bridge from sign features to the language model (stage 2, docs/method.md#43-bridge).

Z (B, T, D) -> + positional encoding -> Linear(D -> d_LM) -> sign memory (B, T, d_LM).

PGP-trained features are temporally invariant (each frame says *what* is signed, not *when*), so
the paper adds a sinusoidal PE here; its ablation (Phoenix14T dev BLEU-4): none 21.68, learnable
zero-init 21.89, learnable random 21.16, sinusoidal 23.20. All four are selectable with
``BridgeConfig.positional``.
"""

from __future__ import annotations

import torch
from torch import nn

from sign2gpt.config import BridgeConfig, ConfigError
from sign2gpt.models.positional import sinusoidal_table

LEARNED_PE_STD = 0.02  # the "learnable random" ablation's init


class Bridge(nn.Module):
    """(B, T, dim) sign features -> (B, T, d_lm) sign memory of the gated LM."""

    def __init__(self, cfg: BridgeConfig, dim: int, d_lm: int) -> None:
        super().__init__()
        self.cfg = cfg
        self.dim = dim
        self.d_lm = d_lm
        if cfg.positional in ("learned_zero", "learned_random"):
            if cfg.max_positions < 1:
                raise ConfigError(f"bridge.max_positions must be >= 1, got {cfg.max_positions}")
            # Named pos_embedding so the optimiser leaves it without weight decay.
            self.pos_embedding: nn.Parameter | None = nn.Parameter(
                torch.zeros(cfg.max_positions, dim)
            )  # (P, dim)
            if cfg.positional == "learned_random":
                nn.init.normal_(self.pos_embedding, std=LEARNED_PE_STD)
        elif cfg.positional in ("sinusoidal", "none"):
            self.pos_embedding = None
        else:
            raise ConfigError(
                f"bridge.positional {cfg.positional!r} is not one of "
                "sinusoidal | none | learned_zero | learned_random"
            )
        self.proj = nn.Linear(dim, d_lm)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        # z: (B, T, dim); padded positions are masked later by the LM's sign branch.
        if z.ndim != 3 or z.shape[-1] != self.dim:
            raise ValueError(f"expected (B, T, {self.dim}) sign features, got {tuple(z.shape)}")
        T = z.shape[1]
        if self.cfg.positional == "sinusoidal":
            z = z + sinusoidal_table(T, self.dim, device=z.device).to(z.dtype)  # (T, dim)
        elif self.pos_embedding is not None:
            if self.pos_embedding.shape[0] < T:
                raise ValueError(
                    f"{T} sign positions exceed bridge.max_positions {self.pos_embedding.shape[0]}"
                )
            z = z + self.pos_embedding[:T].to(z.dtype)
        return self.proj(z)  # (B, T, d_lm)

    def extra_repr(self) -> str:
        return f"positional={self.cfg.positional}"
