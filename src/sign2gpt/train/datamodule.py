"""Batches for both stages: frames (or cached features) plus the stage's targets.

Stage 1 adds the multi-hot pseudo-gloss targets; stage 2 adds the LM's text tensors in the
format of SPEC section 4 (``</s>`` + sentence + ``</s>``, labels shifted by one).
"""

from __future__ import annotations

import threading
from typing import Any

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset

from sign2gpt.config import Config
from sign2gpt.data.dataset import SignClipDataset, collate_clips
from sign2gpt.data.loader import ThreadLoader, make_loader
from sign2gpt.data.sampler import LengthBucketSampler
from sign2gpt.text.tokenizer import encode_sentence

IGNORE_INDEX = -100
# Serialises tokenizer calls of StageCollator (ThreadLoader runs collate functions in threads);
# module-level, so that a collator still pickles for DataLoader worker processes.
_TOKENIZER_LOCK = threading.Lock()


def encode_texts(tokenizer: Any, texts: list[str], max_tokens: int) -> dict[str, torch.Tensor]:
    """``</s> sentence </s>`` per text (SPEC section 4, at most ``max_tokens``); input = all but
    last, labels = all but first (padding positions ignored by the loss)."""
    eos = tokenizer.eos_token_id
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
    rows = [encode_sentence(tokenizer, text, max_tokens) for text in texts]
    width = max(len(r) for r in rows) - 1
    input_ids = torch.full((len(rows), width), pad, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE_INDEX, dtype=torch.long)
    attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        n = len(row) - 1
        input_ids[i, :n] = torch.tensor(row[:-1])
        labels[i, :n] = torch.tensor(row[1:])
        attention_mask[i, :n] = 1
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


class StageCollator:
    """Picklable collate function (DataLoader workers; thread-safe for ThreadLoader) adding
    the stage's targets."""

    def __init__(
        self,
        stage: str,
        base_collate: Any,
        vocab: Any = None,
        tokenizer: Any = None,
        max_tokens: int = 64,
    ) -> None:
        self.stage = stage
        self.base_collate = base_collate
        self.vocab = vocab
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens

    def __call__(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        batch = self.base_collate(items)
        if self.vocab is not None:
            targets = torch.zeros(len(items), len(self.vocab.vocab))
            for row, clip_id in enumerate(batch["ids"]):
                targets[row, self.vocab.indices(clip_id)] = 1.0
            batch["targets"] = targets  # (B, V) multi-hot
        if self.stage == "translate" and self.tokenizer is not None:
            # One thread at a time: a fast (Rust) tokenizer may change its truncation settings
            # inside a call, and fails ("Already borrowed") if another thread is in it then.
            with _TOKENIZER_LOCK:
                batch.update(encode_texts(self.tokenizer, batch["texts"], self.max_tokens))
        return batch


class SignDataModule(L.LightningDataModule):
    """Train / dev / test loaders with length buckets that shard across ranks."""

    def __init__(
        self,
        cfg: Config,
        stage: str,
        vocab: Any = None,
        tokenizer: Any = None,
        datasets: dict[str, Dataset] | None = None,
        base_collate: Any = collate_clips,
    ) -> None:
        super().__init__()
        self.cfg = cfg
        self.stage = stage
        self.datasets = datasets or {}
        self.collate = StageCollator(
            stage,
            base_collate,
            vocab=vocab if stage == "pgp" else None,
            tokenizer=tokenizer,
            max_tokens=cfg.data.max_text_tokens,
        )

    def dataset(self, split: str) -> Dataset:
        if split not in self.datasets:
            self.datasets[split] = SignClipDataset(
                self.cfg.data.store,
                split,
                self.cfg.data,
                train=split == "train",
                seed=self.cfg.train.seed,
            )
        return self.datasets[split]

    def _loader(self, split: str, train: bool) -> DataLoader | ThreadLoader:
        data = self.cfg.data
        dataset = self.dataset(split)
        trainer = self.trainer
        sampler = LengthBucketSampler(
            dataset.lengths,
            batch_size=data.batch_size if train else data.eval_batch_size,
            shuffle=train,
            seed=self.cfg.train.seed,
            num_replicas=trainer.world_size if trainer else 1,
            rank=trainer.global_rank if trainer else 0,
            drop_last=False,
        )
        return make_loader(dataset, sampler, self.collate, data)

    def train_dataloader(self) -> DataLoader | ThreadLoader:
        return self._loader("train", train=True)

    def val_dataloader(self) -> DataLoader | ThreadLoader:
        return self._loader("dev", train=False)

    def test_dataloader(self) -> DataLoader | ThreadLoader:
        return self._loader("test", train=False)
