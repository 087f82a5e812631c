"""Decoding a clip's frames from a frame folder or a video file, repairing broken frames.

Frame folders (Phoenix14T PNGs, CSL-Daily JPEGs) may hold empty or truncated files. A broken
frame is replaced by its nearest readable neighbour (the previous one, else the next one), so
frame numbers keep their meaning, and it is counted. A clip with no readable frame raises
:class:`NoReadableFrames`, which ``prepare`` catches, skips and lists. Broken packets inside a
video cannot be placed in time, so they are dropped and counted.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from sign2gpt.errors import DataError

try:  # libjpeg-turbo straight into numpy: about 1.5x faster than Pillow's JPEG decoder
    import simplejpeg
except ImportError:  # pragma: no cover - Pillow does the same, slower
    simplejpeg = None

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
VIDEO_EXTS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".ts")
_JPEG_MAGIC = b"\xff\xd8"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the IEND chunk that closes every whole PNG


class NoReadableFrames(DataError):
    """A clip whose every frame is broken or empty (skipped and listed by ``prepare``)."""


@dataclass
class ClipFrames:
    """Decoded frames of one clip: ``frames`` (T, H, W, 3) uint8.

    ``repaired``: broken or empty frame files replaced by a neighbour; ``dropped``: undecodable
    video packets left out."""

    frames: np.ndarray
    repaired: int = 0
    dropped: int = 0


def is_video_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_EXTS


def _natural_key(name: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def list_frame_files(folder: str | Path) -> list[Path]:
    """Image files of a frame folder in natural order (``images2`` before ``images10``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: frame folder not found")
    files = [p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTS]
    return sorted(files, key=lambda p: _natural_key(p.name))


def decode_image(data: bytes, out: np.ndarray | None = None) -> np.ndarray | None:
    """(H, W, 3) uint8 RGB from encoded bytes, or None when the image is empty or broken.

    JPEG: libjpeg-turbo via simplejpeg (about 1.5x faster than Pillow). PNG: OpenCV's libpng
    (0.90 against 1.04 ms for a 210x260 Phoenix14T-like frame with Pillow, one core), for files
    that end with their IEND chunk: a cut file (the usual broken frame) goes to Pillow, which
    rejects it quietly where libpng would print its error. Anything else, and anything these
    two refuse: Pillow decides. ``out``: optional (H, W, 3) uint8 array of the right size to
    decode into."""
    if not data:
        return None
    if simplejpeg is not None and data[:2] == _JPEG_MAGIC:
        try:
            if out is not None:
                return simplejpeg.decode_jpeg(data, colorspace="RGB", buffer=out)
            return simplejpeg.decode_jpeg(data, colorspace="RGB")
        except ValueError:
            # Truncated data (strict mode) or an unusual JPEG flavour: Pillow decides.
            pass
    elif data[:8] == _PNG_MAGIC and data.endswith(_PNG_END):
        bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)  # 8-bit, 3 channels
        if bgr is not None:
            dst = out if out is not None and out.shape == bgr.shape else None
            return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB, dst=dst)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if image.mode != "RGB":
                image = image.convert("RGB")
            array = np.asarray(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    if out is not None and out.shape == array.shape:
        out[...] = array
        return out
    return array


def read_image_file(path: str | Path) -> np.ndarray | None:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    return decode_image(data)


def resize_frame(frame: np.ndarray, size: int | None) -> np.ndarray:
    """Stretch to ``size`` x ``size`` (as the authors' preprocessing: PIL bicubic, aspect not
    kept; every clip of a corpus has the same aspect, so the network sees one consistent
    distortion). ``None`` keeps the frame."""
    if size is None or frame.shape[:2] == (size, size):
        return frame
    return np.asarray(Image.fromarray(frame).resize((size, size), Image.BICUBIC))


def nearest_readable(broken: Sequence[bool], index: int) -> int | None:
    """The previous readable index before ``index``, else the next one, else None."""
    for j in range(index - 1, -1, -1):
        if not broken[j]:
            return j
    for j in range(index + 1, len(broken)):
        if not broken[j]:
            return j
    return None


def read_frame_folder(folder: str | Path, size: int | None = None) -> ClipFrames:
    """All frames of a folder, broken ones replaced by their nearest readable neighbour."""
    files = list_frame_files(folder)
    if not files:
        raise NoReadableFrames(f"{folder}: no image files")
    decoded: list[np.ndarray | None] = []
    for path in files:
        frame = read_image_file(path)
        decoded.append(None if frame is None else resize_frame(frame, size))
    broken = [f is None for f in decoded]
    if all(broken):
        raise NoReadableFrames(f"{folder}: none of its {len(files)} frames is readable")
    shapes = {f.shape for f in decoded if f is not None}
    if len(shapes) > 1:
        raise DataError(f"{folder}: frames differ in size {sorted(shapes)}; pass a store size")
    frames = [
        f if f is not None else decoded[nearest_readable(broken, i)]  # type: ignore[index]
        for i, f in enumerate(decoded)
    ]
    return ClipFrames(np.stack(frames), repaired=sum(broken))


def read_frame_files(files: Sequence[Path], indices: Sequence[int]) -> np.ndarray:
    """Frames ``indices`` of a folder listing (random access for training from raw folders);
    a broken frame is replaced by its nearest readable neighbour. (n, H, W, 3) uint8."""
    cache: dict[int, np.ndarray | None] = {}

    def load(i: int) -> np.ndarray | None:
        if i not in cache:
            cache[i] = read_image_file(files[i])
        return cache[i]

    out = []
    for i in indices:
        frame = load(i)
        step = 1
        while frame is None and step < len(files):  # nearest neighbour, previous side first
            for j in (i - step, i + step):
                if 0 <= j < len(files) and (frame := load(j)) is not None:
                    break
            step += 1
        if frame is None:
            raise NoReadableFrames(f"{files[i].parent}: no readable frame")
        out.append(frame)
    return np.stack(out)


def read_video(
    path: str | Path,
    start: float | None = None,
    end: float | None = None,
    size: int | None = None,
) -> ClipFrames:
    """Frames of a video file between ``start`` and ``end`` seconds (whole video when None)."""
    import av

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: video file not found")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read video ({exc.__class__.__name__})") from None
    frames: list[np.ndarray] = []
    dropped = 0
    with container:
        if not container.streams.video:
            raise DataError(f"{path}: no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        base = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
        if start:
            try:
                container.seek(int((start + base) / stream.time_base), stream=stream)
            except av.error.FFmpegError:
                container.seek(0, stream=stream)
        done = False
        try:
            packets = container.demux(stream)
            for packet in packets:
                try:
                    decoded = packet.decode()
                except av.error.InvalidDataError:
                    dropped += 1
                    continue
                for frame in decoded:
                    t = (float(frame.time) - base) if frame.time is not None else None
                    if t is not None and start is not None and t < start - 1e-6:
                        continue
                    if t is not None and end is not None and t >= end - 1e-6:
                        done = True
                        break
                    if size is not None:
                        frame = frame.reformat(
                            width=size, height=size, format="rgb24", interpolation="BICUBIC"
                        )
                        frames.append(frame.to_ndarray())
                    else:
                        frames.append(frame.to_ndarray(format="rgb24"))
                if done:
                    break
        except av.error.FFmpegError as exc:
            raise DataError(f"{path}: cannot read video ({exc.__class__.__name__})") from None
    if not frames:
        span = "" if start is None and end is None else f" between {start} s and {end} s"
        raise NoReadableFrames(f"{path}: no readable frame{span}")
    return ClipFrames(np.stack(frames), dropped=dropped)


def read_clip(
    source: str | Path,
    start: float | None = None,
    end: float | None = None,
    size: int | None = None,
) -> ClipFrames:
    """Frames of a frame folder or a video file (dispatch on what ``source`` is)."""
    source = Path(source)
    if source.is_dir():
        return read_frame_folder(source, size)
    if is_video_file(source) or source.is_file():
        return read_video(source, start, end, size)
    raise DataError(f"{source}: neither a frame folder nor a video file")


def encode_jpeg(frame: np.ndarray, quality: int = 90) -> bytes:
    """JPEG bytes of an (H, W, 3) uint8 frame, 4:2:0 chroma (Pillow's default; simplejpeg's is
    4:4:4). Half-resolution colour is what the corpora hold anyway (Phoenix14T's frames come
    from 4:2:0 broadcast video, CSL-Daily's are 4:2:0 JPEGs), and a 256x256 frame decodes in
    0.17 instead of 0.26 ms (q90, one core)."""
    frame = np.ascontiguousarray(frame)
    if simplejpeg is not None:
        return simplejpeg.encode_jpeg(
            frame, quality=quality, colorspace="RGB", colorsubsampling="420"
        )
    buf = io.BytesIO()
    Image.fromarray(frame).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()
