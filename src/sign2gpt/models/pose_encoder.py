"""Per-frame keypoint features: the pose counterpart of the RGB spatial backbone.

:class:`PoseEncoder` maps (N, K, 3) normalised keypoints of N packed frames (x, y in body
units as ``sign2gpt.data.pose.transforms.normalise`` makes them, then a confidence; a missing
point has confidence 0, its x, y may be anything, NaN included) to (N, out_dim) features, the
interface of ``models.spatial.SpatialBackbone``, ending like it in Linear + BatchNorm1d.

Design: one small MLP per point group (body, hands, face) on the group's flattened points,
the group features concatenated, then Linear + BatchNorm1d.

- Confidence masking: a missing point enters as (0, 0, 0), so its stored x, y cannot change
  the output (a present point carries its confidence as a third input).
- Hands and face are read in their own frame: each point relative to the group's centre (the
  mean of its present points), plus that centre, so a handshape looks the same wherever it is
  signed while its location is still given.
- One MLP reads both hands, the left one mirrored (x negated): a left hand is a mirrored right
  hand, so both hands train the same weights, and mirroring the input swaps the two hands'
  features exactly (tested).

Why this design (``benchmarks/pose_encoder.py``; the table is in
docs/pose.md#pose-encoder): on clean points an MLP over all points and the grouped MLPs tie, a
graph convolution is slower and no better; with missing points, which real detections have
plenty of, the grouped MLP with local parts and shared hands holds up best, at a cost
negligible next to the RGB backbone.

Also here: :class:`RGBPoseFusion`, the ``rgb+pose`` combiner of the two per-frame features.
"""

from __future__ import annotations

import torch
from torch import nn

from sign2gpt.config import PoseEncoderConfig
from sign2gpt.skeleton import PointGroup, Skeleton


def masked_points(points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(..., K, 3) -> xy (..., K, 2) with missing points at 0 (NaN removed) and the mask
    (..., K, 1) float, 1 where the confidence is > 0."""
    mask = (points[..., 2:3] > 0).to(points.dtype)
    xy = torch.where(mask > 0, points[..., :2], torch.zeros_like(points[..., :2]))
    return xy, mask


def _mlp(in_dim: int, cfg: PoseEncoderConfig) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(cfg.layers):
        layers += [nn.Linear(in_dim if i == 0 else cfg.hidden_dim, cfg.hidden_dim), nn.GELU()]
        if cfg.dropout:
            layers.append(nn.Dropout(cfg.dropout))
    return nn.Sequential(*layers)


class PoseEncoder(nn.Module):
    """Per-frame features from keypoints: (N, K, 3) -> (N, out_dim). See the module docstring.

    ``skeleton``: the layout of the K points (``sign2gpt.data.pose.Skeleton``); groups with no
    point get no MLP."""

    def __init__(self, cfg: PoseEncoderConfig, skeleton: Skeleton, out_dim: int) -> None:
        super().__init__()
        self.cfg = cfg
        self.skeleton = skeleton  # a plain attribute: saved beside a checkpoint as JSON
        self.out_dim = out_dim
        self.num_points = skeleton.num_points
        self.parts = [g for g in PointGroup if skeleton.groups[g]]  # fixed order: concatenation
        for g in self.parts:
            self.register_buffer(
                f"idx_{g.value}", torch.tensor(skeleton.groups[g], dtype=torch.long), False
            )
        self.mlps = nn.ModuleDict()
        for g in self.parts:
            if (
                g is PointGroup.LEFT_HAND
                and cfg.share_hands
                and PointGroup.RIGHT_HAND in self.parts
            ):
                continue  # reads through the right hand's MLP
            k = len(skeleton.groups[g])
            self.mlps[g.value] = _mlp(3 * k + (2 if self._local(g) else 0), cfg)
        self.proj = nn.Linear(len(self.parts) * cfg.hidden_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)

    def _local(self, g: PointGroup) -> bool:
        return self.cfg.local_parts and g is not PointGroup.BODY

    def _mlp_of(self, g: PointGroup) -> nn.Module:
        if g is PointGroup.LEFT_HAND and self.cfg.share_hands and "right_hand" in self.mlps:
            return self.mlps["right_hand"]
        return self.mlps[g.value]

    def part_input(self, points: torch.Tensor, g: PointGroup) -> torch.Tensor:
        """The MLP input of group ``g``: (N, K, 3) -> (N, 3 K_g [+ 2])."""
        part = points[:, getattr(self, f"idx_{g.value}")]  # (N, K_g, 3)
        xy, mask = masked_points(part)  # (N, K_g, 2), (N, K_g, 1)
        if g is PointGroup.LEFT_HAND and self.cfg.share_hands and "right_hand" in self.mlps:
            xy = xy * xy.new_tensor([-1.0, 1.0])  # a left hand, mirrored, is a right hand
        conf = part[..., 2:3] * mask  # (N, K_g, 1)
        feats = [xy, conf]
        if self._local(g):
            count = mask.sum(dim=1, keepdim=True).clamp(min=1.0)  # (N, 1, 1)
            centre = (xy * mask).sum(dim=1, keepdim=True) / count  # (N, 1, 2)
            feats[0] = (xy - centre) * mask  # missing points stay at 0
            return torch.cat([torch.cat(feats, dim=-1).flatten(1), centre.flatten(1)], dim=1)
        return torch.cat(feats, dim=-1).flatten(1)  # (N, 3 K_g)

    def part_features(self, points: torch.Tensor) -> dict[PointGroup, torch.Tensor]:
        """Each group's MLP output, (N, hidden_dim) per group."""
        return {g: self._mlp_of(g)(self.part_input(points, g)) for g in self.parts}

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        # points: (N, K, 3) normalised x, y and confidence of N packed frames
        if points.ndim != 3 or points.shape[1:] != (self.num_points, 3):
            raise ValueError(f"expected (N, {self.num_points}, 3) keypoints, got {points.shape}")
        parts = self.part_features(points)
        x = torch.cat([parts[g] for g in self.parts], dim=1)  # (N, G hidden)
        return self.bn(self.proj(x))  # (N, out_dim), BN over all frames of the batch


class RGBPoseFusion(nn.Module):
    """``rgb+pose``: (N, rgb_dim) and (N, pose_dim) per-frame features -> (N, out_dim) by
    concatenation, Linear and BatchNorm1d. Both inputs already end in a BatchNorm1d, so neither
    dominates the concatenation by its scale."""

    def __init__(self, rgb_dim: int, pose_dim: int, out_dim: int) -> None:
        super().__init__()
        self.out_dim = out_dim
        self.proj = nn.Linear(rgb_dim + pose_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)

    def forward(self, rgb: torch.Tensor, pose: torch.Tensor) -> torch.Tensor:
        # rgb: (N, rgb_dim), pose: (N, pose_dim), the same N packed frames
        if rgb.shape[0] != pose.shape[0]:
            raise ValueError(f"fusion: {rgb.shape[0]} RGB frames but {pose.shape[0]} pose frames")
        return self.bn(self.proj(torch.cat([rgb, pose], dim=1)))  # (N, out_dim)
