"""Training memory of a recipe, estimated before a run (``sign2gpt summary --batch B --frames T``).

    total = frozen weights (their dtype) + trainable weights, gradients, AdamW's two moments
            (float32: 4 + 4 + 8 bytes per trainable parameter)
          + B * T * (bytes per frame) + B * L * (bytes per text token)
          + the runtime (CPU: the Python process before the model; GPU: the CUDA context)

The bytes per frame and per token are what one training step keeps alive at its peak (bf16
autocast, as ``train.precision: bf16-mixed``), measured by benchmarks/full_size.py on the
paper's sizes (benchmarks/RESULTS.md#full-size-model) and scaled to other sizes: a frame by
ViT tokens per frame x ViT width (257 x 384 for DINOv2-small at 224 px), a token by LM width x
layers + vocabulary (2048 x 24 + 256,008 for XGLM-1.7B: the logits of a token are as large as
its hidden states in all layers together). Frames are those entering the ViT (after
``data.frame_stride``); tokens are the text tokens of a clip (``</s>`` included).

CPU figures were checked against measured peaks (within 15 %); GPU figures use the same
activation sizes and are unverified until benchmarks/gpu_check.sh confirms them on a GPU.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from torch import nn
from transformers import PretrainedConfig

from sign2gpt.config import ModelConfig

Device = Literal["cpu", "cuda"]

# Measured by benchmarks/full_size.py on the 2-core CPU VM (bf16 autocast, paper's sizes, peak
# resident set; benchmarks/RESULTS.md#full-size-model), per gradient-checkpointing setting:
# (bytes per frame, bytes per text token), each from two batch-1 steps that differ only in it.
MEASURED_BYTES: dict[bool, tuple[float, float]] = {
    False: (26.19e6, 14.43e6),
    True: (18.17e6, 5.57e6),
}
# CPU: the benchmark's process with torch, transformers and sign2gpt imported, before the model
# (measured, 0.36 GB); GPU: an allowance for the CUDA context (not measured: no GPU here).
RUNTIME_BYTES: dict[Device, float] = {"cpu": 0.36e9, "cuda": 0.5e9}
PAPER_FRAME_UNITS = 257 * 384  # DINOv2-small at 224 px: 16 x 16 patches + CLS, width 384
PAPER_TOKEN_UNITS = 2048 * 24 + 256_008  # XGLM-1.7B: width x layers + vocabulary
TRAINABLE_BYTES = 4 + 4 + 8  # float32 weight, gradient, AdamW exp_avg + exp_avg_sq


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes of one training step at its peak, by kind."""

    frozen_weights: int
    trainable_state: int  # weights + gradients + optimizer moments of the trainable part
    activations_frames: int
    activations_tokens: int
    runtime: int

    @property
    def total(self) -> int:
        return (
            self.frozen_weights
            + self.trainable_state
            + self.activations_frames
            + self.activations_tokens
            + self.runtime
        )


def frame_units(cfg: ModelConfig, image_size: int) -> int:
    """ViT tokens per frame x ViT width (the activations of a frame scale with it)."""
    side = image_size // cfg.spatial.patch_size
    return (side * side + 1) * cfg.spatial.hidden_size


def token_units(lm_config: PretrainedConfig | None) -> int:
    """LM width x layers + vocabulary, from a Hugging Face config (0 without an LM)."""
    if lm_config is None:
        return 0
    text = lm_config.get_text_config()
    width = int(getattr(text, "hidden_size", 0) or text.d_model)
    layers = int(getattr(text, "num_hidden_layers", 0) or text.num_layers)
    return width * layers + int(text.vocab_size)


def activation_bytes(
    cfg: ModelConfig, image_size: int, lm_config: PretrainedConfig | None
) -> tuple[float, float]:
    """(bytes per frame, bytes per text token) of a training step, scaled from the measured
    paper sizes; frames by the spatial part's gradient checkpointing, tokens by the LM's."""
    per_frame = MEASURED_BYTES[cfg.spatial.gradient_checkpointing][0]
    per_token = MEASURED_BYTES[cfg.lm.gradient_checkpointing][1]
    return (
        per_frame * frame_units(cfg, image_size) / PAPER_FRAME_UNITS,
        per_token * token_units(lm_config) / PAPER_TOKEN_UNITS,
    )


def estimate_training_memory(
    model: nn.Module,
    cfg: ModelConfig,
    image_size: int,
    batch: int,
    frames: int,
    tokens: int,
    device: Device = "cpu",
) -> MemoryEstimate:
    """The estimate for ``model`` (built on the meta device: only shapes and dtypes are read),
    ``batch`` clips of ``frames`` frames (entering the ViT) and ``tokens`` text tokens each."""
    params = list(model.parameters())  # a tied weight is listed once
    frozen = sum(p.numel() * p.element_size() for p in params if not p.requires_grad)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    buffers = sum(b.numel() * b.element_size() for b in model.buffers())
    lm = getattr(model, "lm", None)
    per_frame, per_token = activation_bytes(cfg, image_size, lm.config if lm is not None else None)
    return MemoryEstimate(
        frozen_weights=frozen + buffers,
        trainable_state=trainable * TRAINABLE_BYTES,
        activations_frames=round(batch * frames * per_frame),
        activations_tokens=round(batch * tokens * per_token),
        runtime=round(RUNTIME_BYTES[device]),
    )


def largest_batch(at_one: MemoryEstimate, memory_bytes: float) -> int:
    """The largest batch whose estimate fits ``memory_bytes``, from the estimate at batch 1
    (0 when not even one clip fits)."""
    fixed = at_one.frozen_weights + at_one.trainable_state + at_one.runtime
    per_clip = at_one.activations_frames + at_one.activations_tokens
    if memory_bytes < fixed + per_clip:
        return 0
    return math.floor((memory_bytes - fixed) / per_clip)


def parse_bytes(text: str) -> float:
    """``24GB``, ``24GiB``, ``80G``, ``512MB`` -> bytes (GB = 10^9, GiB and G = 2^30)."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-z]*)\s*", text.lower())
    factors = {"": 1.0, "gb": 1e9, "mb": 1e6, "gib": 2**30, "mib": 2**20, "g": 2**30, "m": 2**20}
    if match is None or match.group(2) not in factors or float(match.group(1)) <= 0:
        raise ValueError(f"{text!r} is not a memory size (e.g. 24GB, 80GiB)")
    return float(match.group(1)) * factors[match.group(2)]
