import colorsys
import math
from dataclasses import replace

import numpy as np
import pytest
import tiny
import torch
import torch.nn.functional as F

from sign2gpt.config import AugmentConfig, DataConfig
from sign2gpt.data.augment import (
    ClipAugment,
    augment_clip,
    color_jitter,
    draw_augment,
    eval_clip,
    new_frames,
    to_grayscale,
    transform_frames,
)
from sign2gpt.data.sampling import num_sampled, sample_indices

CFG = tiny.DATA


# ---- sampling (SPEC section 5) ------------------------------------------------------------


def test_eval_sampling_every_second_frame_and_even_subset():
    cfg = DataConfig()
    assert sample_indices(9, cfg, train=False).tolist() == [0, 2, 4, 6, 8]
    long = sample_indices(1000, cfg, train=False)  # 500 strided frames -> 256 evenly spread
    assert len(long) == 256 and long[0] == 0 and long[-1] == 998
    assert np.all(np.diff(long) > 0) and np.all(long % 2 == 0)
    assert num_sampled(9, cfg) == 5 and num_sampled(1000, cfg) == 256 and num_sampled(1, cfg) == 1


def test_train_sampling_jitter_ranges_and_sorted_subset():
    cfg = DataConfig()
    starts, ends = set(), set()
    for seed in range(400):
        idx = sample_indices(100, cfg, train=True, rng=np.random.default_rng(seed))
        assert np.all(np.diff(idx) == 2)
        starts.add(int(idx[0]))
        ends.add(int(idx[-1]))
    assert starts == {0, 1, 2, 3}  # start jitter 0..3
    # end cut 0..4 frames: the exclusive end is 96..100, so the last frame is 94..99
    assert min(ends) == 94 and max(ends) == 99
    for seed in range(20):
        idx = sample_indices(1000, cfg, train=True, rng=np.random.default_rng(seed))
        assert len(idx) == 256 and np.all(np.diff(idx) > 0)
        assert len({int(i) % 2 for i in idx}) == 1  # a subset of one strided run
    # a clip shorter than the jitter is kept whole
    assert sample_indices(2, cfg, train=True, rng=np.random.default_rng(0)).tolist() == [0]
    with pytest.raises(ValueError, match="random generator"):
        sample_indices(10, cfg, train=True)


# ---- augmentation ------------------------------------------------------------------------


def _clip(t: int = 6, size: int = 32) -> np.ndarray:
    """Frames 0, 1 and 4 identical; the others differ; a structured, non-flat picture."""
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    frames = np.stack([base] * t)
    for i in (2, 3, 5):
        frames[i] = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    return frames


def _smooth(t: int = 2, h: int = 32, w: int = 32) -> np.ndarray:
    """Smooth colour gradients (bilinear resampling of them is well defined to +-1 level)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack([4 * xx + 20, 4 * yy + 30, 2 * (xx + yy) + 10], axis=-1)
    return np.stack([np.clip(img + 7 * k, 0, 255) for k in range(t)]).astype(np.uint8)


def test_output_is_uint8_channels_last_and_not_normalised():
    frames = _clip()
    params = ClipAugment(
        3.0, (0.05, 0.02, 0.9, 0.94), True, ((3, 1, 0, 2), 1.1, 0.9, 1.1, 0.03), True
    )
    for out in (eval_clip(frames, CFG), augment_clip(frames, params, CFG)):
        assert out.shape == (6, 3, 24, 24) and out.dtype == torch.uint8
        # one (S, S, 3) picture per frame in memory, as OpenCV and the decoders write it
        assert out.is_contiguous(memory_format=torch.channels_last)
        assert int(out.max()) > 200 and int(out.min()) < 50  # 0..255 pixels, not normalised
    # a torch (T, H, W, 3) uint8 tensor works as well as the numpy array
    assert torch.equal(eval_clip(torch.from_numpy(frames), CFG), eval_clip(frames, CFG))
    with pytest.raises(ValueError, match="uint8"):
        eval_clip(frames.astype(np.float32), CFG)


@pytest.mark.parametrize("angle", [0.0, 4.0])
def test_augmentation_is_one_transform_for_all_frames(angle: float):
    frames = _clip()
    jitter = ((3, 1, 0, 2), 1.1, 0.9, 1.15, 0.03)
    for params in (
        ClipAugment(angle, (0.05, 0.02, 0.9, 0.94), True, jitter, False),
        ClipAugment(angle, (0.0, 0.0, 1.0, 1.0), False, None, True),
    ):
        out = augment_clip(frames, params, CFG)
        assert out.shape == (6, 3, 24, 24) and out.dtype == torch.uint8
        assert torch.equal(out[0], out[1]) and torch.equal(out[0], out[4])
        assert not torch.equal(out[0], out[2])
        # each frame alone gives the same result as inside the clip: nothing is per frame
        for i in range(6):
            assert torch.equal(augment_clip(frames[i : i + 1], params, CFG)[0], out[i])
    # a drawn parameter set for a real clip: identical frames stay identical
    for seed in range(10):
        params = draw_augment(CFG.augment, np.random.default_rng(seed), canvas=32)
        out = augment_clip(frames, params, CFG)
        assert torch.equal(out[0], out[4])


def test_geometry_crop_flip_and_rotation_by_hand():
    # a horizontal ramp: pixel value = column index * 8
    ramp = np.tile((np.arange(32) * 8).astype(np.uint8)[None, :, None], (32, 1, 3))[None]
    cfg = replace(CFG, image_size=16)
    # left half, no scaling: columns 0..15 -> 0..120 exactly
    left = ClipAugment(0.0, (0.0, 0.0, 0.5, 0.5), False, None, False)
    out = augment_clip(ramp, left, cfg)[0, 0]
    assert out[0].tolist() == [8 * c for c in range(16)]
    flipped = augment_clip(ramp, ClipAugment(0.0, (0.0, 0.0, 0.5, 0.5), True, None, False), cfg)
    assert torch.equal(flipped[0, 0].flip(-1), out)
    # the rotation path (warpAffine) agrees with the crop path at a tiny angle...
    tiny = augment_clip(ramp, ClipAugment(1e-4, (0.0, 0.0, 0.5, 0.5), False, None, False), cfg)
    assert (tiny[0, 0].int() - out.int()).abs().max() <= 1
    # ...and at 90 degrees counter-clockwise the right edge (high values) comes to the top:
    # row r of the turned frame holds what column 31 - r held
    whole = replace(cfg, image_size=32)
    turned = augment_clip(ramp, ClipAugment(90.0, (0.0, 0.0, 1.0, 1.0), False, None, False), whole)
    assert turned[0, 0, :, 16].tolist() == [8 * (31 - r) for r in range(32)]
    assert turned[0, 0, 16, :].tolist() == [8 * 15] * 32  # constant along a row


def _reference_warp(frames: np.ndarray, p: ClipAugment, size: int) -> torch.Tensor:
    """Float bilinear reference with zero padding: torch grid_sample in normalised coordinates
    (flip, crop box, rotation about the centre; counter-clockwise as seen, y pointing down)."""
    top, left, h, w = p.crop
    a = math.radians(p.angle)
    crop = torch.tensor(
        [[-w if p.flip else w, 0.0, 2 * left + w - 1], [0.0, h, 2 * top + h - 1], [0, 0, 1]],
        dtype=torch.float64,
    )
    rot = torch.tensor(
        [[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]],
        dtype=torch.float64,
    )
    theta = (rot @ crop)[:2].float()[None]
    x = torch.from_numpy(frames).permute(0, 3, 1, 2).float()
    grid = F.affine_grid(theta.expand(len(x), -1, -1), [len(x), 3, size, size], False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


@pytest.mark.parametrize("shape", [(32, 32), (26, 21)])
def test_rotation_matches_a_float_bilinear_reference(shape: tuple[int, int]):
    # also for non-square frames (a 260x210 folder): the crop is in fractions of the frame
    frames = _smooth(2, *shape)
    cfg = replace(CFG, augment=AugmentConfig(rotation_padding="zeros"))
    for p in (
        ClipAugment(4.0, (0.05, 0.02, 0.9, 0.94), False, None, False),
        ClipAugment(-5.0, (0.0, 0.06, 0.94, 0.9), True, None, False),
    ):
        ours = augment_clip(frames, p, cfg).int()
        ref = _reference_warp(frames, p, 24)
        # OpenCV's fixed-point bilinear (1/32 pixel, rounded to uint8) vs float32
        assert (ours - ref).abs().max() <= 1.5
    # the reflected border fills the corners with picture (at least the picture's darkest
    # value), the zero border with black
    corner = ClipAugment(5.0, (0, 0, 1, 1), False, None, False)
    reflected = augment_clip(frames, corner, CFG)[:, :, 0, 0]
    assert int(reflected.min()) >= int(frames.min()) and int(reflected.max()) > 20
    assert int(augment_clip(frames, corner, cfg)[:, :, 0, 0].max()) < 10


def test_eval_transform_resize():
    frames = np.full((3, 32, 32, 3), 128, dtype=np.uint8)
    out = eval_clip(frames, CFG)
    assert out.shape == (3, 3, 24, 24) and bool((out == 128).all())
    gradient = _smooth(3)
    out = eval_clip(gradient, CFG)
    assert torch.equal(eval_clip(gradient, CFG), out)  # deterministic
    # the same result in chunks, written into a given tensor
    buf = new_frames(3, 24)
    transform_frames(gradient[:2], None, CFG, out=buf[:2])
    transform_frames(gradient[2:], None, CFG, out=buf[2:])
    assert torch.equal(buf, out)
    with pytest.raises(ValueError, match="channels-last"):
        transform_frames(gradient, None, CFG, out=torch.empty(3, 3, 24, 24, dtype=torch.uint8))
    # non-square frames (a 260x210 folder) are stretched to the square
    assert eval_clip(np.zeros((2, 26, 21, 3), np.uint8), CFG).shape == (2, 3, 24, 24)


def test_resize_is_albumentations_bilinear():
    # the authors' albumentations resizes uint8 with cv2.resize(INTER_LINEAR), no antialiasing:
    # the evaluation transform and the unrotated crop path give exactly its values
    import cv2

    frames = _clip()[2:5]  # three different frames
    out = eval_clip(frames, CFG).permute(0, 2, 3, 1).numpy()
    for i in range(3):
        ref = cv2.resize(frames[i], (24, 24), interpolation=cv2.INTER_LINEAR)
        assert np.array_equal(out[i], ref)
    # crop rows 2..29, columns 4..27 (fractions of the 32x32 frame), resize, flip
    p = ClipAugment(0.0, (2 / 32, 4 / 32, 28 / 32, 24 / 32), True, None, False)
    out = augment_clip(frames, p, CFG).permute(0, 2, 3, 1).numpy()
    for i in range(3):
        crop = np.ascontiguousarray(frames[i, 2:30, 4:28])
        ref = cv2.resize(crop, (24, 24), interpolation=cv2.INTER_LINEAR)[:, ::-1]
        assert np.array_equal(out[i], ref)


def test_colour_jitter_and_grayscale_values():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, (2, 4, 5, 3), dtype=np.uint8)
    xf = x.astype(np.float64)
    luma = 0.299 * xf[..., 0] + 0.587 * xf[..., 1] + 0.114 * xf[..., 2]  # (2, 4, 5)
    # by hand: brightness 1.1 of (200, 100, 50) is (220, 110, 55); 250 saturates at 255
    px = np.array([[[[200, 100, 50], [250, 0, 1]]]], np.uint8)
    assert color_jitter(px.copy(), ((0,), 1.1, 1, 1, 0))[0, 0].tolist() == [
        [220, 110, 55],
        [255, 0, 1],
    ]
    # brightness: scale, round, clamp (in place)
    b = x.copy()
    assert color_jitter(b, ((0,), 1.2, 1.0, 1.0, 0.0)) is b
    assert np.array_equal(b, np.clip(np.rint(xf * 1.2), 0, 255))
    # saturation 0 gives the luma image in every channel
    s = color_jitter(x.copy(), ((2,), 1.0, 1.0, 0.0, 0.0))
    assert np.abs(s - luma[..., None]).max() <= 1.0
    # contrast 0 gives each frame's mean luma everywhere
    c = color_jitter(x.copy(), ((1,), 1.0, 0.0, 1.0, 0.0))
    assert np.abs(c - luma.mean(axis=(1, 2))[:, None, None, None]).max() <= 1.0
    # contrast 1.1 by hand on one frame of mean luma 100: (v - 100) * 1.1 + 100
    flat = np.full((1, 2, 2, 3), 100, np.uint8)
    flat[0, 0, 0] = (150, 150, 150)
    flat[0, 0, 1] = (50, 50, 50)
    assert color_jitter(flat, ((1,), 1.0, 1.1, 1.0, 0.0))[0, 0].tolist() == [[155] * 3, [45] * 3]
    # hue: the HSV rotation of colorsys, within 8-bit HSV's rounding
    for shift in (0.04, -0.3):
        y = color_jitter(x.copy(), ((3,), 1.0, 1.0, 1.0, shift)).astype(np.float64)
        steps = round(shift * 256) / 256  # OpenCV's full-range 8-bit hue: 1/256 turn steps
        ref = np.array(
            [
                colorsys.hsv_to_rgb((h + steps) % 1, sat, v)
                for h, sat, v in (colorsys.rgb_to_hsv(*(p / 255)) for p in xf.reshape(-1, 3))
            ]
        ).reshape(x.shape)
        err = np.abs(y - ref * 255)
        assert err.max() <= 10 and err.mean() < 1.5
    # grey pixels keep their value whatever the hue; a shift below half a step changes nothing
    grey = np.full((1, 2, 2, 3), 77, np.uint8)
    assert bool((color_jitter(grey.copy(), ((3,), 1, 1, 1, 0.2)) == 77).all())
    assert np.array_equal(color_jitter(x.copy(), ((3,), 1, 1, 1, 0.001)), x)
    # the order matters: brightness then contrast differs from contrast then brightness
    a = color_jitter(x.copy(), ((0, 1), 1.15, 0.85, 1.0, 0.0))
    assert not np.array_equal(a, color_jitter(x.copy(), ((1, 0), 1.15, 0.85, 1.0, 0.0)))
    # the grayscale option gives three equal channels, the luma
    g = to_grayscale(x.copy())
    assert np.array_equal(g[..., 0], g[..., 1]) and np.array_equal(g[..., 1], g[..., 2])
    assert np.abs(g[..., 0] - luma).max() <= 0.5 + 1e-9
    out = augment_clip(_clip(), ClipAugment(0.0, (0, 0, 1, 1), False, None, True), CFG)
    assert torch.equal(out[:, 0], out[:, 1]) and torch.equal(out[:, 1], out[:, 2])


def test_parameter_draws_follow_the_config():
    cfg = AugmentConfig()
    draws = [draw_augment(cfg, np.random.default_rng(s), canvas=256) for s in range(2000)]
    rotated = [d.angle for d in draws if d.angle != 0.0]
    assert 0.25 < len(rotated) / 2000 < 0.35 and max(map(abs, rotated)) <= 5.0
    assert 0.45 < np.mean([d.flip for d in draws]) < 0.55
    assert 0.25 < np.mean([d.jitter is not None for d in draws]) < 0.35
    assert 0.15 < np.mean([d.gray for d in draws]) < 0.25
    for d in draws:
        top, left, h, w = d.crop
        assert 0.875 - 0.01 <= h * w <= 1.0 and 0.9 - 0.01 <= w / h <= 1.1 + 0.01
        assert top >= 0 and left >= 0 and top + h <= 1 + 1e-9 and left + w <= 1 + 1e-9
        if d.jitter is not None:
            order, b, c, sat, hue = d.jitter
            assert sorted(order) == [0, 1, 2, 3]
            assert all(0.84 <= f <= 1.16 for f in (b, c, sat)) and abs(hue) <= 0.04
    assert math.isclose(cfg.rotation_degrees, 5.0)
