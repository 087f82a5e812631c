"""The Phoenix14T-like corpus the data benchmarks read (``data_throughput.py``,
``decode_options.py``, ``loader_allocator.py``): the Phoenix14T layout at 210x260 with
camera-like noise, calibrated to about 48 KB per PNG (the real Phoenix14T frames are ~40 KB),
or the synthetic corpus when it renders frames of that size."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

NOISE = 0.5  # sensor noise (grey levels): about 48 KB per PNG, like the real corpus


def background(clip: int) -> np.ndarray:
    """A clip's static 260x210 scene: smooth studio background and a dark torso."""
    h, w = 260, 210
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    img[..., 0] = 90 + 40 * np.sin(xx / 37 + clip)
    img[..., 1] = 110 + 30 * np.cos(yy / 53 - clip)
    img[..., 2] = 140 + 0.2 * xx
    img[((xx - 105) / 55) ** 2 + ((yy - 200) / 80) ** 2 < 1] = (40, 50, 70)
    return img


def scene(bg: np.ndarray, clip: int, index: int, rng: np.random.Generator) -> np.ndarray:
    """Frame ``index``: the background, two moving 'hands', sensor noise."""
    img = bg.copy()
    yy, xx = np.ogrid[0 : bg.shape[0], 0 : bg.shape[1]]
    for k, phase in enumerate((0.0, 1.7)):
        cx = 105 + 60 * np.sin(index / 9 + phase + clip)
        cy = 130 + 40 * np.cos(index / 7 + phase)
        img[((xx - cx) ** 2 + (yy - cy) ** 2) < 15**2] = (220, 180 - 30 * k, 150)
    img += rng.normal(0, NOISE, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def write_corpus(root: Path, clips: int, frames: int) -> None:
    """Phoenix14T layout: all clips in train (one each in dev and test for completeness)."""
    ann = root / "annotations" / "manual"
    ann.mkdir(parents=True, exist_ok=True)
    splits = ["dev", "test"] + ["train"] * (clips - 2)
    header = "name|video|start|end|speaker|orth|translation"
    rows: dict[str, list[str]] = {"train": [header], "dev": [header], "test": [header]}
    rng = np.random.default_rng(0)
    for c, split in enumerate(splits):
        name = f"bench_{c:04d}"
        n = int(frames * rng.uniform(0.6, 1.4))
        rows[split].append(f"{name}|{name}/1/*.png|-1|-1|Signer{c % 9:02d}|X|satz {c}")
        folder = root / "features" / "fullFrame-210x260px" / split / name
        folder.mkdir(parents=True, exist_ok=True)
        bg = background(c)
        for i in range(n):
            buf = io.BytesIO()
            Image.fromarray(scene(bg, c, i, rng)).save(buf, format="PNG")
            (folder / f"images{i + 1:04d}.png").write_bytes(buf.getvalue())
    for split, lines in rows.items():
        (ann / f"PHOENIX-2014-T.{split}.corpus.csv").write_text("\n".join(lines) + "\n")


def synth_corpus(root: Path) -> bool:
    """The synthetic corpus, when the generator exists and renders 210x260 frames."""
    try:
        from sign2gpt.synth import PRESETS, generate_corpus
    except ImportError:
        return False
    if tuple(PRESETS["tiny"].size) != (210, 260):
        return False  # its frames are small (made for speed); not a fair PNG-decoding test
    generate_corpus(root, preset="tiny", fmt="phoenix14t", seed=0, progress=False)
    return True
