"""Pseudo-gloss prediction metrics of stage 1 (docs/method.md#3-stage-1-pseudo-gloss-pretraining).

- The paper's score, by which it selected its checkpoint: macro F1 of ``yhat > 0.5`` over the
  pseudo-gloss classes that occur in the targets or the predictions of the split (a class never
  seen and never predicted says nothing). Training here selects by ``map`` instead: the F1
  stays 0 until some yhat passes 0.5 (docs/method.md#9-deviations).
- ``map``: mean average precision of ranking the clips by yhat, per pseudo-gloss.
- Localisation check of the paper: a pseudo-gloss counts as found in a clip when its column of the
  localisation map E exceeds 0.2 at some frame; precision / recall / F1 of those against the
  clip's pseudo-glosses, summed over clips (micro).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import torch
from lightning.pytorch.strategies import Strategy

from sign2gpt.metrics.thresholds import LOCALISATION_THRESHOLD, PREDICT_THRESHOLD


def _f1(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass
class PGPCounts:
    """Running counts; ``update`` per batch, ``reduce`` across ranks, ``metrics`` at the end."""

    tp: torch.Tensor  # (V,) per class at yhat > 0.5
    fp: torch.Tensor
    fn: torch.Tensor
    loc: torch.Tensor  # (3,) tp, fp, fn at max_t E > 0.2, over all clips

    @classmethod
    def zeros(cls, batch_targets_dim: int) -> PGPCounts:
        z = torch.zeros(batch_targets_dim, dtype=torch.float64)
        return cls(z.clone(), z.clone(), z.clone(), torch.zeros(3, dtype=torch.float64))

    def update(self, yhat: torch.Tensor, E: torch.Tensor, targets: torch.Tensor) -> None:
        """yhat (B, V), E (B, T, V+1) with the null column last, targets (B, V)."""
        self.add(*clip_outcomes(yhat, E, targets))

    def add(self, pred: torch.Tensor, truth: torch.Tensor, found: torch.Tensor) -> None:
        """Count clips' outcomes, each (B, V) bool: predicted (yhat > 0.5), true, and localised
        (max_t E > 0.2)."""
        self.tp += (pred & truth).sum(0).double()
        self.fp += (pred & ~truth).sum(0).double()
        self.fn += (~pred & truth).sum(0).double()
        self.loc += torch.stack(
            [(found & truth).sum(), (found & ~truth).sum(), (~found & truth).sum()]
        ).double()

    def reduce(self, strategy: Strategy) -> PGPCounts:
        if getattr(strategy, "world_size", 1) <= 1 or not torch.distributed.is_initialized():
            return self
        packed = torch.cat([self.tp, self.fp, self.fn, self.loc]).to(strategy.root_device)
        packed = strategy.reduce(packed, reduce_op="sum").cpu()
        v = self.tp.numel()
        return PGPCounts(packed[:v], packed[v : 2 * v], packed[2 * v : 3 * v], packed[3 * v :])

    def metrics(self) -> dict[str, float]:
        seen = (self.tp + self.fp + self.fn) > 0
        per_class = [
            _f1(float(t), float(f), float(n))[2]
            for t, f, n, s in zip(self.tp, self.fp, self.fn, seen)
            if s
        ]
        macro_f1 = sum(per_class) / len(per_class) if per_class else 0.0
        micro = _f1(float(self.tp.sum()), float(self.fp.sum()), float(self.fn.sum()))
        loc = _f1(*(float(x) for x in self.loc))
        return {
            "f1": macro_f1,
            "micro_precision": micro[0],
            "micro_recall": micro[1],
            "micro_f1": micro[2],
            "loc_precision": loc[0],
            "loc_recall": loc[1],
            "loc_f1": loc[2],
        }

    def per_class(self, vocab: list[str], train_sentences: dict[str, int]) -> list[dict[str, Any]]:
        """One row per pseudo-gloss seen in the split (as a target or a prediction), in
        vocabulary order (most frequent in training first): ``gloss``, ``train_sentences``,
        ``support`` (clips that have it), ``predicted``, ``precision``, ``recall``, ``f1``."""
        rows = []
        for i, gloss in enumerate(vocab):
            tp, fp, fn = float(self.tp[i]), float(self.fp[i]), float(self.fn[i])
            if tp + fp + fn == 0:
                continue
            precision, recall, f1 = _f1(tp, fp, fn)
            rows.append(
                {
                    "gloss": gloss,
                    "train_sentences": int(train_sentences.get(gloss, 0)),
                    "support": int(tp + fn),
                    "predicted": int(tp + fp),
                    "precision": precision,
                    "recall": recall,
                    "f1": f1,
                }
            )
        return rows


def never_found(rows: list[dict[str, Any]], min_support: int = 3, limit: int = 10) -> list[str]:
    """The pseudo-glosses with ``min_support`` clips or more that were never predicted right,
    most frequent first: where to look first when stage 1 misses (e.g. a collapsed prototype)."""
    missed = [r for r in rows if r["support"] >= min_support and r["recall"] == 0.0]
    missed.sort(key=lambda r: (-r["support"], -r["train_sentences"], r["gloss"]))
    return [r["gloss"] for r in missed[:limit]]


def write_per_class(path: Path, rows: list[dict[str, Any]]) -> None:
    """The rows of :meth:`PGPCounts.per_class` as a tab-separated table."""
    columns = ["gloss", "train_sentences", "support", "predicted", "precision", "recall", "f1"]
    with path.open("w", encoding="utf-8") as f:
        f.write("\t".join(columns) + "\n")
        for r in rows:
            cells = [r["gloss"], *(str(r[c]) for c in columns[1:4])]
            cells += [f"{r[c]:.3f}" for c in columns[4:]]
            f.write("\t".join(cells) + "\n")


def clip_outcomes(
    yhat: torch.Tensor, E: torch.Tensor, targets: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(pred, truth, found), each (B, V) bool on the CPU: yhat > 0.5, the targets, and
    max_t E > 0.2 (the paper's localisation check)."""
    truth = targets.detach().cpu() > 0.5  # (B, V)
    pred = yhat.detach().cpu() > PREDICT_THRESHOLD
    found = localised(E.detach().cpu(), truth.shape[1])
    return pred, truth, found


@dataclass
class ClipOutcome:
    """One dev clip's stage-1 outcome, compact enough to gather from every rank: yhat as
    float16 (V,), and the bit rows (packed) of its true and localised pseudo-glosses. Keyed by
    clip id, a clip seen twice (the sampler fills every rank's last step) is one entry."""

    scores: np.ndarray  # (V,) float16 yhat
    truth: np.ndarray  # packed (V,) bool
    found: np.ndarray  # packed (V,) bool: max_t E > 0.2
    loss: float  # the clip's share of the batch loss (batch loss; clips of a batch alike)


def clip_records(
    ids: list[str], yhat: torch.Tensor, E: torch.Tensor, targets: torch.Tensor, loss: float
) -> dict[str, ClipOutcome]:
    """:class:`ClipOutcome` of every clip of a batch (yhat (B, V), E (B, T, V+1), targets)."""
    _, truth, found = clip_outcomes(yhat, E, targets)
    scores = yhat.detach().float().cpu().numpy().astype(np.float16)
    return {
        clip_id: ClipOutcome(
            scores[i], np.packbits(truth[i].numpy()), np.packbits(found[i].numpy()), loss
        )
        for i, clip_id in enumerate(ids)
    }


def summarise_clips(clips: dict[str, ClipOutcome], num_classes: int) -> dict[str, float]:
    """The stage-1 dev metrics over clips counted once each: :meth:`PGPCounts.metrics` (the
    paper's F1 at yhat > 0.5 and the localisation check), ``map`` (mean average precision of
    ranking the clips by yhat, over pseudo-glosses with a positive clip), ``loss`` (mean) and
    ``predicted`` (how many (clip, pseudo-gloss) passed yhat > 0.5)."""
    if not clips:
        return {"map": 0.0, "loss": float("nan"), "predicted": 0.0, **PGPCounts.zeros(1).metrics()}
    V = num_classes
    scores = np.stack([c.scores.astype(np.float32) for c in clips.values()])  # (N, V)
    truth = np.stack([np.unpackbits(c.truth)[:V] for c in clips.values()]).astype(bool)
    found = np.stack([np.unpackbits(c.found)[:V] for c in clips.values()]).astype(bool)
    pred = scores > PREDICT_THRESHOLD
    counts = PGPCounts.zeros(V)
    counts.add(torch.from_numpy(pred), torch.from_numpy(truth), torch.from_numpy(found))
    return {
        **counts.metrics(),
        "map": mean_average_precision(scores, truth),
        "loss": float(np.mean([c.loss for c in clips.values()])),
        "predicted": float(pred.sum()),
    }


def average_precision(scores: np.ndarray, positive: np.ndarray) -> float:
    """Average precision of ranking items by ``scores`` (N,) against bool ``positive`` (N,):
    the mean, over the positives, of the precision at each one's rank (ties ranked in input
    order). 0.0 without a positive."""
    n_pos = int(positive.sum())
    if n_pos == 0:
        return 0.0
    order = np.argsort(-scores, kind="stable")
    hits = positive[order]
    ranks = np.flatnonzero(hits) + 1  # 1-based ranks of the positives
    return float(np.mean(np.arange(1, n_pos + 1) / ranks))


def mean_average_precision(scores: np.ndarray, truth: np.ndarray) -> float:
    """Mean over pseudo-glosses (columns with at least one positive clip) of
    :func:`average_precision` of ranking the clips (rows) by their score. Unlike F1 at
    yhat > 0.5 it moves as soon as the true clips rank higher, before any score passes 0.5."""
    columns = [v for v in range(truth.shape[1]) if truth[:, v].any()]
    if not columns:
        return 0.0
    return float(np.mean([average_precision(scores[:, v], truth[:, v]) for v in columns]))


HEAD_BAND = 100  # the most frequent pseudo-glosses (by training count)
TAIL_SENTENCES = 10  # a tail pseudo-gloss occurs in fewer training sentences than this


class BandRow(TypedDict):
    """Stage-1 results of one frequency band (:func:`frequency_bands`)."""

    band: str  # head, middle or tail
    classes: int  # pseudo-glosses of the band in the vocabulary
    present: int  # ... with a positive clip in the split
    support: int  # positive (clip, pseudo-gloss) pairs
    recall: float  # at yhat > 0.5
    loc_recall: float  # E > 0.2 at some step
    map: float  # mean average precision over the band's present pseudo-glosses
    mean_yhat: float  # of the positives


def band_of(rank: int, sentences: int, head: int = HEAD_BAND, tail: int = TAIL_SENTENCES) -> str:
    """``head`` (among the ``head`` most frequent pseudo-glosses: ``rank`` is the 0-based
    position in the vocabulary, most frequent first), ``tail`` (in fewer than ``tail`` training
    sentences) or ``middle``."""
    if rank < head:
        return "head"
    return "tail" if sentences < tail else "middle"


def frequency_bands(
    scores: np.ndarray,
    truth: np.ndarray,
    found: np.ndarray,
    sentence_counts: list[int],
    head: int = HEAD_BAND,
    tail: int = TAIL_SENTENCES,
) -> list[BandRow]:
    """Stage-1 results per frequency band of the pseudo-glosses (:func:`band_of`), over N clips:
    ``scores`` (N, V) yhat, ``truth`` and ``found`` (N, V) bool (the targets, max_t E > 0.2),
    ``sentence_counts`` (V,) training sentences of each pseudo-gloss in vocabulary order.

    One row per band with ``classes`` (in the vocabulary), ``present`` (with a positive clip
    here), ``support`` (positive (clip, pseudo-gloss) pairs), ``recall`` at yhat > 0.5,
    ``loc_recall`` (E > 0.2 at some step), ``map`` (mean average precision over the band's
    present pseudo-glosses) and ``mean_yhat`` of the positives: where a stage 1 that predicts
    nothing still ranks (or not) the right clips first."""
    rows: list[BandRow] = []
    pred = scores > PREDICT_THRESHOLD
    names = [band_of(r, s, head, tail) for r, s in enumerate(sentence_counts)]
    for band in ("head", "middle", "tail"):
        cols = np.array([i for i, name in enumerate(names) if name == band], dtype=np.int64)
        t = truth[:, cols]
        support = int(t.sum())
        present = [c for c in cols if truth[:, c].any()]
        rows.append(
            BandRow(
                band=band,
                classes=len(cols),
                present=len(present),
                support=support,
                recall=float((pred[:, cols] & t).sum() / support) if support else 0.0,
                loc_recall=float((found[:, cols] & t).sum() / support) if support else 0.0,
                map=float(np.mean([average_precision(scores[:, c], truth[:, c]) for c in present]))
                if present
                else 0.0,
                mean_yhat=float(scores[:, cols][t].mean()) if support else 0.0,
            )
        )
    return rows


def format_bands(rows: list[BandRow], head: int = HEAD_BAND, tail: int = TAIL_SENTENCES) -> str:
    """The rows of :func:`frequency_bands` as a small text table."""
    labels = {
        "head": f"head (the {head} most frequent)",
        "middle": "middle",
        "tail": f"tail (< {tail} training sentences)",
    }
    lines = [
        f"{'band':<32} {'classes':>7} {'present':>7} {'support':>7} {'recall':>6} "
        f"{'loc_rec':>7} {'mAP':>5} {'yhat+':>6}"
    ]
    for r in rows:
        lines.append(
            f"{labels[r['band']]:<32} {r['classes']:>7} {r['present']:>7} {r['support']:>7} "
            f"{r['recall']:>6.3f} {r['loc_recall']:>7.3f} {r['map']:>5.3f} {r['mean_yhat']:>6.3f}"
        )
    return "\n".join(lines)


def localised(E: torch.Tensor, num_classes: int) -> torch.Tensor:
    """(B, V) bool: the pseudo-gloss's column of E exceeds the threshold at some frame.

    E holds V+1 columns (the null prototype's included); the pseudo-gloss columns are the V
    columns that are not the null one, which the PGP head puts last.
    """
    peak = E[..., :num_classes].amax(dim=1)  # (B, V)
    return peak > LOCALISATION_THRESHOLD
