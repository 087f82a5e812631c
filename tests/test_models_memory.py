"""The training-memory estimate (sign2gpt.models.memory, `sign2gpt summary --batch --frames`)
against values computed by hand for the tiny configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny import model_config

from sign2gpt.cli import main
from sign2gpt.models.memory import (
    MEASURED_BYTES,
    PAPER_FRAME_UNITS,
    PAPER_TOKEN_UNITS,
    RUNTIME_BYTES,
    MemoryEstimate,
    estimate_training_memory,
    largest_batch,
    parse_bytes,
)
from sign2gpt.models.summary import build_on_meta

ROOT = Path(__file__).resolve().parents[1]

# the tiny model (tests/tiny.py): parameter table total 64,632, trainable 11,256; of the frozen
# 53,376 the ViT holds 32,384 and the LM 20,992. Buffers: FrameNormalise scale + shift (6
# float32), BatchNorm1d(16) mean + var (32 float32) + its counter (int64), XGLM's sinusoidal
# table (128 + 2) x 32.
FROZEN_VIT, FROZEN_LM, TRAINABLE = 32_384, 20_992, 11_256
SMALL_BUFFERS = 6 * 4 + 32 * 4 + 8
TABLE = 130 * 32


@pytest.mark.parametrize("dtype, lm_bytes", [("float32", 4), ("bfloat16", 2)])
def test_estimate_matches_the_formula_by_hand(dtype, lm_bytes):
    cfg = model_config()
    cfg.lm.dtype = dtype
    model = build_on_meta(cfg, "translate")
    est = estimate_training_memory(model, cfg, 24, batch=3, frames=7, tokens=5, device="cpu")
    assert est.frozen_weights == FROZEN_VIT * 4 + FROZEN_LM * lm_bytes + SMALL_BUFFERS + (
        TABLE * lm_bytes
    )
    assert est.trainable_state == TRAINABLE * (4 + 4 + 8)  # weight, gradient, two moments
    # 24 px frames, 8 px patches: 3 x 3 + CLS = 10 tokens of width 32; the LM: 32 x 2 layers
    # + 120 vocabulary entries
    per_frame, per_token = MEASURED_BYTES[False]
    assert est.activations_frames == round(3 * 7 * per_frame * (10 * 32) / (257 * 384))
    assert est.activations_tokens == round(
        3 * 5 * per_token * (32 * 2 + 120) / (2048 * 24 + 256008)
    )
    assert est.runtime == round(RUNTIME_BYTES["cpu"])
    assert est.total == (
        est.frozen_weights
        + est.trainable_state
        + est.activations_frames
        + est.activations_tokens
        + est.runtime
    )


def test_checkpointing_switches_the_measured_costs_per_part():
    cfg = model_config()
    model = build_on_meta(cfg, "translate")
    plain = estimate_training_memory(model, cfg, 24, 2, 8, 6)
    cfg.spatial.gradient_checkpointing = True
    frames_only = estimate_training_memory(model, cfg, 24, 2, 8, 6)
    assert frames_only.activations_frames == round(
        2 * 8 * MEASURED_BYTES[True][0] * 320 / PAPER_FRAME_UNITS
    )
    assert frames_only.activations_tokens == plain.activations_tokens
    cfg.lm.gradient_checkpointing = True
    both = estimate_training_memory(model, cfg, 24, 2, 8, 6)
    assert both.activations_tokens == round(
        2 * 6 * MEASURED_BYTES[True][1] * 184 / PAPER_TOKEN_UNITS
    )


def test_largest_batch_by_hand():
    one = MemoryEstimate(
        frozen_weights=10, trainable_state=5, activations_frames=7, activations_tokens=3, runtime=2
    )
    assert largest_batch(one, 17 + 10 * 4) == 4  # (57 - 17) / 10
    assert largest_batch(one, 17 + 10 * 4 + 9) == 4
    assert largest_batch(one, 26) == 0  # not even one clip


def test_memory_sizes_parse():
    assert parse_bytes("24GB") == 24e9
    assert parse_bytes("40GiB") == 40 * 2**30
    assert parse_bytes(" 512 mb ") == 512e6
    for bad in ("", "lots", "-3GB", "24TB"):
        with pytest.raises(ValueError, match="memory size"):
            parse_bytes(bad)


def test_summary_prints_the_estimate_and_the_largest_batch(capsys):
    recipe = str(ROOT / "configs/phoenix14t/translate.yaml")
    args = ["summary", "--config", recipe, "--batch", "2", "--frames", "64", "--tokens", "24"]
    assert main([*args, "--gpu-memory", "80GB"]) == 0
    out = capsys.readouterr().out
    assert "estimated training memory, batch 2 x 64 frames x 24 tokens" in out
    assert "unverified" in out
    big = int(out.rsplit("GPU memory: ", 1)[1].split()[0])
    assert main([*args, "--gpu-memory", "24GB"]) == 0
    small = int(capsys.readouterr().out.rsplit("GPU memory: ", 1)[1].split()[0])
    assert big > small >= 1
    assert main([*args, "--gpu-memory", "lots"]) == 2  # one line, exit code 2
    assert "--gpu-memory" in capsys.readouterr().err
