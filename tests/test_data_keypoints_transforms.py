"""Keypoint normalisation and augmentation against hand-computed values on a 3-point toy
skeleton (left shoulder, right shoulder, nose)."""

from __future__ import annotations

import numpy as np
import pytest

from sign2gpt.data.pose import Keypoints, PointGroup, Skeleton, mark_missing
from sign2gpt.data.pose.transforms import (
    PoseAugment,
    PoseAugmentConfig,
    apply_pose_augment,
    draw_pose_augment,
    normalise,
    rotation_matrix,
)

NAN = np.nan


def toy() -> Skeleton:
    return Skeleton(
        name="toy",
        names=("left_shoulder", "right_shoulder", "nose"),
        groups={
            PointGroup.BODY: (0, 1, 2),
            PointGroup.LEFT_HAND: (),
            PointGroup.RIGHT_HAND: (),
            PointGroup.FACE: (),
        },
        mirror=(1, 0, 2),
        shoulders=(0, 1),
    )


def clip(frames: list[list[list[float]]], skeleton: Skeleton | None = None) -> Keypoints:
    return Keypoints(mark_missing(np.array(frames, float)), skeleton or toy(), 25.0, 12, 9)


def test_normalise_centres_on_the_shoulders_and_scales_by_their_distance():
    # shoulders at x 6 and 2 (y 2): centre (4, 2), distance 4; the nose at (4, 0)
    kp = clip([[[6, 2, 1], [2, 2, 1], [4, 0, 0.5]]])
    out = normalise(kp)
    np.testing.assert_allclose(out[0], [[0.5, 0, 1], [-0.5, 0, 1], [0, -0.5, 0.5]], atol=1e-6)


def test_a_frame_without_both_shoulders_takes_the_clip_median_and_missing_stays_missing():
    kp = clip(
        [
            [[6, 2, 1], [2, 2, 1], [4, 0, 1]],  # centre (4, 2), scale 4
            [[NAN, NAN, 0], [3, 3, 1], [5, 1, 1]],  # left shoulder missing: fallback
            [[10, 4, 1], [4, 4, 1], [NAN, NAN, 0]],  # centre (7, 4), scale 6; nose missing
        ]
    )
    out = normalise(kp)
    # median of the two full frames: centre (5.5, 3), scale 5
    np.testing.assert_allclose(out[1, 1], [(3 - 5.5) / 5, 0.0, 1], atol=1e-6)
    np.testing.assert_allclose(out[1, 2], [(5 - 5.5) / 5, (1 - 3) / 5, 1], atol=1e-6)
    assert np.isnan(out[1, 0, :2]).all() and out[1, 0, 2] == 0
    np.testing.assert_allclose(out[2, :2], [[0.5, 0, 1], [-0.5, 0, 1]], atol=1e-6)
    assert np.isnan(out[2, 2, :2]).all() and out[2, 2, 2] == 0


def test_a_clip_without_shoulders_falls_back_to_the_frame_centre_and_0_4_of_its_width():
    kp = clip([[[NAN, NAN, 0], [NAN, NAN, 0], [8, 2.5, 1]]])  # frame 12 x 9: scale 4.8
    out = normalise(kp)
    np.testing.assert_allclose(out[0, 2], [(8 - 6) / 4.8, (2.5 - 4.5) / 4.8, 1], atol=1e-6)


def test_mirror_swaps_left_and_right_and_negates_x():
    pts = np.array([[[0.5, 0.1, 0.9], [-0.5, -0.1, 0.8], [0.2, -0.5, 1.0]]], np.float32)
    out = apply_pose_augment(pts, PoseAugment(flip=True), toy().mirror)
    # the left slot holds the old right shoulder, x negated; names stay where they are
    np.testing.assert_allclose(
        out[0], [[0.5, -0.1, 0.8], [-0.5, 0.1, 0.9], [-0.2, -0.5, 1.0]], atol=1e-6
    )
    assert pts[0, 0, 1] == pytest.approx(0.1)  # input untouched


def test_rotation_by_90_degrees_turns_right_into_up():
    np.testing.assert_allclose(rotation_matrix(90) @ [1.0, 0.0], [0.0, -1.0], atol=1e-12)
    pts = np.array([[[1.0, 0.0, 1], [0.0, 1.0, 1], [0.2, -0.5, 0.5]]], np.float32)
    out = apply_pose_augment(pts, PoseAugment(angle=90.0), toy().mirror)
    # counter-clockwise as seen with y down: (x, y) -> (y, -x)
    np.testing.assert_allclose(out[0], [[0, -1, 1], [1, 0, 1], [-0.5, -0.2, 0.5]], atol=1e-6)


def test_scale_shift_and_order_mirror_first():
    pts = np.array([[[0.5, 0.0, 1], [-0.5, 0.0, 1], [0.0, -0.5, 1]]], np.float32)
    params = PoseAugment(angle=90.0, scale=2.0, shift=(0.1, -0.2), flip=True)
    out = apply_pose_augment(pts, params, toy().mirror)
    # mirror: left <- (0.5, 0) (the old right, negated); rotate: (0, -0.5); x2: (0, -1); shift
    np.testing.assert_allclose(out[0, 0, :2], [0.1, -1.2], atol=1e-6)
    # nose: mirror (0, -0.5); rotate (-0.5, 0); x2 (-1, 0); shift (-0.9, -0.2)
    np.testing.assert_allclose(out[0, 2, :2], [-0.9, -0.2], atol=1e-6)


def test_dropped_points_are_marked_missing_and_missing_points_stay_missing():
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(400, 3, 3)).astype(np.float32)
    pts[..., 2] = 1.0
    pts[0, 2] = (NAN, NAN, 0.0)
    out = apply_pose_augment(pts, PoseAugment(angle=30.0, drop_p=0.25, drop_seed=7), toy().mirror)
    gone = out[..., 2] == 0
    assert np.isnan(out[gone][:, :2]).all() and np.isfinite(out[~gone][:, :2]).all()
    assert gone[0, 2]
    assert 0.2 < gone.mean() < 0.3
    again = apply_pose_augment(pts, PoseAugment(angle=30.0, drop_p=0.25, drop_seed=7), (1, 0, 2))
    assert np.array_equal(again, out, equal_nan=True)  # the seed fixes the mask


def test_draw_is_reproducible_and_always_makes_the_same_draws():
    a = draw_pose_augment(PoseAugmentConfig(), np.random.default_rng(3))
    b = draw_pose_augment(PoseAugmentConfig(), np.random.default_rng(3))
    assert a == b
    never = PoseAugmentConfig(rotation_p=0.0, hflip_p=0.0, drop_p=0.0)
    always = PoseAugmentConfig(rotation_p=1.0, hflip_p=1.0, drop_p=0.5)
    r1, r2 = np.random.default_rng(5), np.random.default_rng(5)
    p_never, p_always = draw_pose_augment(never, r1), draw_pose_augment(always, r2)
    assert p_never.angle == 0.0 and not p_never.flip and p_never.drop_p == 0.0
    assert p_always.angle != 0.0 and p_always.flip and p_always.drop_p == 0.5
    assert abs(p_always.angle) <= 10.0 and 0.9 <= p_always.scale <= 1.1
    assert r1.random() == r2.random()  # the generators advanced alike


def test_config_is_checked():
    from sign2gpt.config import ConfigError, load_config

    with pytest.raises(ConfigError, match=r"data.pose_augment.hflip_p: 1.5 is out of range"):
        load_config(None, ["data.pose_augment.hflip_p=1.5"])
    with pytest.raises(ConfigError, match=r"data.pose_augment.scale: 1.2 > 1.0"):
        load_config(None, ["data.pose_augment.scale=[1.2, 1.0]"])
