"""Options for the store's read path that were measured and not taken: decoder flags, 4-channel
decoding, torch's resize, a lookup-table normalisation, the decode chunk size.

    .venv/bin/python benchmarks/decode_options.py [--frames 96]

One process, one thread, best of 5, ms per frame, on 256x256 JPEGs (quality 90, 4:2:0, as the
store writes them) of the Phoenix14T-like frames of ``phoenix_fixture.py``, stretched from
210x260 by ``resize_frame`` as ``prepare`` does. Errors are mean absolute differences in grey
levels.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import simplejpeg
import torch
import torch.nn.functional as F

from sign2gpt.data.frames import decode_image, encode_jpeg, resize_frame
from sign2gpt.models.preprocess import FrameNormalise


def best_ms(fn: Callable[[], None], frames: int, repeats: int = 5) -> float:
    fn()  # warm
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) / frames * 1e3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=96)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    from phoenix_fixture import background, scene

    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    n = args.frames
    frames = [resize_frame(scene(background(i % 4), i % 4, i, rng), 256) for i in range(n)]
    jpegs = [encode_jpeg(f) for f in frames]
    print(f"{n} frames, {np.mean([len(j) for j in jpegs]) / 1e3:.1f} KB per JPEG")

    def decode(**flags: bool) -> list[np.ndarray]:
        return [simplejpeg.decode_jpeg(j, colorspace="RGB", **flags) for j in jpegs]

    reference = [d.astype(np.float32) for d in decode()]
    for label, flags in [
        ("decode, used", {}),
        ("decode, fastupsample", {"fastupsample": True}),
        ("decode, fastdct", {"fastdct": True}),
        ("decode, fastupsample + fastdct", {"fastupsample": True, "fastdct": True}),
    ]:
        ms = best_ms(lambda flags=flags: decode(**flags), n)
        err = np.mean([np.abs(d - r).mean() for d, r in zip(decode(**flags), reference)])
        print(f"{label:34s} {ms:.3f} ms, {err:.2f} levels from the used decode")
    rgbx = lambda: [simplejpeg.decode_jpeg(j, colorspace="RGBX") for j in jpegs]  # noqa: E731
    print(f"{'decode to RGBX':34s} {best_ms(rgbx, n):.3f} ms")

    rgb = np.stack(decode())  # (N, 256, 256, 3)
    four = np.stack(rgbx())  # (N, 256, 256, 4)
    out3 = np.empty((n, 224, 224, 3), np.uint8)
    out4 = np.empty((n, 224, 224, 4), np.uint8)

    def resize(src: np.ndarray, out: np.ndarray) -> Callable[[], None]:
        def run() -> None:
            for i in range(n):
                cv2.resize(src[i], (224, 224), dst=out[i], interpolation=cv2.INTER_LINEAR)

        return run

    print(f"{'cv2.resize to 224, 3 channels, used':34s} {best_ms(resize(rgb, out3), n):.3f} ms")
    print(f"{'cv2.resize to 224, 4 channels':34s} {best_ms(resize(four, out4), n):.3f} ms")
    x = torch.from_numpy(rgb).permute(0, 3, 1, 2)  # (N, 3, 256, 256), channels-last memory

    def torch_resize() -> torch.Tensor:
        return F.interpolate(x, size=(224, 224), mode="bilinear", antialias=False)

    resize(rgb, out3)()
    differ = (torch_resize().permute(0, 2, 3, 1).numpy() != out3).mean()
    print(
        f"{'torch uint8 bilinear resize':34s} {best_ms(torch_resize, n):.3f} ms, "
        f"{differ:.0%} of values differ from cv2.resize"
    )

    normalise = FrameNormalise()
    frames224 = torch.from_numpy(out3).permute(0, 3, 1, 2)  # (N, 3, 224, 224) channels-last
    dst = torch.empty((n, 224, 224, 3), dtype=torch.float32)
    dst_cl = dst.permute(0, 3, 1, 2)
    scale = normalise.scale.reshape(3).numpy()
    shift = normalise.shift.reshape(3).numpy()
    table = (np.arange(256, dtype=np.float32)[:, None] * scale + shift).reshape(1, 256, 3)
    rows, out_rows = out3.reshape(n * 224, 224, 3), dst.numpy().reshape(n * 224, 224, 3)

    def lut_normalise() -> None:
        for r in range(0, n * 224, 896):  # about 1 MB of float output per call
            cv2.LUT(rows[r : r + 896], table, dst=out_rows[r : r + 896])

    used = best_ms(lambda: normalise(frames224, out=dst_cl), n)
    print(f"{'FrameNormalise, used':34s} {used:.3f} ms")
    print(f"{'normalise by float cv2.LUT':34s} {best_ms(lut_normalise, n):.3f} ms")

    for chunk in (1, 4, 16, 32):
        buf = np.empty((chunk, 256, 256, 3), np.uint8)

        def chunked(chunk: int = chunk, buf: np.ndarray = buf) -> None:
            for s in range(0, n, chunk):
                k = min(chunk, n - s)
                for i in range(k):
                    decode_image(jpegs[s + i], out=buf[i])
                for i in range(k):
                    cv2.resize(buf[i], (224, 224), dst=out3[s + i], interpolation=cv2.INTER_LINEAR)

        print(f"{f'decode + resize in chunks of {chunk}':34s} {best_ms(chunked, n):.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
