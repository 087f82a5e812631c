import pytest

from sign2gpt.config import load_config
from sign2gpt.errors import Sign2GPTError
from sign2gpt.train.runner import build_strategy, resolve_precision, run_training


def test_strategies_from_config():
    from lightning.pytorch.strategies import DDPStrategy, FSDPStrategy
    from transformers.models.dinov2.modeling_dinov2 import Dinov2Layer
    from transformers.models.xglm.modeling_xglm import XGLMDecoderLayer

    assert build_strategy(load_config(None, ["train.strategy=auto"])) == "auto"
    assert isinstance(build_strategy(load_config(None, ["train.strategy=ddp"])), DDPStrategy)
    fsdp = build_strategy(load_config(None, ["train.strategy=fsdp"]))
    assert isinstance(fsdp, FSDPStrategy)
    # every frozen-plus-LoRA block is its own FSDP unit
    assert {Dinov2Layer, XGLMDecoderLayer} <= set(fsdp.kwargs["auto_wrap_policy"]._module_classes)


def test_precision_falls_back_only_for_bf16_on_gpus_without_it():
    assert resolve_precision("32-true", "cpu") == "32-true"
    assert resolve_precision("bf16-mixed", "cpu") == "bf16-mixed"  # CPU autocast has bf16


def test_missing_inputs_are_one_clear_error(tmp_path):
    out = tmp_path / "run"
    cfg = load_config(None, [f"train.out_dir={out}", "model.lm.pretrained="])
    with pytest.raises(Sign2GPTError, match=r"model\.lm\.pretrained is empty"):
        run_training(cfg)
    cfg.train.stage = "finetune"  # type: ignore[assignment]
    with pytest.raises(Sign2GPTError, match="unknown stage"):
        run_training(cfg)
    assert not out.exists()  # refused before anything was written
