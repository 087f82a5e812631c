"""One clip as a trained model reads it: a video file, a frame folder or (for a pose model) a
keypoint file, sampled and resized as in evaluation (docs/method.md#5-training-recipe)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from sign2gpt.config import Modality
from sign2gpt.data.augment import eval_clip
from sign2gpt.data.frames import read_clip
from sign2gpt.data.pose.keypoints import Keypoints
from sign2gpt.data.pose.readers import is_keypoint_file, read_keypoints
from sign2gpt.data.sampling import sample_indices
from sign2gpt.errors import DataError
from sign2gpt.pipeline import Pipeline
from sign2gpt.skeleton import Skeleton


def read_clip_input(pipeline: Pipeline, source: str | Path) -> ClipInput:
    """A video file or frame folder (or, for a pose model, a keypoint file: ``.pose``,
    ``.npz``, the synthetic corpus's ``.json``) as the model's input: sampled and resized
    as in evaluation (docs/method.md#5-training-recipe). A pose model given a video runs
    the keypoint estimator on it (``make pose-env``)."""
    data = pipeline.cfg.data
    sign = pipeline.model.sign
    modality = sign.modality
    if modality is Modality.GLOSS:
        raise DataError(
            f"{source}: this model reads gloss sequences, not video (the gloss-to-text "
            "ceiling): score it with `sign2gpt evaluate`"
        )
    keypoints_only = modality is Modality.POSE and is_keypoint_file(source)
    if is_keypoint_file(source) and not keypoints_only and Path(source).is_file():
        raise DataError(
            f"{source}: a keypoint file, and this model reads {modality.value}: give it a "
            "video or frame folder (a model of input pose reads keypoint files)"
        )
    if keypoints_only:
        kp = read_keypoints(source)
        decoded = len(kp.points)
    else:
        clip = read_clip(
            source,
            size=data.store_size,
            max_pixels=data.max_pixels,
            max_frame_bytes=data.max_frame_bytes,
        ).frames  # (T_all, H, W, 3)
        decoded = len(clip)
    indices = sample_indices(decoded, data, train=False, rng=None)
    out = ClipInput(None, decoded, indices)
    if modality.reads_frames:
        out.frames = eval_clip(clip[indices], data)
    if modality.reads_keypoints:
        if not keypoints_only:
            kp = estimate_source_keypoints(source)
        out.keypoints = model_keypoints(kp, sign.skeleton, source)[indices]
    if modality is Modality.POSE and not keypoints_only:
        out.pictures = clip[indices]  # what the estimator saw, for pictures
    return out


@dataclass
class ClipInput:
    """One clip read for the model."""

    frames: torch.Tensor | None  # (T, 3, S, S) uint8, the sampled frames (rgb, rgb+pose)
    decoded: int  # frames the file holds
    indices: np.ndarray  # (T,) which of them were sampled
    keypoints: torch.Tensor | None = None  # (T, K, 3) normalised (pose, rgb+pose)
    pictures: np.ndarray | None = None  # (T, H, W, 3) uint8 frames of a pose model's video

    @property
    def steps(self) -> int:
        return len(self.indices)


def estimate_source_keypoints(source: str | Path) -> Keypoints:
    """MediaPipe Holistic on a video file or frame folder (its own environment, ``make
    pose-env``), one line naming what is missing when it is not installed."""
    from sign2gpt.data.pose.estimate import estimate_keypoints
    from sign2gpt.data.pose.store import FOLDER_FPS

    fps = None if Path(source).is_file() else FOLDER_FPS
    return estimate_keypoints(source, fps=fps).keypoints


def model_keypoints(kp: Keypoints, skeleton: Skeleton | None, source: str | Path) -> torch.Tensor:
    """(T, K, 3) float32 keypoints in the model's skeleton, normalised to body units: the
    model's points picked by name from a layout that holds them (a full MediaPipe layout for a
    model of the reduced one)."""
    from sign2gpt.data.pose.transforms import normalise_points

    assert skeleton is not None
    points = kp.points
    if kp.skeleton.names != skeleton.names:
        try:
            _, idx = kp.skeleton.select(skeleton.names)
        except (KeyError, ValueError):
            raise DataError(
                f"{source}: keypoints of layout {kp.skeleton.name} ({kp.skeleton.num_points} "
                f"points) lack points of the model's {skeleton.name}"
            ) from None
        points = points[:, idx]
    normalised = normalise_points(points, skeleton.shoulders, kp.width, kp.height)
    return torch.from_numpy(np.ascontiguousarray(normalised, dtype=np.float32))
