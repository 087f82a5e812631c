from collections import Counter

import numpy as np
import pytest

from sign2gpt.data.sampler import LengthBucketSampler


def _all_ranks(lengths, world: int, **kw) -> list[list[list[int]]]:
    out = []
    for rank in range(world):
        sampler = LengthBucketSampler(lengths, num_replicas=world, rank=rank, **kw)
        sampler.set_epoch(3)
        batches = list(sampler)
        assert len(batches) == len(sampler)
        out.append(batches)
    return out


def test_shards_are_disjoint_complete_and_equal_in_size():
    lengths = np.random.default_rng(0).integers(5, 300, 96).tolist()
    ranks = _all_ranks(lengths, 3, batch_size=4, shuffle=True, seed=7)
    assert [len(b) for b in ranks] == [8, 8, 8]
    seen = [i for batches in ranks for batch in batches for i in batch]
    assert sorted(seen) == list(range(96))  # every clip exactly once over all ranks


def test_uneven_sizes_are_padded_so_every_rank_steps_together():
    lengths = list(range(1, 104))  # 103 clips, batch 4 -> 26 batches -> 9 steps on 3 ranks
    ranks = _all_ranks(lengths, 3, batch_size=4, shuffle=True, seed=1)
    assert [len(b) for b in ranks] == [9, 9, 9]
    counts = Counter(i for batches in ranks for batch in batches for i in batch)
    assert set(counts) == set(range(103))  # complete
    assert sum(counts.values()) - 103 <= 4  # one padded batch repeats at most 4 clips
    dropped = _all_ranks(lengths, 3, batch_size=4, shuffle=True, seed=1, drop_last=True)
    assert [len(b) for b in dropped] == [8, 8, 8]
    flat = [i for batches in dropped for batch in batches for i in batch]
    assert len(flat) == len(set(flat)) == 96 and all(len(b) == 4 for r in dropped for b in r)


def test_batches_group_similar_lengths_and_change_per_epoch():
    rng = np.random.default_rng(0)
    lengths = rng.integers(10, 500, 400)
    sampler = LengthBucketSampler(lengths.tolist(), batch_size=8, shuffle=True, seed=0)
    batches = list(sampler)
    spread = np.mean([np.ptp(lengths[b]) for b in batches])
    random_spread = np.mean([np.ptp(lengths[rng.permutation(400)[:8]]) for _ in range(200)])
    assert spread < random_spread / 5
    again = LengthBucketSampler(lengths.tolist(), batch_size=8, shuffle=True, seed=0)
    assert list(again) == batches  # deterministic given seed and epoch
    again.set_epoch(1)
    assert list(again) != batches
    # steps of neighbouring batches: ranks at one step see similar lengths
    r0 = LengthBucketSampler(lengths.tolist(), 8, num_replicas=2, rank=0, seed=0)
    r1 = LengthBucketSampler(lengths.tolist(), 8, num_replicas=2, rank=1, seed=0)
    gaps = [abs(lengths[a].mean() - lengths[b].mean()) for a, b in zip(r0, r1)]
    assert np.mean(gaps) < 0.1 * np.ptp(lengths)


def test_evaluation_order_is_sorted_and_complete():
    lengths = [5, 1, 9, 3, 7]
    sampler = LengthBucketSampler(lengths, batch_size=2, shuffle=False)
    assert list(sampler) == [[1, 3], [0, 4], [2]]
    plain = LengthBucketSampler(lengths, batch_size=2, shuffle=False, bucket=False)
    assert list(plain) == [[0, 1], [2, 3], [4]]
    with pytest.raises(ValueError, match="rank 2"):
        LengthBucketSampler(lengths, 2, num_replicas=2, rank=2)
