"""Tiny corpora in the real on-disk layouts (SPEC section 7), written by the data tests
themselves so that they do not depend on the synthetic corpus generator.

Every frame encodes its clip and frame number in its pixels (see :func:`frame_pixels`), so a
test can tell which frame it got back after resizing and JPEG compression.
"""

from __future__ import annotations

import functools
import io
import os
import pickle
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image


def frame_pixels(clip: int, index: int, height: int, width: int, noise: float = 0.0) -> np.ndarray:
    """A (H, W, 3) uint8 frame: flat red = 10 * (index % 25), green = 40 * (clip % 6), blue a
    left-to-right ramp; ``noise`` adds camera-like Gaussian noise (for realistic PNG sizes)."""
    frame = np.zeros((height, width, 3), dtype=np.float64)
    frame[..., 0] = 10 * (index % 25)
    frame[..., 1] = 40 * (clip % 6)
    frame[..., 2] = np.linspace(0, 255, width)[None, :]
    if noise:
        rng = np.random.default_rng(clip * 1000 + index)
        frame += rng.normal(0, noise, frame.shape)
    return np.clip(frame, 0, 255).round().astype(np.uint8)


def encode(frame: np.ndarray, fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(frame).save(buf, format=fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    return buf.getvalue()


@dataclass
class ClipSpec:
    name: str
    split: str
    num_frames: int
    text: str
    signer: str
    gloss: str
    broken: list[int] = field(default_factory=list)  # truncated files
    empty: list[int] = field(default_factory=list)  # zero-byte files


def default_clips(prefix: str = "clip") -> list[ClipSpec]:
    """Five clips over three splits; one with a broken and an empty frame, one all broken."""
    return [
        ClipSpec(f"{prefix}_a", "train", 9, "am tag sonne", "Signer01", "TAG SONNE", [2], [5]),
        ClipSpec(f"{prefix}_b", "train", 6, "regen im norden", "Signer02", "NORD REGEN"),
        ClipSpec(f"{prefix}_c", "train", 4, "alles kaputt", "Signer01", "KAPUTT", [0, 1], [2, 3]),
        ClipSpec(f"{prefix}_d", "dev", 5, "morgen wind", "Signer03", "MORGEN WIND", [0]),
        ClipSpec(f"{prefix}_e", "test", 7, "nebel am abend", "Signer02", "ABEND NEBEL"),
    ]


def _write_frames(
    folder: Path,
    spec: ClipSpec,
    clip_no: int,
    size: tuple[int, int],
    fmt: str,
    first: int,
    pattern: str,
    noise: float,
) -> None:
    """Frame i goes to ``pattern.format(first + i)``."""
    folder.mkdir(parents=True, exist_ok=True)
    height, width = size
    for i in range(spec.num_frames):
        path = folder / pattern.format(first + i)
        if i in spec.empty:
            path.write_bytes(b"")
            continue
        data = encode(frame_pixels(clip_no, i, height, width, noise), fmt)
        if i in spec.broken:
            data = data[: len(data) // 3]  # truncated mid-stream
        path.write_bytes(data)


def write_phoenix14t(
    root: Path,
    clips: list[ClipSpec] | None = None,
    size: tuple[int, int] = (26, 21),
    noise: float = 0.0,
) -> list[ClipSpec]:
    """Phoenix14T layout: pipe-separated corpus CSVs and PNG folders (size = (H, W))."""
    clips = clips if clips is not None else default_clips()
    ann = root / "annotations" / "manual"
    ann.mkdir(parents=True, exist_ok=True)
    for split in ("train", "dev", "test"):
        lines = ["name|video|start|end|speaker|orth|translation"]
        for spec in clips:
            if spec.split == split:
                video = f"{spec.name}/1/*.png"
                lines.append(f"{spec.name}|{video}|-1|-1|{spec.signer}|{spec.gloss}|{spec.text}")
        (ann / f"PHOENIX-2014-T.{split}.corpus.csv").write_text("\n".join(lines) + "\n")
    frames = root / "features" / "fullFrame-210x260px"
    for no, spec in enumerate(clips):  # Phoenix numbers frames from 1
        folder = frames / spec.split / spec.name
        _write_frames(folder, spec, no, size, "PNG", 1, "images{:04d}.png", noise)
    return clips


def write_csl_daily(
    root: Path,
    clips: list[ClipSpec] | None = None,
    size: tuple[int, int] = (24, 24),
    pickle_protocol: int = 4,
) -> list[ClipSpec]:
    """CSL-Daily layout: the annotation pickle, split_1.txt and JPEG folders."""
    clips = clips if clips is not None else default_clips("S0000")
    labels = root / "sentence_label"
    labels.mkdir(parents=True, exist_ok=True)
    info = []
    for spec in clips:
        info.append(
            {
                "name": spec.name,
                "length": spec.num_frames,
                "label_gloss": spec.gloss.split(),
                "label_char": list(spec.text.replace(" ", "")),
                "label_word": spec.text.split(),
                "label_postag": ["n"] * len(spec.text.split()),
                "signer": int(spec.signer[-2:]),
            }
        )
    data = {
        "info": info,
        "gloss_map": sorted({g for s in clips for g in s.gloss.split()}),
        "char_map": sorted({c for s in clips for c in s.text}),
        "postag_map": ["n"],
    }
    (labels / "csl2020ct_v2.pkl").write_bytes(pickle.dumps(data, protocol=pickle_protocol))
    lines = ["name|split"] + [f"{s.name}|{s.split}" for s in clips]
    (labels / "split_1.txt").write_text("\n".join(lines) + "\n")
    frames = root / "sentence" / "frames_512x512"
    for no, spec in enumerate(clips):
        _write_frames(frames / spec.name, spec, no, size, "JPEG", 0, "{:06d}.jpg", 0.0)
    return clips


class _Evil:
    def __reduce__(self):
        import os

        return (os.system, ("echo pwned > pwned.txt",))


def malicious_pickle() -> bytes:
    """A pickle that would run ``os.system`` when loaded with ``pickle.load``."""
    return pickle.dumps({"info": [_Evil()]})


def write_video(path: Path, frames: np.ndarray, fps: int = 25, codec: str = "mpeg4") -> None:
    """Encode (T, H, W, 3) uint8 frames with PyAV (H and W even)."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = "yuv420p"
        if codec == "mpeg4":
            stream.options = {"qscale": "2"}  # near-lossless: flat colours survive
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def video_frames(clip: int, num_frames: int, height: int = 32, width: int = 32) -> np.ndarray:
    """Grey frames of level 10 * frame number (luma survives 4:2:0 video coding), with a clip
    mark in the top-left corner."""
    frames = np.zeros((num_frames, height, width, 3), dtype=np.uint8)
    for i in range(num_frames):
        frames[i] = 10 * (i % 26)
    frames[:, :4, :4] = 40 * (clip % 6)
    return frames


# --------------------------------------------------------------------------------------------
# hostile files: decompression bombs made from a few bytes, and runs in a guarded subprocess


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int, height: int) -> bytes:
    """A valid all-black PNG of width x height, 1-bit grey: tens of KB on disk for a 20000 x
    20000 image, which OpenCV decodes to 1.2 GB of BGR (and as much again as RGB)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + zero bits
    deflate = zlib.compressobj(9)
    idat = b"".join(deflate.compress(row) for _ in range(height)) + deflate.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def png_with_size(width: int, height: int) -> bytes:
    """A 2x2 PNG whose IHDR is patched to declare width x height (CRC recomputed): OpenCV
    refuses a 50000 x 50000 one with a cv2.error."""
    data = bytearray(encode(frame_pixels(0, 0, 2, 2), "PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def jpeg_with_size(width: int, height: int) -> bytes:
    """A 16x16 baseline JPEG whose start-of-frame segment is patched to width x height."""
    data = bytearray(encode(frame_pixels(0, 0, 16, 16), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def bmp_bomb(width: int, height: int) -> bytes:
    """A valid all-black RLE8 BMP (decoded by Pillow, not OpenCV): ~0.4 MB for 8000 x 6000."""
    palette = b"\x00" * 4 * 256
    row = b"\xff\x00" * (width // 255) + bytes([width % 255, 0]) + b"\x00\x00"  # runs, EOL
    pixels = row * height
    offset = 14 + 40 + len(palette)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 1, len(pixels), 2835, 2835, 256, 0)
    head = b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset)
    return head + info + palette + pixels


_DROP_DAC = """
import ctypes, os
if os.geteuid() == 0:  # root: drop the capabilities that let it ignore file permissions
    class _Head(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
    class _Data(ctypes.Structure):
        _fields_ = [(n, ctypes.c_uint32) for n in ("effective", "permitted", "inheritable")]
    _libc = ctypes.CDLL(None, use_errno=True)
    _head, _data = _Head(0x20080522, 0), (_Data * 2)()
    if _libc.capget(ctypes.byref(_head), _data) != 0:
        raise SystemExit("capget failed")
    _keep = ~((1 << 1) | (1 << 2)) & 0xFFFFFFFF  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
    for _field in ("effective", "permitted", "inheritable"):
        setattr(_data[0], _field, getattr(_data[0], _field) & _keep)
    if _libc.capset(ctypes.byref(_head), _data) != 0:
        raise SystemExit("capset failed")
"""


def run_python(
    code: str,
    timeout: float = 120,
    memory_bytes: int | None = None,
    obey_file_permissions: bool = False,
) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter on this test's import path: killed after
    ``timeout`` seconds (so that a test cannot hang), with at most ``memory_bytes`` of address
    space (so that an endless read fails fast). ``obey_file_permissions``: as root, first drop
    the capabilities that bypass file permissions, so that chmod binds as for any user."""
    import sys

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    prelude = _DROP_DAC if obey_file_permissions else ""
    if memory_bytes is not None:
        prelude += (
            f"import resource\nresource.setrlimit(resource.RLIMIT_AS, ({memory_bytes}, "
            f"{memory_bytes}))\n"
        )
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


@functools.cache
def file_permissions_bind() -> str:
    """'' when a :func:`run_python` child with ``obey_file_permissions`` cannot write into a
    0o555 folder; else the reason (for a skip message)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ro"
        folder.mkdir(mode=0o555)
        try:
            probe = run_python(
                f"open({str(folder / 'x')!r}, 'w')", timeout=60, obey_file_permissions=True
            )
        finally:
            folder.chmod(0o755)
    if probe.returncode != 0 and "PermissionError" in probe.stderr:
        return ""
    return (
        "cannot make file permissions bind for a child process here (running as root and "
        f"dropping CAP_DAC_OVERRIDE failed: {probe.stderr.strip()[-200:] or 'the write worked'})"
    )
