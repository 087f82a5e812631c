"""Decoding a clip's frames from a frame folder or a video file, repairing broken frames.

Frame folders (Phoenix14T PNGs, CSL-Daily JPEGs) may hold empty or truncated files. A broken
frame is replaced by its nearest readable neighbour (the previous one, else the next one), so
frame numbers keep their meaning, and it is counted. A clip with no readable frame raises
:class:`NoReadableFrames`, which ``prepare`` catches, skips and lists. Broken packets inside a
video cannot be placed in time, so they are dropped and counted.

Hostile files are broken frames too, refused before they cost memory or time: a frame whose
header declares more than ``max_pixels`` pixels (a decompression bomb: a 1.2 MB PNG can hold a
20000 x 20000 image) is never decoded, and a frame file is read only when it is a regular file
(after following links) of at most ``max_frame_bytes`` bytes, so a link to /dev/zero or a FIFO
is never opened. A video whose stream is larger than ``max_pixels``, or a video path that is not
a regular file, stops with one :class:`DataError` line. Defaults: :data:`MAX_PIXELS`,
:data:`MAX_FRAME_BYTES`.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from sign2gpt.config import MAX_FRAME_BYTES, MAX_PIXELS
from sign2gpt.errors import DataError
from sign2gpt.io import check_readable, os_reason

try:  # libjpeg-turbo straight into numpy: faster than Pillow's JPEG decoder
    import simplejpeg
except ImportError:  # pragma: no cover - Pillow does the same, slower
    simplejpeg = None

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
VIDEO_EXTS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".ts")
_JPEG_MAGIC = b"\xff\xd8"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the IEND chunk that closes every whole PNG
# JPEG start-of-frame markers (they hold the image size): C0..CF but DHT, JPG and DAC
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


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
    try:
        files = [p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTS]
    except OSError as exc:
        raise DataError(f"{folder}: cannot list frame folder ({os_reason(exc)})") from None
    return sorted(files, key=lambda p: _natural_key(p.name))


def check_limits(max_pixels: int, max_frame_bytes: int) -> None:
    """DataError unless both limits are positive integers."""
    for name, value in (("max_pixels", max_pixels), ("max_frame_bytes", max_frame_bytes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise DataError(f"{name} {value!r}: must be a positive whole number")


def _jpeg_dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's start-of-frame segment; None where the segments before it
    do not parse (Pillow decides then)."""
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
        elif marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            i += 2
        elif marker in (0xD9, 0xDA):  # end of image, or a scan before any frame header
            return None
        elif marker in _JPEG_SOF:
            if i + 9 > n:
                return None
            height, width = struct.unpack_from(">HH", data, i + 5)
            return (width, height) if width and height else None
        else:
            i += 2 + struct.unpack_from(">H", data, i + 2)[0]
    return None


def image_dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) that encoded image bytes declare, read from the header alone (PNG IHDR,
    JPEG start of frame, anything else through Pillow's lazy ``Image.open``); None when no
    header can be read (a broken frame)."""
    if data[:8] == _PNG_MAGIC:
        if data[12:16] != b"IHDR" or len(data) < 24:
            return None
        width, height = struct.unpack_from(">II", data, 16)
        return width, height
    if data[:2] == _JPEG_MAGIC and (size := _jpeg_dimensions(data)) is not None:
        return size
    try:
        with warnings.catch_warnings():
            # over Pillow's own warning threshold (89 MP) only when max_pixels was raised to it
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return image.size
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def decode_image(
    data: bytes, out: np.ndarray | None = None, max_pixels: int = MAX_PIXELS
) -> np.ndarray | None:
    """(H, W, 3) uint8 RGB from encoded bytes, or None when the image is empty or broken, or
    declares more than ``max_pixels`` pixels in its header (then it is not decoded at all).

    JPEG: libjpeg-turbo via simplejpeg; PNG: OpenCV's libpng, for files that end with their IEND
    chunk; each faster than Pillow (benchmarks/RESULTS.md#data-throughput). A cut file (the usual
    broken frame) goes to Pillow, which rejects it quietly where libpng would print its error.
    Anything else, and anything these two refuse: Pillow decides. ``out``: optional (H, W, 3)
    uint8 array of the right size to decode into."""
    if not data:
        return None
    size = image_dimensions(data)
    if size is None or size[0] * size[1] > max_pixels:
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
        try:
            bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)  # 8-bit, 3 ch.
        except cv2.error:  # OpenCV's own size limit, or a chunk it refuses: Pillow decides
            bgr = None
        if bgr is not None:
            dst = out if out is not None and out.shape == bgr.shape else None
            return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB, dst=dst)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
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


def read_frame_bytes(path: str | Path, max_bytes: int = MAX_FRAME_BYTES) -> bytes | None:
    """The bytes of a frame file, or None (a broken frame) unless it is a regular file, after
    following links, of at most ``max_bytes``. Anything else (a link to /dev/zero, a FIFO, a
    folder) is never opened; a file growing past the limit is not read beyond it."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            return None
        # O_NONBLOCK: should the file have been swapped for a FIFO since, opening cannot wait
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as f:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return None
            want = min(info.st_size, max_bytes) + 1  # one byte more tells a file that grew
            data = f.read(want)
            if len(data) == want and want <= max_bytes:
                data += f.read(max_bytes + 1 - want)
    except OSError:
        return None
    return data if len(data) <= max_bytes else None


def read_image_file(
    path: str | Path, max_pixels: int = MAX_PIXELS, max_frame_bytes: int = MAX_FRAME_BYTES
) -> np.ndarray | None:
    """A frame file decoded, or None for a broken or refused one (see :func:`read_frame_bytes`
    and :func:`decode_image`)."""
    data = read_frame_bytes(path, max_frame_bytes)
    return None if data is None else decode_image(data, max_pixels=max_pixels)


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


def read_frame_folder(
    folder: str | Path,
    size: int | None = None,
    *,
    max_pixels: int = MAX_PIXELS,
    max_frame_bytes: int = MAX_FRAME_BYTES,
) -> ClipFrames:
    """All frames of a folder, broken or refused ones replaced by their nearest readable
    neighbour."""
    files = list_frame_files(folder)
    if not files:
        raise NoReadableFrames(f"{folder}: no image files")
    decoded: list[np.ndarray | None] = []
    for path in files:
        frame = read_image_file(path, max_pixels, max_frame_bytes)
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


def read_frame_files(
    files: Sequence[Path],
    indices: Sequence[int],
    *,
    max_pixels: int = MAX_PIXELS,
    max_frame_bytes: int = MAX_FRAME_BYTES,
) -> np.ndarray:
    """Frames ``indices`` of a folder listing (random access for training from raw folders);
    a broken frame is replaced by its nearest readable neighbour. (n, H, W, 3) uint8."""
    cache: dict[int, np.ndarray | None] = {}

    def load(i: int) -> np.ndarray | None:
        if i not in cache:
            cache[i] = read_image_file(files[i], max_pixels, max_frame_bytes)
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
    *,
    max_pixels: int = MAX_PIXELS,
) -> ClipFrames:
    """Frames of a video file between ``start`` and ``end`` seconds (whole video when None).
    A path that is not a regular file (a FIFO would block, a device never end) and a stream
    larger than ``max_pixels`` raise DataError before any decoding."""
    import av

    path = check_readable(path, DataError, "video file")
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
        _check_video_pixels(path, stream.width or 0, stream.height or 0, max_pixels)
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
                    # a stream may change size midway; no frame above the limit is converted
                    _check_video_pixels(path, frame.width, frame.height, max_pixels)
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


def _check_video_pixels(path: Path, width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise DataError(
            f"{path}: video frames are {width}x{height} = {width * height:,} pixels, over the "
            f"limit of {max_pixels:,} (max_pixels)"
        )


def read_clip(
    source: str | Path,
    start: float | None = None,
    end: float | None = None,
    size: int | None = None,
    *,
    max_pixels: int = MAX_PIXELS,
    max_frame_bytes: int = MAX_FRAME_BYTES,
) -> ClipFrames:
    """Frames of a frame folder or a video file (dispatch on what ``source`` is); limits as
    :data:`MAX_PIXELS` and :data:`MAX_FRAME_BYTES` say."""
    check_limits(max_pixels, max_frame_bytes)
    source = Path(source)
    if source.is_dir():
        return read_frame_folder(
            source, size, max_pixels=max_pixels, max_frame_bytes=max_frame_bytes
        )
    if is_video_file(source) or source.is_file():
        return read_video(source, start, end, size, max_pixels=max_pixels)
    raise DataError(f"{source}: neither a frame folder nor a video file")


def encode_jpeg(frame: np.ndarray, quality: int = 90) -> bytes:
    """JPEG bytes of an (H, W, 3) uint8 frame, 4:2:0 chroma (Pillow's default; simplejpeg's is
    4:4:4). Half-resolution colour is what the corpora hold anyway (Phoenix14T's frames come
    from 4:2:0 broadcast video, CSL-Daily's are 4:2:0 JPEGs), and it decodes faster than 4:4:4
    (benchmarks/RESULTS.md#data-throughput)."""
    frame = np.ascontiguousarray(frame)
    if simplejpeg is not None:
        return simplejpeg.encode_jpeg(
            frame, quality=quality, colorspace="RGB", colorsubsampling="420"
        )
    buf = io.BytesIO()
    Image.fromarray(frame).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()
