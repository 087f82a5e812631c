"""Length-bucketed batches that shard across distributed ranks.

Clips of similar length go in one batch (less padding in the sign encoder, fewer wasted frames
per step). Per epoch: shuffle with (seed, epoch), sort by length inside pools of
``pool_batches`` global steps, cut into batches, group ``num_replicas`` neighbouring batches into
one step (so all ranks of a step hold similar lengths and wait little for each other), shuffle
the steps. Rank r takes batch r of every step, so every rank gets the same number of batches.
When the batches do not fill the last step it is completed with the first batches (a few clips
seen twice, as PyTorch's DistributedSampler) or, with ``drop_last``, left out.

Lightning: build the trainer with ``use_distributed_sampler=False`` and pass rank / world size.
Lightning 2.x does not call ``set_epoch`` on a batch sampler (only on ``loader.sampler`` and
``loader.batch_sampler.sampler``): ``Sign2GPTModule.on_train_epoch_start`` does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from torch.utils.data import Sampler


class LengthBucketSampler(Sampler[list[int]]):
    """Batch sampler over dataset indices; ``lengths[i]`` is item i's length."""

    def __init__(
        self,
        lengths: Sequence[int],
        batch_size: int,
        shuffle: bool = True,
        seed: int = 0,
        num_replicas: int = 1,
        rank: int = 0,
        drop_last: bool = False,
        bucket: bool = True,
        pool_batches: int = 50,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"rank {rank} is not in [0, {num_replicas})")
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.num_replicas = num_replicas
        self.rank = rank
        self.drop_last = drop_last
        self.bucket = bucket
        self.pool_batches = pool_batches
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def steps(self) -> list[list[list[int]]]:
        """All ranks' batches of this epoch: steps[k][r] is rank r's k-th batch."""
        n = len(self.lengths)
        rng = np.random.default_rng([self.seed, self.epoch])
        order = rng.permutation(n) if self.shuffle else np.arange(n)
        if self.bucket:
            # Shuffled pools sorted by length: similar lengths per batch, new neighbours
            # every epoch. Without shuffling, one global sort (evaluation).
            pool = self.batch_size * self.num_replicas * self.pool_batches if self.shuffle else n
            parts = []
            for start in range(0, n, max(pool, 1)):
                chunk = order[start : start + pool]
                parts.append(chunk[np.argsort(self.lengths[chunk], kind="stable")])
            order = np.concatenate(parts) if parts else order
        batches = [order[i : i + self.batch_size].tolist() for i in range(0, n, self.batch_size)]
        if self.drop_last and batches and len(batches[-1]) < self.batch_size:
            batches.pop()
        r = self.num_replicas
        if len(batches) % r:
            if self.drop_last:
                batches = batches[: len(batches) - len(batches) % r]
            else:
                missing = r - len(batches) % r
                batches += [batches[i % len(batches)] for i in range(missing)]
        steps = [batches[i : i + r] for i in range(0, len(batches), r)]
        if self.shuffle:
            steps = [steps[i] for i in rng.permutation(len(steps))]
        return steps

    def __iter__(self) -> Iterator[list[int]]:
        for step in self.steps():
            yield step[self.rank]

    def __len__(self) -> int:
        n_batches = len(self.lengths) // self.batch_size
        if not self.drop_last and len(self.lengths) % self.batch_size:
            n_batches += 1
        if self.drop_last:
            return n_batches // self.num_replicas
        return -(-n_batches // self.num_replicas)
