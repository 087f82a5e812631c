import colorsys
import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from sign2gpt.config import AugmentConfig, DataConfig
from sign2gpt.data.augment import (
    ClipAugment,
    _shift_hue,
    augment_clip,
    color_jitter,
    draw_augment,
    eval_clip,
    transform_frames,
)
from sign2gpt.data.sampling import num_sampled, sample_indices

CFG = DataConfig(image_size=24, store_size=32)
MEAN = np.array(CFG.mean).reshape(1, 3, 1, 1)
STD = np.array(CFG.std).reshape(1, 3, 1, 1)


def _unnormalise(x: torch.Tensor) -> np.ndarray:
    return x.numpy() * STD + MEAN  # back to [0, 1]


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


@pytest.mark.parametrize("angle", [0.0, 4.0])
def test_augmentation_is_one_transform_for_all_frames(angle: float):
    frames = _clip()
    jitter = ((3, 1, 0, 2), 1.1, 0.9, 1.15, 0.03)
    for params in (
        ClipAugment(angle, (0.05, 0.02, 0.9, 0.94), True, jitter, False),
        ClipAugment(angle, (0.0, 0.0, 1.0, 1.0), False, None, True),
    ):
        out = augment_clip(frames, params, CFG)
        assert out.shape == (6, 3, 24, 24) and out.dtype == torch.float32
        assert torch.equal(out[0], out[1]) and torch.equal(out[0], out[4])
        assert not torch.allclose(out[0], out[2])
        # each frame alone gives the same result as inside the clip: nothing is per frame
        for i in range(6):
            assert torch.allclose(augment_clip(frames[i : i + 1], params, CFG)[0], out[i])
    # a drawn parameter set for a real clip: identical frames stay identical
    for seed in range(10):
        params = draw_augment(CFG.augment, np.random.default_rng(seed), canvas=32)
        out = augment_clip(frames, params, CFG)
        assert torch.equal(out[0], out[4])


def test_geometry_crop_flip_and_rotation_by_hand():
    # a horizontal ramp: pixel value = column index * 8
    ramp = np.tile((np.arange(32) * 8).astype(np.uint8)[None, :, None], (32, 1, 3))[None]
    cfg = replace(CFG, image_size=16, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0))
    # left half, no scaling: columns 0..15 -> 0..120
    left = ClipAugment(0.0, (0.0, 0.0, 0.5, 0.5), False, None, False)
    out = augment_clip(ramp, left, cfg)[0, 0] * 255
    assert torch.allclose(out[0], torch.arange(16) * 8.0, atol=0.5)
    flipped = augment_clip(ramp, ClipAugment(0.0, (0.0, 0.0, 0.5, 0.5), True, None, False), cfg)
    assert torch.allclose(flipped[0, 0].flip(-1), out / 255, atol=1e-6)
    # the rotation path (grid_sample) agrees with the crop path at a tiny angle...
    tiny = augment_clip(ramp, ClipAugment(1e-4, (0.0, 0.0, 0.5, 0.5), False, None, False), cfg)
    assert torch.allclose(tiny[0, 0] * 255, out, atol=0.6)
    # ...and at 90 degrees turns columns into rows (whole frame, square)
    whole = replace(cfg, image_size=32)
    turned = augment_clip(ramp, ClipAugment(90.0, (0.0, 0.0, 1.0, 1.0), False, None, False), whole)
    assert float(turned[0, 0, 16, :].std()) < 0.01  # constant along a row after the turn
    assert float(turned[0, 0, :, 16].std()) > 0.2  # the ramp now runs down the columns


def test_eval_transform_resize_and_normalise():
    frames = np.full((3, 32, 32, 3), 128, dtype=np.uint8)
    out = eval_clip(frames, CFG)
    assert out.shape == (3, 3, 24, 24)
    expected = (128 / 255 - np.array(CFG.mean)) / np.array(CFG.std)
    assert np.allclose(out[:, :, 5, 7].numpy(), expected[None], atol=1e-5)
    assert torch.equal(eval_clip(frames, CFG), out)  # deterministic
    # the same result in chunks, written into a given tensor
    buf = torch.empty((3, 3, 24, 24))
    transform_frames(frames[:2], None, CFG, out=buf[:2])
    transform_frames(frames[2:], None, CFG, out=buf[2:])
    assert torch.equal(buf, out)
    # non-square frames (a 260x210 folder) are stretched to the square
    assert eval_clip(np.zeros((2, 26, 21, 3), np.uint8), CFG).shape == (2, 3, 24, 24)


def test_colour_jitter_and_grayscale_values():
    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.random((2, 3, 4, 5)).astype(np.float32))
    # brightness alone: scale and clamp
    b = color_jitter(x.clone(), ((0,), 1.2, 1.0, 1.0, 0.0))
    assert torch.allclose(b, (x * 1.2).clamp(0, 1))
    # saturation 0 gives the luma image in every channel
    gray = 0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]
    s = color_jitter(x.clone(), ((2,), 1.0, 1.0, 0.0, 0.0))
    assert torch.allclose(s, gray[:, None].expand(-1, 3, -1, -1), atol=1e-6)
    # contrast 0 gives each frame's mean luma everywhere
    c = color_jitter(x.clone(), ((1,), 1.0, 0.0, 1.0, 0.0))
    assert torch.allclose(c, gray.mean(dim=(1, 2))[:, None, None, None].expand_as(x), atol=1e-6)
    # hue: HSV rotation exactly as colorsys
    for shift in (0.04, -0.3):
        y = _shift_hue(x.clone(), shift).numpy()
        for t, i, j in ((0, 0, 0), (1, 2, 3), (0, 3, 4)):
            h, sat, v = colorsys.rgb_to_hsv(*x[t, :, i, j].tolist())
            assert np.allclose(
                y[t, :, i, j], colorsys.hsv_to_rgb((h + shift) % 1, sat, v), atol=1e-6
            )
    # the grayscale option gives three equal channels
    frames = _clip()
    out = _unnormalise(augment_clip(frames, ClipAugment(0.0, (0, 0, 1, 1), False, None, True), CFG))
    assert np.allclose(out[:, 0], out[:, 1], atol=1e-5) and np.allclose(
        out[:, 1], out[:, 2], atol=1e-5
    )


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
