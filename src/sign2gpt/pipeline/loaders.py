"""The data plumbing of a pipeline: the prepared stores opened as a model reads them, and the
collate function that adds what a stage trains on. :class:`~sign2gpt.pipeline.core.Pipeline`
builds its datasets and loaders from these; the training run's Lightning data module
(:mod:`sign2gpt.train.datamodule`) shards those loaders over ranks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import torch
from transformers import PreTrainedTokenizerBase

from sign2gpt.data.pose.store import KeypointStore
from sign2gpt.data.store import FrameStore
from sign2gpt.errors import DataError
from sign2gpt.skeleton import Skeleton
from sign2gpt.text.pseudo_gloss import PseudoGlossVocab
from sign2gpt.text.tokenizer import TextFormat, encode_texts

Batch = dict[str, Any]

# Serialises the tokenizer calls of BatchCollator (ThreadLoader runs collate functions in
# threads); module-level, so that a collator still pickles for DataLoader worker processes.
_TOKENIZER_LOCK = threading.Lock()


class BatchCollator:
    """Packs a batch (frames or cached features) and adds what the stage trains on: multi-hot
    pseudo-gloss ``targets`` (B, V) from ``vocab``, or the text tensors of the gated LM from
    ``tokenizer``. Picklable (DataLoader workers) and thread-safe (ThreadLoader)."""

    def __init__(
        self,
        base: Callable[[list[dict[str, Any]]], Batch],
        vocab: PseudoGlossVocab | None = None,
        tokenizer: PreTrainedTokenizerBase | None = None,
        max_tokens: int = 64,
        text_format: TextFormat | None = None,
    ) -> None:
        self.base = base
        self.vocab = vocab
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        self.text_format = text_format

    def __call__(self, items: list[dict[str, Any]]) -> Batch:
        batch = self.base(items)
        if self.vocab is not None:
            targets = torch.zeros(len(items), len(self.vocab.vocab))
            for row, clip_id in enumerate(batch["ids"]):
                targets[row, self.vocab.indices(clip_id)] = 1.0
            batch["targets"] = targets  # (B, V) multi-hot
        if self.tokenizer is not None:
            # One thread at a time: a fast (Rust) tokenizer may change its truncation settings
            # inside a call, and fails ("Already borrowed") if another thread is in it then.
            with _TOKENIZER_LOCK:
                batch.update(
                    encode_texts(self.tokenizer, batch["texts"], self.max_tokens, self.text_format)
                )
        return batch


def open_keypoints(path: str, skeleton: Skeleton | None) -> KeypointStore:
    """The keypoints of the prepared store at ``path``, refused when they are of another
    skeleton than the model reads."""
    if not path:
        raise DataError("data.store is empty: name the prepared store (`sign2gpt prepare`)")
    store = KeypointStore(path)
    if skeleton is not None and store.skeleton.names != skeleton.names:
        raise DataError(
            f"{store.path}: keypoints of skeleton {store.skeleton.name} "
            f"({store.skeleton.num_points} points), the model reads {skeleton.name} "
            f"({skeleton.num_points} points)"
        )
    return store


def open_store(path: str, store_size: int) -> FrameStore:
    """The prepared store at ``path``, refused at once when its frames are not the size the
    recipe expects (``data.store_size``): crops and rotations are drawn on that size."""
    if not path:
        raise DataError("data.store is empty: name the prepared store (`sign2gpt prepare`)")
    store = FrameStore(path)
    if store.size != store_size:
        raise DataError(
            f"{path}: frames stored at {store.size}x{store.size}, but the recipe expects "
            f"data.store_size {store_size} (run `sign2gpt prepare ... --size {store_size}` into "
            f"another folder, or set data.store_size={store.size})"
        )
    return store
