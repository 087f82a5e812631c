"""Clip augmentation (SPEC section 5) on the whole clip tensor: one parameter draw per clip,
applied identically to every frame, in the authors' order (albumentations there):

rotation +-5 deg (p 0.3, reflected border) -> random resized crop to ``image_size`` (scale
0.875-1, ratio 0.9-1.1) -> horizontal flip (p 0.5) -> colour jitter (p 0.3; brightness,
contrast, saturation, hue in a random order) -> grayscale (p 0.2) -> normalise.
Evaluation: resize to ``image_size`` and normalise.

Speed: the geometric part is one resample. Without rotation (70 % of clips) it is a crop view
plus one uint8 bilinear resize; with rotation, one ``grid_sample`` over all frames at once (the
frames are stacked as channels of a single image, so the sampling grid is built once).
Crops are drawn on a virtual ``store_size`` square and applied as fractions of the frame, so a
clip read straight from 210x260 folders gets the same crops as one read from the 256x256 store.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from sign2gpt.config import AugmentConfig, DataConfig

_GRAY = (0.299, 0.587, 0.114)  # ITU-R 601 luma, as cv2 / albumentations / torchvision


@dataclass
class ClipAugment:
    """One clip's augmentation parameters.

    ``crop``: (top, left, height, width) as fractions of the frame; ``angle`` in degrees
    (counter-clockwise, 0 = none); ``jitter``: None or (order, brightness, contrast,
    saturation, hue) with ``order`` a permutation of the four operations."""

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


def _as_tensor(frames: np.ndarray | torch.Tensor) -> torch.Tensor:
    """(T, H, W, 3) uint8 -> (T, 3, H, W) uint8 view (channels-last strides, no copy)."""
    x = torch.from_numpy(frames) if isinstance(frames, np.ndarray) else frames
    if x.dtype != torch.uint8 or x.dim() != 4 or x.shape[-1] != 3:
        raise ValueError(f"expected (T, H, W, 3) uint8 frames, got {tuple(x.shape)} {x.dtype}")
    return x.permute(0, 3, 1, 2)


def _crop_theta(p: ClipAugment) -> torch.Tensor:
    """2x3 affine map from output to input normalised coordinates (grid_sample convention):
    flip, then the crop box, then the inverse rotation about the frame centre. Normalised
    coordinates of the frame are those of the square it is stretched to, so the rotation is a
    true rotation there."""
    top, left, h, w = p.crop
    cx, cy = 2 * left + w - 1, 2 * top + h - 1  # crop centre in [-1, 1]
    sx = -w if p.flip else w
    a = math.radians(p.angle)
    cos, sin = math.cos(a), math.sin(a)
    crop = torch.tensor([[sx, 0.0, cx], [0.0, h, cy], [0.0, 0.0, 1.0]], dtype=torch.float64)
    rot = torch.tensor([[cos, sin, 0.0], [-sin, cos, 0.0], [0.0, 0.0, 1.0]], dtype=torch.float64)
    return (rot @ crop)[:2].float()


def _geometric(x: torch.Tensor, p: ClipAugment, size: int, padding: str) -> torch.Tensor:
    """(T, 3, H, W) uint8 -> (T, 3, size, size): uint8 without rotation, else float32; both on
    the 0..255 scale."""
    t, _, height, width = x.shape
    if p.angle == 0.0:
        top, left, h, w = p.crop
        i0, j0 = round(top * height), round(left * width)
        hh = min(max(1, round(h * height)), height - i0)
        ww = min(max(1, round(w * width)), width - j0)
        y = x[:, :, i0 : i0 + hh, j0 : j0 + ww]
        if (hh, ww) != (size, size):
            y = F.interpolate(y, size=(size, size), mode="bilinear", antialias=True)
        return y.flip(-1) if p.flip else y
    src = torch.empty((1, t * 3, height, width), dtype=torch.float32)
    # all frames as channels of one image; the uint8 layout change first (a mixed-layout,
    # mixed-type copy is several times slower)
    src.view(t, 3, height, width).copy_(x.contiguous())
    grid = F.affine_grid(_crop_theta(p)[None], [1, 1, size, size], align_corners=False)
    out = F.grid_sample(src, grid, mode="bilinear", padding_mode=padding, align_corners=False)
    return out.view(t, 3, size, size)


def _gray(x: torch.Tensor) -> torch.Tensor:
    """(T, 3, H, W) -> (T, 1, H, W) luma."""
    r, g, b = x.unbind(1)
    return (_GRAY[0] * r + _GRAY[1] * g + _GRAY[2] * b).unsqueeze(1)


def _shift_hue(x: torch.Tensor, shift: float) -> torch.Tensor:
    """Rotate the HSV hue of (T, 3, H, W) values in [0, 1] by ``shift`` turns, keeping value
    and saturation: channel n = V - (V - min) w(k), w(k) = clamp(min(k, 4 - k), 0, 1),
    k = (n + 6 hue) mod 6, n = 5, 3, 1 for R, G, B (the closed form of HSV -> RGB)."""
    r, g, b = x.unbind(1)
    maxc, minc = x.amax(dim=1), x.amin(dim=1)
    delta = maxc - minc
    # hue in sixths of a turn, times delta: g - b for a red maximum, 2 delta + b - r for green,
    # 4 delta + r - g for blue (ties go to red, then green, as torchvision); grey pixels
    # (delta 0) come out unchanged whatever their hue.
    h6 = torch.where(r == maxc, g - b, torch.where(g == maxc, b - r + 2 * delta, r - g + 4 * delta))
    h6 = h6.div_(delta.clamp(min=1e-8)).add_(6.0 * shift)
    out = torch.empty_like(x)
    for c, n in enumerate((5.0, 3.0, 1.0)):
        k = h6 + n
        k = k.sub_(torch.floor(k / 6.0).mul_(6.0))  # mod 6 (floor is vectorised, remainder not)
        k = torch.minimum(k, 4.0 - k).clamp_(0.0, 1.0)
        torch.sub(maxc, k.mul_(delta), out=out[:, c])
    return out


def color_jitter(x: torch.Tensor, jitter: tuple) -> torch.Tensor:
    """Brightness, contrast, saturation, hue (values in [0, 1], clamped after each step, as
    albumentations on uint8 images); ``order`` says in which order they run."""
    order, brightness, contrast, saturation, hue = jitter
    for op in order:
        if op == 0:
            x = x.mul_(brightness).clamp_(0.0, 1.0)
        elif op == 1:
            mean = _gray(x).mean(dim=(1, 2, 3), keepdim=True)  # (T, 1, 1, 1) per frame
            x = x.sub_(mean).mul_(contrast).add_(mean).clamp_(0.0, 1.0)
        elif op == 2:
            g = _gray(x)
            x = x.sub_(g).mul_(saturation).add_(g).clamp_(0.0, 1.0)
        elif hue != 0.0:
            x = _shift_hue(x, hue)
    return x


def _normalise_into(x: torch.Tensor, cfg: DataConfig, scale: float, out: torch.Tensor) -> None:
    """``out = (x * scale - mean) / std`` per channel; ``x`` may be uint8 (no float copy)."""
    std = torch.tensor(cfg.std, dtype=torch.float32).view(1, 3, 1, 1)
    mean = torch.tensor(cfg.mean, dtype=torch.float32).view(1, 3, 1, 1)
    if x.dtype == torch.uint8:
        # uint8 (channels-last) -> contiguous uint8 -> float in place: ~3x faster than one
        # mixed-type, mixed-layout multiply
        out.copy_(x.contiguous())
        out.mul_(scale / std)
    else:
        torch.mul(x, scale / std, out=out)
    out.sub_(mean / std)


def transform_frames(
    frames: np.ndarray | torch.Tensor,
    params: ClipAugment | None,
    cfg: DataConfig,
    out: torch.Tensor | None = None,
) -> torch.Tensor:
    """(T, H, W, 3) uint8 -> (T, 3, S, S) float32 normalised, S = cfg.image_size: the
    augmentation ``params`` (one clip's draw) or, with None, the evaluation transform (resize,
    normalise). ``out``: optional (T, 3, S, S) float32 tensor to write into.

    Every step works frame by frame with the clip's parameters, so a clip may be transformed
    in chunks of frames with the same result (the dataset does, to keep buffers small)."""
    x = _as_tensor(frames)
    size = cfg.image_size
    if out is None:
        out = torch.empty((x.shape[0], 3, size, size), dtype=torch.float32)
    if params is None:
        if tuple(x.shape[-2:]) != (size, size):
            x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True)
        _normalise_into(x, cfg, 1.0 / 255.0, out)
        return out
    y = _geometric(x, params, size, cfg.augment.rotation_padding)
    if params.jitter is None and not params.gray:
        _normalise_into(y, cfg, 1.0 / 255.0, out)
        return out
    # contiguous (T, 3, S, S) float: per-channel ops on channels-last planes are slow
    y = y.contiguous().float().mul_(1.0 / 255.0) if y.dtype == torch.uint8 else y.mul_(1 / 255)
    if params.jitter is not None:
        y = color_jitter(y, params.jitter)
    if params.gray:
        y = _gray(y).expand(-1, 3, -1, -1)
    _normalise_into(y, cfg, 1.0, out)
    return out


def augment_clip(
    frames: np.ndarray | torch.Tensor, params: ClipAugment, cfg: DataConfig
) -> torch.Tensor:
    """(T, H, W, 3) uint8 -> (T, 3, S, S) float32 normalised, augmented with ``params``."""
    return transform_frames(frames, params, cfg)


def eval_clip(frames: np.ndarray | torch.Tensor, cfg: DataConfig) -> torch.Tensor:
    """Evaluation transform: (T, H, W, 3) uint8 -> resize to S x S -> normalise."""
    return transform_frames(frames, None, cfg)


def clip_tensor(
    frames: np.ndarray | torch.Tensor,
    cfg: DataConfig,
    train: bool = False,
    rng: np.random.Generator | None = None,
) -> torch.Tensor:
    """The network input of one clip: augmented (``train``, one draw from ``rng``) or the
    evaluation transform."""
    if not train:
        return eval_clip(frames, cfg)
    if rng is None:
        raise ValueError("training augmentation needs a random generator")
    return augment_clip(frames, draw_augment(cfg.augment, rng, cfg.store_size), cfg)
