"""The two stage models by the name a recipe gives them (``train.stage``), and loading a
checkpoint folder of either: the one place where the stage string becomes a type."""

from __future__ import annotations

from pathlib import Path

import torch

from sign2gpt.config import Config, ConfigError
from sign2gpt.models.checkpoint import CheckpointFolder, restore
from sign2gpt.models.pgp_model import PGPModel
from sign2gpt.models.stage_model import StageModel
from sign2gpt.models.translation_model import TranslationModel

MODEL_TYPES: dict[str, type[StageModel]] = {m.STAGE: m for m in (PGPModel, TranslationModel)}


def model_type(stage: str) -> type[StageModel]:
    """The model class of a ``train.stage`` value."""
    if stage not in MODEL_TYPES:
        raise ConfigError(f"unknown stage {stage!r} (known: {', '.join(MODEL_TYPES)})")
    return MODEL_TYPES[stage]


def load_checkpoint(
    folder: str | Path | CheckpointFolder,
    device: str | torch.device = "cpu",
    lm_dtype: str | None = None,
) -> tuple[StageModel, Config]:
    """(model in eval mode on ``device``, its Config): a :class:`PGPModel` or a
    :class:`TranslationModel` (with its tokenizer), as the folder's ``train.stage`` says;
    ``lm_dtype`` as in :func:`restore`."""
    if not isinstance(folder, CheckpointFolder):
        folder = CheckpointFolder.open(folder)
    return restore(model_type(folder.stage), folder, device, lm_dtype)
