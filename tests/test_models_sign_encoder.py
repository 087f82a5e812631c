import math
from dataclasses import replace

import pytest
import tiny
import torch
import torch.nn.functional as F

from sign2gpt.config import ConfigError, SignEncoderConfig
from sign2gpt.models.positional import (
    RotaryEmbedding,
    SinusoidalPositionalEncoding,
    sinusoidal_table,
)
from sign2gpt.models.sign_encoder import (
    SignEncoder,
    local_attention_mask,
    pool_sequence,
)

TINY = tiny.SIGN_ENCODER


def _count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_paper_parameter_count_on_meta_device():
    with torch.device("meta"):
        encoder = SignEncoder(SignEncoderConfig())
    assert [_count(b) for b in encoder.blocks] == [3_153_408] * 4
    assert encoder.blocks[0].layer_scale1.numel() + encoder.blocks[0].layer_scale2.numel() == 1024
    assert _count(encoder) == 12_613_632
    assert all(p.requires_grad for p in encoder.parameters())


def test_init_drop_path_and_layer_scale():
    torch.manual_seed(0)
    encoder = SignEncoder(SignEncoderConfig(dim=64, num_heads=4, mlp_dim=256))
    rates = [block.drop_path.p for block in encoder.blocks]
    assert rates == pytest.approx([0.0, 0.1 / 3, 0.2 / 3, 0.1])
    block = encoder.blocks[0]
    assert torch.equal(block.layer_scale1, torch.full((64,), 1e-5))
    fc1 = block.mlp[0]
    bound = math.sqrt(6 / (64 + 256))  # Xavier uniform
    assert fc1.weight.abs().max() <= bound and fc1.weight.abs().max() > 0.9 * bound
    assert torch.count_nonzero(fc1.bias) == 0 and torch.count_nonzero(block.attn.q_proj.bias) == 0


def test_local_attention_mask_window_padding_and_diagonal():
    mask = torch.tensor([[True, True, True, True, False]])
    allowed = local_attention_mask(mask, window=3)[0, 0]
    expected = torch.tensor(
        [
            [1, 1, 0, 0, 0],
            [1, 1, 1, 0, 0],
            [0, 1, 1, 1, 0],
            [0, 0, 1, 1, 0],  # the padded key 4 is hidden even inside the window
            [0, 0, 0, 1, 1],  # a padded query still sees itself: no empty row, no NaN
        ],
        dtype=torch.bool,
    )
    assert torch.equal(allowed, expected)
    assert local_attention_mask(mask, window=0)[0, 0, 0].tolist() == [1, 1, 1, 1, 0]


def test_pool_matches_the_authors_average_pool_and_keeps_centre_validity():
    x = torch.randn(1, 7, 3)
    pooled, mask = pool_sequence(x, torch.ones(1, 7, dtype=torch.bool))
    reference = F.avg_pool1d(x.transpose(1, 2), 3, stride=2, padding=1).transpose(1, 2)
    torch.testing.assert_close(pooled, reference)
    assert pooled.shape == (1, 4, 3) and mask.all()
    # 4 valid frames padded to 7: ceil(4/2) = 2 valid positions, the second averages 1..3.
    padded = torch.cat([x[:, :4], torch.full((1, 3, 3), 9.0)], dim=1)
    valid = torch.tensor([[1, 1, 1, 1, 0, 0, 0]], dtype=torch.bool)
    pooled, mask = pool_sequence(padded, valid)
    assert mask.tolist() == [[True, True, False, False]]
    torch.testing.assert_close(pooled[0, 1], x[0, 1:4].mean(0))
    torch.testing.assert_close(
        pooled[0, 0], x[0, :2].sum(0) / 3
    )  # the zero pad counts, as in avg_pool1d


def test_output_is_unchanged_outside_the_receptive_field():
    # window 7 (+-3), 2 blocks (+-6 frames), pool (j <- 2j-1..2j+1), 2 blocks (+-6 pooled
    # positions): pooled output j reads input frames 2j-19 .. 2j+19 and nothing else.
    torch.manual_seed(0)
    encoder = SignEncoder(TINY).eval()
    T, j = 64, 16
    x = torch.randn(1, T, 32)
    mask = torch.ones(1, T, dtype=torch.bool)
    with torch.no_grad():
        base, out_mask = encoder(x, mask)
        assert base.shape == (1, 32, 32) and out_mask.all()
        changed = x.clone()
        changed[:, : 2 * j - 19] += 5 * torch.randn(1, 2 * j - 19, 32)
        changed[:, 2 * j + 20 :] += 5 * torch.randn(1, T - 2 * j - 20, 32)
        torch.testing.assert_close(encoder(changed, mask)[0][:, j], base[:, j], rtol=0, atol=1e-6)
        assert not torch.allclose(encoder(changed, mask)[0][:, j - 1], base[:, j - 1], atol=1e-4)
        for edge in (2 * j - 19, 2 * j + 19):  # the field is tight: its edges do matter
            nudged = x.clone()
            nudged[:, edge] += 5.0
            assert not torch.allclose(encoder(nudged, mask)[0][:, j], base[:, j], atol=1e-4)


def test_padding_does_not_change_valid_outputs():
    torch.manual_seed(0)
    encoder = SignEncoder(TINY).eval()
    lengths = [10, 7, 4, 1]
    T = 12
    clips = [torch.randn(1, n, 32) for n in lengths]
    batch = 100 * torch.randn(len(lengths), T, 32)  # garbage in the padding
    mask = torch.zeros(len(lengths), T, dtype=torch.bool)
    for i, clip in enumerate(clips):
        batch[i, : clip.shape[1]] = clip[0]
        mask[i, : clip.shape[1]] = True
    with torch.no_grad():
        z, z_mask = encoder(batch, mask)
        assert z.shape == (4, encoder.output_length(T), 32) == (4, 6, 32)
        assert z_mask.sum(1).tolist() == [5, 4, 2, 1]  # ceil(L / 2)
        assert torch.isfinite(z).all()
        assert torch.count_nonzero(z[~z_mask]) == 0  # padded positions are zeroed
        for i, clip in enumerate(clips):
            alone, alone_mask = encoder(clip, torch.ones(1, clip.shape[1], dtype=torch.bool))
            n = alone.shape[1]
            assert n == math.ceil(lengths[i] / 2) and alone_mask.all()
            torch.testing.assert_close(z[i, :n], alone[0], rtol=1e-5, atol=1e-5)


def test_output_lengths_and_training_mode_run():
    encoder = SignEncoder(replace(TINY, dropout=0.1, downsample_after=[1, 3])).train()
    assert [encoder.output_length(t) for t in (1, 2, 5, 11, 12)] == [1, 1, 2, 3, 3]
    x = torch.randn(2, 11, 32, requires_grad=True)
    z, mask = encoder(x, torch.ones(2, 11, dtype=torch.bool))
    assert z.shape == (2, 3, 32) and mask.shape == (2, 3)
    z.sum().backward()
    assert all(p.grad is not None for p in encoder.parameters())


def test_bad_config_is_reported():
    with pytest.raises(ConfigError, match="window"):
        SignEncoder(replace(TINY, window=6))
    with pytest.raises(ConfigError, match="downsample_after"):
        SignEncoder(replace(TINY, downsample_after=[5]))
    with pytest.raises(ConfigError, match="divisible"):
        SignEncoder(replace(TINY, num_heads=5))


def test_sinusoidal_table_values():
    table = sinusoidal_table(50, 8)
    assert table.shape == (50, 8)
    assert table[0].tolist() == [0, 1, 0, 1, 0, 1, 0, 1]
    p, i = 7, 2  # channel pair 2: channels 4 (sin) and 5 (cos)
    angle = p / 10000 ** (2 * i / 8)
    assert table[p, 4].item() == pytest.approx(math.sin(angle), abs=1e-6)
    assert table[p, 5].item() == pytest.approx(math.cos(angle), abs=1e-6)
    x = torch.zeros(2, 5, 8)
    assert torch.equal(SinusoidalPositionalEncoding(8)(x), table[:5].expand(2, 5, 8))


def test_rotary_scores_depend_only_on_relative_position():
    torch.manual_seed(0)
    rotary = RotaryEmbedding(16)
    qv, kv = torch.randn(16), torch.randn(16)
    T = 12
    q = qv.expand(1, 1, T, 16).clone()
    k = kv.expand(1, 1, T, 16).clone()
    qr, kr = rotary(q, k)
    scores = (qr @ kr.transpose(-1, -2))[0, 0]  # (T, T)
    torch.testing.assert_close(scores[0, 0], (qv * kv).sum())  # position 0 is not rotated
    for offset in (-3, 0, 2, 5):
        diag = torch.diagonal(scores, offset)
        torch.testing.assert_close(diag, diag[0].expand_as(diag), rtol=1e-5, atol=1e-5)
    assert not torch.allclose(scores[0, 1], scores[0, 2])
