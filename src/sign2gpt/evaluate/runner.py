"""``sign2gpt evaluate``: score a checkpoint folder on a split and write what a person reads.

Stage 2 (translation): beam search, BLEU-1..4 and ROUGE-L with the settings printed, hypotheses
and references side by side. Stage 1 (PGP): pseudo-gloss precision / recall / F1 (selection at
yhat > 0.5, the paper's localisation check at E > 0.2), on the synthetic corpus also the
localisation against the true sign spans, and heatmaps of E like the paper's Figure 4.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader
from tqdm import tqdm

from sign2gpt.errors import Sign2GPTError
from sign2gpt.evaluate.pgp_metrics import PGPCounts


def _loader(cfg: Any, split: str, collate: Any, batch_size: int) -> DataLoader:
    from sign2gpt.data.dataset import SignClipDataset
    from sign2gpt.data.sampler import LengthBucketSampler

    dataset = SignClipDataset(cfg.data.store, split, cfg.data, train=False)
    sampler = LengthBucketSampler(dataset.lengths, batch_size=batch_size, shuffle=False, seed=0)
    return DataLoader(dataset, batch_sampler=sampler, collate_fn=collate, num_workers=0)


def _denormalise(frames: torch.Tensor, mean: tuple, std: tuple) -> np.ndarray:
    """(T, 3, S, S) normalised -> (T, S, S, 3) uint8 for pictures."""
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
    spans = SpanLocalisation.from_corpus(cfg.data.root, split, vocab)
    drawn: list[Path] = []
    loader = _loader(cfg, split, collate, batch_size)
    for batch in tqdm(loader, desc=f"pseudo-glosses {split}", unit="batch"):
        z, mask = model.encode(batch["frames"].to(device), batch["lengths"].to(device))
        res = model.pgp(z, mask, batch["targets"].to(device))
        counts.update(res.yhat.float(), res.E.float(), batch["targets"])
        E = res.E.float().cpu()[..., : len(vocab.vocab)]  # (B, T', V) without the null column
        steps = mask.sum(1).tolist()
        frame_stride = max(1, int(batch["lengths"].max()) // max(1, E.shape[1]))
        for row, clip_id in enumerate(batch["ids"]):
            clip_E = E[row, : steps[row]].numpy()
            if spans is not None:
                spans.update(clip_id, clip_E, frame_stride * cfg.data.frame_stride)
            if len(drawn) < heatmaps:
                drawn.append(_draw(clip_E, vocab, clip_id, batch, row, cfg, out, split))
    metrics = counts.metrics()
    result: dict[str, Any] = {"stage": "pgp", "split": split, **metrics}
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
        _denormalise(frames, cfg.data.mean, cfg.data.std),
        f"{clip_id}: {batch['texts'][row]}",
        out / f"{split}_heatmap_{clip_id.replace('/', '_')}.png",
        true_rows=set(true),
    )


class SpanLocalisation:
    """On the synthetic corpus: is the peak of a pseudo-gloss's E inside the span of its sign?

    The corpus's ground truth gives, per clip, every sign with its frame span and the spoken
    lemma it stands for; a pseudo-gloss is checked when exactly one sign of the clip carries it.
    """

    def __init__(self, truth: dict[str, list[dict]], vocab: Any) -> None:
        self.truth = truth
        self.vocab = vocab
        self.hits = 0
        self.checked = 0

    @classmethod
    def from_corpus(cls, root: str, split: str, vocab: Any) -> SpanLocalisation | None:
        from sign2gpt.synth.groundtruth import load_sign_spans

        if not root:
            return None
        truth = load_sign_spans(Path(root), split)
        return cls(truth, vocab) if truth else None

    def update(self, clip_id: str, clip_E: np.ndarray, frames_per_step: int) -> None:
        signs = self.truth.get(clip_id)
        if not signs:
            return
        index = {g: i for i, g in enumerate(self.vocab.vocab)}
        for word in {w for s in signs for w in s["words"]}:
            carriers = [s for s in signs if word in s["words"]]
            if word not in index or len(carriers) != 1:
                continue
            peak_frame = int(clip_E[:, index[word]].argmax()) * frames_per_step
            start, end = carriers[0]["start"], carriers[0]["end"]
            self.checked += 1
            self.hits += int(start - frames_per_step <= peak_frame <= end + frames_per_step)

    def metrics(self) -> dict[str, float]:
        rate = self.hits / self.checked if self.checked else 0.0
        return {"span_hit_rate": rate, "span_checked": float(self.checked)}
