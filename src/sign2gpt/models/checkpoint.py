"""A trained model as a self-describing folder; loading it needs no pickle.

```
config.yaml             the resolved sign2gpt Config (train.stage says which model it is;
                        model.spatial.mean / std: the model's input normalisation)
trainable.safetensors   StageModel.trainable_state_dict(): every weight and persistent buffer
                        outside the frozen pretrained models (those are referenced by
                        model.spatial.pretrained / model.lm.pretrained and rebuilt from there)
tokenizer files         tokenizer.save_pretrained (tokenizer_config.json, tokenizer.json, ...)
pseudo_glosses.json     the pseudo-gloss vocabulary, when given
metrics.json            what the trainer reported (dev scores, epoch, step)
```

Folders written by earlier versions still load: their weights named the sign model's parts
``spatial.`` and ``sign_encoder.`` (:func:`upgrade_keys`), their config put the normalisation
under ``data.`` (:func:`sign2gpt.config.load_config` moves it).
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from safetensors import SafetensorError, safe_open

from sign2gpt.config import Config, ConfigError, load_config, save_config
from sign2gpt.errors import CheckpointError
from sign2gpt.io import load_safetensors, save_safetensors
from sign2gpt.models.gated_lm import DTYPES
from sign2gpt.models.pgp_model import PGPModel
from sign2gpt.models.stage import StageModel
from sign2gpt.models.translation_model import TranslationModel
from sign2gpt.text.tokenizer import TOKENIZER_CONFIG_FILE, load_tokenizer

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

    from sign2gpt.text.pseudo_gloss import PseudoGlossVocab

CONFIG_FILE = "config.yaml"
WEIGHTS_FILE = "trainable.safetensors"
VOCAB_FILE = "pseudo_glosses.json"
METRICS_FILE = "metrics.json"
STAGE_METADATA = "sign2gpt_stage"
FORMAT_METADATA = "sign2gpt_format"
FORMAT = "2"  # 2: the sign model under sign. (1: spatial. and sign_encoder. at the top)
MODEL_TYPES: dict[str, type[StageModel]] = {m.STAGE: m for m in (PGPModel, TranslationModel)}
_RENAMED = {"spatial.": "sign.spatial.", "sign_encoder.": "sign.encoder."}


def model_type(stage: str) -> type[StageModel]:
    """The model class of a ``train.stage`` value."""
    if stage not in MODEL_TYPES:
        raise ConfigError(f"unknown stage {stage!r} (known: {', '.join(MODEL_TYPES)})")
    return MODEL_TYPES[stage]


def _absolute_if_local(source: str) -> str:
    """A reference that names an existing local path, made absolute so the checkpoint loads
    from any working directory; hub ids (and paths that do not exist here) stay as they are."""
    return str(Path(source).resolve()) if source and Path(source).exists() else source


def _json_value(value: object) -> object:
    if isinstance(value, torch.Tensor):
        value = value.item() if value.numel() == 1 else value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()  # numpy scalars
    return value


def upgrade_keys(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Trainable weights of an earlier format in today's names (others unchanged)."""
    out = {}
    for key, value in state_dict.items():
        for old, new in _RENAMED.items():
            if key.startswith(old):
                key = new + key[len(old) :]
                break
        out[key] = value
    return out


def save_checkpoint(
    folder: str | Path,
    model: StageModel,
    cfg: Config,
    tokenizer: PreTrainedTokenizerBase | None = None,
    vocab: PseudoGlossVocab | None = None,
    metrics: dict[str, object] | None = None,
) -> Path:
    """Write ``model`` as a checkpoint folder (created or overwritten); returns the folder.

    ``cfg`` is the run's full config (its model section is taken from the model itself, its
    stage set to the model's); ``tokenizer`` defaults to a translation model's own; ``vocab`` is
    the pseudo-gloss vocabulary.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    resolved = copy.deepcopy(cfg)
    resolved.model = copy.deepcopy(model.cfg)
    resolved.train.stage = model.STAGE
    resolved.model.spatial.pretrained = _absolute_if_local(resolved.model.spatial.pretrained)
    resolved.model.lm.pretrained = _absolute_if_local(resolved.model.lm.pretrained)
    # the data the model was trained on, too: evaluate and extract-features read it from any
    # working folder (a run started in demo_out's parent named it demo_out/store)
    for name in ("root", "store", "pseudo_glosses", "features"):
        setattr(resolved.data, name, _absolute_if_local(getattr(resolved.data, name)))
    save_config(resolved, folder / CONFIG_FILE)

    tensors = {
        k: v.detach().to("cpu").contiguous() for k, v in model.trainable_state_dict().items()
    }
    metadata = {STAGE_METADATA: model.STAGE, FORMAT_METADATA: FORMAT}
    # atomic (a reader never sees a half-written file), with the umask's permissions
    save_safetensors(tensors, folder / WEIGHTS_FILE, metadata, error=CheckpointError)

    if tokenizer is None and isinstance(model, TranslationModel):
        tokenizer = model.tokenizer
    if tokenizer is not None:
        tokenizer.save_pretrained(str(folder))
    if vocab is not None:
        vocab.save(folder / VOCAB_FILE)
    metrics = {k: _json_value(v) for k, v in (metrics or {}).items()}
    (folder / METRICS_FILE).write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    return folder


def _weights_path(folder: str | Path) -> Path:
    path = Path(folder)
    return path if path.suffix == ".safetensors" else path / WEIGHTS_FILE


def read_trainable_weights(folder: str | Path) -> dict[str, torch.Tensor]:
    """The trainable state dict stored in a checkpoint folder (or a .safetensors file), in
    today's key names."""
    path = _weights_path(folder)
    if not path.exists():
        raise CheckpointError(f"{path}: missing (the checkpoint's trainable weights)")
    return upgrade_keys(load_safetensors(path, CheckpointError, "safetensors file"))


def _stage_of(path: Path) -> str | None:
    try:
        with safe_open(str(path), framework="pt") as f:
            return (f.metadata() or {}).get(STAGE_METADATA)
    except (SafetensorError, OSError, ValueError):
        return None


def read_checkpoint_config(folder: str | Path) -> Config:
    """The resolved config of a checkpoint folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointError(f"{folder}: checkpoint folder not found")
    config_path = folder / CONFIG_FILE
    if not config_path.is_file():
        raise CheckpointError(f"{config_path}: missing (the checkpoint's config)")
    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise CheckpointError(str(exc)) from None


def load_checkpoint(
    folder: str | Path, device: str | torch.device = "cpu", lm_dtype: str | None = None
) -> tuple[StageModel, Config]:
    """(model in eval mode on ``device``, its Config): a :class:`PGPModel` or a
    :class:`TranslationModel` (with its tokenizer), as the folder's ``train.stage`` says.

    The frozen backbone and LM are rebuilt from the references in the config (the LM read in
    ``lm_dtype`` when given, else in the recipe's ``model.lm.dtype``); a missing or mismatched
    part is a :class:`CheckpointError` naming the file.
    """
    folder = Path(folder)
    cfg = read_checkpoint_config(folder)
    if lm_dtype is not None:
        if lm_dtype not in DTYPES:
            raise ConfigError(f"LM dtype {lm_dtype!r} is not one of {', '.join(DTYPES)}")
        cfg.model.lm.dtype = lm_dtype  # type: ignore[assignment]
    weights_path = _weights_path(folder)
    weights = read_trainable_weights(folder)
    stage = cfg.train.stage
    saved_stage = _stage_of(weights_path)
    if saved_stage is not None and saved_stage != stage:
        raise CheckpointError(
            f"{weights_path}: weights of stage {saved_stage!r} but {folder / CONFIG_FILE} says "
            f"{stage!r}"
        )
    model = model_type(stage).rebuild(cfg.model, weights, folder)
    model.load_trainable_state_dict(weights, source=str(weights_path))
    model.to(device)
    model.eval()
    return model, cfg


def load_checkpoint_tokenizer(folder: str | Path) -> PreTrainedTokenizerBase | None:
    """The tokenizer saved in a checkpoint folder, None when it has none."""
    folder = Path(folder)
    if not (folder / TOKENIZER_CONFIG_FILE).is_file():
        return None
    return load_tokenizer(folder, "the checkpoint's tokenizer")
