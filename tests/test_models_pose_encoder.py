"""The pose encoder and the RGB + pose fusion: shapes, masking, mirror equivariance, sizes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sign2gpt.config import ConfigError, Modality, PoseEncoderConfig, load_config, validate
from sign2gpt.data.pose import PointGroup
from sign2gpt.data.pose.keypoints import mirror_points
from sign2gpt.data.pose.skeletons import (
    Component,
    holistic_reduced_names,
    skeleton_from_components,
    synth_skeleton,
)
from sign2gpt.models.pose_encoder import PoseEncoder, RGBPoseFusion

TINY = PoseEncoderConfig(hidden_dim=8, layers=2)  # out_dim 4 below


def frames(n: int, k: int, seed: int = 0, missing: float = 0.2) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, k, 3, generator=g)
    x[..., 2] = torch.rand(n, k, generator=g) * 0.9 + 0.1
    gone = torch.rand(n, k, generator=g) < missing
    x[gone] = torch.tensor([float("nan"), float("nan"), 0.0])
    return x


def holistic178():
    comps: dict[str, list[str]] = {}
    for n in holistic_reduced_names():
        c, p = n.split("/", 1)
        comps.setdefault(c, []).append(p)
    return skeleton_from_components([Component(c, tuple(p)) for c, p in comps.items()], "h")


def test_output_shape_and_parameter_count_by_hand():
    sk = synth_skeleton()  # 10 body points, 6 per hand, no face
    enc = PoseEncoder(TINY, sk, 4).eval()
    assert enc(frames(5, 22)).shape == (5, 4)
    # body: Linear(30, 8) + Linear(8, 8) = 248 + 72; hands, shared, local (6 x 3 + 2 inputs):
    # Linear(20, 8) + Linear(8, 8) = 168 + 72; Linear(3 x 8, 4) = 100; BatchNorm1d(4) = 8
    assert sum(p.numel() for p in enc.parameters()) == 320 + 240 + 100 + 8
    separate = PoseEncoder(PoseEncoderConfig(hidden_dim=8, layers=2, share_hands=False), sk, 4)
    assert sum(p.numel() for p in separate.parameters()) == 668 + 240
    assert sorted(enc.mlps) == ["body", "right_hand"]


def test_holistic_layout_and_packed_frames_of_several_clips():
    sk = holistic178()
    enc = PoseEncoder(PoseEncoderConfig(hidden_dim=16), sk, 32)
    out = enc(frames(64, 178))  # training mode: BatchNorm over the 64 packed frames
    assert out.shape == (64, 32) and torch.isfinite(out).all()
    assert enc.parts == [
        PointGroup.BODY,
        PointGroup.LEFT_HAND,
        PointGroup.RIGHT_HAND,
        PointGroup.FACE,
    ]
    with pytest.raises(ValueError, match=r"\(N, 178, 3\)"):
        enc(frames(2, 22))


def test_a_missing_points_coordinates_do_not_change_the_output():
    sk = holistic178()
    enc = PoseEncoder(PoseEncoderConfig(hidden_dim=16), sk, 32).eval()
    x = frames(6, 178, seed=1)
    base = enc(x)
    gone = x[..., 2] == 0
    assert gone.any()
    for fill in (0.0, 1e6, -3.0):
        y = x.clone()
        y[..., :2][gone] = fill
        assert torch.equal(enc(y), base)
    # ... while moving a present point does change it (the test could fail)
    y = x.clone()
    i = int((~gone[0]).nonzero()[0])
    y[0, i, 0] += 0.5
    assert not torch.allclose(enc(y)[0], base[0])


def test_nan_in_missing_points_keeps_gradients_finite():
    sk = synth_skeleton()
    enc = PoseEncoder(TINY, sk, 4)
    enc(frames(16, 22, missing=0.5)).pow(2).sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in enc.parameters())


def test_mirroring_the_input_swaps_the_two_hands_features():
    sk = synth_skeleton()
    x = frames(8, 22, seed=2)
    mirrored = torch.from_numpy(mirror_points(x.numpy(), sk.mirror))
    enc = PoseEncoder(TINY, sk, 4).eval()
    a, b = enc.part_features(x), enc.part_features(mirrored)
    torch.testing.assert_close(b[PointGroup.RIGHT_HAND], a[PointGroup.LEFT_HAND])
    torch.testing.assert_close(b[PointGroup.LEFT_HAND], a[PointGroup.RIGHT_HAND])
    # separate hand MLPs have no such symmetry
    sep = PoseEncoder(PoseEncoderConfig(hidden_dim=8, layers=2, share_hands=False), sk, 4).eval()
    a, b = sep.part_features(x), sep.part_features(mirrored)
    assert not torch.allclose(b[PointGroup.RIGHT_HAND], a[PointGroup.LEFT_HAND])


def test_local_parts_make_a_handshape_independent_of_where_it_is():
    sk = synth_skeleton()
    x = frames(4, 22, seed=3, missing=0.0)
    moved = x.clone()
    hand = list(sk.groups[PointGroup.RIGHT_HAND])
    moved[:, hand, :2] += torch.tensor([0.7, -0.3])
    enc = PoseEncoder(TINY, sk, 4)
    a, b = enc.part_input(x, PointGroup.RIGHT_HAND), enc.part_input(moved, PointGroup.RIGHT_HAND)
    torch.testing.assert_close(a[:, :-2], b[:, :-2])  # the shape part
    torch.testing.assert_close(b[:, -2:] - a[:, -2:], torch.tensor([[0.7, -0.3]] * 4))


def test_fusion_shapes_parameters_and_mismatch():
    fuse = RGBPoseFusion(rgb_dim=6, pose_dim=4, out_dim=5)
    assert fuse(torch.randn(7, 6), torch.randn(7, 4)).shape == (7, 5)
    assert sum(p.numel() for p in fuse.parameters()) == (10 * 5 + 5) + 2 * 5
    with pytest.raises(ValueError, match="7 RGB frames but 6 pose frames"):
        fuse(torch.randn(7, 6), torch.randn(6, 4))


def test_modality_and_config():
    assert Modality("rgb+pose") is Modality.RGB_POSE
    assert load_config(None, ["model.input=pose"]).model.input is Modality.POSE
    with pytest.raises(ConfigError, match=r"model.input: 'video' is not one of"):
        load_config(None, ["model.input=video"])
    with pytest.raises(ConfigError, match=r"layers: 0 is out of range"):
        validate(PoseEncoderConfig(layers=0))
    assert np.isclose(PoseEncoderConfig().dropout, 0.0)
