"""Keypoint sources behind one reader, :func:`read_keypoints`, each returning :class:`Keypoints`.

- ``.pose`` files of the ``pose-format`` library (``pip install 'sign2gpt[pose]'``), as its
  ``video_to_pose`` writes them: MediaPipe Holistic (full or reduced) or OpenPose components.
  The first person is read (the signer); pose-format's masked points become missing points.
- ``.json`` ground truth of the synthetic corpus (``groundtruth/<split>/<name>.json``): exact
  points, confidence 1 everywhere (a hand hidden behind the other is still given).
- ``.npz`` files of this toolkit (:func:`~sign2gpt.data.pose.keypoints.write_npz`): what the
  estimator and :func:`convert_openpose_folder` write.
- a folder of OpenPose ``*_keypoints.json`` files (one per frame; needs ``fps``, ``width``,
  ``height``, which OpenPose does not store).
"""

from __future__ import annotations

import enum
import math
import re
import struct
from pathlib import Path

import numpy as np

from sign2gpt.data.pose.keypoints import Keypoints, mark_missing, read_npz, write_npz
from sign2gpt.data.pose.skeletons import (
    OPENPOSE_BODY25,
    OPENPOSE_COCO18,
    Component,
    openpose_components,
    skeleton_from_components,
    synth_skeleton,
)
from sign2gpt.errors import DataError
from sign2gpt.io import parse_json


class KeypointFormat(enum.Enum):
    POSE = "pose"  # pose-format .pose
    SYNTH = "synth"  # synthetic corpus ground truth .json
    NPZ = "npz"  # this toolkit's .npz
    OPENPOSE = "openpose"  # folder of OpenPose *_keypoints.json


def detect_format(path: str | Path) -> KeypointFormat:
    """The format of ``path`` from what it is (folder) or its suffix."""
    path = Path(path)
    if path.is_dir():
        return KeypointFormat.OPENPOSE
    formats = {".pose": KeypointFormat.POSE, ".json": KeypointFormat.SYNTH}
    formats[".npz"] = KeypointFormat.NPZ
    if path.suffix.lower() not in formats:
        raise DataError(f"{path}: not a keypoint file (.pose, .npz, .json or an OpenPose folder)")
    return formats[path.suffix.lower()]


def is_keypoint_file(path: str | Path) -> bool:
    """Whether ``path`` names keypoints (a .pose, .npz or ground-truth .json file, or a folder
    of OpenPose JSON files) rather than video or frames."""
    path = Path(path)
    if path.is_dir():
        return any(path.glob("*_keypoints.json"))
    return path.suffix.lower() in (".pose", ".npz", ".json")


def read_keypoints(
    path: str | Path,
    fps: float | None = None,
    width: int | None = None,
    height: int | None = None,
    max_frames: int | None = None,
) -> Keypoints:
    """The keypoints of one clip from any supported source (see the module docstring); a clip
    of no frames, or of more than ``max_frames`` (checked before loading an .npz), is refused.

    ``fps``, ``width``, ``height``: required for an OpenPose folder, ignored otherwise (the
    other formats store them)."""
    kind = detect_format(path)
    if kind is KeypointFormat.POSE:
        kp = read_pose_file(path)
    elif kind is KeypointFormat.SYNTH:
        kp = read_synth_groundtruth(path)
    elif kind is KeypointFormat.NPZ:
        kp = read_npz(path, max_frames)
    elif fps is None or width is None or height is None:
        raise DataError(f"{path}: an OpenPose folder needs fps, width and height")
    else:
        kp = read_openpose_folder(path, fps, width, height)
    if kp.num_frames == 0:
        raise DataError(f"{path}: no frames")
    if max_frames is not None and kp.num_frames > max_frames:
        raise DataError(f"{path}: {kp.num_frames} frames, more than the limit of {max_frames}")
    return kp


# --------------------------------------------------------------------------------------------
# pose-format


def read_pose_file(path: str | Path) -> Keypoints:
    """A ``.pose`` file (pose-format 0.1/0.2 layouts), first person, x, y and confidence."""
    path = Path(path)
    try:
        from pose_format import Pose
    except ImportError:
        raise DataError(
            f"{path}: reading .pose files needs pose-format (pip install 'sign2gpt[pose]')"
        ) from None
    if not path.is_file():
        raise DataError(f"{path}: pose file not found")
    try:
        pose = Pose.read(path.read_bytes())
    # pose-format parses with struct and numpy: a cut or crafted file fails in either's words
    except (
        struct.error,
        ValueError,
        TypeError,
        IndexError,
        KeyError,
        EOFError,
        OverflowError,
        UnicodeDecodeError,
    ) as exc:
        raise DataError(f"{path}: not a readable .pose file ({exc.__class__.__name__})") from None
    except NotImplementedError:
        raise DataError(f"{path}: unsupported .pose version") from None
    header, body = pose.header, pose.body
    comps, columns = [], []
    offset = 0
    for c in header.components:
        n = len(c.points)
        if c.name != "POSE_WORLD_LANDMARKS":  # metres in the body frame, not the picture
            limbs = tuple((int(a), int(b)) for a, b in c.limbs)
            comps.append(Component(c.name, tuple(c.points), limbs))
            columns.append(np.arange(offset, offset + n))
        offset += n
    try:
        skeleton = skeleton_from_components(comps, _pose_layout_name(comps))
    except ValueError as exc:
        raise DataError(f"{path}: {exc}") from None
    data = body.data  # (T, people, K, D) masked array; D = 3 for XYZC / 2 for XYC
    if data.ndim != 4 or data.shape[2] != offset or data.shape[3] < 2:
        raise DataError(f"{path}: pose body of shape {data.shape} does not match its header")
    if data.shape[1] == 0:
        raise DataError(f"{path}: no person in the pose body")
    cols = np.concatenate(columns)
    xy = np.ma.filled(data[:, 0, cols, :2].astype(np.float32), np.nan)  # (T, K, 2)
    conf = np.asarray(body.confidence[:, 0, cols], dtype=np.float32)  # (T, K)
    masked = np.ma.getmaskarray(data[:, 0, cols, :2]).any(axis=-1)
    conf = np.where(masked, 0.0, conf)
    points = mark_missing(np.concatenate([xy, conf[..., None]], axis=-1))
    dims = header.dimensions
    fps, width, height = float(body.fps), int(dims.width), int(dims.height)
    if not (math.isfinite(fps) and fps > 0):
        raise DataError(f"{path}: frame rate {fps} in the pose body (need a number > 0)")
    if width <= 0 or height <= 0:
        raise DataError(f"{path}: frame size {width}x{height} in the pose header")
    return Keypoints(points, skeleton, fps, width, height)


def _pose_layout_name(comps: list[Component]) -> str:
    if any(c.name.endswith("_LANDMARKS") for c in comps):
        return "mediapipe-holistic"
    return "openpose"


# --------------------------------------------------------------------------------------------
# the synthetic corpus's ground truth


def read_synth_groundtruth(path: str | Path) -> Keypoints:
    """``groundtruth/<split>/<name>.json`` of ``sign2gpt synth``: 22 exact points per frame."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: ground-truth file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read ground truth ({exc.__class__.__name__})") from None
    gt = parse_json(text, f"{path}: cannot read ground truth")
    skeleton = synth_skeleton()
    if not isinstance(gt, dict) or "keypoints" not in gt:
        raise DataError(f"{path}: not a synthetic ground-truth file (no keypoints)")
    if tuple(gt.get("keypoint_names", ())) != skeleton.names:
        raise DataError(f"{path}: keypoint names differ from {skeleton.name}'s")
    try:
        xy = np.asarray(gt["keypoints"], dtype=np.float32)  # (T, 22, 2)
        width, height = (int(v) for v in gt["frame_size"])
        fps = float(gt["fps"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"{path}: malformed ground truth ({exc})") from None
    if xy.ndim != 3 or xy.shape[1:] != (skeleton.num_points, 2):
        raise DataError(f"{path}: keypoints of shape {xy.shape}, expected (T, 22, 2)")
    points = np.concatenate([xy, np.ones_like(xy[..., :1])], axis=-1)
    return Keypoints(mark_missing(points), skeleton, fps, width, height)


# --------------------------------------------------------------------------------------------
# OpenPose JSON folders

_OPENPOSE_FRAME = re.compile(r"(\d+)_keypoints\.json$")
_OPENPOSE_PARTS = (
    ("pose_keypoints_2d", None),
    ("face_keypoints_2d", 70),
    ("hand_left_keypoints_2d", 21),
    ("hand_right_keypoints_2d", 21),
)


def _openpose_people(path: Path) -> list[dict]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{path}: not an OpenPose keypoint file ({exc.__class__.__name__})"
        ) from None
    data = parse_json(text, f"{path}: not an OpenPose keypoint file")
    people = data.get("people") if isinstance(data, dict) else None
    if people is None:
        raise DataError(f"{path}: not an OpenPose keypoint file (no 'people')")
    if not isinstance(people, list):
        raise DataError(f"{path}: 'people' is not a list")
    return people


def _flat_points(path: Path, values: object, n: int) -> np.ndarray:
    arr = np.asarray(values if values is not None else [], dtype=np.float32)
    if arr.size == 0:
        return np.zeros((n, 3), np.float32)  # part not detected: confidence 0 below
    if arr.shape != (3 * n,):
        raise DataError(f"{path}: expected {3 * n} values (x, y, c) for {n} points, got {arr.size}")
    return arr.reshape(n, 3)


def read_openpose_folder(folder: str | Path, fps: float, width: int, height: int) -> Keypoints:
    """A folder of OpenPose ``<name>_<frame>_keypoints.json`` files (``--write_json``), in frame
    order. The person with the highest mean body confidence is taken per frame (the signer
    faces the camera); parts in none of the files are left out. OpenPose writes 0, 0, 0 for an
    undetected point: it becomes a missing point."""
    folder = Path(folder)
    files = sorted(
        (int(m.group(1)), f) for f in folder.iterdir() if (m := _OPENPOSE_FRAME.search(f.name))
    )
    if not files:
        raise DataError(f"{folder}: no OpenPose *_keypoints.json files")
    people = [_openpose_people(f) for _, f in files]
    body_len = {len(p.get("pose_keypoints_2d") or []) for frame in people for p in frame} - {0}
    if body_len - {75, 54}:
        raise DataError(f"{folder}: body keypoints of {sorted(body_len)} values (BODY_25: 75)")
    body = OPENPOSE_COCO18 if body_len == {54} else OPENPOSE_BODY25
    has = {k: any(p.get(k) for frame in people for p in frame) for k, _ in _OPENPOSE_PARTS}
    comps = openpose_components(
        body,
        hands=has["hand_left_keypoints_2d"] or has["hand_right_keypoints_2d"],
        face=has["face_keypoints_2d"],
    )
    skeleton = skeleton_from_components(comps, "openpose")
    sizes = {k: n or len(body) for k, n in _OPENPOSE_PARTS}
    used = [c.name for c in comps]
    frames = []
    for (_, f), frame in zip(files, people):
        if not frame:
            frames.append(np.zeros((skeleton.num_points, 3), np.float32))
            continue
        best = max(
            frame,
            key=lambda p: float(
                np.mean(_flat_points(f, p.get("pose_keypoints_2d"), len(body))[:, 2])
            ),
        )
        frames.append(np.concatenate([_flat_points(f, best.get(k), sizes[k]) for k in used]))
    return Keypoints(mark_missing(np.stack(frames)), skeleton, float(fps), width, height)


def convert_openpose_folder(
    folder: str | Path, out: str | Path, fps: float, width: int, height: int
) -> Path:
    """Convert an OpenPose JSON folder to this toolkit's ``.npz`` (what the store reads)."""
    return write_npz(read_openpose_folder(folder, fps, width, height), out)
