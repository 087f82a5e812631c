"""Learning-rate schedule of docs/method.md#5-training-recipe, stepped per iteration.

Linear warm-up from ``lr * min_ratio`` to ``lr`` over the warm-up steps, then a cosine from
``lr`` down to ``lr * min_ratio`` at the last step (the paper: from lr/100, down to lr/100).
"""

from __future__ import annotations

import math

import torch
from torch.optim.lr_scheduler import LambdaLR


def warmup_cosine_factor(step: int, total_steps: int, warmup_steps: int, min_ratio: float) -> float:
    """Multiplier of the base lr at optimiser step ``step`` (0-based)."""
    total_steps = max(1, total_steps)
    warmup_steps = min(max(0, warmup_steps), total_steps)
    if step < warmup_steps:
        return min_ratio + (1.0 - min_ratio) * step / warmup_steps
    span = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / span)
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


def warmup_cosine(
    optimizer: torch.optim.Optimizer, total_steps: int, warmup_steps: int, min_ratio: float
) -> LambdaLR:
    return LambdaLR(
        optimizer,
        lambda step: warmup_cosine_factor(step, total_steps, warmup_steps, min_ratio),
    )
