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

Two more bounds for callers that read files from strangers (``serve``, ``translate``): a
:class:`WorkBudget` (decoded pixels of the whole clip, seconds of decoding) that every decoded
frame is charged to, and ``sample``: only the frames the model will see are kept (and, from a
frame folder, decoded), so a clip's memory does not grow with its length.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import time
import warnings
from collections.abc import Callable, Sequence
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


Sample = Callable[[int], np.ndarray]  # frames in the clip -> sorted indices of those to keep


class NoReadableFrames(DataError):
    """A clip whose every frame is broken or empty (skipped and listed by ``prepare``)."""


class OverBudget(DataError):
    """Decoding a clip passed its :class:`WorkBudget`; ``kind`` says which part: ``pixels`` or
    ``seconds``."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class WorkBudget:
    """What decoding one clip may cost: ``max_pixels`` decoded pixels (all frames together) and
    ``max_seconds`` from the budget's creation; None: no limit. Every frame is charged before
    it is converted, so a clip over the budget stops within one frame of it."""

    def __init__(self, max_pixels: int | None = None, max_seconds: float | None = None) -> None:
        self.max_pixels = max_pixels
        self.max_seconds = max_seconds
        self.pixels = 0
        self.started = time.monotonic()

    def charge(self, source: str | Path, width: int, height: int) -> None:
        self.pixels += width * height
        if self.max_pixels is not None and self.pixels > self.max_pixels:
            raise OverBudget(
                f"{source}: its frames pass the budget of {self.max_pixels / 1e6:,.0f} "
                "megapixels decoded per clip",
                "pixels",
            )
        if self.max_seconds is not None and time.monotonic() - self.started > self.max_seconds:
            raise OverBudget(
                f"{source}: decoding took longer than the budget of {self.max_seconds:g} s per "
                "clip",
                "seconds",
            )


@dataclass
class ClipFrames:
    """Decoded frames of one clip: ``frames`` (T, H, W, 3) uint8.

    ``repaired``: broken or empty frame files replaced by a neighbour; ``dropped``: undecodable
    video packets left out. Read with ``sample``, ``frames`` holds only the frames ``indices``
    of the ``total`` frames the clip has; otherwise all of them (``indices`` None)."""

    frames: np.ndarray
    repaired: int = 0
    dropped: int = 0
    indices: np.ndarray | None = None
    total: int = 0

    def __post_init__(self) -> None:
        if self.indices is None:
            self.total = len(self.frames)


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
    path: str | Path,
    max_pixels: int = MAX_PIXELS,
    max_frame_bytes: int = MAX_FRAME_BYTES,
    budget: WorkBudget | None = None,
) -> np.ndarray | None:
    """A frame file decoded, or None for a broken or refused one (see :func:`read_frame_bytes`
    and :func:`decode_image`); a frame within ``max_pixels`` is charged to ``budget`` from its
    header before it is decoded."""
    data = read_frame_bytes(path, max_frame_bytes)
    if data is None:
        return None
    if budget is not None:
        size = image_dimensions(data)
        if size is not None and size[0] * size[1] <= max_pixels:
            budget.charge(path, *size)
    return decode_image(data, max_pixels=max_pixels)


def frame_file_pixels(path: str | Path, max_frame_bytes: int = MAX_FRAME_BYTES) -> int:
    """Pixels a frame file declares in its header (0 for a broken or refused one), read without
    decoding it: what a server adds up to refuse a clip over its budget before any work."""
    data = read_frame_bytes(path, max_frame_bytes)
    size = None if data is None else image_dimensions(data)
    return 0 if size is None else size[0] * size[1]


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
    budget: WorkBudget | None = None,
    sample: Sample | None = None,
) -> ClipFrames:
    """All frames of a folder, broken or refused ones replaced by their nearest readable
    neighbour; with ``sample``, only the frames it picks are decoded (and the neighbours a
    broken one needs)."""
    files = list_frame_files(folder)
    if not files:
        raise NoReadableFrames(f"{folder}: no image files")
    if sample is not None:
        return _sampled_frame_folder(
            folder, files, size, max_pixels, max_frame_bytes, budget, sample
        )
    decoded: list[np.ndarray | None] = []
    for path in files:
        frame = read_image_file(path, max_pixels, max_frame_bytes, budget)
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


def _sampled_frame_folder(
    folder: str | Path,
    files: list[Path],
    size: int | None,
    max_pixels: int,
    max_frame_bytes: int,
    budget: WorkBudget | None,
    sample: Sample,
) -> ClipFrames:
    """:func:`read_frame_folder`'s frames ``sample(len(files))``, under the same repair rule (the
    previous readable frame, else the next), decoding no file twice."""
    cache: dict[int, np.ndarray | None] = {}

    def load(i: int) -> np.ndarray | None:
        if i not in cache:
            frame = read_image_file(files[i], max_pixels, max_frame_bytes, budget)
            cache[i] = None if frame is None else resize_frame(frame, size)
        return cache[i]

    indices = np.asarray(sample(len(files)), dtype=np.int64)
    frames, repaired = [], 0
    for i in indices.tolist():
        frame = load(i)
        if frame is None:
            repaired += 1
            order = [*range(i - 1, -1, -1), *range(i + 1, len(files))]
            frame = next((f for j in order if (f := load(j)) is not None), None)
        if frame is None:
            raise NoReadableFrames(f"{folder}: none of its {len(files)} frames is readable")
        frames.append(frame)
    shapes = {f.shape for f in frames}
    if len(shapes) > 1:
        raise DataError(f"{folder}: frames differ in size {sorted(shapes)}; pass a store size")
    return ClipFrames(np.stack(frames), repaired=repaired, indices=indices, total=len(files))


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
    budget: WorkBudget | None = None,
    sample: Sample | None = None,
) -> ClipFrames:
    """Frames of a video file between ``start`` and ``end`` seconds (whole video when None).
    A path that is not a regular file (a FIFO would block, a device never end) and a stream
    larger than ``max_pixels`` raise DataError before any decoding.

    ``sample`` (whole videos only): the packets are counted first (no decoding), and only the
    frames ``sample(count)`` are kept; should fewer frames decode than there were packets (a
    broken packet), the video is decoded once more with the frames ``sample`` picks of those."""
    path = check_readable(path, DataError, "video file")
    if sample is None:
        frames, _, dropped = _decode_video(path, start, end, size, max_pixels, budget, None)
        return ClipFrames(np.stack(frames), dropped=dropped)
    if start is not None or end is not None:
        raise ValueError("sample reads whole videos only (no start or end)")
    total = count_video_packets(path)
    indices = np.asarray(sample(total), dtype=np.int64)
    frames, decoded, dropped = _decode_video(path, None, None, size, max_pixels, budget, indices)
    if decoded != total:
        total = decoded
        indices = np.asarray(sample(total), dtype=np.int64)
        frames, _, dropped = _decode_video(path, None, None, size, max_pixels, budget, indices)
    return ClipFrames(np.stack(frames), dropped=dropped, indices=indices, total=total)


def _open_video(path: Path):  # -> (av container, its first video stream)
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read video ({exc.__class__.__name__})") from None
    if not container.streams.video:
        container.close()
        raise DataError(f"{path}: no video stream")
    stream = container.streams.video[0]
    if stream.codec_context is None:  # e.g. an SVG: FFmpeg finds a stream it cannot decode
        container.close()
        raise DataError(
            f"{path}: cannot read video (no decoder for its {container.format.name} stream)"
        )
    return container, stream


def count_video_packets(path: str | Path) -> int:
    """Packets of a video's first video stream, read from the container without decoding (one
    per frame for every codec FFmpeg muxes into the containers this toolkit reads)."""
    import av

    container, stream = _open_video(Path(path))
    count = 0
    with container:
        try:
            count = sum(1 for packet in container.demux(stream) if packet.size)
        except av.error.FFmpegError as exc:
            raise DataError(f"{path}: cannot read video ({exc.__class__.__name__})") from None
    if count == 0:
        raise NoReadableFrames(f"{path}: no readable frame")
    return count


def _decode_video(
    path: Path,
    start: float | None,
    end: float | None,
    size: int | None,
    max_pixels: int,
    budget: WorkBudget | None,
    keep: np.ndarray | None,
) -> tuple[list[np.ndarray], int, int]:
    """(frames kept, frames decoded, packets dropped); ``keep``: sorted indices of the decoded
    frames to convert and keep (None: all)."""
    import av

    container, stream = _open_video(path)
    frames: list[np.ndarray] = []
    dropped = decoded_count = 0
    wanted = 0  # the next position in keep
    with container:
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
            for packet in container.demux(stream):
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
                    if budget is not None:
                        budget.charge(path, frame.width, frame.height)
                    index, decoded_count = decoded_count, decoded_count + 1
                    if keep is not None:
                        if wanted >= len(keep) or keep[wanted] != index:
                            continue
                        wanted += 1
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
    if not decoded_count:
        span = "" if start is None and end is None else f" between {start} s and {end} s"
        raise NoReadableFrames(f"{path}: no readable frame{span}")
    return frames, decoded_count, dropped


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
    budget: WorkBudget | None = None,
    sample: Sample | None = None,
) -> ClipFrames:
    """Frames of a frame folder or a video file (dispatch on what ``source`` is); limits as
    :data:`MAX_PIXELS` and :data:`MAX_FRAME_BYTES` say; ``budget`` and ``sample`` as the module
    docstring says."""
    check_limits(max_pixels, max_frame_bytes)
    source = Path(source)
    if source.is_dir():
        return read_frame_folder(
            source,
            size,
            max_pixels=max_pixels,
            max_frame_bytes=max_frame_bytes,
            budget=budget,
            sample=sample,
        )
    if is_video_file(source) or source.is_file():
        return read_video(
            source, start, end, size, max_pixels=max_pixels, budget=budget, sample=sample
        )
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
