"""The Lightning data module of a training run: the pipeline's loaders, sharded over ranks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import lightning as L
from torch.utils.data import Dataset

from sign2gpt.pipeline import Batch, Loader, Pipeline


class SignDataModule(L.LightningDataModule):
    """Train / dev / test loaders of ``pipeline`` (frames or cached features, with the stage's
    targets), length-bucketed and sharded across ranks. ``collate`` replaces the stage's
    collate function (tests)."""

    def __init__(
        self,
        pipeline: Pipeline,
        collate: Callable[[list[dict[str, Any]]], Batch] | None = None,
    ) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.collate = collate
        self.datasets: dict[str, Dataset] = {}

    def dataset(self, split: str) -> Dataset:
        if split not in self.datasets:
            self.datasets[split] = self.pipeline.dataset(split, train=split == "train")
        return self.datasets[split]

    def _loader(self, split: str) -> Loader:
        trainer = self.trainer
        return self.pipeline.loader(
            split,
            train=split == "train",
            num_replicas=trainer.world_size if trainer else 1,
            rank=trainer.global_rank if trainer else 0,
            dataset=self.dataset(split),
            collate=self.collate,
            in_training_run=True,
        )

    def train_dataloader(self) -> Loader:
        return self._loader("train")

    def val_dataloader(self) -> Loader:
        return self._loader("dev")

    def test_dataloader(self) -> Loader:
        return self._loader("test")
