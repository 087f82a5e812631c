"""The two stage models by the name a recipe gives them (``train.stage``), and loading a
checkpoint folder of either: the one place where the stage string becomes a type."""

from __future__ import annotations

from pathlib import Path

import torch

from sign2gpt.config import Config, ConfigError, Stage
from sign2gpt.models.checkpoint import CheckpointFolder, restore
from sign2gpt.models.pgp_model import PGPModel
from sign2gpt.models.stage_model import StageModel
from sign2gpt.models.translation_model import TranslationModel

MODEL_TYPES: dict[Stage, type[StageModel]] = {m.STAGE: m for m in (PGPModel, TranslationModel)}


def model_type(stage: Stage | str) -> type[StageModel]:
    """The model class of a ``train.stage`` value."""
    try:
        return MODEL_TYPES[Stage(stage)]
    except ValueError:
        known = ", ".join(s.value for s in Stage)
        raise ConfigError(f"unknown stage {stage!r} (known: {known})") from None


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
