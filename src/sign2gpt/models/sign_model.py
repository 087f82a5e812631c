"""The sign model: the part both stages share (docs/method.md#1-pipeline).

packed uint8 frames (N, 3, S, S) + lengths (B,) -> normalise -> spatial backbone (N, D)
-> unpack to (B, T, D) -> sign encoder -> Z (B, T', D) with its mask (B, T').

It owns its preprocessing (the backbone's mean / std, :class:`FrameNormalise`) and knows its
temporal stride (input frames per output step), so callers never recompute either from a
config.
"""

from __future__ import annotations

import contextlib

import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

from sign2gpt.config import ConfigError, ModelConfig
from sign2gpt.models.preprocess import FrameNormalise
from sign2gpt.models.sign_encoder import SignEncoder
from sign2gpt.models.spatial import (
    ResNetSpatialBackbone,
    SpatialBackbone,
    SpatialPart,
    build_spatial,
)


class SignModel(nn.Module):
    """``.normalise`` (uint8 -> normalised float), ``.spatial`` (per frame), ``.encoder``
    (over time). Frames may also come as float, already normalised."""

    def __init__(self, cfg: ModelConfig, spatial: SpatialPart, encoder: SignEncoder) -> None:
        super().__init__()
        self.cfg = cfg
        self.normalise = FrameNormalise.from_config(cfg.spatial)
        self.spatial = spatial
        self.encoder = encoder

    @property
    def dim(self) -> int:
        return self.encoder.dim

    @property
    def temporal_stride(self) -> int:
        """Sampled frames per output step of Z (the encoder's pools)."""
        return self.encoder.temporal_stride

    def forward(
        self, frames: torch.Tensor, lengths: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Packed frames (sum T_i, 3, S, S) + lengths (B,) -> Z (B, T', D), mask (B, T')."""
        sizes = [int(n) for n in lengths.tolist()]
        if sum(sizes) != frames.shape[0]:
            raise ValueError(f"lengths sum to {sum(sizes)} but {frames.shape[0]} frames were given")
        x = self.normalise(frames)  # (N, 3, S, S) float
        feats = self.spatial(x)  # (N, D): BatchNorm over every real frame of the batch
        x = pad_sequence(list(feats.split(sizes)), batch_first=True)  # (B, T, D)
        steps = torch.arange(x.shape[1], device=x.device)
        mask = steps[None, :] < torch.as_tensor(sizes, device=x.device)[:, None]  # (B, T)
        return self.encoder(x, mask)

    def frozen_prefixes(self) -> tuple[str, ...]:
        """State-dict prefixes of the frozen pretrained backbone (rebuilt, never saved)."""
        if self.cfg.spatial.train_backbone:
            return ()
        if isinstance(self.spatial, SpatialBackbone):
            return ("spatial.vit.",)
        if isinstance(self.spatial, ResNetSpatialBackbone):
            return ("spatial.resnet.",)
        return ()


def build_sign_model(cfg: ModelConfig, load_weights: bool = True, meta: bool = False) -> SignModel:
    """The sign model of ``cfg``. ``meta``: on PyTorch's meta device (the architecture only,
    nothing read or downloaded); ``load_weights=False``: a pretrained backbone is built from
    the sizes in the config with random weights."""
    if cfg.spatial.out_dim != cfg.sign_encoder.dim:
        raise ConfigError(
            f"model.spatial.out_dim {cfg.spatial.out_dim} must equal "
            f"model.sign_encoder.dim {cfg.sign_encoder.dim}"
        )
    context = torch.device("meta") if meta else contextlib.nullcontext()
    with context:
        spatial = build_spatial(cfg.spatial, load_weights=load_weights and not meta)
        encoder = SignEncoder(cfg.sign_encoder)
    return SignModel(cfg, spatial, encoder)
