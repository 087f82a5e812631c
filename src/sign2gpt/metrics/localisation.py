"""Localisation against the true sign spans of the synthetic corpus (real datasets lack them).

The synthetic corpus writes ``groundtruth/<split>/<clip>.json`` with every sign's gloss and frame
span. A pseudo-gloss (a spoken lemma) is tied to the sign whose gloss names the same word:
equal after folding umlauts, or the lemma starting with the gloss (``WEST`` -> ``westen``,
``SUED`` -> ``süden``). It is checked only when exactly one sign of the clip carries it, and it
counts as a hit when the peak of its column of E falls inside that sign's span (one encoder step
of tolerance on both sides).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def fold(word: str) -> str:
    return word.lower().translate(_FOLD)


def gloss_names_word(gloss: str, word: str) -> bool:
    g, w = fold(gloss), fold(word)
    return g == w or (len(g) >= 3 and w.startswith(g))


def load_sign_spans(root: str | Path, split: str) -> dict[str, list[dict[str, Any]]]:
    """{clip id: [{gloss, start, end}, ...]} (frame indices of the stored clip), or {}."""
    folder = Path(root) / "groundtruth" / split
    if not folder.is_dir():
        return {}
    spans = {}
    for path in sorted(folder.glob("*.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        spans[truth["name"]] = [
            {"gloss": g["gloss"], "start": int(g["start"]), "end": int(g["end"])}
            for g in truth["glosses"]
        ]
    return spans


class SpanLocalisation:
    """Counts how often the peak of a pseudo-gloss's E lies inside the span of its sign."""

    def __init__(self, truth: dict[str, list[dict[str, Any]]], vocab: list[str]) -> None:
        self.truth = truth
        self.index = {word: i for i, word in enumerate(vocab)}
        self.hits = 0
        self.checked = 0

    @classmethod
    def from_corpus(cls, root: str, split: str, vocab: list[str]) -> SpanLocalisation | None:
        truth = load_sign_spans(root, split) if root else {}
        return cls(truth, vocab) if truth else None

    def update(
        self, clip_id: str, clip_E: np.ndarray, words: list[str], frames_per_step: int
    ) -> None:
        """clip_E: (T', V) for this clip; words: the clip's pseudo-glosses; frames_per_step:
        stored frames per encoder time step (frame stride x temporal pooling)."""
        signs = self.truth.get(clip_id)
        if not signs:
            return
        for word in words:
            carriers = [s for s in signs if gloss_names_word(s["gloss"], word)]
            if word not in self.index or len(carriers) != 1:
                continue
            peak = int(clip_E[:, self.index[word]].argmax()) * frames_per_step
            start, end = carriers[0]["start"], carriers[0]["end"]
            self.checked += 1
            self.hits += int(start - frames_per_step <= peak <= end + frames_per_step)

    def metrics(self) -> dict[str, float]:
        rate = self.hits / self.checked if self.checked else 0.0
        return {"span_hit_rate": rate, "span_checked": float(self.checked)}
