"""What one frame costs in each step of the data path, one process, one thread (the table of
``data_throughput.py``): read + decode, transform, hand-over through fresh shared memory,
normalisation; and the decode cost alone of the corpus PNGs against the store's JPEGs."""

from __future__ import annotations

import io
import multiprocessing as mp
import time
from typing import Any

import numpy as np
import torch
from PIL import Image

from sign2gpt.config import DataConfig
from sign2gpt.data.augment import draw_augment, new_frames, transform_frames
from sign2gpt.data.clip_file import clip_file_jpegs
from sign2gpt.data.dataset import CHUNK_FRAMES
from sign2gpt.data.loader import tune_allocator
from sign2gpt.data.store import FrameStore
from sign2gpt.models.preprocess import FrameNormalise


def decode_costs(records: list, store: FrameStore, n: int = 200) -> dict[str, float]:
    """Single-process decode time per frame (best of 3) of the same frames: the corpus PNG and
    the store's JPEG, each with the decoder the toolkit uses and with Pillow."""
    from sign2gpt.data.frames import decode_image, list_frame_files

    pngs = [p.read_bytes() for p in list_frame_files(records[0].source)][:n]
    jpegs = clip_file_jpegs(store.path / store.by_id[records[0].id]["file"])[:n]

    def best(fn, items) -> float:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            for item in items:
                fn(item)
            times.append((time.perf_counter() - t) / len(items) * 1e3)
        return min(times)

    def pil(data: bytes) -> np.ndarray:
        with Image.open(io.BytesIO(data)) as im:
            return np.asarray(im.convert("RGB"))

    return {
        "PNG 210x260 (OpenCV, used)": best(decode_image, pngs),
        "PNG 210x260 (Pillow)": best(pil, pngs),
        "JPEG 256x256 (simplejpeg, used)": best(decode_image, jpegs),
        "JPEG 256x256 (Pillow)": best(pil, jpegs),
    }


def best_ms(fn, frames: int, repeats: int = 3) -> float:
    """Best of ``repeats`` runs of ``fn()``, in ms per frame."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) / frames * 1e3


def component_costs(
    sources: dict[str, Any], clip_id: str, cfg: DataConfig, n: int = 96
) -> dict[str, dict[str, float]]:
    """:func:`_component_costs` in a forked process set up as a DataLoader worker (the
    dataset's ``tune_allocator``), so that it measures what a worker pays."""
    global _COMPONENT_ARGS
    _COMPONENT_ARGS = (sources, clip_id, cfg, n)  # inherited by the forked child
    with mp.get_context("fork").Pool(1) as pool:
        return pool.apply(_component_costs_in_worker)


_COMPONENT_ARGS: tuple = ()


def _component_costs_in_worker() -> dict[str, dict[str, float]]:
    tune_allocator()
    return _component_costs(*_COMPONENT_ARGS)


def _component_costs(
    sources: dict[str, Any], clip_id: str, cfg: DataConfig, n: int = 96
) -> dict[str, dict[str, float]]:
    """One process, one thread, ms per frame (best of 3): what one delivered frame costs in
    each step, for each source, on the same ``n`` frames of one clip, in chunks of 16 as the
    dataset works. ``read``: file reads + decoding (PNG folder or the store's packed JPEGs);
    ``eval`` / ``train``: the evaluation transform / the training augmentation (mean over
    seeded draws: rotation, jitter and grayscale at their probabilities); ``hand-over``:
    writing the uint8 frames into fresh shared memory, as a DataLoader worker does (page
    faults included); ``normalise``: the consumer's uint8 -> float32 normalisation into a
    reused buffer."""
    torch.set_num_threads(1)  # a worker's setting (tune_allocator sets OpenCV's)
    idx = np.arange(n)
    chunks = [idx[c : c + CHUNK_FRAMES] for c in range(0, n, CHUNK_FRAMES)]
    size = cfg.image_size
    out = new_frames(CHUNK_FRAMES, size)
    draws = [draw_augment(cfg.augment, np.random.default_rng(s), cfg.store_size) for s in range(60)]
    costs: dict[str, dict[str, float]] = {}
    for name, source in sources.items():
        decoded = [source.read_frames(clip_id, c) for c in chunks]

        def transform(params_list: list, decoded: list = decoded) -> None:
            for params in params_list:
                for part in decoded:
                    transform_frames(part, params, cfg, out=out[: len(part)])

        costs[name] = {
            "read": best_ms(lambda s=source: [s.read_frames(clip_id, c) for c in chunks], n),
            "eval": best_ms(lambda t=transform: t([None]), n),
            "train": best_ms(lambda t=transform: t(draws), n * len(draws), repeats=2),
        }
    src = new_frames(n, size)
    src.random_(0, 256)

    def hand_over() -> None:
        # as the dataset's _frames_buffer in a worker: one fresh shared buffer per batch
        storage = torch.UntypedStorage._new_shared(n * size * size * 3)
        shared = torch.empty(0, dtype=torch.uint8).set_(storage, 0, (n, size, size, 3))
        for c in chunks:
            shared[c[0] : c[-1] + 1].copy_(src[c[0] : c[-1] + 1].permute(0, 2, 3, 1))

    normalise = FrameNormalise()  # ImageNet's, as the paper's DINOv2
    buf = torch.empty_like(src, dtype=torch.float32)  # channels-last, as the consumer's
    shared_cost = {
        "hand-over": best_ms(hand_over, n),
        "normalise": best_ms(lambda: normalise(src, out=buf), n),
    }
    for name in costs:
        costs[name].update(shared_cost)
    return costs


def print_components(costs: dict[str, dict[str, float]]) -> None:
    """The per-step table and the ratio it allows when the machine is CPU-bound (frames/s
    = cores / CPU per frame, so the ratio is that of the CPU per frame)."""
    steps = ("read", "eval", "train", "hand-over", "normalise")
    print("one frame, one process, one thread, ms (best of 3; train: mean over 60 draws):")
    print(f"  {'source':16s} " + " ".join(f"{s:>9s}" for s in steps))
    for name, row in costs.items():
        print(f"  {name:16s} " + " ".join(f"{row[s]:9.3f}" for s in steps))
    png, jpeg = costs["raw PNG folders"], costs["prepared store"]
    norm = jpeg["normalise"]
    for mode in ("train", "eval"):
        # worker processes hand frames over through fresh shared memory; threads do not
        for kind, hand_over in (("processes", jpeg["hand-over"]), ("threads", 0.0)):
            total_png = png["read"] + png[mode] + hand_over + norm
            total_jpeg = jpeg["read"] + jpeg[mode] + hand_over + norm
            print(
                f"  {mode:5s}, {kind:9s}: raw PNG {total_png:.3f} ms, store {total_jpeg:.3f} ms "
                f"per frame: CPU-bound ratio {total_png / total_jpeg:.2f}x; "
                f"{(total_png - norm) / (total_jpeg - norm):.2f}x when a GPU normalises"
            )
