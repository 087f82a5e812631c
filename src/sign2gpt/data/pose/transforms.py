"""Keypoint normalisation and clip augmentation, in numpy, on (T, K, 3) arrays.

:func:`normalise` maps pixels to body units, per frame: the origin at the shoulders' midpoint,
one unit = the shoulder distance, x right, y down (as in the picture). A frame whose shoulders
are not both found takes the clip's median centre and median shoulder distance; a clip with no
such frame (or a skeleton without shoulders) takes the frame centre and 0.4 of the frame width
(the median shoulder distance over the frame width is 0.54 in the real test clip, 0.39 in the
real .pose clip and 0.38 in the synthetic corpus). Missing points stay missing (confidence 0,
NaN x, y).

Augmentation is drawn once per clip, as the frame augmentation (``sign2gpt.data.augment``):
:func:`draw_pose_augment` takes a numpy Generator and always makes the same draws, and
:func:`apply_pose_augment` applies them to every frame of normalised keypoints, in the order
mirror -> rotate -> scale -> shift -> drop. The dropped points (each point of each frame with
probability ``drop_p``) come from a seed drawn with the parameters.

Speed: a few vectorised numpy operations on (T, K) arrays; ``benchmarks/pose_encoder.py`` times
them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sign2gpt.config import PoseAugmentConfig
from sign2gpt.data.pose.keypoints import Keypoints, mirror_points

FALLBACK_SCALE = 0.4  # shoulder distance / frame width, when no frame has both shoulders


def shoulder_frame(
    points: np.ndarray, shoulders: tuple[int, int] | None, width: int, height: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame centre (T, 2) and scale (T,) in pixels, with the fallbacks above."""
    t = points.shape[0]
    centre = np.full((t, 2), np.nan, np.float64)
    scale = np.full((t,), np.nan, np.float64)
    if shoulders is not None:
        left = points[:, shoulders[0], :2].astype(np.float64)  # (T, 2), NaN where missing
        right = points[:, shoulders[1], :2].astype(np.float64)
        centre = (left + right) / 2.0
        scale = np.linalg.norm(left - right, axis=-1)
    ok = np.isfinite(scale) & (scale > 1e-6)
    if ok.any():
        fill_c, fill_s = np.median(centre[ok], axis=0), float(np.median(scale[ok]))
    else:
        fill_c, fill_s = np.array([width / 2.0, height / 2.0]), width * FALLBACK_SCALE
    centre[~ok] = fill_c
    scale[~ok] = fill_s
    return centre, scale


def normalise_points(
    points: np.ndarray, shoulders: tuple[int, int] | None, width: int, height: int
) -> np.ndarray:
    """(T, K, 3) pixels -> (T, K, 3) float32 body units (see the module docstring)."""
    centre, scale = shoulder_frame(points, shoulders, width, height)
    out = np.empty(points.shape, np.float32)
    out[..., :2] = (points[..., :2] - centre[:, None, :]) / scale[:, None, None]
    out[..., 2] = points[..., 2]
    return out  # NaN stays NaN: missing points stay missing


def normalise(kp: Keypoints) -> np.ndarray:
    """The clip's points in body units, (T, K, 3) float32: what the pose encoder reads."""
    return normalise_points(kp.points, kp.skeleton.shoulders, kp.width, kp.height)


@dataclass(frozen=True)
class PoseAugment:
    """One clip's draw: ``angle`` degrees, counter-clockwise as the picture is seen (y points
    down); ``scale``; ``shift`` (dx, dy) body units; ``flip``; ``drop_p`` and ``drop_seed`` for
    the dropped points."""

    angle: float = 0.0
    scale: float = 1.0
    shift: tuple[float, float] = (0.0, 0.0)
    flip: bool = False
    drop_p: float = 0.0
    drop_seed: int = 0


def draw_pose_augment(cfg: PoseAugmentConfig, rng: np.random.Generator) -> PoseAugment:
    """One clip's parameters (always the same number of draws, in the same order)."""
    rotate = rng.random() < cfg.rotation_p
    angle = float(rng.uniform(-cfg.rotation_degrees, cfg.rotation_degrees))
    scale = float(rng.uniform(cfg.scale[0], cfg.scale[1]))
    dx, dy = (float(v) for v in rng.uniform(-cfg.shift, cfg.shift, size=2))
    flip = bool(rng.random() < cfg.hflip_p)
    seed = int(rng.integers(0, 2**31 - 1))
    return PoseAugment(
        angle=angle if rotate else 0.0,
        scale=scale,
        shift=(dx, dy),
        flip=flip,
        drop_p=cfg.drop_p,
        drop_seed=seed,
    )


def rotation_matrix(angle: float) -> np.ndarray:
    """2x2 matrix turning (x, y) points with y down by ``angle`` degrees counter-clockwise as the
    picture is seen: +90 maps (1, 0) (right) to (0, -1) (up)."""
    a = math.radians(angle)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, s], [-s, c]])


def apply_pose_augment(
    points: np.ndarray, params: PoseAugment, mirror: Sequence[int]
) -> np.ndarray:
    """(T, K, 3) normalised points -> augmented copy (float32). ``mirror``: the skeleton's
    counterpart table (``Skeleton.mirror``)."""
    out = mirror_points(points, mirror) if params.flip else points.astype(np.float32, copy=True)
    xy = out[..., :2].astype(np.float64)  # (T, K, 2)
    if params.angle:
        xy = xy @ rotation_matrix(params.angle).T
    xy = xy * params.scale + np.asarray(params.shift)
    out[..., :2] = xy
    if params.drop_p > 0:
        drop = np.random.default_rng(params.drop_seed).random(out.shape[:2]) < params.drop_p
        out[drop] = (np.nan, np.nan, 0.0)
    return out
