"""One frame file or encoded image: its size from the header alone, its bytes read only when it is
a regular file within its byte limit, decoded (simplejpeg, OpenCV, Pillow) only when it is within
its pixel limit, resized and encoded back as JPEG.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from sign2gpt.config import MAX_FRAME_BYTES, MAX_PIXELS
from sign2gpt.data.frames.base import WorkBudget

try:  # libjpeg-turbo straight into numpy: faster than Pillow's JPEG decoder
    import simplejpeg
except ImportError:  # pragma: no cover - Pillow does the same, slower
    simplejpeg = None

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
_JPEG_MAGIC = b"\xff\xd8"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the IEND chunk that closes every whole PNG
# JPEG start-of-frame markers (they hold the image size): C0..CF but DHT, JPG and DAC
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


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
