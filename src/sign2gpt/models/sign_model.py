"""The sign model: the part both stages share (docs/method.md#1-pipeline).

packed inputs of B clips (frames (N, 3, S, S) uint8, keypoints (N, K, 3) or gloss ids (N,))
+ lengths (B,) -> per-step features (N, D) -> unpack to (B, T, D) -> sign encoder
-> Z (B, T', D) with its mask (B, T').

What it reads is ``model.input`` (:class:`~sign2gpt.config.Modality`), decided once when the
model is built:

- ``rgb`` (the paper): normalise -> spatial backbone (DINOv2 + LoRA, or a CNN);
- ``pose``: the pose encoder over body, hand and face keypoints (``.step_encoder``);
- ``rgb+pose``: both per frame (``.step_encoder`` and ``.pose``), fused (``.fusion``);
- ``gloss``: an embedding of each sign of the clip's gloss sequence (``.step_encoder``): no video,
  the gloss-to-text ceiling that a perfect sign recogniser would reach.

It owns its preprocessing (the backbone's mean / std, :class:`FrameNormalise`; the skeleton of
its keypoints; its gloss vocabulary) and knows its temporal stride (input steps per output
step), so callers never recompute either from a config.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

from sign2gpt.config import ConfigError, Modality, ModelConfig
from sign2gpt.models.pose_encoder import PoseEncoder, RGBPoseFusion
from sign2gpt.models.preprocess import FrameNormalise
from sign2gpt.models.sign_encoder import SignEncoder
from sign2gpt.models.spatial import ResNetSpatialBackbone, SpatialBackbone, build_spatial
from sign2gpt.skeleton import Skeleton


class GlossEmbedding(nn.Module):
    """``gloss``: (N,) gloss ids -> (N, out_dim); id 0 is a gloss the vocabulary lacks."""

    def __init__(self, num_glosses: int, out_dim: int) -> None:
        super().__init__()
        self.out_dim = out_dim
        self.embed = nn.Embedding(num_glosses + 1, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.bn(self.embed(ids))  # (N, out_dim), BN over all signs of the batch


class SignModel(nn.Module):
    """``.normalise`` (uint8 -> normalised float frames), ``.step_encoder`` (per step), ``.encoder``
    (over time); with ``rgb+pose`` also ``.pose`` and ``.fusion``."""

    def __init__(
        self,
        cfg: ModelConfig,
        step_encoder: nn.Module,
        encoder: SignEncoder,
        pose: PoseEncoder | None = None,
        fusion: RGBPoseFusion | None = None,
        glosses: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        self.cfg = cfg
        self.modality = cfg.input
        self.normalise = FrameNormalise.from_config(cfg.spatial)
        self.step_encoder = step_encoder
        self.encoder = encoder
        self.pose = pose
        self.fusion = fusion
        self.glosses = list(glosses) if glosses is not None else None  # a plain attribute
        readers: dict[Modality, Callable[..., torch.Tensor]] = {
            Modality.RGB: self._frames,
            Modality.POSE: self._keypoints,
            Modality.RGB_POSE: self._frames_and_keypoints,
            Modality.GLOSS: self._glosses,
        }
        self._read = readers[self.modality]

    @property
    def dim(self) -> int:
        return self.encoder.dim

    @property
    def temporal_stride(self) -> int:
        """Sampled frames (or signs) per output step of Z (the encoder's pools)."""
        return self.encoder.temporal_stride

    @property
    def skeleton(self) -> Skeleton | None:
        """The keypoint layout the model reads (``pose`` / ``rgb+pose``), else None."""
        encoder = self.step_encoder if isinstance(self.step_encoder, PoseEncoder) else self.pose
        return encoder.skeleton if encoder is not None else None

    # ---- what each input becomes per step: (N, D) --------------------------------------------
    def _frames(
        self,
        frames: torch.Tensor | None,
        keypoints: torch.Tensor | None,
        glosses: torch.Tensor | None,
    ) -> torch.Tensor:
        return self.step_encoder(self.normalise(_given(frames, "frames", self.modality)))

    def _keypoints(
        self,
        frames: torch.Tensor | None,
        keypoints: torch.Tensor | None,
        glosses: torch.Tensor | None,
    ) -> torch.Tensor:
        return self.step_encoder(_given(keypoints, "keypoints", self.modality))

    def _frames_and_keypoints(
        self,
        frames: torch.Tensor | None,
        keypoints: torch.Tensor | None,
        glosses: torch.Tensor | None,
    ) -> torch.Tensor:
        assert self.pose is not None and self.fusion is not None
        rgb = self.step_encoder(self.normalise(_given(frames, "frames", self.modality)))  # (N, D)
        pose = self.pose(_given(keypoints, "keypoints", self.modality))  # (N, D)
        return self.fusion(rgb, pose)

    def _glosses(
        self,
        frames: torch.Tensor | None,
        keypoints: torch.Tensor | None,
        glosses: torch.Tensor | None,
    ) -> torch.Tensor:
        return self.step_encoder(_given(glosses, "glosses", self.modality))

    def forward(
        self,
        frames: torch.Tensor | None,
        lengths: torch.Tensor,
        keypoints: torch.Tensor | None = None,
        glosses: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Packed inputs (sum T_i, ...) + lengths (B,) -> Z (B, T', D), mask (B, T')."""
        sizes = [int(n) for n in lengths.tolist()]
        feats = self._read(frames, keypoints, glosses)  # (N, D): BatchNorm over the batch
        if sum(sizes) != feats.shape[0]:
            raise ValueError(f"lengths sum to {sum(sizes)} but {feats.shape[0]} steps were given")
        x = pad_sequence(list(feats.split(sizes)), batch_first=True)  # (B, T, D)
        steps = torch.arange(x.shape[1], device=x.device)
        mask = steps[None, :] < torch.as_tensor(sizes, device=x.device)[:, None]  # (B, T)
        return self.encoder(x, mask)

    def frozen_prefixes(self) -> tuple[str, ...]:
        """State-dict prefixes of the frozen pretrained backbone (rebuilt, never saved)."""
        if self.cfg.spatial.train_backbone:
            return ()
        if isinstance(self.step_encoder, SpatialBackbone):
            return ("step_encoder.vit.",)
        if isinstance(self.step_encoder, ResNetSpatialBackbone):
            return ("step_encoder.resnet.",)
        return ()


def _given(value: torch.Tensor | None, name: str, modality: Modality) -> torch.Tensor:
    if value is None:
        raise ValueError(f"a model of input {modality.value!r} needs {name}")
    return value


def build_sign_model(
    cfg: ModelConfig,
    load_weights: bool = True,
    meta: bool = False,
    skeleton: Skeleton | None = None,
    glosses: Sequence[str] | None = None,
) -> SignModel:
    """The sign model of ``cfg``. ``meta``: on PyTorch's meta device (the architecture only,
    nothing read or downloaded); ``load_weights=False``: a pretrained backbone is built from
    the sizes in the config with random weights. ``skeleton``: the keypoint layout of a
    ``pose`` / ``rgb+pose`` model; ``glosses``: the gloss vocabulary of a ``gloss`` model."""
    if cfg.spatial.out_dim != cfg.sign_encoder.dim:
        raise ConfigError(
            f"model.spatial.out_dim {cfg.spatial.out_dim} must equal "
            f"model.sign_encoder.dim {cfg.sign_encoder.dim}"
        )
    modality = cfg.input
    if modality.reads_keypoints and skeleton is None:
        raise ConfigError(f"model.input {modality.value}: the keypoints' skeleton is needed")
    if modality is Modality.GLOSS and glosses is None:
        raise ConfigError("model.input gloss: the gloss vocabulary is needed")
    out = cfg.spatial.out_dim
    pose = fusion = None
    context = torch.device("meta") if meta else contextlib.nullcontext()
    with context:
        if modality is Modality.POSE:
            assert skeleton is not None
            step_encoder: nn.Module = PoseEncoder(cfg.pose, skeleton, out)
        elif modality is Modality.GLOSS:
            assert glosses is not None
            step_encoder = GlossEmbedding(len(glosses), out)
        else:
            step_encoder = build_spatial(cfg.spatial, load_weights=load_weights and not meta)
        if modality is Modality.RGB_POSE:
            assert skeleton is not None
            pose = PoseEncoder(cfg.pose, skeleton, out)
            fusion = RGBPoseFusion(out, out, out)
        encoder = SignEncoder(cfg.sign_encoder)
    return SignModel(cfg, step_encoder, encoder, pose, fusion, glosses)
