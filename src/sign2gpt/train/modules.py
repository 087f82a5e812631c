"""Lightning modules of the two training stages.

The wrapped stage model (:class:`~sign2gpt.models.pgp_model.PGPModel` or
:class:`~sign2gpt.models.translation_model.TranslationModel`) owns what is trainable; these
modules add the optimiser and schedule (docs/method.md#5-training-recipe), the dev metric used
for model selection, and training checkpoints that hold only the trainable weights (the frozen
backbone and LM are rebuilt from their pretrained source, never copied into every checkpoint).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import lightning as L
import torch
from lightning.pytorch.strategies import Strategy

from sign2gpt.config import Config
from sign2gpt.errors import CheckpointError
from sign2gpt.metrics.pgp import ClipOutcome, clip_records, summarise_clips
from sign2gpt.models.checkpoint import upgrade_keys
from sign2gpt.models.pgp_model import PGPModel
from sign2gpt.models.stage_model import StageModel
from sign2gpt.models.translation_model import BeamSearch, TranslationModel
from sign2gpt.train.optim import build_adamw
from sign2gpt.train.schedule import warmup_cosine
from sign2gpt.train.selection import PGP_SELECTION, TRANSLATION_SELECTION, Selection

log = logging.getLogger(__name__)

MODEL_PREFIX = "model."
T = TypeVar("T")


class StageModule(L.LightningModule):
    """What both stages share: optimiser, schedule, trainable-only checkpoints, export."""

    selection: Selection  # the stage's (sign2gpt.train.selection)

    def __init__(self, model: StageModel, cfg: Config) -> None:
        super().__init__()
        self.model = model
        self.cfg = cfg
        # Called on global rank 0 whenever the dev metric improves: writes the best folder.
        self.export_best: Callable[[dict[str, float]], None] | None = None
        self.best_key: tuple[float, ...] = ()  # the selection key of the best epoch so far
        self.best_epoch = -1
        self.notes: list[str] = []  # warnings for the run's summary (DONE, metrics.json)

    def on_train_epoch_start(self) -> None:
        # The epoch decides the batches (LengthBucketSampler's shuffle), the augmentation draws
        # and the choice of a cached feature view. Lightning 2.x gives it only to
        # `loader.sampler` and `loader.batch_sampler.sampler`, not to a batch sampler itself,
        # nor to the dataset. From the second epoch on, the loader's iterator (DataLoader
        # workers, ThreadLoader threads) starts after this hook.
        loader = self.trainer.train_dataloader
        for part in (getattr(loader, "dataset", None), getattr(loader, "batch_sampler", None)):
            if hasattr(part, "set_epoch"):
                part.set_epoch(self.current_epoch)

    # ---- optimisation ---------------------------------------------------------------------
    def configure_optimizers(self) -> dict[str, Any]:
        optim = self.cfg.train.optim
        optimizer = build_adamw(
            self.model, optim.lr, optim.weight_decay, tuple(optim.betas), optim.gate_lr_scale
        )
        total = int(self.trainer.estimated_stepping_batches)
        epochs = max(1, self.trainer.max_epochs or self.cfg.train.epochs)
        warmup = round(total * optim.warmup_epochs / epochs)
        scheduler = warmup_cosine(optimizer, total, warmup, optim.min_lr_ratio)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step", "frequency": 1},
        }

    # ---- checkpoints: trainable weights only ------------------------------------------------
    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        trainable = self.model.trainable_state_dict()
        checkpoint["state_dict"] = {MODEL_PREFIX + k: v for k, v in trainable.items()}
        checkpoint["sign2gpt_selection"] = {"key": list(self.best_key), "epoch": self.best_epoch}

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        weights = {k.removeprefix(MODEL_PREFIX): v for k, v in checkpoint["state_dict"].items()}
        saved = {MODEL_PREFIX + k: v for k, v in upgrade_keys(weights).items()}
        expected = {MODEL_PREFIX + k for k in self.model.trainable_state_dict()}
        missing = sorted(expected - set(saved))
        unexpected = sorted(set(saved) - expected)
        if missing or unexpected:
            raise CheckpointError(
                "training checkpoint does not match the model: "
                f"{len(missing)} missing (e.g. {missing[:2]}), "
                f"{len(unexpected)} unexpected (e.g. {unexpected[:2]})"
            )
        # Lightning loads strictly: complete the dict with the frozen weights already in place.
        full = self.state_dict()
        full.update(saved)
        checkpoint["state_dict"] = full
        selection = checkpoint.get("sign2gpt_selection", {})
        self.best_key = tuple(selection.get("key", ()))
        self.best_epoch = int(selection.get("epoch", -1))

    @property
    def monitor(self) -> str:
        """The logged dev metric that selects the best epoch."""
        return self.selection.metric

    def selection_key(self, metrics: dict[str, float]) -> tuple[float, ...]:
        """What model selection maximises (compared as a tuple)."""
        return self.selection.key(metrics)

    def _maybe_export(self, metrics: dict[str, float]) -> None:
        key = self.selection_key(metrics)
        if key > self.best_key:  # a strict improvement; () loses to any key
            self.best_key, self.best_epoch = key, self.current_epoch
            if self.trainer.is_global_zero and self.export_best is not None:
                self.export_best({**metrics, "epoch": self.current_epoch, "step": self.global_step})

    def run_notes(self) -> list[str]:
        """Warnings about the whole run, for its summary; see the stage modules."""
        notes = list(self.notes)
        epochs = self.trainer.current_epoch if self._trainer is not None else 0
        if self.best_epoch == 0 and epochs > 1:
            notes.append(
                f"the selected checkpoint is from the first epoch ({self.monitor}): the dev "
                "metric never improved after it"
            )
        return notes


class PGPModule(StageModule):
    """Stage 1: pseudo-gloss pretraining, selected by :data:`PGP_SELECTION`. The paper's macro
    F1 at yhat > 0.5, by which it selected, is reported beside it (docs/method.md#9-deviations)."""

    selection = PGP_SELECTION
    model: PGPModel

    def __init__(self, model: PGPModel, cfg: Config) -> None:
        super().__init__(model, cfg)
        # per dev clip, so that clips the sampler repeats to fill every rank's last step are
        # counted once
        self.val_clips: dict[str, ClipOutcome] = {}
        self.ever_predicted = False  # did any dev (clip, pseudo-gloss) ever pass yhat > 0.5

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        out = self.model(batch)
        self.log("train/loss", out.loss, prog_bar=True, batch_size=len(batch["ids"]))
        return out.loss

    def on_validation_epoch_start(self) -> None:
        self.val_clips = {}

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        out = self.model(batch)
        assert out.loss is not None
        records = clip_records(batch["ids"], out.yhat, out.E, batch["targets"], out.loss.item())
        self.val_clips.update(records)

    def on_validation_epoch_end(self) -> None:
        clips = dict(gather_objects(self.trainer.strategy, list(self.val_clips.items())))
        metrics = {
            f"val/{k}": v for k, v in summarise_clips(clips, self.model.num_pseudo_glosses).items()
        }
        self.ever_predicted = self.ever_predicted or metrics["val/predicted"] > 0
        self.log_dict(metrics, sync_dist=False)
        self._maybe_export(metrics)

    def run_notes(self) -> list[str]:
        notes = super().run_notes()
        if self.best_epoch >= 0 and not self.ever_predicted:
            notes.append(
                "no pseudo-gloss ever passed yhat > 0.5 on dev: the paper's F1 is 0 in every "
                f"epoch (selection used {self.monitor}); the features may carry little"
            )
        return notes

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        super().on_save_checkpoint(checkpoint)
        checkpoint["sign2gpt_selection"]["ever_predicted"] = self.ever_predicted

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        super().on_load_checkpoint(checkpoint)
        self.ever_predicted = bool(checkpoint.get("sign2gpt_selection", {}).get("ever_predicted"))


class TranslationModule(StageModule):
    """Stage 2: translation, selected by :data:`TRANSLATION_SELECTION`."""

    selection = TRANSLATION_SELECTION
    model: TranslationModel

    def __init__(self, model: TranslationModel, cfg: Config) -> None:
        super().__init__(model, cfg)
        self.val_outputs: list[tuple[str, str, str]] = []

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        loss = self.model(batch, label_smoothing=self.cfg.train.optim.label_smoothing)
        self.log("train/loss", loss, prog_bar=True, batch_size=len(batch["ids"]))
        return loss

    def on_validation_epoch_start(self) -> None:
        self.val_outputs = []

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        z, mask = self.model.encode_batch(batch)  # (B, T', D), (B, T')
        hyps = self.model.translate(z, mask, BeamSearch.of(self.cfg.train))
        self.val_outputs.extend(zip(batch["ids"], hyps, batch["texts"]))

    def on_validation_epoch_end(self) -> None:
        from sign2gpt.metrics.translation import collapse_warning, score

        outputs = gather_objects(self.trainer.strategy, self.val_outputs)
        # A clip may be seen twice when the sampler pads ranks to equal length: keep one.
        unique = {clip_id: (hyp, ref) for clip_id, hyp, ref in outputs}
        hyps = [h for h, _ in unique.values()]
        refs = [r for _, r in unique.values()]
        result = score(hyps, refs, self.cfg.data.lang)
        metrics = {f"val/{k}": float(v) for k, v in result.items() if k != "n"}
        metrics["val/distinct"] = len(set(hyps)) / max(1, len(hyps))
        collapsed = collapse_warning(hyps, refs)
        if collapsed and self.trainer.is_global_zero:
            log.warning("epoch %d: %s", self.current_epoch, collapsed)
            self.notes = [f"at the last validation, {collapsed}"]
        elif not collapsed:
            self.notes = []
        self.log_dict(metrics, sync_dist=False, prog_bar=True)
        self._maybe_export(metrics)


def lightning_module(model: StageModel, cfg: Config) -> StageModule:
    """The Lightning module that trains ``model``'s stage."""
    if isinstance(model, PGPModel):
        return PGPModule(model, cfg)
    if isinstance(model, TranslationModel):
        return TranslationModule(model, cfg)
    raise TypeError(f"no training stage for {type(model).__name__}")


def gather_objects(strategy: Strategy, items: list[T]) -> list[T]:
    """All ranks' lists joined (a no-op on one process)."""
    if strategy.world_size <= 1 or not torch.distributed.is_initialized():
        return list(items)
    gathered: list[list | None] = [None] * strategy.world_size
    torch.distributed.all_gather_object(gathered, items)
    return [x for part in gathered for x in (part or [])]
