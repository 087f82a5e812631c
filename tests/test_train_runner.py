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


def test_precision_falls_back_for_bf16_on_devices_without_it(monkeypatch, caplog):
    import torch

    assert resolve_precision("32-true", "cpu") == "32-true"
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True, raising=False)
    assert resolve_precision("bf16-mixed", "cpu") == "bf16-mixed"  # a CPU that computes in bf16
    # an AVX2-only CPU emulates bf16 around every matmul (18x slower, benchmarks/cpu_bf16.py)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False, raising=False)
    with caplog.at_level("WARNING"):
        assert resolve_precision("bf16-mixed", "cpu") == "32-true"
    assert "no bf16 arithmetic" in caplog.text
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True, raising=False)
    assert resolve_precision("bf16-mixed", "cpu") == "bf16-mixed"  # AMX alone is enough


def test_missing_inputs_are_one_clear_error(tmp_path):
    out = tmp_path / "run"
    cfg = load_config(None, [f"train.out_dir={out}", "model.lm.pretrained="])
    with pytest.raises(Sign2GPTError, match=r"model\.lm\.pretrained is empty"):
        run_training(cfg)
    cfg.train.stage = "finetune"  # type: ignore[assignment]
    with pytest.raises(Sign2GPTError, match="unknown stage"):
        run_training(cfg)
    assert not out.exists()  # refused before anything was written


def test_stage_one_says_loudly_when_it_never_learned(lm_dir):
    """Selection by mean average precision moves before any yhat passes 0.5; a run whose
    F1 never left 0, or whose best epoch is the first, says so in its notes."""
    from types import SimpleNamespace

    import torch
    from tiny import model_config

    from sign2gpt.config import Config
    from sign2gpt.models.pgp_model import PGPModel
    from sign2gpt.train.modules import PGPModule

    module = PGPModule(
        PGPModel.build(model_config(lm_dir), prototypes=torch.randn(3, 32)), Config()
    )
    module._trainer = SimpleNamespace(current_epoch=5)  # the state after 5 epochs
    assert module.selection_key({"val/map": 0.3, "val/loss": 2.0}) > module.selection_key(
        {"val/map": 0.3, "val/loss": 2.5}
    )  # equal map: the lower dev loss wins
    module.best_epoch, module.ever_predicted = 0, False
    notes = module.run_notes()
    assert len(notes) == 2
    assert "first epoch" in notes[0] and "never passed" not in notes[0]
    assert "no pseudo-gloss ever passed yhat > 0.5" in notes[1]
    module.best_epoch, module.ever_predicted = 3, True
    assert module.run_notes() == []


def test_the_heap_is_released_every_n_steps_and_after_validation(monkeypatch):
    import types

    import sign2gpt.train.runner as runner

    calls: list[int] = []
    trainer = types.SimpleNamespace(global_step=0)
    monkeypatch.setattr(runner, "release_free_memory", lambda: calls.append(trainer.global_step))
    callback = runner.ReleaseMemory(every=3)
    for step in range(1, 8):  # Lightning has counted the step when the batch ends
        trainer.global_step = step
        callback.on_train_batch_end(trainer, None)
    assert calls == [3, 6]
    callback.on_validation_end(trainer, None)
    assert calls == [3, 6, 7]


def test_release_memory_every_steps_zero_leaves_the_callback_out(tmp_path):
    from sign2gpt.train.runner import ReleaseMemory, make_trainer

    for every, expected in ((100, 1), (0, 0)):
        cfg = load_config(
            None, [f"train.release_memory_every_steps={every}", "train.accelerator=cpu"]
        )
        trainer = make_trainer(cfg, None, tmp_path / str(every))
        assert sum(isinstance(c, ReleaseMemory) for c in trainer.callbacks) == expected
