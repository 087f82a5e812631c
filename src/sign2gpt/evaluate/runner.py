"""``sign2gpt evaluate``: score a checkpoint folder on a split and write what a person reads.

Stage 2 (translation): beam search, BLEU-1..4 and ROUGE-L with the settings printed, hypotheses
and references side by side. Stage 1 (PGP): pseudo-gloss precision / recall / F1 (selection at
yhat > 0.5, the paper's localisation check at E > 0.2), on the synthetic corpus also the
localisation against the true sign spans, and heatmaps of E like the paper's Figure 4.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from sign2gpt.errors import Sign2GPTError
from sign2gpt.evaluate.localisation import SpanLocalisation
from sign2gpt.evaluate.pgp_metrics import PGPCounts, never_found, write_per_class


def _loader(cfg: Any, split: str, collate: Any, batch_size: int) -> Iterable[dict[str, Any]]:
    """Evaluation batches: ``data.num_workers`` threads with ``data.loader: threads``, else in
    this process (no worker processes to start for one pass)."""
    from sign2gpt.data.dataset import SignClipDataset
    from sign2gpt.data.loader import make_loader
    from sign2gpt.data.sampler import LengthBucketSampler

    dataset = SignClipDataset(cfg.data.store, split, cfg.data, train=False)
    sampler = LengthBucketSampler(dataset.lengths, batch_size=batch_size, shuffle=False, seed=0)
    workers = cfg.data.num_workers if cfg.data.loader == "threads" else 0
    return make_loader(dataset, sampler, collate, cfg.data, num_workers=workers)


def denormalise(frames: torch.Tensor, mean: tuple, std: tuple) -> np.ndarray:
    """(T, 3, S, S) frames -> (T, S, S, 3) uint8 for pictures: uint8 frames (what the data
    pipeline delivers) as they are, float frames un-normalised with ``mean`` / ``std``."""
    if frames.dtype == torch.uint8:
        return frames.cpu().permute(0, 2, 3, 1).contiguous().numpy()
    m = torch.tensor(mean).view(1, 3, 1, 1)
    s = torch.tensor(std).view(1, 3, 1, 1)
    pixels = (frames.float().cpu() * s + m).clamp(0, 1) * 255
    return pixels.permute(0, 2, 3, 1).round().to(torch.uint8).numpy()


def evaluate_checkpoint(
    checkpoint: str | Path,
    split: str = "test",
    out_dir: str | Path | None = None,
    store: str | None = None,
    batch_size: int | None = None,
    num_beams: int | None = None,
    heatmaps: int = 3,
    device: str = "cpu",
) -> dict[str, Any]:
    from sign2gpt.models.checkpoint import load_checkpoint

    checkpoint = Path(checkpoint)
    model, cfg, tokenizer = load_checkpoint(checkpoint, device=device)
    model.eval()
    if store:
        cfg.data.store = store
    if not cfg.data.store:
        raise Sign2GPTError(f"{checkpoint}: config names no prepared store; pass --store")
    out = Path(out_dir) if out_dir else checkpoint / "eval"
    out.mkdir(parents=True, exist_ok=True)
    batch_size = batch_size or cfg.data.eval_batch_size
    if cfg.train.stage == "pgp":
        result = _evaluate_pgp(model, cfg, checkpoint, split, out, batch_size, heatmaps, device)
    else:
        beams = num_beams or cfg.train.num_beams
        result = _evaluate_translation(model, cfg, tokenizer, split, out, batch_size, beams, device)
    (out / f"{split}_metrics.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return result


@torch.no_grad()
def _evaluate_translation(
    model: Any,
    cfg: Any,
    tokenizer: Any,
    split: str,
    out: Path,
    batch_size: int,
    beams: int,
    device: str,
) -> dict[str, Any]:
    from sign2gpt.data.dataset import collate_clips
    from sign2gpt.evaluate.metrics import score, settings

    rows: list[tuple[str, str, str]] = []
    loader = _loader(cfg, split, collate_clips, batch_size)
    for batch in tqdm(loader, desc=f"translating {split}", unit="batch"):
        z, mask = model.encode(batch["frames"].to(device), batch["lengths"].to(device))
        hyps = model.translate(z, mask, num_beams=beams, max_new_tokens=cfg.train.max_new_tokens)
        rows.extend(zip(batch["ids"], batch["texts"], hyps))
    rows.sort()
    refs = [r for _, r, _ in rows]
    hyps = [h for _, _, h in rows]
    metrics = score(hyps, refs, cfg.data.lang)
    (out / f"{split}_hypotheses.txt").write_text("".join(h + "\n" for h in hyps), encoding="utf-8")
    (out / f"{split}_references.txt").write_text("".join(r + "\n" for r in refs), encoding="utf-8")
    with (out / f"{split}_side_by_side.tsv").open("w", encoding="utf-8") as f:
        f.write("id\treference\thypothesis\n")
        for clip_id, ref, hyp in rows:
            f.write(f"{clip_id}\t{ref}\t{hyp}\n")
    return {
        "stage": "translate",
        "split": split,
        "num_beams": beams,
        "settings": settings(cfg.data.lang),
        **{k: float(v) for k, v in metrics.items()},
        "examples": [{"id": i, "reference": r, "hypothesis": h} for i, r, h in rows[:5]],
    }


@torch.no_grad()
def _evaluate_pgp(
    model: Any,
    cfg: Any,
    checkpoint: Path,
    split: str,
    out: Path,
    batch_size: int,
    heatmaps: int,
    device: str,
) -> dict[str, Any]:
    from sign2gpt.data.dataset import collate_clips
    from sign2gpt.text.pseudo_gloss import PseudoGlossVocab
    from sign2gpt.train.datamodule import StageCollator

    vocab = PseudoGlossVocab.load(checkpoint / "pseudo_glosses.json")
    collate = StageCollator("pgp", collate_clips, vocab=vocab)
    counts = PGPCounts.zeros(len(vocab.vocab))
    spans = SpanLocalisation.from_corpus(cfg.data.root, split, vocab.vocab)
    drawn: list[Path] = []
    # stored frames per encoder step: the frame stride times the encoder's temporal pooling
    frames_per_step = cfg.data.frame_stride * 2 ** len(cfg.model.sign_encoder.downsample_after)
    loader = _loader(cfg, split, collate, batch_size)
    for batch in tqdm(loader, desc=f"pseudo-glosses {split}", unit="batch"):
        z, mask = model.encode(batch["frames"].to(device), batch["lengths"].to(device))
        res = model.pgp(z, mask, batch["targets"].to(device))
        counts.update(res.yhat.float(), res.E.float(), batch["targets"])
        E = res.E.float().cpu()[..., : len(vocab.vocab)]  # (B, T', V) without the null column
        steps = mask.sum(1).tolist()
        for row, clip_id in enumerate(batch["ids"]):
            clip_E = E[row, : steps[row]].numpy()
            if spans is not None:
                words = vocab.glosses(clip_id)
                spans.update(clip_id, clip_E, words, frames_per_step)
            if len(drawn) < heatmaps:
                truth = spans.truth.get(clip_id, []) if spans is not None else []
                # true sign spans (stored frames) in encoder steps, drawn over the map
                sign_spans = [
                    (s["gloss"], s["start"] / frames_per_step, s["end"] / frames_per_step)
                    for s in truth
                ]
                drawn.append(_draw(clip_E, vocab, clip_id, batch, row, cfg, out, split, sign_spans))
    metrics = counts.metrics()
    result: dict[str, Any] = {"stage": "pgp", "split": split, **metrics}
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


def _draw(
    clip_E: np.ndarray,
    vocab: Any,
    clip_id: str,
    batch: dict,
    row: int,
    cfg: Any,
    out: Path,
    split: str,
    sign_spans: list[tuple[str, float, float]],
) -> Path:
    from sign2gpt.evaluate.heatmap import plot_localisation

    starts = torch.cumsum(batch["lengths"], 0) - batch["lengths"]
    frames = batch["frames"][starts[row] : starts[row] + batch["lengths"][row]]
    true = vocab.indices(clip_id)
    strongest = np.argsort(-clip_E.max(0))
    rows = list(true) + [int(v) for v in strongest if v not in true][: max(3, 8 - len(true))]
    return plot_localisation(
        clip_E,
        vocab.vocab,
        rows,
        denormalise(frames, cfg.data.mean, cfg.data.std),
        f"{clip_id}: {batch['texts'][row]}",
        out / f"{split}_heatmap_{clip_id.replace('/', '_')}.png",
        true_rows=set(true),
        spans=sign_spans or None,
    )
