"""Keypoints as a second modality: sources, layouts, normalisation, augmentation (docs/pose.md).

The public interface:

- :class:`Keypoints`, :class:`Skeleton`, :class:`PointGroup` (``keypoints``): the value every
  source returns; :func:`write_npz` / :func:`read_npz`, the toolkit's own file;
- :func:`read_keypoints` (``readers``): one reader for ``.pose``, ``.npz``, synthetic ground
  truth ``.json`` and OpenPose JSON folders; :func:`convert_openpose_folder`;
- :func:`estimate_keypoints` (``estimate``): MediaPipe Holistic on a video or frame folder, run
  in its own environment (``make pose-env``);
- :func:`normalise`, :func:`draw_pose_augment`, :func:`apply_pose_augment` (``transforms``).
"""

from sign2gpt.data.pose.keypoints import (
    Keypoints,
    PointGroup,
    Skeleton,
    mark_missing,
    mirror_keypoints,
    read_npz,
    write_npz,
)
from sign2gpt.data.pose.readers import (
    KeypointFormat,
    convert_openpose_folder,
    read_keypoints,
    read_openpose_folder,
    read_pose_file,
    read_synth_groundtruth,
)

__all__ = [
    "KeypointFormat",
    "Keypoints",
    "PointGroup",
    "Skeleton",
    "convert_openpose_folder",
    "mark_missing",
    "mirror_keypoints",
    "read_keypoints",
    "read_npz",
    "read_openpose_folder",
    "read_pose_file",
    "read_synth_groundtruth",
    "write_npz",
]
