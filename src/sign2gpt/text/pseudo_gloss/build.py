"""Making pseudo-glosses: tag every sentence, keep the tokens of the POS set, drop the stop
words of the training split, and count what the training vocabulary covers of dev / test."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from sign2gpt.config import PAPER_POS, PseudoGlossConfig
from sign2gpt.errors import DataError, Sign2GPTError
from sign2gpt.io import progress_bar
from sign2gpt.text.backends import UPOS_TAGS, Backend, TaggedToken, get_backend
from sign2gpt.text.pseudo_gloss.vocab import PseudoGlossVocab


class ClipLike(Protocol):
    """What ``build_vocab`` reads of a clip (``sign2gpt.data.records.ClipRecord`` fits)."""

    id: str
    split: str
    text: str


def check_pos(pos: Iterable[str]) -> list[str]:
    """Upper-cased, de-duplicated, sorted POS set; unknown tags are an error."""
    out = sorted({p.strip().upper() for p in pos if p.strip()})
    unknown = [p for p in out if p not in UPOS_TAGS]
    if unknown:
        raise Sign2GPTError(
            f"unknown universal POS tag {unknown[0]!r} (known: {', '.join(UPOS_TAGS)})"
        )
    if not out:
        raise Sign2GPTError("the POS set is empty: no token could become a pseudo-gloss")
    return out


def resolve_tagger(backend: str | Backend, lang: str | None, spacy_model: str = "") -> Backend:
    """The tagger ``backend`` names for ``lang``, or ``backend`` itself when it tags ``lang``."""
    if isinstance(backend, Backend):
        if lang is not None and lang != backend.lang:
            raise Sign2GPTError(f"backend {backend.name} tags {backend.lang!r}, not {lang!r}")
        return backend
    return get_backend(backend, lang or "de", spacy_model)


def select(tokens: Sequence[TaggedToken], backend: Backend, pos: Iterable[str]) -> list[str]:
    """The pseudo-glosses among tagged tokens (POS filter only), in sentence order."""
    keep = set(pos)
    return [backend.gloss(t) for t in tokens if t.upos in keep and t.upos != "PUNCT"]


def tag_corpus(
    sentences: Iterable[str], backend: Backend, progress: bool = True
) -> dict[str, list[TaggedToken]]:
    """Tag every distinct sentence once (corpora repeat sentences; taggers are slow-ish)."""
    distinct = sorted(set(sentences))
    bar = progress_bar(
        distinct, desc=f"tagging ({backend.name})", unit="sent", disable=not progress, leave=False
    )
    return {s: backend.tag(s) for s in bar}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _text_vocab_size(texts: Iterable[str], lang: str) -> int:
    """Distinct words (de/en: whitespace tokens) or characters (zh) of the text, to compare with
    the paper's "text vocabulary" figures."""
    units: set[str] = set()
    for text in texts:
        if lang == "zh":
            units.update(ch for ch in text if not ch.isspace())
        else:
            units.update(text.split())
    return len(units)


def build_vocab(
    records: Sequence[ClipLike],
    backend: str | Backend = "auto",
    pos: Iterable[str] = PAPER_POS,
    max_sentence_fraction: float = 0.4,
    *,
    lang: str | None = None,
    spacy_model: str = "",
    dataset: str = "",
    progress: bool = True,
) -> PseudoGlossVocab:
    """Pseudo-glosses of every clip and the vocabulary of the training split.

    ``records``: clips with ``.id``, ``.split`` (train / dev / test / ...) and ``.text``.
    ``backend``: a :class:`Backend` or a name (auto | hanta | jieba | thulac | spacy, with
    ``lang``). ``max_sentence_fraction``: a pseudo-gloss in at least this share of the training
    sentences is dropped everywhere (0.4 as the paper; above 1 disables the filter).
    """
    tagger = resolve_tagger(backend, lang, spacy_model)
    pos_set = check_pos(pos)
    if not max_sentence_fraction > 0 or math.isnan(max_sentence_fraction):
        raise Sign2GPTError(f"max_sentence_fraction must be > 0, got {max_sentence_fraction}")
    seen: set[str] = set()
    for rec in records:
        if rec.id in seen:
            raise DataError(f"clip id {rec.id!r} occurs more than once")
        seen.add(rec.id)
    train = [r for r in records if r.split == "train"]
    if not train:
        raise DataError("no training clips: the vocabulary is built from the train split only")

    tagged = tag_corpus((r.text.strip() for r in records), tagger, progress=progress)
    raw = {r.id: select(tagged[r.text.strip()], tagger, pos_set) for r in records}

    # Frequency filter over the training sentences (every clip counts, repeats included).
    n_train = len(train)
    sentence_counts = Counter(g for r in train for g in set(raw[r.id]))
    stop = {g: n for g, n in sentence_counts.items() if n / n_train >= max_sentence_fraction}
    clips = {r.id: [g for g in raw[r.id] if g not in stop] for r in records}
    counts = Counter(g for r in train for g in clips[r.id])
    vocab = sorted(counts, key=lambda g: (-counts[g], g))

    split_counts = Counter(r.split for r in records)
    train_tokens = sum(counts.values())
    stats = {
        "clips": dict(sorted(split_counts.items())),
        "train_sentences": n_train,
        "distinct_sentences": len(tagged),
        "text_vocab_size": _text_vocab_size((r.text for r in train), tagger.lang),
        "types_before_filter": len(sentence_counts),
        "stop_words": len(stop),
        "vocab_size": len(vocab),
        "train_tokens": train_tokens,
        "mean_glosses_per_train_clip": round(train_tokens / n_train, 3),
        "train_clips_without_glosses": sum(1 for r in train if not clips[r.id]),
    }
    coverage = {}
    for split in sorted(set(split_counts) - {"train"}):
        tokens = [g for r in records if r.split == split for g in clips[r.id]]
        types = set(tokens)
        covered = sum(1 for g in tokens if g in counts)
        types_covered = sum(1 for g in types if g in counts)
        coverage[split] = {
            "clips": split_counts[split],
            "tokens": len(tokens),
            "tokens_covered": covered,
            "token_coverage": _ratio(covered, len(tokens)),
            "types": len(types),
            "types_covered": types_covered,
            "type_coverage": _ratio(types_covered, len(types)),
        }
    return PseudoGlossVocab(
        vocab=vocab,
        counts={g: counts[g] for g in vocab},
        sentence_counts={g: sentence_counts[g] for g in vocab},
        clips=clips,
        splits={r.id: r.split for r in records},
        lang=tagger.lang,
        backend=tagger.info(),
        pos=pos_set,
        max_sentence_fraction=float(max_sentence_fraction),
        stop_words=dict(stop),
        stats=stats,
        coverage=coverage,
        dataset=dataset,
    )


DATASET_LANG = {"phoenix14t": "de", "csl-daily": "zh", "how2sign": "en"}


def build_from_dataset(
    dataset: str,
    root: str | Path,
    lang: str | None = None,
    cfg: PseudoGlossConfig | None = None,
    progress: bool = True,
) -> PseudoGlossVocab:
    """Read a corpus with ``sign2gpt.data.readers.read_dataset`` and build its vocabulary."""
    from sign2gpt.data.readers import read_dataset

    cfg = cfg or PseudoGlossConfig()
    lang = lang or DATASET_LANG.get(dataset)
    if lang is None:
        raise Sign2GPTError(f"dataset {dataset}: say which language the text is in (--lang)")
    records = read_dataset(dataset, root)
    return build_vocab(
        records,
        cfg.backend,
        cfg.pos,
        cfg.max_sentence_fraction,
        lang=lang,
        spacy_model=cfg.spacy_model,
        dataset=dataset,
        progress=progress,
    )
