"""A trained model as a self-describing folder; loading it needs no pickle.

```
config.yaml             the resolved sign2gpt Config (train.stage says which model it is;
                        model.spatial.mean / std: the model's input normalisation)
trainable.safetensors   StageModel.trainable_state_dict(): every weight and persistent buffer
                        outside the frozen pretrained models (those are referenced by
                        model.spatial.pretrained / model.lm.pretrained and rebuilt from there)
tokenizer files         tokenizer.save_pretrained (tokenizer_config.json, tokenizer.json, ...)
pseudo_glosses.json     the pseudo-gloss vocabulary, when given
skeleton.json           the keypoint layout a pose model reads, when it reads keypoints
glosses.json            the gloss vocabulary a gloss-input model reads
metrics.json            what the trainer reported (dev scores, epoch, step)
```

:class:`CheckpointFolder` reads it (each file once); :func:`save_checkpoint` writes it.

Folders written by earlier versions still load: their weights named the sign model's parts
``spatial.`` and ``sign_encoder.`` (format 1) or its per-step part ``sign.spatial.`` (format 2;
:func:`upgrade_keys`), their config put the normalisation under ``data.``
(:func:`sign2gpt.config.load_config` moves it).
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeVar

import torch
from safetensors import SafetensorError, safe_open

from sign2gpt.config import (
    Config,
    ConfigError,
    ModelConfig,
    Stage,
    load_config,
    read_yaml,
    save_config,
)
from sign2gpt.errors import CheckpointError
from sign2gpt.io import load_safetensors, save_safetensors
from sign2gpt.models.lm import DTYPES
from sign2gpt.skeleton import Skeleton
from sign2gpt.text.tokenizer import TOKENIZER_CONFIG_FILE, load_tokenizer

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

    from sign2gpt.text.pseudo_gloss import PseudoGlossVocab


class Saved(Protocol):
    """What a model must offer to be saved and restored here (a
    :class:`~sign2gpt.models.stage_model.StageModel` does)."""

    STAGE: ClassVar[Stage]
    cfg: ModelConfig

    def trainable_state_dict(self) -> dict[str, torch.Tensor]: ...

    def load_trainable_state_dict(
        self, state_dict: dict[str, torch.Tensor], source: str = ...
    ) -> None: ...

    def to(self, device: str | torch.device) -> Saved: ...

    def eval(self) -> Saved: ...

    @classmethod
    def rebuild(cls: type[M], folder: CheckpointFolder) -> M: ...


M = TypeVar("M", bound=Saved)

CONFIG_FILE = "config.yaml"
WEIGHTS_FILE = "trainable.safetensors"
VOCAB_FILE = "pseudo_glosses.json"
SKELETON_FILE = "skeleton.json"  # the keypoint layout a pose model reads
GLOSSES_FILE = "glosses.json"  # the gloss vocabulary a gloss-input model reads
METRICS_FILE = "metrics.json"
STAGE_METADATA = "sign2gpt_stage"
FORMAT_METADATA = "sign2gpt_format"
# 3: the sign model's per-step part under sign.step_encoder.; 2: under sign.spatial.;
# 1: spatial. and sign_encoder. at the top
FORMAT = "3"
# Applied in this order, so that a key of format 1 goes through 2 to today's name.
_RENAMED = (
    ("spatial.", "sign.spatial."),
    ("sign_encoder.", "sign.encoder."),
    ("sign.spatial.", "sign.step_encoder."),
)


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
        for old, new in _RENAMED:
            if key.startswith(old):
                key = new + key[len(old) :]
        out[key] = value
    return out


def save_checkpoint(
    folder: str | Path,
    model: Saved,
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

    if tokenizer is None:
        tokenizer = getattr(model, "tokenizer", None)  # a translation model decodes with one
    if tokenizer is not None:
        tokenizer.save_pretrained(str(folder))
    if vocab is not None:
        vocab.save(folder / VOCAB_FILE)
    sign = getattr(model, "sign", None)
    skeleton = getattr(sign, "skeleton", None)
    if skeleton is not None:
        (folder / SKELETON_FILE).write_text(json.dumps(skeleton.to_dict(), indent=1) + "\n")
    glosses = getattr(sign, "glosses", None)
    if glosses is not None:
        text = json.dumps(glosses, ensure_ascii=False, indent=0)
        (folder / GLOSSES_FILE).write_text(text + "\n", encoding="utf-8")
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


class CheckpointFolder:
    """A checkpoint folder, each file read at most once: :attr:`config` on :meth:`open` (a
    missing folder or config is refused there), the weights, tokenizer, pseudo-gloss
    vocabulary and sign inputs when first asked for. With :func:`save_checkpoint`, the one
    place that knows the folder's layout (the module docstring)."""

    def __init__(self, path: Path, config: Config) -> None:
        self.path = path
        self.config = config
        self._weights: dict[str, torch.Tensor] | None = None
        self._sign_inputs: tuple[Skeleton | None, list[str] | None] | None = None

    @classmethod
    def open(cls, folder: str | Path) -> CheckpointFolder:
        folder = Path(folder)
        if not folder.is_dir():
            raise CheckpointError(f"{folder}: checkpoint folder not found")
        config_path = folder / CONFIG_FILE
        if not config_path.is_file():
            raise CheckpointError(f"{config_path}: missing (the checkpoint's config)")
        try:
            settings = _settings_of_older_code(read_yaml(config_path))
            return cls(folder, load_config(config_path, settings))
        except ConfigError as exc:
            raise CheckpointError(str(exc)) from None

    def with_config(self, config: Config) -> CheckpointFolder:
        """The same folder under another config (another LM dtype, say); what was read already
        is not read again."""
        other = CheckpointFolder(self.path, config)
        other._weights, other._sign_inputs = self._weights, self._sign_inputs
        return other

    @property
    def stage(self) -> Stage:
        """``train.stage`` of the config, checked against the stage the weights were saved as."""
        stage = self.config.train.stage
        saved = _stage_of(self.weights_path)
        if saved is not None and saved != stage:
            raise CheckpointError(
                f"{self.weights_path}: weights of stage '{saved}' but {self.path / CONFIG_FILE} "
                f"says '{stage}'"
            )
        return stage

    @property
    def weights_path(self) -> Path:
        return self.path / WEIGHTS_FILE

    @property
    def weights(self) -> dict[str, torch.Tensor]:
        """The trainable state dict, in today's key names."""
        if self._weights is None:
            self._weights = read_trainable_weights(self.weights_path)
        return self._weights

    def tokenizer(self) -> PreTrainedTokenizerBase | None:
        """The tokenizer saved with the model, None when it has none."""
        if not (self.path / TOKENIZER_CONFIG_FILE).is_file():
            return None
        return load_tokenizer(self.path, "the checkpoint's tokenizer")

    def vocab(self) -> PseudoGlossVocab | None:
        """The pseudo-gloss vocabulary (stage 1), None when the folder has none."""
        from sign2gpt.text.pseudo_gloss import PseudoGlossVocab

        path = self.path / VOCAB_FILE
        return PseudoGlossVocab.load(path) if path.is_file() else None

    def sign_inputs(self) -> tuple[Skeleton | None, list[str] | None]:
        """The keypoint skeleton and the gloss vocabulary the sign model reads, where it has
        them (``skeleton.json``, ``glosses.json``)."""
        if self._sign_inputs is None:
            self._sign_inputs = _read_sign_inputs(self.path)
        return self._sign_inputs


def _settings_of_older_code(saved: dict[str, object]) -> list[str]:
    """Overrides that keep a checkpoint on the code it was written by, where a setting it
    cannot name came later. A checkpoint's config is the resolved one, every field written:
    without ``model.lm.fused_sign_path`` it predates the explicit sign path and was trained and
    evaluated on the fast one (bit for bit the same sums), so it stays there."""
    model = saved.get("model")
    lm = model.get("lm") if isinstance(model, dict) else None
    if isinstance(lm, dict) and "fused_sign_path" not in lm:
        return ["model.lm.fused_sign_path=true"]
    return []


def restore(
    cls: type[M],
    folder: CheckpointFolder,
    device: str | torch.device = "cpu",
    lm_dtype: str | None = None,
) -> tuple[M, Config]:
    """(model of class ``cls`` in eval mode on ``device``, its Config) from a checkpoint folder.

    The frozen backbone and LM are rebuilt from the references in the config (the LM read in
    ``lm_dtype`` when given, else in the recipe's ``model.lm.dtype``: the config returned says
    which); a folder of another stage, or a missing or mismatched part, is a
    :class:`CheckpointError` naming the file."""
    stage = folder.stage
    if stage != cls.STAGE:
        raise CheckpointError(f"{folder.path}: a {stage} checkpoint, not a {cls.STAGE} one")
    weights = folder.weights
    if lm_dtype is not None:
        if lm_dtype not in DTYPES:
            raise ConfigError(f"LM dtype {lm_dtype!r} is not one of {', '.join(DTYPES)}")
        cfg = copy.deepcopy(folder.config)
        cfg.model.lm.dtype = lm_dtype  # type: ignore[assignment]
        folder = folder.with_config(cfg)
    model = cls.rebuild(folder)
    model.load_trainable_state_dict(weights, source=str(folder.weights_path))
    model.to(device)
    model.eval()
    return model, folder.config


def _read_sign_inputs(folder: Path) -> tuple[Skeleton | None, list[str] | None]:
    skeleton = glosses = None
    path = folder / SKELETON_FILE
    try:
        if path.is_file():
            skeleton = Skeleton.from_dict(json.loads(path.read_text(encoding="utf-8")))
        path = folder / GLOSSES_FILE
        if path.is_file():
            glosses = [str(g) for g in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{path}: unreadable ({exc.__class__.__name__}: {exc})") from None
    return skeleton, glosses
