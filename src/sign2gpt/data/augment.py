"""Clip augmentation (docs/method.md#5-training-recipe) on the whole clip, in uint8: one
parameter draw per clip, applied identically to every frame, in the authors' order (albumentations
there):

rotation +-5 deg (p 0.3, reflected border) -> random resized crop to ``image_size`` (scale
0.875-1, ratio 0.9-1.1) -> horizontal flip (p 0.5) -> colour jitter (p 0.3; brightness,
contrast, saturation, hue in a random order) -> grayscale (p 0.2).
Evaluation: resize to ``image_size``.

The result stays uint8 (0..255): normalisation (``data.mean`` / ``data.std``) is the model's
first step (``sign2gpt.models.preprocess``), on the model's device, so a DataLoader worker hands
over a quarter of the bytes of a float frame. Every step rounds to uint8 as albumentations does
on uint8 images (OpenCV and lookup tables), so the values are those of the authors' pipeline up
to that rounding.

Speed: the geometry is one OpenCV call per frame (a crop view and ``cv2.resize``, or with
rotation one ``cv2.warpAffine`` on a 4-channel copy, as OpenCV's vectorised bilinear path is for
1 or 4 channels); colour jitter and grayscale are a few OpenCV calls over all frames of a chunk
at once (``cv2.LUT``, ``cv2.addWeighted``, ``cv2.cvtColor``). Each is several times faster
than the float torch versions it replaced: benchmarks/RESULTS.md#data-throughput.
Crops are drawn on a virtual ``store_size`` square and applied as fractions of the frame, so a
clip read straight from 210x260 folders gets the same crops as one read from the 256x256 store.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from sign2gpt.config import AugmentConfig, DataConfig

# Rotation border: "reflection" is OpenCV's BORDER_REFLECT_101 (albumentations' default, as
# the authors); "zeros" a black fill; "border" the edge pixel repeated.
_BORDERS = {
    "reflection": cv2.BORDER_REFLECT_101,
    "zeros": cv2.BORDER_CONSTANT,
    "border": cv2.BORDER_REPLICATE,
}


@dataclass
class ClipAugment:
    """One clip's augmentation parameters.

    ``crop``: (top, left, height, width) as fractions of the frame; ``angle`` in degrees
    (counter-clockwise as the picture is seen, 0 = none); ``jitter``: None or (order,
    brightness, contrast, saturation, hue) with ``order`` a permutation of the four
    operations."""

    angle: float
    crop: tuple[float, float, float, float]
    flip: bool
    jitter: tuple[tuple[int, ...], float, float, float, float] | None
    gray: bool


def _resized_crop(
    cfg: AugmentConfig, rng: np.random.Generator, canvas: int
) -> tuple[int, int, int, int]:
    """torchvision / albumentations RandomResizedCrop.get_params on a canvas x canvas image."""
    area = canvas * canvas
    log_ratio = (math.log(cfg.crop_ratio[0]), math.log(cfg.crop_ratio[1]))
    for _ in range(10):
        target = area * rng.uniform(cfg.crop_scale[0], cfg.crop_scale[1])
        aspect = math.exp(rng.uniform(*log_ratio))
        w = round(math.sqrt(target * aspect))
        h = round(math.sqrt(target / aspect))
        if 0 < w <= canvas and 0 < h <= canvas:
            i = int(rng.integers(0, canvas - h + 1))
            j = int(rng.integers(0, canvas - w + 1))
            return i, j, h, w
    # Fallback: the whole square when 1:1 is an allowed ratio, else the central crop.
    ratio = min(max(1.0, cfg.crop_ratio[0]), cfg.crop_ratio[1])
    w, h = (canvas, round(canvas / ratio)) if ratio >= 1 else (round(canvas * ratio), canvas)
    return (canvas - h) // 2, (canvas - w) // 2, h, w


def draw_augment(cfg: AugmentConfig, rng: np.random.Generator, canvas: int = 256) -> ClipAugment:
    """One clip's parameters (always the same number of draws, in the same order)."""
    rotate = rng.random() < cfg.rotation_p
    angle = float(rng.uniform(-cfg.rotation_degrees, cfg.rotation_degrees))
    i, j, h, w = _resized_crop(cfg, rng, canvas)
    flip = bool(rng.random() < cfg.hflip_p)
    jitter_on = rng.random() < cfg.color_jitter_p
    b = float(rng.uniform(max(0.0, 1 - cfg.brightness), 1 + cfg.brightness))
    c = float(rng.uniform(max(0.0, 1 - cfg.contrast), 1 + cfg.contrast))
    s = float(rng.uniform(max(0.0, 1 - cfg.saturation), 1 + cfg.saturation))
    hue = float(rng.uniform(-cfg.hue, cfg.hue))
    order = tuple(int(k) for k in rng.permutation(4))
    gray = bool(rng.random() < cfg.grayscale_p)
    return ClipAugment(
        angle=angle if rotate else 0.0,
        crop=(i / canvas, j / canvas, h / canvas, w / canvas),
        flip=flip,
        jitter=(order, b, c, s, hue) if jitter_on else None,
        gray=gray,
    )


def _as_numpy(frames: np.ndarray | torch.Tensor) -> np.ndarray:
    """(T, H, W, 3) uint8, C-contiguous (OpenCV and the channels-last views need it)."""
    x = frames.numpy() if isinstance(frames, torch.Tensor) else frames
    if x.dtype != np.uint8 or x.ndim != 4 or x.shape[-1] != 3:
        raise ValueError(f"expected (T, H, W, 3) uint8 frames, got {tuple(x.shape)} {x.dtype}")
    return np.ascontiguousarray(x)


def new_frames(num: int, size: int) -> torch.Tensor:
    """An uninitialised (num, 3, size, size) uint8 tensor in channels-last memory (what
    :func:`transform_frames` writes): one (size, size, 3) picture per frame, as OpenCV and the
    decoders lay it out."""
    return torch.empty((num, size, size, 3), dtype=torch.uint8).permute(0, 3, 1, 2)


def _pixels(out: torch.Tensor, num: int, size: int) -> np.ndarray:
    """The (T, S, S, 3) numpy view of an ``out`` tensor made like :func:`new_frames`."""
    hwc = out.permute(0, 2, 3, 1)
    if out.dtype != torch.uint8 or tuple(out.shape) != (num, 3, size, size):
        raise ValueError(f"out must be ({num}, 3, {size}, {size}) uint8, got {tuple(out.shape)}")
    if not hwc.is_contiguous():
        raise ValueError("out must be channels-last (made like new_frames)")
    return hwc.numpy()


def _warp_matrix(p: ClipAugment, height: int, width: int, size: int) -> np.ndarray:
    """2x3 map from output pixels to input pixels (OpenCV's inverse map, pixel centres at
    integers): output pixel -> normalised output coordinates -> flip, crop box, inverse rotation
    about the frame centre -> input pixel. Normalised coordinates of the frame are those of the
    square it is stretched to, so the rotation is a true rotation there (and a 210x260 frame
    gets the same picture as its 256x256 stored copy)."""
    top, left, h, w = p.crop
    cx, cy = 2 * left + w - 1, 2 * top + h - 1  # crop centre in [-1, 1]
    sx = -w if p.flip else w
    a = math.radians(p.angle)
    cos, sin = math.cos(a), math.sin(a)
    crop = np.array([[sx, 0.0, cx], [0.0, h, cy], [0.0, 0.0, 1.0]])
    # output -> input is the inverse rotation; with y pointing down, this turns the picture
    # counter-clockwise as seen (as cv2.getRotationMatrix2D and albumentations do)
    rot = np.array([[cos, -sin, 0.0], [sin, cos, 0.0], [0.0, 0.0, 1.0]])
    # pixel u of S -> (2u + 1) / S - 1; normalised x -> ((x + 1) W - 1) / 2 pixels
    to_norm = np.array([[2 / size, 0.0, 1 / size - 1], [0.0, 2 / size, 1 / size - 1], [0, 0, 1]])
    to_pix = np.array([[width / 2, 0.0, (width - 1) / 2], [0.0, height / 2, (height - 1) / 2]])
    return to_pix @ rot @ crop @ to_norm


def _rotate_into(x: np.ndarray, p: ClipAugment, border: str, out: np.ndarray) -> None:
    """Rotation + crop + resize + flip of (T, H, W, 3) frames into ``out`` (T, S, S, 3): one
    bilinear ``warpAffine`` per frame (OpenCV's fixed-point bilinear on uint8, as
    albumentations), on a 4-channel copy: faster than on 3 channels, same values
    (benchmarks/RESULTS.md#data-throughput)."""
    t, height, width, _ = x.shape
    size = out.shape[1]
    m = _warp_matrix(p, height, width, size)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    src4 = np.empty((height, width, 4), np.uint8)
    dst4 = np.empty((size, size, 4), np.uint8)
    for i in range(t):
        cv2.cvtColor(x[i], cv2.COLOR_RGB2RGBA, dst=src4)
        cv2.warpAffine(src4, m, (size, size), dst=dst4, flags=flags, borderMode=_BORDERS[border])
        cv2.cvtColor(dst4, cv2.COLOR_RGBA2RGB, dst=out[i])


def _crop_into(x: np.ndarray, p: ClipAugment, out: np.ndarray) -> None:
    """Crop + resize + flip without rotation: a crop view of each frame resized by
    ``cv2.resize`` (bilinear, no antialiasing: albumentations' Resize and RandomResizedCrop on
    uint8, as the authors), written straight into ``out``; then the flip in place."""
    t, height, width, _ = x.shape
    size = out.shape[1]
    top, left, h, w = p.crop
    i0, j0 = round(top * height), round(left * width)
    hh = min(max(1, round(h * height)), height - i0)
    ww = min(max(1, round(w * width)), width - j0)
    crop = x[:, i0 : i0 + hh, j0 : j0 + ww]  # (T, h, w, 3) view, no copy
    for i in range(t):
        if (hh, ww) == (size, size):
            out[i] = crop[i]
        else:
            cv2.resize(crop[i], (size, size), dst=out[i], interpolation=cv2.INTER_LINEAR)
    if p.flip:
        rows = out.reshape(t * size, size, 3)  # every row of every frame, one image for OpenCV
        cv2.flip(rows, 1, dst=rows)


def _lut(gain: float, offset: float) -> np.ndarray:
    """(256,) uint8 table of round(v * gain + offset), clamped to 0..255."""
    return np.clip(np.rint(np.arange(256) * gain + offset), 0, 255).astype(np.uint8)


def _gray(rows: np.ndarray) -> np.ndarray:
    """(R, W, 3) -> (R, W) uint8 luma, ITU-R 601 (0.299, 0.587, 0.114) as albumentations."""
    return cv2.cvtColor(rows, cv2.COLOR_RGB2GRAY)


def color_jitter(frames: np.ndarray, jitter: tuple) -> np.ndarray:
    """Brightness, contrast, saturation, hue on (T, H, W, 3) uint8 frames, in place, in the
    order ``order`` gives; each step rounds and clamps to uint8, as albumentations' ColorJitter
    on uint8 images: brightness v * b and contrast (v - m) c + m (m: the frame's mean luma) by
    lookup table, saturation by mixing with the luma image (``addWeighted``), hue by rotating the
    HSV hue (OpenCV's full-range 8-bit HSV: 256 hue steps, finer than albumentations' 180)."""
    order, brightness, contrast, saturation, hue = jitter
    t, height, width, _ = frames.shape
    rows = frames.reshape(t * height, width, 3)  # all frames as one image: one call per step
    for op in order:
        if op == 0:
            cv2.LUT(rows, _lut(brightness, 0.0), dst=rows)
        elif op == 1:
            luma = _gray(rows).reshape(t, height * width)
            means = luma.sum(axis=1, dtype=np.uint64) / (height * width)  # (T,) mean luma
            for i in range(t):
                cv2.LUT(frames[i], _lut(contrast, means[i] * (1.0 - contrast)), dst=frames[i])
        elif op == 2:
            luma = cv2.cvtColor(_gray(rows), cv2.COLOR_GRAY2RGB)
            cv2.addWeighted(rows, saturation, luma, 1.0 - saturation, 0.0, dst=rows)
        else:
            steps = round(hue * 256) % 256  # hue shift in 1/256 turns
            if steps:
                hsv = cv2.cvtColor(rows, cv2.COLOR_RGB2HSV_FULL)  # (T H, W, 3), hue 0..255
                # + steps on hue only, modulo 256 (uint8 wraps): one contiguous add per row
                shift = np.tile(np.array([steps, 0, 0], np.uint8), width)
                flat = hsv.reshape(t * height, width * 3)
                np.add(flat, shift, out=flat)
                cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL, dst=rows)
    return frames


def to_grayscale(frames: np.ndarray) -> np.ndarray:
    """(T, H, W, 3) uint8 -> the luma in all three channels, in place."""
    t, height, width, _ = frames.shape
    rows = frames.reshape(t * height, width, 3)
    cv2.cvtColor(_gray(rows), cv2.COLOR_GRAY2RGB, dst=rows)
    return frames


def transform_frames(
    frames: np.ndarray | torch.Tensor,
    params: ClipAugment | None,
    cfg: DataConfig,
    out: torch.Tensor | None = None,
) -> torch.Tensor:
    """(T, H, W, 3) uint8 -> (T, 3, S, S) uint8 (0..255, channels-last memory), S =
    cfg.image_size: the augmentation ``params`` (one clip's draw) or, with None, the evaluation
    transform (resize). ``out``: optional tensor made by :func:`new_frames` to write into.
    Not normalised: the model does that (``sign2gpt.models.preprocess.FrameNormalise``).

    Every step works frame by frame with the clip's parameters, so a clip may be transformed
    in chunks of frames with the same result (the dataset does, to keep buffers small)."""
    x = _as_numpy(frames)
    size = cfg.image_size
    if out is None:
        out = new_frames(x.shape[0], size)
    pixels = _pixels(out, x.shape[0], size)  # (T, S, S, 3) view of out
    if params is None:
        _crop_into(x, ClipAugment(0.0, (0.0, 0.0, 1.0, 1.0), False, None, False), pixels)
        return out
    if params.angle == 0.0:
        _crop_into(x, params, pixels)
    else:
        _rotate_into(x, params, cfg.augment.rotation_padding, pixels)
    if params.jitter is not None:
        color_jitter(pixels, params.jitter)
    if params.gray:
        to_grayscale(pixels)
    return out


def augment_clip(
    frames: np.ndarray | torch.Tensor, params: ClipAugment, cfg: DataConfig
) -> torch.Tensor:
    """(T, H, W, 3) uint8 -> (T, 3, S, S) uint8, augmented with ``params``."""
    return transform_frames(frames, params, cfg)


def eval_clip(frames: np.ndarray | torch.Tensor, cfg: DataConfig) -> torch.Tensor:
    """Evaluation transform: (T, H, W, 3) uint8 -> (T, 3, S, S) uint8 resized to S x S."""
    return transform_frames(frames, None, cfg)


def clip_tensor(
    frames: np.ndarray | torch.Tensor,
    cfg: DataConfig,
    train: bool = False,
    rng: np.random.Generator | None = None,
) -> torch.Tensor:
    """The network input of one clip, uint8: augmented (``train``, one draw from ``rng``) or
    the evaluation transform."""
    if not train:
        return eval_clip(frames, cfg)
    if rng is None:
        raise ValueError("training augmentation needs a random generator")
    return augment_clip(frames, draw_augment(cfg.augment, rng, cfg.store_size), cfg)
