"""The keypoint value every source returns: :class:`Keypoints` on a :class:`Skeleton`.

Conventions (all sources, docs/pose.md):

- ``points`` (T, K, 3) float32: x, y in pixels of the source frame (origin at the top-left
  corner of the picture, x right, y down; MediaPipe's normalised landmarks are multiplied by
  the frame's width and height, as ``pose-format`` stores them), then a confidence in [0, 1].
- A missing point (not detected, or dropped by augmentation) has confidence 0 **and** NaN x, y,
  so it can never pass for a point at the origin; every present point has finite x, y and a
  confidence > 0. :class:`Keypoints` checks this on construction; :func:`mark_missing` makes
  raw arrays obey it.
- Every point belongs to exactly one :class:`PointGroup`; ``Skeleton.mirror[i]`` is the point
  that ``i`` becomes when the picture is flipped left-right (its left/right counterpart, or
  itself on the midline). The two hand groups list their points in the same order, so that
  ``mirror`` maps the i-th left-hand point to the i-th right-hand point.

Files of this module's own format are ``.npz`` archives of plain arrays (no pickle):
:func:`write_npz` / :func:`read_npz`.
"""

from __future__ import annotations

import math
import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sign2gpt.errors import DataError
from sign2gpt.skeleton import PointGroup, Skeleton

__all__ = ["Keypoints", "PointGroup", "Skeleton", "mark_missing", "mirror_keypoints"]


def swap_left_right(name: str) -> str:
    """``left_wrist`` <-> ``right_wrist``, ``LEFT_HAND_LANDMARKS/WRIST`` <-> ``RIGHT_HAND_...``
    (lower, upper or capitalised words; abbreviations such as OpenPose's ``LShoulder`` are not
    recognised: the readers spell them out)."""
    for a, b in (("left", "right"), ("LEFT", "RIGHT"), ("Left", "Right")):
        name = name.replace(a, "\0").replace(b, a).replace("\0", b)
    return name


def mirror_by_names(names: Sequence[str]) -> tuple[int, ...]:
    """Each point's counterpart found by swapping left/right in its name (itself when the
    swapped name is not a point: the midline)."""
    index = {n: i for i, n in enumerate(names)}
    return tuple(index.get(swap_left_right(n), i) for i, n in enumerate(names))


def mark_missing(points: np.ndarray) -> np.ndarray:
    """(T, K, 3) -> float32 copy obeying the missing-point rule: a point whose confidence is not
    > 0 or whose x, y is not finite gets confidence 0 and NaN x, y."""
    out = np.array(points, dtype=np.float32)  # a copy: the caller's array stays as it was
    if out.ndim != 3 or out.shape[-1] != 3:
        raise ValueError(f"expected (T, K, 3) keypoints, got {out.shape}")
    conf = out[..., 2]
    bad = ~(np.isfinite(out[..., :2]).all(axis=-1) & (conf > 0))  # NaN confidence too
    out[bad] = (np.nan, np.nan, 0.0)
    np.clip(out[..., 2], 0.0, 1.0, out=out[..., 2])
    return out


@dataclass(frozen=True)
class Keypoints:
    """One clip's keypoints: ``points`` (T, K, 3) float32 (x, y pixels, confidence; missing =
    confidence 0 and NaN x, y), its ``skeleton``, ``fps`` and the source frame's ``width`` and
    ``height`` in pixels."""

    points: np.ndarray
    skeleton: Skeleton
    fps: float
    width: int
    height: int

    def __post_init__(self) -> None:
        p = self.points
        if not isinstance(p, np.ndarray) or p.dtype != np.float32 or p.ndim != 3:
            raise ValueError("Keypoints.points must be a (T, K, 3) float32 array")
        if p.shape[1:] != (self.skeleton.num_points, 3):
            raise ValueError(
                f"Keypoints.points is {p.shape}, the skeleton {self.skeleton.name} has "
                f"{self.skeleton.num_points} points"
            )
        present = p[..., 2] > 0
        finite = np.isfinite(p[..., :2]).all(axis=-1)
        if not np.array_equal(present, finite):
            raise ValueError(
                "Keypoints.points: missing points need confidence 0 and NaN x, y (use mark_missing)"
            )
        if not (math.isfinite(self.fps) and self.fps > 0):
            raise ValueError(f"Keypoints.fps must be > 0, got {self.fps}")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"Keypoints frame size must be > 0, got {self.width}x{self.height}")

    @property
    def names(self) -> tuple[str, ...]:
        return self.skeleton.names

    @property
    def num_frames(self) -> int:
        return int(self.points.shape[0])

    @property
    def present(self) -> np.ndarray:
        """(T, K) bool: detected points."""
        return self.points[..., 2] > 0

    def group(self, group: PointGroup) -> np.ndarray:
        """(T, K_g, 3) points of one group (a copy)."""
        return self.points[:, list(self.skeleton.groups[group])]

    def select(self, names: Sequence[str], skeleton_name: str | None = None) -> Keypoints:
        """The same clip on the sub-skeleton of ``names`` (in that order)."""
        sub, idx = self.skeleton.select(names, skeleton_name)
        return Keypoints(self.points[:, idx], sub, self.fps, self.width, self.height)

    def frames(self, start: int, stop: int) -> Keypoints:
        """Frames ``start:stop`` (a clip cut out of a longer video)."""
        return Keypoints(
            self.points[start:stop].copy(), self.skeleton, self.fps, self.width, self.height
        )


def mirror_points(points: np.ndarray, mirror: Sequence[int], axis_x: float = 0.0) -> np.ndarray:
    """(..., K, 3) -> the left-right mirror picture: x -> 2 axis_x - x and each point moved to its
    counterpart's slot (``mirror``), so ``left_wrist`` holds what the flipped picture's left wrist
    is. ``axis_x``: 0 for shoulder-centred points, width / 2 for pixels."""
    out = points[..., list(mirror), :].copy()
    out[..., 0] = 2.0 * axis_x - out[..., 0]
    return out


def mirror_keypoints(kp: Keypoints) -> Keypoints:
    """The clip as if the video had been flipped left-right (pixel coordinates: x -> W - x)."""
    pts = mirror_points(kp.points, kp.skeleton.mirror, axis_x=kp.width / 2.0)
    return Keypoints(pts, kp.skeleton, kp.fps, kp.width, kp.height)


# --------------------------------------------------------------------------------------------
# the toolkit's own file: .npz of plain arrays

_NPZ_KEYS = ("points", "names", "groups", "mirror", "edges", "shoulders", "skeleton", "meta")
MAX_NPZ_POINTS_BYTES = 512 * 2**20
"""The largest ``points`` array :func:`read_npz` loads (512 MiB: six hours of 25 fps video at
MediaPipe's 75 reduced points); a header declaring more is refused before anything is
allocated (deflated zeros shrink a thousandfold: a 2 MB file can declare 2 GB)."""
MAX_NPZ_OTHER_BYTES = 4 * 2**20  # names, groups, edges ... of a skeleton: kilobytes


def write_npz(kp: Keypoints, path: str | Path) -> Path:
    """Write ``kp`` to ``path`` (.npz, plain arrays only); atomic: a temporary file in the same
    folder renamed over the target, so a reader never sees half a file."""
    path = Path(path)
    sk = kp.skeleton
    group_of = np.empty(sk.num_points, dtype="<U16")
    for g, idx in sk.groups.items():
        group_of[list(idx)] = g.value
    arrays = {
        "points": kp.points,
        "names": np.array(sk.names, dtype=str),
        "groups": group_of,
        "mirror": np.array(sk.mirror, dtype=np.int64),
        "edges": np.array(sk.edges, dtype=np.int64).reshape(-1, 2),
        "shoulders": np.array(sk.shoulders if sk.shoulders else (-1, -1), dtype=np.int64),
        "skeleton": np.array(sk.name),
        "meta": np.array([kp.fps, kp.width, kp.height], dtype=np.float64),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _npz_headers(path: Path) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """(shape, dtype) of every array in an .npz, from the .npy headers alone."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(member)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(member)
                else:
                    raise ValueError(f"unsupported .npy version {version}")
            out[info.filename[: -len(".npy")]] = (tuple(shape), dtype)
    return out


def _check_npz_headers(
    path: Path, headers: dict[str, tuple[tuple[int, ...], np.dtype]], max_frames: int | None
) -> None:
    absent = [k for k in _NPZ_KEYS if k not in headers]
    if absent:
        raise DataError(f"{path}: not a sign2gpt keypoint file (no {absent[0]})")
    shape, dtype = headers["points"]
    if len(shape) != 3 or shape[2] != 3 or dtype != np.float32:
        raise DataError(f"{path}: points of shape {shape} and {dtype}, expected (T, K, 3) float32")
    if max_frames is not None and shape[0] > max_frames:
        raise DataError(f"{path}: {shape[0]} frames, more than the limit of {max_frames}")
    for key in _NPZ_KEYS:
        shape, dtype = headers[key]
        if dtype.hasobject:
            raise DataError(f"{path}: {key} holds Python objects (refused: loading runs no code)")
        size = math.prod(shape) * dtype.itemsize
        limit = MAX_NPZ_POINTS_BYTES if key == "points" else MAX_NPZ_OTHER_BYTES
        if size > limit:
            raise DataError(
                f"{path}: {key} of shape {shape} declares {size / 2**20:,.0f} MiB, more than "
                f"the {limit / 2**20:g} MiB a keypoint file may hold"
            )


def read_npz(path: str | Path, max_frames: int | None = None) -> Keypoints:
    """Keypoints written by :func:`write_npz` (or converted by ``convert_openpose_folder``).

    Every array's shape and type is read from its header and checked (sizes, no objects, at
    most ``max_frames`` frames) before any is loaded."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: keypoint file not found")
    try:
        _check_npz_headers(path, _npz_headers(path), max_frames)
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in _NPZ_KEYS}
    except (
        OSError,
        ValueError,
        zipfile.BadZipFile,
        EOFError,
        RuntimeError,
        NotImplementedError,
    ) as exc:
        raise DataError(f"{path}: cannot read keypoints ({exc})") from None
    names = tuple(str(n) for n in arrays["names"])
    group_of = [str(g) for g in arrays["groups"]]
    try:
        groups = {g: tuple(i for i, v in enumerate(group_of) if v == g.value) for g in PointGroup}
        unknown = sorted(set(group_of) - {g.value for g in PointGroup})
        if unknown:
            raise ValueError(f"unknown point group {unknown[0]!r}")
        left, right = (int(v) for v in arrays["shoulders"])
        skeleton = Skeleton(
            name=str(arrays["skeleton"]),
            names=names,
            groups=groups,
            mirror=tuple(int(v) for v in arrays["mirror"]),
            edges=tuple((int(a), int(b)) for a, b in arrays["edges"]),
            shoulders=None if left < 0 else (left, right),
        )
        fps, width, height = (float(v) for v in arrays["meta"])
        return Keypoints(arrays["points"], skeleton, fps, round(width), round(height))
    except (ValueError, TypeError, IndexError, OverflowError) as exc:
        raise DataError(f"{path}: bad keypoint file ({exc})") from None
