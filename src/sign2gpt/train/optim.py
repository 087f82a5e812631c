"""AdamW with the paper's weight-decay exclusions (SPEC section 5)."""

from __future__ import annotations

import torch
from torch import nn

# Parameters whose name contains one of these never get weight decay, whatever their shape.
NO_DECAY_NAME_PARTS = ("embed", "pos_embedding", "gate", "tau", "layer_scale", "norm", "bn")


def no_weight_decay(name: str, param: torch.Tensor) -> bool:
    """Biases, norms, embeddings, gates, temperatures and layer-scale are not decayed.

    Every one of those is a vector or a scalar except embeddings, which are matched by name.
    """
    lowered = name.lower()
    return param.ndim < 2 or any(part in lowered for part in NO_DECAY_NAME_PARTS)


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        (no_decay if no_weight_decay(name, param) else decay).append(param)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]


def build_adamw(
    model: nn.Module, lr: float, weight_decay: float, betas: tuple[float, float]
) -> torch.optim.AdamW:
    return torch.optim.AdamW(param_groups(model, weight_decay), lr=lr, betas=betas)
