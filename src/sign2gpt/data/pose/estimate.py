"""Keypoints from a video or a frame folder: MediaPipe Holistic in its own environment.

Why this estimator: MediaPipe Holistic (body 33, face mesh 468, two hands of 21) is what the
sign-language ``.pose`` corpora are made with, and mediapipe 0.10.21 is the last release whose
wheel ships the Holistic model files (later ones download them at run time, which this
toolkit never does; rtmlib's RTMPose/RTMW download their ONNX weights too). That release pins
numpy<2 and protobuf<5 and brings opencv-contrib-python, all of which clash with this
environment (numpy 2, opencv-python-headless), so it lives in ``.venv-pose`` (``make
pose-env``; its size and install time are in docs/pose.md) and runs as a subprocess,
``holistic_worker.py``.

The frames are decoded here, by the toolkit's own reader (``sign2gpt.data.frames.read_clip``,
with its repair of broken frame files), and streamed raw to the worker's standard input, so the
keypoints belong to exactly the frames the RGB path reads. The worker writes an ``.npz`` of plain
arrays, read here without pickle. Its speed on the real test clip
(``benchmarks/pose_estimator.py``) is in the table of
docs/pose.md#estimator-mediapipe-holistic-in-its-own-environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sign2gpt.data.frames import read_clip
from sign2gpt.data.pose.keypoints import Keypoints, mark_missing
from sign2gpt.data.pose.skeletons import Component, skeleton_from_components
from sign2gpt.errors import DataError, Sign2GPTError

WORKER = Path(__file__).with_name("holistic_worker.py")
DEFAULT_POSE_PYTHON = ".venv-pose/bin/python"
POSE_PYTHON_ENV = "SIGN2GPT_POSE_PYTHON"


class EstimatorUnavailable(Sign2GPTError):
    """The pose environment is not there (``make pose-env`` makes it)."""


@dataclass(frozen=True)
class HolisticConfig:
    """MediaPipe Holistic settings. ``python``: the pose environment's interpreter (relative
    paths from the working directory; the ``SIGN2GPT_POSE_PYTHON`` environment variable wins
    when set); ``static_image_mode``: detect afresh in every frame instead of tracking (more hands
    found, more slowly: docs/pose.md#estimator-mediapipe-holistic-in-its-own-environment);
    ``timeout_s``: None for no limit. The pose model is always the "full" one
    (model_complexity 1): the wheel ships no other, and the lite and heavy ones would be
    downloaded at run time."""

    python: str = DEFAULT_POSE_PYTHON
    static_image_mode: bool = False
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    timeout_s: float | None = None


@dataclass(frozen=True)
class Estimate:
    """The keypoints and the seconds Holistic itself took (decoding and the pipe excluded)."""

    keypoints: Keypoints
    seconds: float


def pose_python(cfg: HolisticConfig) -> Path:
    """The pose environment's interpreter, or :class:`EstimatorUnavailable` naming the fix."""
    path = Path(os.environ.get(POSE_PYTHON_ENV) or cfg.python)
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise EstimatorUnavailable(
            f"{path}: no pose environment (run `make pose-env`, or set {POSE_PYTHON_ENV})"
        )
    return path


def video_fps(path: str | Path) -> float:
    """The average frame rate of a video file's first video stream."""
    import av

    try:
        with av.open(str(path)) as container:
            rate = container.streams.video[0].average_rate
    except (av.error.FFmpegError, OSError, IndexError) as exc:
        raise DataError(f"{path}: cannot read the frame rate ({exc.__class__.__name__})") from None
    if not rate:
        raise DataError(f"{path}: the video stores no frame rate")
    return float(rate)


def estimate_frames(frames: np.ndarray, fps: float, cfg: HolisticConfig | None = None) -> Estimate:
    """Holistic on (T, H, W, 3) uint8 RGB frames: 543 points per frame (``mediapipe-holistic``
    layout, pixels)."""
    cfg = cfg or HolisticConfig()
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"expected (T, H, W, 3) uint8 frames, got {frames.shape} {frames.dtype}")
    python = pose_python(cfg)
    t, h, w, _ = frames.shape
    workdir = Path(tempfile.mkdtemp(prefix="sign2gpt-pose-"))
    out = workdir / "keypoints.npz"
    log = workdir / "worker.log"
    cmd = [
        str(python),
        str(WORKER),
        "--out",
        str(out),
        *(["--static-image-mode"] if cfg.static_image_mode else []),
        "--min-detection-confidence",
        str(cfg.min_detection_confidence),
        "--min-tracking-confidence",
        str(cfg.min_tracking_confidence),
    ]
    try:
        # stderr to a file, not a pipe: a worker logging while we write frames cannot block
        with log.open("wb") as err:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err
            )
            try:
                assert proc.stdin is not None
                proc.stdin.write(f"{t} {h} {w}\n".encode())
                for frame in frames:
                    proc.stdin.write(np.ascontiguousarray(frame).data)
                proc.stdin.close()
                code = proc.wait(timeout=cfg.timeout_s)
            except BrokenPipeError:
                code = proc.wait(timeout=cfg.timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise Sign2GPTError(f"pose estimator: over {cfg.timeout_s} s, stopped") from None
        if code != 0 or not out.is_file():
            tail = log.read_text(errors="replace").strip().splitlines()
            last = tail[-1] if tail else "no message"
            raise Sign2GPTError(f"pose estimator failed (exit {code}): {last}")
        return _read_worker_output(out, fps, w, h)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _read_worker_output(path: Path, fps: float, width: int, height: int) -> Estimate:
    try:
        with np.load(path, allow_pickle=False) as z:
            points, names, limbs = z["points"], z["names"], z["limbs"]
            seconds = float(z["seconds"])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise Sign2GPTError(f"pose estimator: unreadable output ({exc})") from None
    comps: list[Component] = []
    start = 0
    split = [str(n).split("/", 1) for n in names]
    while start < len(split):
        comp = split[start][0]
        stop = start
        while stop < len(split) and split[stop][0] == comp:
            stop += 1
        local = tuple(
            (int(a) - start, int(b) - start)
            for a, b in limbs
            if start <= a < stop and start <= b < stop
        )
        comps.append(Component(comp, tuple(p for _, p in split[start:stop]), local))
        start = stop
    skeleton = skeleton_from_components(comps, "mediapipe-holistic")
    return Estimate(Keypoints(mark_missing(points), skeleton, fps, width, height), seconds)


def estimate_keypoints(
    source: str | Path, fps: float | None = None, cfg: HolisticConfig | None = None
) -> Estimate:
    """Holistic on a video file or a frame folder (decoded by ``read_clip``). ``fps``: the
    frame rate of a frame folder (required there); a video's own rate is used otherwise."""
    source = Path(source)
    if fps is None:
        if source.is_dir():
            raise DataError(f"{source}: a frame folder needs its fps")
        fps = video_fps(source)
    clip = read_clip(source)
    return estimate_frames(clip.frames, fps, cfg)
