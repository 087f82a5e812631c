"""How the zero-initialised gates open during stage 2
(docs/method.md#44-language-model-and-gated-fusion).

:class:`GateLog` writes every gate of every layer (clamped to [0, 1], as the branch uses it) to
``out_dir/logs/gates.csv`` at the start of training, every ``train.log_every_steps`` optimiser
steps and at the end, one row per step::

    step,L0.H0,L0.H1,...,L23.H15

``sign2gpt report`` draws it as a heatmap of gate value by layer/head and step. A resumed run
drops the rows after the step it resumes from (a killed run may have logged a few more) and goes
on appending; ``--overwrite`` deletes the file with the rest of ``logs/``.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import Callback

from sign2gpt.metrics.run_logs import GATES_FILE, gate_columns
from sign2gpt.models.translation_model import TranslationModel

__all__ = ["GATES_FILE", "GateLog"]


class GateLog(Callback):
    """Appends the gates of a :class:`TranslationModel` to ``path`` every ``every`` steps."""

    def __init__(self, path: Path, every: int) -> None:
        self.path = path
        self.every = max(1, every)
        self.last_step = -1

    def _model(self, pl_module: L.LightningModule) -> TranslationModel | None:
        model = getattr(pl_module, "model", None)
        return model if isinstance(model, TranslationModel) else None

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        model = self._model(pl_module)
        if model is None or not trainer.is_global_zero:
            return
        gates = model.lm.gate_values()  # (L, H)
        header = ["step", *gate_columns(*gates.shape)]
        kept: list[list[str]] = []
        if self.path.is_file():
            with self.path.open(newline="", encoding="utf-8") as f:
                rows = list(csv.reader(f))
            if rows and rows[0] == header:  # the same model: keep what led up to this step
                kept = [r for r in rows[1:] if r and int(r[0]) < trainer.global_step]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([header, *kept])
        self._write(trainer.global_step, model)

    def on_train_batch_end(
        self,
        trainer: L.Trainer,
        pl_module: L.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
    ) -> None:
        step = trainer.global_step  # optimiser steps done (after this batch's update)
        model = self._model(pl_module)
        if model is None or not trainer.is_global_zero or step % self.every:
            return
        self._write(step, model)

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        model = self._model(pl_module)
        if model is not None and trainer.is_global_zero:
            self._write(trainer.global_step, model)  # the gates as training left them

    def _write(self, step: int, model: TranslationModel) -> None:
        if step == self.last_step:  # gradient accumulation: several batches share a step
            return
        self.last_step = step
        values = model.lm.gate_values().flatten().tolist()
        with self.path.open("a", newline="", encoding="utf-8") as f:
            csv.writer(f).writerow([step, *(f"{v:.6g}" for v in values)])
