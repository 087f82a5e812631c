"""Corpus statistics, printed beside Phoenix14T's: is a synthetic corpus the size of a real one?

``text_stats`` works on (split, sentence, glosses) rows; ``corpus_stats`` reads any corpus in a
supported layout (synthetic or real) with the project's readers, counts its frames and adds the
pseudo-glosses (the ``sign2gpt pseudo-gloss`` vocabulary built on it). Tokens are the
whitespace-separated words of the sentence (German, as Phoenix14T's ``translation`` is
tokenised) or jieba's words (Chinese); figures of the word side are for the training split,
as the reference figures are.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sign2gpt.errors import DataError

# Phoenix14T's training split, as measured on the real text (the pseudo-gloss figures with this
# project's HanTa pseudo-gloss command); None = not known here.
PHOENIX14T: dict[str, float | None] = {
    "train_sentences": 7096,
    "dev_sentences": 519,
    "test_sentences": 642,
    "train_tokens": 99_000,
    "tokens_per_sentence": 14.0,
    "word_types": 2887,
    "hapax_word_types": 1080,
    "gloss_types": 1230,
    "pseudo_glosses": 2100,
    "pseudo_glosses_per_sentence": 9.4,
    "test_unseen_word_type_share": 0.06,
    "signers": 9,
    "frames": None,
    "mean_clip_frames": None,
}
ROWS = (
    ("train_sentences", "train sentences", "{:,.0f}"),
    ("dev_sentences", "dev sentences", "{:,.0f}"),
    ("test_sentences", "test sentences", "{:,.0f}"),
    ("train_tokens", "train tokens", "{:,.0f}"),
    ("tokens_per_sentence", "tokens per sentence", "{:.2f}"),
    ("word_types", "word types", "{:,.0f}"),
    ("hapax_word_types", "hapax word types", "{:,.0f}"),
    ("gloss_types", "gloss types", "{:,.0f}"),
    ("pseudo_glosses", "pseudo-glosses (vocabulary)", "{:,.0f}"),
    ("pseudo_glosses_per_sentence", "pseudo-glosses per sentence", "{:.2f}"),
    ("test_unseen_word_type_share", "test word types unseen in train", "{:.1%}"),
    ("signers", "signers", "{:,.0f}"),
    ("frames", "frames", "{:,.0f}"),
    ("mean_clip_frames", "clip length (frames, mean)", "{:.1f}"),
    ("min_clip_frames", "clip length (frames, min)", "{:,.0f}"),
    ("max_clip_frames", "clip length (frames, max)", "{:,.0f}"),
)


@dataclass(frozen=True)
class Row:
    """One clip as the statistics see it."""

    split: str
    text: str
    gloss: str  # space-separated glosses in sign order
    signer: str = ""


def text_stats(rows: Sequence[Row], tokens: Iterable[list[str]] | None = None) -> dict[str, float]:
    """Sentence, token, type and gloss figures; ``tokens``: the words of each row (default:
    the whitespace-separated words of its text)."""
    toks = list(tokens) if tokens is not None else [r.text.split() for r in rows]
    train = [t for r, t in zip(rows, toks) if r.split == "train"]
    counts = Counter(w for t in train for w in t)
    test_types = {w for r, t in zip(rows, toks) if r.split == "test" for w in t}
    n_train = len(train)
    n_tokens = sum(counts.values())
    return {
        "train_sentences": n_train,
        "dev_sentences": sum(r.split == "dev" for r in rows),
        "test_sentences": sum(r.split == "test" for r in rows),
        "train_tokens": n_tokens,
        "tokens_per_sentence": n_tokens / n_train if n_train else 0.0,
        "word_types": len(counts),
        "hapax_word_types": sum(1 for c in counts.values() if c == 1),
        "gloss_types": len({g for r in rows if r.split == "train" for g in r.gloss.split()}),
        "test_unseen_word_type_share": (
            len(test_types - set(counts)) / len(test_types) if test_types else 0.0
        ),
        "signers": len({r.signer for r in rows if r.signer}),
    }


def _count_frames(source: str) -> int:
    try:
        with os.scandir(source) as it:
            return sum(1 for e in it if e.is_file())
    except OSError:
        return 0


def detect_format(root: Path) -> str:
    if (root / "annotations" / "manual").is_dir():
        return "phoenix14t"
    if (root / "sentence_label").is_dir():
        return "csl-daily"
    raise DataError(f"{root}: neither a Phoenix14T nor a CSL-Daily layout (say --format)")


def corpus_stats(
    root: str | Path, fmt: str | None = None, pseudo_glosses: bool = True, progress: bool = False
) -> dict[str, float]:
    """Every figure of ``ROWS`` for the corpus at ``root``."""
    from sign2gpt.data.readers import read_dataset
    from sign2gpt.text.backends import get_backend, is_punctuation
    from sign2gpt.text.pseudo_gloss import DATASET_LANG, build_vocab, tag_corpus

    root = Path(root)
    fmt = fmt or detect_format(root)
    lang = DATASET_LANG.get(fmt, "de")
    records = read_dataset(fmt, root)
    rows = [Row(r.split, r.text, r.gloss, r.signer) for r in records]
    tokens = None
    if lang == "zh":
        tagged = tag_corpus((r.text for r in rows), get_backend("auto", "zh"), progress=progress)
        tokens = [[t.text for t in tagged[r.text] if not is_punctuation(t.text)] for r in rows]
    out = text_stats(rows, tokens)
    frames = [_count_frames(r.source) for r in records]
    out["frames"] = sum(frames)
    out["mean_clip_frames"] = sum(frames) / len(frames) if frames else 0.0
    out["min_clip_frames"] = min(frames, default=0)
    out["max_clip_frames"] = max(frames, default=0)
    if pseudo_glosses:
        vocab = build_vocab(records, "auto", lang=lang, dataset=fmt, progress=progress)
        out["pseudo_glosses"] = len(vocab)
        out["pseudo_glosses_per_sentence"] = vocab.stats["mean_glosses_per_train_clip"]
    return out


def format_stats(
    stats: dict[str, float], reference: dict[str, float | None] | None = PHOENIX14T
) -> str:
    """A plain-text table: this corpus, the reference and their ratio."""
    ref = reference or {}
    header = ("statistic", "this corpus", "Phoenix14T" if reference is PHOENIX14T else "reference")
    lines = [(*header, "ratio")]
    for key, label, fmt in ROWS:
        if key not in stats:
            continue
        ours = stats[key]
        theirs = ref.get(key)
        ratio = f"{ours / theirs:.2f}" if theirs else ""
        lines.append((label, fmt.format(ours), fmt.format(theirs) if theirs else "-", ratio))
    widths = [max(len(row[i]) for row in lines) for i in range(4)]
    text = []
    for i, row in enumerate(lines):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        text.append("  ".join(cells).rstrip())
        if i == 0:
            text.append("  ".join("-" * w for w in widths))
    return "\n".join(text)
