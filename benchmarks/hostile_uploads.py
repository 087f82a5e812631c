"""What hostile inputs cost `sign2gpt serve` and `sign2gpt translate`: peak memory, seconds and
disk, each probe in a fresh process (its own peak RSS), against a checkpoint you name.

  npz         a 2 MB .npz whose `points` header declares ~2.8 GB, posted to the server
  zip40       a zip of PNG frames just under the 40 MP frame limit, posted to the server
  concurrent  20 small zips (of BMPs) posted at once while the model is busy: disk, answers
  longvideo   `sign2gpt translate` on a tiny-frame mp4 of --long-frames frames: peak RSS

  python benchmarks/hostile_uploads.py --checkpoint demo_out/translate/best [--probes npz,zip40]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np

PROBES = ("npz", "zip40", "concurrent", "longvideo")
BASE = "http://127.0.0.1"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def npz_bomb(path: Path, declared_gb: float) -> Path:
    """A valid-looking keypoint .npz whose points array declares ``declared_gb`` of float32
    zeros; deflated, the zeros take about a thousandth of that."""
    from sign2gpt.data.pose.keypoints import Keypoints, write_npz
    from sign2gpt.data.pose.skeletons import synth_skeleton

    small = write_npz(
        Keypoints(np.ones((2, 22, 3), np.float32), synth_skeleton(), 25.0, 48, 64),
        path.with_name("small.npz"),
    )
    frames = int(declared_gb * 2**30 / (22 * 3 * 4))
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (frames, 22, 3)}
    )
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != "points.npy":
                out.writestr(info.filename, src.read(info))
        with out.open("points.npy", "w", force_zip64=True) as member:
            member.write(header.getvalue())
            chunk = bytes(64 * 2**20)
            left = frames * 22 * 3 * 4
            while left > 0:
                member.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
    return path


def png_zip(path: Path, frames: int, side: int) -> Path:
    """A zip of ``frames`` black PNGs of ``side`` x ``side`` pixels (a few KB each)."""
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = zlib.compressobj(9)
    row = bytes(1 + 3 * side)  # filter byte + RGB zeros
    idat = b"".join(raw.compress(row) for _ in range(side)) + raw.flush()
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(frames):
            z.writestr(f"frame{i:04d}.png", png)
    return path


def bmp_zip(path: Path, frames: int, side: int) -> Path:
    """A zip of ``frames`` black 24-bit BMPs of ``side`` x ``side``: deflated a thousandfold,
    written to disk at full size when unpacked."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (side, side)).save(buf, format="BMP")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(frames):
            z.writestr(f"frame{i:04d}.bmp", buf.getvalue())
    return path


def client(checkpoint: str, work: Path, gate: threading.Event | None = None):
    from fastapi.testclient import TestClient

    from sign2gpt.serve.app import create_app
    from sign2gpt.serve.engine import Engine

    engine = Engine(checkpoint)
    if gate is not None:
        real = engine.translate

        def held(*args, **kwargs):  # the model is busy until the gate opens
            gate.wait(120)
            return real(*args, **kwargs)

        engine.translate = held  # type: ignore[method-assign]
    app = create_app(engine, work_dir=work, allowed_hosts=["127.0.0.1"])
    return TestClient(app, base_url=BASE, raise_server_exceptions=False)


def post(c, name: str, data: bytes):
    return c.post("/api/translate", files=[("file", (name, data))])


def answer(response) -> str:
    text = response.json().get("error") or response.json().get("text", "")
    return f"HTTP {response.status_code}: {text[:110]}"


def probe_npz(args: argparse.Namespace, tmp: Path) -> None:
    bomb = npz_bomb(tmp / "bomb.npz", args.npz_gb)
    data = bomb.read_bytes()
    with client(args.checkpoint, tmp) as c:
        before = peak_mb()
        start = time.perf_counter()
        r = post(c, "bomb.npz", data)
        seconds = time.perf_counter() - start
    grew = peak_mb() - before
    print(f"npz: {len(data) / 2**20:.1f} MB file declaring {args.npz_gb:g} GB of points")
    print(f"  {answer(r)}")
    print(f"  {seconds:.2f} s, peak RSS grew by {grew:.0f} MB")


def probe_zip40(args: argparse.Namespace, tmp: Path) -> None:
    side = 6320  # 39.9 MP, under the default 40 MP frame limit
    data = png_zip(tmp / "big.zip", args.zip_frames, side).read_bytes()
    with client(args.checkpoint, tmp) as c:
        start = time.perf_counter()
        r = post(c, "big.zip", data)
        seconds = time.perf_counter() - start
    print(f"zip40: {len(data) / 1024:.0f} KB zip of {args.zip_frames} PNGs of {side}x{side}")
    print(f"  {answer(r)}")
    print(f"  {seconds:.2f} s, peak RSS {peak_mb():.0f} MB")


def disk_bytes(folder: Path) -> int:
    total = 0
    for root, _, files in os.walk(folder):
        for f in files:
            with contextlib.suppress(OSError):  # removed while we looked
                total += os.stat(os.path.join(root, f)).st_size
    return total


def probe_concurrent(args: argparse.Namespace, tmp: Path) -> None:
    data = bmp_zip(tmp / "small.zip", 2, 1500).read_bytes()  # 2 x 6.75 MB unpacked
    gate = threading.Event()
    statuses: list[int] = []
    peak = 0
    with client(args.checkpoint, tmp, gate) as c:
        work = c.app.state.work_dir
        threads = [
            threading.Thread(target=lambda: statuses.append(post(c, "s.zip", data).status_code))
            for _ in range(20)
        ]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(statuses) < 11:
            peak = max(peak, disk_bytes(work))
            time.sleep(0.01)
        for _ in range(100):  # the 9 admitted ones have written what they write by now
            peak = max(peak, disk_bytes(work))
            time.sleep(0.01)
        gate.set()
        for t in threads:
            t.join(120)
    counts = {s: statuses.count(s) for s in sorted(set(statuses))}
    print(f"concurrent: 20 uploads of a {len(data) / 1024:.0f} KB zip while the model is busy")
    print(f"  answers {counts}; peak {peak / 2**20:.0f} MB under the server's folder")


def probe_longvideo(args: argparse.Namespace, tmp: Path) -> None:
    import av

    path = tmp / "long.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=25)
        stream.width = stream.height = 16
        stream.pix_fmt = "yuv420p"
        frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
        for _ in range(args.long_frames):
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    out = tmp / "out.json"
    start = time.perf_counter()
    argv = [sys.executable, "-m", "sign2gpt", "translate", "--checkpoint", args.checkpoint]
    done = subprocess.run([*argv, str(path), "--json", str(out)], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    said = (done.stdout + done.stderr).strip().splitlines()[-1][:120]
    print(f"longvideo: {path.stat().st_size / 2**20:.1f} MB mp4 of {args.long_frames} frames")
    print(f"  exit {done.returncode}: {said}")
    if out.is_file():
        print(f"  --json: {json.loads(out.read_text())[0]}")
    print(f"  {seconds:.1f} s, peak RSS of translate {child:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True, help="an rgb stage-2 checkpoint folder")
    parser.add_argument("--probes", default=",".join(PROBES))
    parser.add_argument("--npz-gb", type=float, default=2.8)
    parser.add_argument("--zip-frames", type=int, default=58)
    parser.add_argument("--long-frames", type=int, default=100_000)
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)  # the child's probe
    args = parser.parse_args()
    if args.one:
        with tempfile.TemporaryDirectory() as tmp:
            globals()[f"probe_{args.one}"](args, Path(tmp))
        return
    print(f"machine: {os.cpu_count()} CPUs; checkpoint {args.checkpoint}", flush=True)
    for name in args.probes.split(","):
        argv = ["--checkpoint", args.checkpoint, "--npz-gb", str(args.npz_gb)]
        argv += ["--zip-frames", str(args.zip_frames), "--long-frames", str(args.long_frames)]
        subprocess.run([sys.executable, __file__, *argv, "--one", name], check=False)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
