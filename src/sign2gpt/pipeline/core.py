"""One pipeline for every front door: a checkpoint folder or a trained recipe's model -> what a
command needs.

- :meth:`Pipeline.from_checkpoint` loads a trained model folder
  (:class:`~sign2gpt.models.checkpoint.CheckpointFolder`): the model (a
  :class:`~sign2gpt.models.pgp_model.PGPModel` or a
  :class:`~sign2gpt.models.translation_model.TranslationModel`; it owns its preprocessing), its
  config, tokenizer and pseudo-gloss vocabulary; the model a recipe trains is built by
  :func:`sign2gpt.train.factory.pipeline_for_training`;
- :meth:`Pipeline.loader` gives the batches of a split (frames from the prepared store, or
  cached features), with the stage's targets (:mod:`sign2gpt.pipeline.loaders`), under one rule
  for workers.

Reading one clip for a model and translating files one by one live in :mod:`sign2gpt.infer`.
Nothing here trains or scores; the front doors do that, and never import one another.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import torch
from torch.utils.data import DataLoader, Dataset
from transformers import PreTrainedTokenizerBase

from sign2gpt.config import Config
from sign2gpt.data.dataset import SignClipDataset, collate_clips
from sign2gpt.data.features import CachedFeatureDataset, collate_features
from sign2gpt.data.loader import ThreadLoader, make_loader
from sign2gpt.data.sampler import LengthBucketSampler
from sign2gpt.errors import CheckpointError, Sign2GPTError
from sign2gpt.models.checkpoint import CheckpointFolder
from sign2gpt.models.lm import DTYPES
from sign2gpt.models.pgp_model import PGPModel
from sign2gpt.models.stage_model import StageModel
from sign2gpt.models.stages import load_checkpoint
from sign2gpt.models.translation_model import TranslationModel
from sign2gpt.pipeline.loaders import Batch, BatchCollator, open_keypoints, open_store
from sign2gpt.text.pseudo_gloss import PseudoGlossVocab

M = TypeVar("M", bound=StageModel)
Loader = DataLoader | ThreadLoader
Quantize = Literal["int8"]


@dataclass
class Pipeline:
    """A model with everything around it; see the module docstring."""

    cfg: Config
    model: StageModel
    tokenizer: PreTrainedTokenizerBase | None = None
    vocab: PseudoGlossVocab | None = None
    folder: Path | None = None  # the checkpoint folder it was loaded from
    load_seconds: float = 0.0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    quantize: Quantize | None = None  # "int8": the LM's layer Linears hold int8 weights

    # ---- building ---------------------------------------------------------------------
    @classmethod
    def from_checkpoint(
        cls,
        folder: str | Path,
        device: str = "cpu",
        dtype: str | None = None,
        quantize: Quantize | None = None,
    ) -> Pipeline:
        """A checkpoint folder, loaded for inference (eval mode) on ``device``.

        ``dtype`` (``float32``, ``bfloat16``; default the recipe's ``model.lm.dtype``): the LM's
        weights are read in it and, when it is not float32, the sign model runs under autocast
        in it (:meth:`autocast`). ``quantize="int8"``: the self-attention LoRA merged, the LM's
        layer Linears (q, k, v, o, MLP) get int8 weights (CPU; :mod:`sign2gpt.models.quantize`)."""
        start = time.perf_counter()
        checkpoint = CheckpointFolder.open(folder)
        model, cfg = load_checkpoint(checkpoint, device=device, lm_dtype=dtype)
        if quantize == "int8":
            from sign2gpt.models.quantize import quantize_lm_int8

            if not isinstance(model, TranslationModel):
                raise Sign2GPTError(
                    f"{checkpoint.path}: a {model.STAGE} checkpoint has no LM to quantise"
                )
            quantize_lm_int8(model.lm)
        tokenizer = (
            model.tokenizer if isinstance(model, TranslationModel) else checkpoint.tokenizer()
        )
        return cls(
            cfg,
            model,
            tokenizer,
            checkpoint.vocab(),
            checkpoint.path,
            time.perf_counter() - start,
            torch.device(device),
            quantize,
        )

    def autocast(self) -> contextlib.AbstractContextManager[object]:
        """Inference in the LM's dtype: autocast when it is not float32, else nothing."""
        dtype = DTYPES[self.cfg.model.lm.dtype]
        if dtype == torch.float32:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=dtype)

    def expect(self, kind: type[M], why: str) -> M:
        """The model as ``kind``, or a :class:`CheckpointError` saying ``why`` it must be."""
        if not isinstance(self.model, kind):
            where = f"{self.folder}: " if self.folder else ""
            raise CheckpointError(f"{where}a {self.model.STAGE} model: {why}")
        return self.model

    # ---- data -------------------------------------------------------------------------
    @property
    def frames_per_step(self) -> int:
        """Stored frames per step of Z: the frame stride times the encoder's pools."""
        return self.cfg.data.frame_stride * self.model.sign.temporal_stride

    def collator(self) -> BatchCollator:
        """Batches with the targets of this model's stage (PGP: pseudo-glosses; translation:
        the text tensors)."""
        base = collate_features if self.cfg.data.features else collate_clips
        if isinstance(self.model, PGPModel):
            return BatchCollator(base, vocab=self.pseudo_gloss_vocab())
        model = self.expect(TranslationModel, "no text targets for this stage")
        return BatchCollator(
            base,
            tokenizer=self.tokenizer,
            max_tokens=self.cfg.data.max_text_tokens,
            text_format=model.text_format,
        )

    def pseudo_gloss_vocab(self) -> PseudoGlossVocab:
        if self.vocab is None:
            raise Sign2GPTError("this stage-1 model has no pseudo-gloss vocabulary")
        return self.vocab

    def dataset(self, split: str, train: bool, store: str | None = None) -> Dataset:
        """The clips of ``split``: cached features when ``data.features`` names a store (stage
        2), else what the model reads (frames, keypoints, glosses) from the prepared store
        (``store`` overrides ``data.store``)."""
        data = self.cfg.data
        seed = self.cfg.train.seed
        if data.features and isinstance(self.model, TranslationModel):
            return CachedFeatureDataset(data.features, split, train=train, seed=seed)
        path = store or data.store
        modality = self.model.sign.modality
        keypoints = (
            open_keypoints(path, self.model.sign.skeleton) if modality.reads_keypoints else None
        )
        glosses = None
        if self.model.sign.glosses is not None:
            glosses = {g: i + 1 for i, g in enumerate(self.model.sign.glosses)}
        frames_wanted = modality.reads_frames
        rows = (
            open_store(path, data.store_size) if frames_wanted or keypoints is None else keypoints
        )
        return SignClipDataset(
            rows,
            split,
            data,
            train=train,
            seed=seed,
            frames=frames_wanted,
            keypoints=keypoints,
            glosses=glosses,
        )

    def loader(
        self,
        split: str,
        train: bool = False,
        batch_size: int | None = None,
        num_replicas: int = 1,
        rank: int = 0,
        dataset: Dataset | None = None,
        batches: Sequence[Sequence[int]] | None = None,
        collate: Callable[[list[dict[str, Any]]], Batch] | None = None,
        in_training_run: bool = False,
    ) -> Loader:
        """Batches of ``split``, length-bucketed (shuffled per epoch in training, sharded over
        ``num_replicas``), or the given ``batches`` of dataset indices.

        Workers, one rule: a training run's loaders (``train``, or ``in_training_run`` for its
        dev passes) use ``data.loader`` with ``data.num_workers``; a single evaluation pass
        uses ``data.num_workers`` threads with ``data.loader: threads``, and loads in this
        process otherwise (no worker processes to start for one pass)."""
        data = self.cfg.data
        dataset = dataset if dataset is not None else self.dataset(split, train)
        if batches is None:
            batches = LengthBucketSampler(
                dataset.lengths,  # type: ignore[attr-defined]
                batch_size=batch_size or (data.batch_size if train else data.eval_batch_size),
                shuffle=train,
                seed=self.cfg.train.seed,
                num_replicas=num_replicas,
                rank=rank,
                drop_last=False,
            )
        repeated = train or in_training_run
        workers = data.num_workers if repeated or data.loader == "threads" else 0
        collate = collate if collate is not None else self.collator()
        return make_loader(dataset, batches, collate, data, num_workers=workers)
