"""The model's input normalisation: uint8 frames from the data pipeline -> normalised floats."""

from pathlib import Path

import pytest
import torch
from tiny import model_config, randomise_

from sign2gpt.config import Config, ModelConfig, SpatialConfig, load_config
from sign2gpt.models import preprocess
from sign2gpt.models.checkpoint import save_checkpoint
from sign2gpt.models.pgp_model import PGPModel
from sign2gpt.models.preprocess import FrameNormalise
from sign2gpt.models.stages import load_checkpoint


def _pgp(cfg: ModelConfig) -> PGPModel:
    return PGPModel.build(cfg, prototypes=torch.randn(5, 32))


def _with_normalisation(lm_dir: Path, mean: tuple, std: tuple) -> ModelConfig:
    cfg = model_config(lm_dir)
    cfg.spatial.mean, cfg.spatial.std = mean, std
    return cfg


def _uint8_frames(n: int, size: int = 16, seed: int = 0) -> torch.Tensor:
    """(n, 3, size, size) uint8 in channels-last memory, as the data pipeline delivers."""
    g = torch.Generator().manual_seed(seed)
    hwc = torch.randint(0, 256, (n, size, size, 3), dtype=torch.uint8, generator=g)
    return hwc.permute(0, 3, 1, 2)


def test_values_by_hand():
    x = torch.zeros((1, 3, 2, 2), dtype=torch.uint8)
    x[0, 1, 0, 1] = 128
    x[0, 2, 1, 1] = 255
    y = FrameNormalise()(x)  # ImageNet mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225)
    assert y.dtype == torch.float32 and y.shape == (1, 3, 2, 2)
    assert y[0, 0, 0, 0].item() == pytest.approx(-2.1179039, abs=1e-6)  # (0 - 0.485) / 0.229
    assert y[0, 1, 0, 1].item() == pytest.approx(0.2051821, abs=1e-6)  # (128/255 - .456) / .224
    assert y[0, 2, 1, 1].item() == pytest.approx(2.64, abs=1e-6)  # (1 - 0.406) / 0.225
    assert y[0, 2, 0, 0].item() == pytest.approx(-1.8044444, abs=1e-6)  # (0 - 0.406) / 0.225
    # another mean / std, from the backbone's config
    other = FrameNormalise.from_config(SpatialConfig(mean=(0.5, 0.5, 0.5), std=(0.5, 0.25, 1.0)))
    assert other(x)[0, :, 1, 1].tolist() == pytest.approx([-1.0, -2.0, 0.5], abs=1e-6)
    with pytest.raises(ValueError, match="positive"):
        FrameNormalise((0.5, 0.5, 0.5), (0.5, 0.0, 0.5))


def test_matches_the_former_float_pipeline_bit_for_bit(monkeypatch: pytest.MonkeyPatch):
    x = _uint8_frames(5, size=24)
    cfg = SpatialConfig()
    # what the data pipeline did before frames became uint8 (augment._normalise_into)
    std = torch.tensor(cfg.std, dtype=torch.float32).view(1, 3, 1, 1)
    mean = torch.tensor(cfg.mean, dtype=torch.float32).view(1, 3, 1, 1)
    old = torch.empty(x.shape, dtype=torch.float32)
    old.copy_(x.contiguous())
    old.mul_((1.0 / 255.0) / std)
    old.sub_(mean / std)
    y = FrameNormalise.from_config(cfg)(x)
    # channels-last in, channels-last out (the row path), the same values
    assert y.is_contiguous(memory_format=torch.channels_last) and torch.equal(y, old)
    exact = (x.double() / 255 - mean.double()) / std.double()
    assert (y.double() - exact).abs().max() < 1e-6
    # contiguous (N, 3, S, S) frames take the per-channel path: contiguous out, same values
    y_nchw = FrameNormalise.from_config(cfg)(x.contiguous())
    assert y_nchw.is_contiguous() and torch.equal(y_nchw, old)
    # into a reused buffer, as a CPU consumer may do; its layout decides the output's
    for buf in (torch.empty(x.shape), torch.empty_like(x, dtype=torch.float32)):
        assert FrameNormalise()(x, out=buf) is buf and torch.equal(buf, old)
    with pytest.raises(ValueError, match="out must be float32"):
        FrameNormalise()(x, out=torch.empty(x.shape, dtype=torch.float64))
    # in blocks of a few rows (as on a CPU for large batches): the same values
    monkeypatch.setattr(preprocess, "_CPU_BLOCK_BYTES", 24 * 3 * 4 * 7)  # 7 rows a block
    assert torch.equal(FrameNormalise.from_config(cfg)(x), old)
    # a second width reuses nothing of the first's row constants
    wide = _uint8_frames(2, size=30)
    ref = (wide.double() / 255 - mean.double()) / std.double()
    assert (FrameNormalise()(wide).double() - ref).abs().max() < 1e-6


def test_float_frames_pass_unchanged():
    f = torch.randn(2, 3, 8, 8)
    assert FrameNormalise()(f) is f
    with pytest.raises(ValueError, match=r"\(N, 3, S, S\)"):
        FrameNormalise()(torch.zeros((2, 8, 8, 3), dtype=torch.uint8))


def test_model_normalises_uint8_frames_itself(lm_dir):
    model_cfg = _with_normalisation(lm_dir, (0.4, 0.5, 0.6), (0.2, 0.3, 0.25))
    model = _pgp(model_cfg).eval()
    normalise = model.sign.normalise
    assert normalise.mean == (0.4, 0.5, 0.6) and normalise.std == (0.2, 0.3, 0.25)
    # the constants follow the model (buffers) but are not weights: nothing new is saved
    assert not any("normalise" in k for k in model.state_dict())
    x, lengths = _uint8_frames(7), torch.tensor([4, 3])
    normalised = FrameNormalise.from_config(model_cfg.spatial)(x)
    with torch.no_grad():
        z, mask = model.encode(x, lengths)
        z2, mask2 = model.encode(normalised, lengths)  # float input: taken as normalised
    assert torch.equal(z, z2) and torch.equal(mask, mask2)
    # the default is ImageNet's, as DINOv2 expects
    default = _pgp(model_config(lm_dir)).sign.normalise
    assert default.mean == SpatialConfig().mean and default.std == SpatialConfig().std


def test_bf16_paths(lm_dir):
    model = _pgp(model_config(lm_dir)).eval()
    normalise = model.sign.normalise
    x, lengths = _uint8_frames(6), torch.tensor([2, 4])
    with torch.no_grad():
        ref, _ = model.encode(x, lengths)
        # bf16 autocast ("bf16-mixed"): the normalisation stays float32, the matmuls run in bf16
        with torch.autocast("cpu", dtype=torch.bfloat16):
            assert normalise(x).dtype == torch.float32
            z, _ = model.encode(x, lengths)
        assert torch.allclose(z.float(), ref, atol=0.1, rtol=0.05)
        # a model cast to bf16 ("bf16-true") gets bf16 frames: the float32 result, rounded
        model.to(torch.bfloat16)
        y = normalise(x)
        assert y.dtype == torch.bfloat16
        assert torch.equal(y, FrameNormalise()(x).to(torch.bfloat16))
        zb, _ = model.encode(x, lengths)
        assert zb.dtype == torch.bfloat16 and torch.allclose(zb.float(), ref, atol=0.2, rtol=0.1)


def test_checkpoint_rebuilds_the_same_normalisation(lm_dir, tmp_path):
    model_cfg = _with_normalisation(lm_dir, (0.5, 0.5, 0.5), (0.25, 0.3, 0.2))
    spatial = model_cfg.spatial
    model = _pgp(model_cfg)
    randomise_(model, seed=3)
    model.eval()
    run_cfg = Config(model=model_config(lm_dir))  # the run's model section says ImageNet
    folder = save_checkpoint(tmp_path / "ckpt", model, run_cfg)
    saved = load_config(folder / "config.yaml").model.spatial  # the model's own, not the run's
    assert tuple(saved.mean) == (0.5, 0.5, 0.5) and tuple(saved.std) == (0.25, 0.3, 0.2)
    loaded, cfg = load_checkpoint(folder)
    assert tuple(cfg.model.spatial.mean) == spatial.mean
    normalise = loaded.sign.normalise
    assert normalise.mean == spatial.mean and normalise.std == spatial.std
    x, lengths = _uint8_frames(5, seed=4), torch.tensor([5])
    with torch.no_grad():
        assert torch.equal(model.encode(x, lengths)[0], loaded.encode(x, lengths)[0])


def test_pictures_of_uint8_and_of_normalised_frames_agree():
    x = _uint8_frames(3, size=8, seed=5)  # what evaluate / translate now draw heatmaps from
    normalise = FrameNormalise()
    pixels = normalise.to_pictures(x)
    assert pixels.shape == (3, 8, 8, 3) and pixels.dtype.name == "uint8"
    assert (pixels == x.permute(0, 2, 3, 1).numpy()).all()
    # float frames normalised by the model come back to the same pixels
    again = normalise.to_pictures(normalise(x))
    assert (again == pixels).all()
