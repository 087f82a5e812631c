"""Which frames of a clip the network sees (docs/method.md#5-training-recipe, the authors' loader).

Training: start at a random frame 0..start_jitter, stop 0..end_jitter frames before the end, take
every ``frame_stride``-th frame, and when more than ``max_frames`` remain keep a sorted random
subset of ``max_frames``. Evaluation: every ``frame_stride``-th frame from the first; a clip that
is still too long keeps ``max_frames`` evenly spread frames (deterministic, unlike the authors'
loader, which drew a random subset at evaluation too).
"""

from __future__ import annotations

import numpy as np

from sign2gpt.config import DataConfig


def sample_indices(
    num_frames: int, cfg: DataConfig, train: bool, rng: np.random.Generator | None = None
) -> np.ndarray:
    """Sorted frame indices (int64) into a clip of ``num_frames`` frames."""
    if num_frames <= 0:
        raise ValueError(f"a clip needs at least one frame, got {num_frames}")
    stride = max(1, cfg.frame_stride)
    if not train:
        idx = np.arange(0, num_frames, stride)
        if 0 < cfg.max_frames < len(idx):
            idx = idx[np.linspace(0, len(idx) - 1, cfg.max_frames).round().astype(np.int64)]
        return idx
    if rng is None:
        raise ValueError("training sampling needs a random generator")
    # integers(0, k + 1) is 0..k inclusive: the authors' randint(0, 4) start and
    # randint(n - 4, n + 1) end give start 0..3 and 0..4 frames cut at the end.
    start = int(rng.integers(0, cfg.start_jitter + 1)) if cfg.start_jitter > 0 else 0
    cut = int(rng.integers(0, cfg.end_jitter + 1)) if cfg.end_jitter > 0 else 0
    idx = np.arange(start, num_frames - cut, stride)
    if len(idx) == 0:  # a clip shorter than its jitter: keep it whole
        idx = np.arange(0, num_frames, stride)
    if 0 < cfg.max_frames < len(idx):
        idx = np.sort(rng.choice(idx, size=cfg.max_frames, replace=False))
    return idx


def num_sampled(num_frames: int, cfg: DataConfig) -> int:
    """Frames an evaluation pass takes from a clip (the length used for batching)."""
    stride = max(1, cfg.frame_stride)
    n = -(-max(num_frames, 1) // stride)
    return min(n, cfg.max_frames) if cfg.max_frames > 0 else n
