"""AdamW with the paper's weight-decay exclusions (docs/method.md#5-training-recipe)."""

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


def is_gate(name: str) -> bool:
    return name.rsplit(".", 1)[-1] == "gate"


def param_groups(
    model: nn.Module, weight_decay: float, lr: float | None = None, gate_lr_scale: float = 1.0
) -> list[dict]:
    """Decayed / not decayed groups; with ``gate_lr_scale != 1`` the sign-branch gates get
    their own group at ``lr * gate_lr_scale``."""
    decay, no_decay, gates = [], [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        if gate_lr_scale != 1.0 and is_gate(name):
            gates.append(param)
        else:
            (no_decay if no_weight_decay(name, param) else decay).append(param)
    groups = [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    if gates:
        if lr is None:
            raise ValueError("gate_lr_scale needs the base lr")
        groups.append({"params": gates, "weight_decay": 0.0, "lr": lr * gate_lr_scale})
    return groups


def build_adamw(
    model: nn.Module,
    lr: float,
    weight_decay: float,
    betas: tuple[float, float],
    gate_lr_scale: float = 1.0,
) -> torch.optim.AdamW:
    groups = param_groups(model, weight_decay, lr, gate_lr_scale)
    return torch.optim.AdamW(groups, lr=lr, betas=betas)
