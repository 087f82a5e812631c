"""The model's first step: uint8 frames -> normalised float frames, on the model's device.

The data pipeline delivers frames as uint8 (0..255, after sampling and augmentation): a
DataLoader worker then writes and hands over a quarter of the bytes of float32 frames, and a
GPU receives a quarter of them. The per-channel normalisation ``(v / 255 - mean) / std`` runs
here instead, wherever the model is. Mean and std belong to the backbone
(``model.spatial.mean`` / ``std``: ImageNet's for DINOv2), so a checkpoint carries them with the
model. Frames that are already float pass unchanged, so callers that normalise themselves keep
working.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from sign2gpt.config import SpatialConfig

_CPU_BLOCK_BYTES = 1 << 20  # float32 output per block of rows on a CPU: about a cache's worth


def _scale_shift(
    out: torch.Tensor, frames: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor
) -> None:
    """out = float32(frames) * scale + shift: one conversion pass, then two in-place passes,
    in float32 whatever the model's dtype. The same float32 arithmetic as the data pipeline's
    former normalisation (not a fused multiply-add), so results match it bit for bit."""
    out.copy_(frames)
    out.mul_(scale).add_(shift)


class FrameNormalise(nn.Module):
    """(N, 3, S, S) uint8 -> (N, 3, S, S) float ``(v / 255 - mean) / std`` per channel,
    in the frames' memory layout, on the frames' device, in the model's floating dtype (float32
    unless the model was cast, e.g. to bf16 for "bf16-true"; bf16 autocast leaves it float32
    and casts at the first matmul). Float frames are returned as they are (taken as already
    normalised).

    The constants are non-persistent buffers: they follow ``.to(device)`` but are not in the
    state dict (a checkpoint's config restores them: ``model.spatial.mean`` / ``std``)."""

    def __init__(
        self,
        mean: Sequence[float] = SpatialConfig.mean,
        std: Sequence[float] = SpatialConfig.std,
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
        # the constants as rows for channels-last frames, per (device, width): made on first use
        self._rows: dict[tuple[str, int], tuple[torch.Tensor, torch.Tensor]] = {}

    @classmethod
    def from_config(cls, spatial: SpatialConfig) -> FrameNormalise:
        """The normalisation of ``model.spatial.mean`` / ``std``."""
        return cls(spatial.mean, spatial.std)

    def to_pictures(self, frames: torch.Tensor) -> np.ndarray:
        """(T, 3, S, S) frames -> (T, S, S, 3) uint8 pictures: uint8 frames (what the data
        pipeline delivers) as they are, float frames un-normalised with this mean and std."""
        if frames.dtype == torch.uint8:
            return frames.cpu().permute(0, 2, 3, 1).contiguous().numpy()
        mean = torch.tensor(self.mean).view(1, 3, 1, 1)
        std = torch.tensor(self.std).view(1, 3, 1, 1)
        pixels = (frames.float().cpu() * std + mean).clamp(0, 1) * 255
        return pixels.permute(0, 2, 3, 1).round().to(torch.uint8).numpy()

    def forward(self, frames: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        """``frames`` (N, 3, S, S): uint8 is normalised (into ``out``, a float32 (N, 3, S, S)
        tensor on the same device, when given: lets a CPU caller reuse one buffer), anything
        else returned unchanged.

        The result keeps the frames' memory layout. Channels-last frames (what the data
        pipeline delivers: one (S, S, 3) picture per frame) give channels-last float frames,
        computed as rows of S * 3 values against a repeated (r, g, b) row of constants: no
        layout change and vectorised inner loops (about half the time of the layout-changing
        conversion on one CPU core, benchmarks/RESULTS.md#data-throughput; convolutions take
        either layout). ``out``, when given, decides the layout instead."""
        if frames.dtype != torch.uint8:
            return frames
        if frames.dim() != 4 or frames.shape[1] != 3:
            raise ValueError(f"expected (N, 3, S, S) frames, got {tuple(frames.shape)}")
        if out is None:
            out = torch.empty_like(frames, dtype=torch.float32)  # same layout as frames
        elif out.shape != frames.shape or out.dtype != torch.float32:
            raise ValueError(
                f"out must be float32 {tuple(frames.shape)}, got {out.dtype} {tuple(out.shape)}"
            )
        channels_last = torch.channels_last
        if frames.is_contiguous(memory_format=channels_last) and out.is_contiguous(
            memory_format=channels_last
        ):
            n, _, h, w = frames.shape
            rows = out.permute(0, 2, 3, 1).view(n * h, w * 3)  # (N H, W 3) r, g, b, r, ...
            scale, shift = self._row_constants(frames.device, w)  # (W 3,) each
            source = frames.permute(0, 2, 3, 1).view(n * h, w * 3)
            # On a CPU, blocks of about 1 MB of output: the three passes then run in cache
            # (faster, benchmarks/RESULTS.md#data-throughput). A GPU takes it whole.
            block = (
                max(1, _CPU_BLOCK_BYTES // (w * 3 * 4)) if frames.device.type == "cpu" else n * h
            )
            for start in range(0, n * h, block):
                _scale_shift(
                    rows[start : start + block], source[start : start + block], scale, shift
                )
        else:
            scale, shift = self._constants(frames.device)  # (1, 3, 1, 1) each
            _scale_shift(out, frames, scale, shift)  # (with a layout change if needed)
        return out if self.scale.dtype == torch.float32 else out.to(self.scale.dtype)

    def _row_constants(self, device: torch.device, width: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(scale, shift) as (width * 3,) rows r, g, b, r, g, b, ... in float32 on ``device``."""
        key = (str(device), width)
        cached = self._rows.get(key)
        if cached is None:
            scale, shift = self._constants(device)
            cached = (scale.reshape(3).repeat(width), shift.reshape(3).repeat(width))
            self._rows[key] = cached
        return cached

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
