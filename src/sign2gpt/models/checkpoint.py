"""A trained model as a self-describing folder; loading it needs no pickle.

```
config.yaml             the resolved sign2gpt Config (train.stage says which model it is;
                        data.mean / data.std: the model's input normalisation)
trainable.safetensors   Sign2GPT.trainable_state_dict(): every weight and persistent buffer
                        outside the frozen pretrained models (those are referenced by
                        model.spatial.pretrained / model.lm.pretrained and rebuilt from there)
tokenizer files         tokenizer.save_pretrained (tokenizer_config.json, tokenizer.json, ...)
pseudo_glosses.json     the pseudo-gloss vocabulary, when given
metrics.json            what the trainer reported (dev scores, epoch, step)
```
"""

from __future__ import annotations

import copy
import json
import math
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from sign2gpt.config import Config, ConfigError, load_config, save_config
from sign2gpt.errors import CheckpointError
from sign2gpt.models.sign2gpt import Sign2GPT, build_sign2gpt

CONFIG_FILE = "config.yaml"
WEIGHTS_FILE = "trainable.safetensors"
VOCAB_FILE = "pseudo_glosses.json"
METRICS_FILE = "metrics.json"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"  # written by every save_pretrained
STAGE_METADATA = "sign2gpt_stage"


def _absolute_if_local(source: str) -> str:
    """A reference that names an existing local path, made absolute so the checkpoint loads
    from any working directory; hub ids (and paths that do not exist here) stay as they are."""
    return str(Path(source).resolve()) if source and Path(source).exists() else source


def _json_value(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        value = value.item() if value.numel() == 1 else value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()  # numpy scalars
    return value


def save_checkpoint(
    folder: str | Path,
    model: Sign2GPT,
    cfg: Config,
    tokenizer: Any = None,
    vocab: Any = None,
    metrics: dict[str, Any] | None = None,
) -> Path:
    """Write ``model`` as a checkpoint folder (created or overwritten); returns the folder.

    ``cfg`` is the run's full config (its model section is taken from the model itself, its
    stage set to the model's); ``tokenizer`` defaults to the model's; ``vocab`` is a
    pseudo-gloss vocabulary with ``.save(path)``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    resolved = copy.deepcopy(cfg)
    resolved.model = copy.deepcopy(model.cfg)
    resolved.train.stage = model.stage  # type: ignore[assignment]
    # the normalisation the model was built with, whatever ``cfg`` says: loading rebuilds it
    resolved.data.mean = model.normalise.mean
    resolved.data.std = model.normalise.std
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
    tmp = folder / (WEIGHTS_FILE + ".tmp")
    save_file(tensors, str(tmp), metadata={STAGE_METADATA: model.stage})
    os.replace(tmp, folder / WEIGHTS_FILE)  # a reader never sees a half-written file

    tokenizer = tokenizer if tokenizer is not None else model.tokenizer
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
    """The trainable state dict stored in a checkpoint folder (or a .safetensors file)."""
    path = _weights_path(folder)
    if not path.is_file():
        raise CheckpointError(f"{path}: missing (the checkpoint's trainable weights)")
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: not a readable safetensors file ({exc})") from None


def _stage_of(path: Path) -> str | None:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            return (f.metadata() or {}).get(STAGE_METADATA)
    except (SafetensorError, OSError, ValueError):
        return None


def load_tokenizer(folder: str | Path) -> Any:
    from transformers import AutoTokenizer

    folder = Path(folder)
    if not (folder / TOKENIZER_CONFIG_FILE).is_file():
        raise CheckpointError(f"{folder / TOKENIZER_CONFIG_FILE}: missing (the tokenizer)")
    try:
        return AutoTokenizer.from_pretrained(str(folder))
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{folder}: cannot load the tokenizer ({exc})") from None


def load_checkpoint(
    folder: str | Path, device: str | torch.device = "cpu"
) -> tuple[Any, Config, Any]:
    """(model in eval mode on ``device``, its Config, its tokenizer or None).

    The frozen backbone and LM are rebuilt from the references in the config; a missing or
    mismatched part is a :class:`CheckpointError` naming the file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointError(f"{folder}: checkpoint folder not found")
    config_path = folder / CONFIG_FILE
    if not config_path.is_file():
        raise CheckpointError(f"{config_path}: missing (the checkpoint's config)")
    try:
        cfg = load_config(config_path)
    except ConfigError as exc:
        raise CheckpointError(str(exc)) from None
    weights_path = _weights_path(folder)
    weights = read_trainable_weights(folder)
    stage = cfg.train.stage
    saved_stage = _stage_of(weights_path)
    if saved_stage is not None and saved_stage != stage:
        raise CheckpointError(
            f"{weights_path}: weights of stage {saved_stage!r} but {config_path} says {stage!r}"
        )
    has_tokenizer = (folder / TOKENIZER_CONFIG_FILE).is_file()
    tokenizer = load_tokenizer(folder) if has_tokenizer or stage == "translate" else None
    if stage == "pgp":
        prototypes = weights.get("pgp_head.prototypes")
        if prototypes is None:
            raise CheckpointError(f"{weights_path}: no pgp_head.prototypes (not a stage-1 model)")
        model = build_sign2gpt(
            cfg.model, "pgp", prototypes=prototypes, tokenizer=tokenizer, data=cfg.data
        )
    else:
        model = build_sign2gpt(cfg.model, "translate", tokenizer=tokenizer, data=cfg.data)
    model.load_trainable_state_dict(weights, source=str(weights_path))
    model.to(device)
    model.eval()
    return model, cfg, tokenizer
