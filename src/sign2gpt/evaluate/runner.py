"""``sign2gpt evaluate``: score a checkpoint folder on a split and write what a person reads.

Stage 2 (translation): beam search, BLEU-1..4 and ROUGE-L with the settings printed, hypotheses
and references side by side. Stage 1 (PGP): pseudo-gloss mean average precision, precision /
recall / F1 (predicted at yhat > 0.5, the paper's localisation check at E > 0.2), on the
synthetic corpus also the localisation against the true sign spans, and heatmaps of E like the
paper's Figure 4.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sign2gpt.errors import Sign2GPTError
from sign2gpt.io import progress_bar, writable_folder
from sign2gpt.metrics.localisation import SpanLocalisation
from sign2gpt.metrics.pgp import (
    PGPCounts,
    clip_outcomes,
    frequency_bands,
    mean_average_precision,
    never_found,
    write_per_class,
)
from sign2gpt.metrics.plots import draw_keypoints, plot_clip_localisation
from sign2gpt.metrics.reports import full_report
from sign2gpt.metrics.translation import collapse_warning
from sign2gpt.models.pgp_model import PGPModel
from sign2gpt.models.translation_model import BeamSearch, TranslationModel
from sign2gpt.pipeline import Batch, Pipeline
from sign2gpt.runs import eval_folder, scores_file


def evaluate_checkpoint(
    checkpoint: str | Path,
    split: str = "test",
    out_dir: str | Path | None = None,
    store: str | None = None,
    batch_size: int | None = None,
    num_beams: int | None = None,
    heatmaps: int = 3,
    device: str = "cpu",
    bleurt: str | None = None,
    no_repeat_ngram_size: int | None = None,
) -> dict[str, Any]:
    """Score ``checkpoint`` on ``split``; writes :func:`sign2gpt.runs.scores_file` into
    ``out_dir`` (default: :func:`sign2gpt.runs.eval_folder` of the checkpoint) and the files of
    its stage, returns the metrics (with ``load_seconds``: how long loading took). Stage 2 also
    scores every BLEU convention with its sacreBLEU signature, and BLEURT with the local
    checkpoint folder ``bleurt`` when a BLEURT package is installed. ``num_beams`` and
    ``no_repeat_ngram_size``, when given, replace the recipe's (:meth:`BeamSearch.of`)."""
    checkpoint = Path(checkpoint)
    pipeline = Pipeline.from_checkpoint(checkpoint, device=device)
    if store:
        pipeline.cfg.data.store = store
    if not pipeline.cfg.data.store and not pipeline.cfg.data.features:
        raise Sign2GPTError(f"{checkpoint}: config names no prepared store; pass --store")
    model = pipeline.model
    # checked before the output folder is made
    search = BeamSearch.of(pipeline.cfg.train, num_beams, no_repeat_ngram_size)
    out = writable_folder(
        Path(out_dir) if out_dir else eval_folder(checkpoint), what="output folder"
    )
    batch_size = batch_size or pipeline.cfg.data.eval_batch_size
    if isinstance(model, PGPModel):
        result = _evaluate_pgp(pipeline, model, split, out, batch_size, heatmaps)
    elif isinstance(model, TranslationModel):
        result = _evaluate_translation(pipeline, model, split, out, batch_size, search, bleurt)
    else:  # pragma: no cover - every stage model is one of the two
        raise TypeError(type(model).__name__)
    result["load_seconds"] = round(pipeline.load_seconds, 2)
    result["input"] = model.sign.modality.value
    scores_file(out, split).write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return result


def _sign_features(pipeline: Pipeline, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """Z (B, T', D) and its mask from a batch of frames or of cached features."""
    device = pipeline.device
    if "features" in batch:
        return batch["features"].to(device), batch["feature_mask"].to(device)
    return pipeline.model.encode_batch(batch, device)


@torch.no_grad()
def _evaluate_translation(
    pipeline: Pipeline,
    model: TranslationModel,
    split: str,
    out: Path,
    batch_size: int,
    search: BeamSearch,
    bleurt: str | None = None,
) -> dict[str, Any]:
    cfg = pipeline.cfg
    rows: list[tuple[str, str, str]] = []
    loader = pipeline.loader(split, batch_size=batch_size)
    for batch in progress_bar(loader, desc=f"translating {split}", unit="batch"):
        z, mask = _sign_features(pipeline, batch)
        hyps = model.translate(z, mask, search)
        rows.extend(zip(batch["ids"], batch["texts"], hyps))
    rows.sort()
    refs = [r for _, r, _ in rows]
    hyps = [h for _, _, h in rows]
    metrics = full_report(hyps, refs, cfg.data.lang, bleurt=bleurt)
    (out / f"{split}_hypotheses.txt").write_text("".join(h + "\n" for h in hyps), encoding="utf-8")
    (out / f"{split}_references.txt").write_text("".join(r + "\n" for r in refs), encoding="utf-8")
    with (out / f"{split}_side_by_side.tsv").open("w", encoding="utf-8") as f:
        f.write("id\treference\thypothesis\n")
        for clip_id, ref, hyp in rows:
            f.write(f"{clip_id}\t{ref}\t{hyp}\n")
    return {
        "stage": model.STAGE,
        "split": split,
        "num_beams": search.num_beams,
        "no_repeat_ngram_size": search.no_repeat_ngram_size,
        **metrics,
        "distinct_hypotheses": len(set(hyps)),
        "warnings": [w for w in (collapse_warning(hyps, refs),) if w],
        "examples": [{"id": i, "reference": r, "hypothesis": h} for i, r, h in rows[:5]],
    }


def _pictures(model: PGPModel, batch: Batch, span: slice) -> np.ndarray:
    """(T, H, W, 3) uint8 of one clip of a batch: its frames, or its keypoints drawn (none for a
    gloss-input model)."""
    if "frames" in batch:
        return model.sign.normalise.to_pictures(batch["frames"][span])
    if "keypoints" in batch and model.sign.skeleton is not None:
        return draw_keypoints(batch["keypoints"][span].numpy(), model.sign.skeleton)
    return np.zeros((0, 8, 8, 3), dtype=np.uint8)


@torch.no_grad()
def _evaluate_pgp(
    pipeline: Pipeline,
    model: PGPModel,
    split: str,
    out: Path,
    batch_size: int,
    heatmaps: int,
) -> dict[str, Any]:
    cfg = pipeline.cfg
    vocab = pipeline.pseudo_gloss_vocab()
    counts = PGPCounts.zeros(len(vocab.vocab))
    spans = SpanLocalisation.from_corpus(cfg.data.root, split, vocab.vocab)
    drawn: list[Path] = []
    per_step = pipeline.frames_per_step  # stored frames per encoder step
    scores: list[np.ndarray] = []  # (B, V) yhat per batch, for the mean average precision
    truths: list[np.ndarray] = []
    founds: list[np.ndarray] = []  # (B, V) max_t E > 0.2, for the frequency bands
    loader = pipeline.loader(split, batch_size=batch_size)
    for batch in progress_bar(loader, desc=f"pseudo-glosses {split}", unit="batch"):
        z, mask = _sign_features(pipeline, batch)
        res = model.pseudo_glosses(z, mask, batch["targets"].to(pipeline.device))
        pred, truth, found = clip_outcomes(res.yhat.float(), res.E.float(), batch["targets"])
        counts.add(pred, truth, found)
        scores.append(res.yhat.float().cpu().numpy())
        truths.append(truth.numpy())
        founds.append(found.numpy())
        E = res.E.float().cpu()[..., : len(vocab.vocab)]  # (B, T', V) without the null column
        steps = mask.sum(1).tolist()
        starts = (torch.cumsum(batch["lengths"], 0) - batch["lengths"]).tolist()
        for row, clip_id in enumerate(batch["ids"]):
            clip_E = E[row, : steps[row]].numpy()
            if spans is not None:
                spans.update(clip_id, clip_E, vocab.glosses(clip_id), per_step)
            if len(drawn) < heatmaps:
                truth = spans.truth.get(clip_id, []) if spans is not None else []
                # true sign spans (stored frames) in encoder steps, drawn over the map
                sign_spans = [
                    (s["gloss"], s["start"] / per_step, s["end"] / per_step) for s in truth
                ]
                span = slice(starts[row], starts[row] + int(batch["lengths"][row]))
                drawn.append(
                    plot_clip_localisation(
                        clip_E,
                        vocab.vocab,
                        _pictures(model, batch, span),
                        f"{clip_id}: {batch['texts'][row]}",
                        out / f"{split}_heatmap_{clip_id.replace('/', '_')}.png",
                        true_rows=vocab.indices(clip_id),
                        spans=sign_spans or None,
                    )
                )
    metrics = counts.metrics()
    all_scores, all_truths = np.concatenate(scores), np.concatenate(truths)
    metrics["map"] = mean_average_precision(all_scores, all_truths)
    result: dict[str, Any] = {"stage": model.STAGE, "split": split, **metrics}
    sentences = [vocab.sentence_counts.get(g, 0) for g in vocab.vocab]
    result["bands"] = frequency_bands(all_scores, all_truths, np.concatenate(founds), sentences)
    rows = counts.per_class(vocab.vocab, vocab.sentence_counts)
    write_per_class(out / f"{split}_pseudo_glosses.tsv", rows)
    result["never_found"] = never_found(rows)
    result["heatmaps"] = [str(p) for p in drawn]
    result["settings"] = (
        "pseudo-gloss F1: macro over classes seen, yhat > 0.5; "
        "localisation (paper): max_t E > 0.2, micro P/R/F1"
    )
    if spans is not None:
        result.update(spans.metrics())
    return result
