"""The model's first step: uint8 frames -> normalised float frames, on the model's device.

The data pipeline delivers frames as uint8 (0..255, after sampling and augmentation): a
DataLoader worker then writes and hands over a quarter of the bytes of float32 frames, and a
GPU receives a quarter of them. The per-channel normalisation ``(v / 255 - mean) / std`` (mean
and std from ``data.mean`` / ``data.std``, which follow the backbone: ImageNet's for DINOv2)
runs here instead, wherever the model is. Frames that are already float pass unchanged, so
callers that normalise themselves keep working.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from sign2gpt.config import DataConfig


class FrameNormalise(nn.Module):
    """(N, 3, S, S) uint8 -> (N, 3, S, S) float ``(v / 255 - mean) / std`` per channel,
    contiguous, on the frames' device, in the model's floating dtype (float32 unless the model
    was cast, e.g. to bf16 for "bf16-true"; bf16 autocast leaves it float32 and casts at the
    first matmul). Float frames are returned as they are (taken as already normalised).

    The constants are non-persistent buffers: they follow ``.to(device)`` but are not in the
    state dict (a checkpoint's config restores them, see ``models.checkpoint``)."""

    def __init__(
        self,
        mean: Sequence[float] = DataConfig.mean,
        std: Sequence[float] = DataConfig.std,
    ) -> None:
        super().__init__()
        if len(mean) != 3 or len(std) != 3 or min(std) <= 0:
            raise ValueError(f"need 3 means and 3 positive stds, got {mean} and {std}")
        self.mean: tuple[float, float, float] = (float(mean[0]), float(mean[1]), float(mean[2]))
        self.std: tuple[float, float, float] = (float(std[0]), float(std[1]), float(std[2]))
        std_t = torch.tensor(self.std, dtype=torch.float32).view(1, 3, 1, 1)
        mean_t = torch.tensor(self.mean, dtype=torch.float32).view(1, 3, 1, 1)
        # v * scale + shift, the same float32 arithmetic as the data pipeline's former
        # normalisation, so results match it bit for bit
        self.register_buffer("scale", (1.0 / 255.0) / std_t, persistent=False)  # (1, 3, 1, 1)
        self.register_buffer("shift", -(mean_t / std_t), persistent=False)  # (1, 3, 1, 1)

    @classmethod
    def from_config(cls, data: DataConfig) -> FrameNormalise:
        """The normalisation of ``data.mean`` / ``data.std``."""
        return cls(data.mean, data.std)

    def forward(self, frames: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        """``frames`` (N, 3, S, S): uint8 is normalised (into ``out``, a float32 (N, 3, S, S)
        tensor on the same device, when given: lets a CPU caller reuse one buffer), anything
        else returned unchanged."""
        if frames.dtype != torch.uint8:
            return frames
        if frames.dim() != 4 or frames.shape[1] != 3:
            raise ValueError(f"expected (N, 3, S, S) frames, got {tuple(frames.shape)}")
        scale, shift = self._constants(frames.device)
        if out is None:
            out = torch.empty(frames.shape, dtype=torch.float32, device=frames.device)
        # one conversion pass (it also turns channels-last uint8 into contiguous NCHW), then
        # two in-place passes; computed in float32 whatever the model's dtype
        out.copy_(frames)
        out.mul_(scale).add_(shift)
        return out if self.scale.dtype == torch.float32 else out.to(self.scale.dtype)

    def _constants(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """(scale, shift) in float32 on ``device``: the buffers, or exact float32 values made
        again when the model was cast to a lower precision (which rounded the buffers too)."""
        if self.scale.dtype == torch.float32:
            return self.scale.to(device), self.shift.to(device)
        std = torch.tensor(self.std, dtype=torch.float32, device=device).view(1, 3, 1, 1)
        mean = torch.tensor(self.mean, dtype=torch.float32, device=device).view(1, 3, 1, 1)
        return (1.0 / 255.0) / std, -(mean / std)

    def extra_repr(self) -> str:
        return f"mean={self.mean}, std={self.std}"
