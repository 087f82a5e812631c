"""Inspecting pseudo-glosses: why each token of a sentence is or is not one (``sign2gpt
pseudo-gloss --show``), and the figures printed after building a vocabulary."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from sign2gpt.config import PAPER_POS, PseudoGlossConfig
from sign2gpt.text.backends import Backend
from sign2gpt.text.pseudo_gloss.build import check_pos, resolve_tagger
from sign2gpt.text.pseudo_gloss.vocab import PseudoGlossVocab


class Explained(NamedTuple):
    """One token of ``explain``: why it is or is not a pseudo-gloss."""

    token: str
    lemma: str
    upos: str
    kept: bool
    reason: str


def explain(
    sentence: str,
    backend: str | Backend = "auto",
    pos: Iterable[str] = PAPER_POS,
    *,
    lang: str | None = None,
    vocab: PseudoGlossVocab | None = None,
    spacy_model: str = "",
) -> list[Explained]:
    """Every token of ``sentence`` with its lemma, UPOS, whether it is a pseudo-gloss and why.
    With ``vocab``, stop words and glosses unknown to the training vocabulary are marked too."""
    tagger = resolve_tagger(backend, lang, spacy_model)
    keep = set(check_pos(pos))
    rows = []
    for tok in tagger.tag(sentence):
        mapping = f"{tok.tag} -> {tok.upos}" if tok.tag != tok.upos else tok.upos
        gloss = tagger.gloss(tok)
        if tok.upos == "PUNCT":
            kept, reason = False, "punctuation"
        elif tok.upos not in keep:
            kept, reason = False, f"{mapping}, not in the POS set"
        elif vocab is not None and gloss in vocab.stop_words:
            share = 100 * vocab.stop_words[gloss] / max(1, vocab.stats.get("train_sentences", 1))
            limit = 100 * vocab.max_sentence_fraction
            reason = f"stop word: in {share:.0f} % of training sentences (>= {limit:g} %)"
            kept = False
        elif vocab is not None and gloss not in vocab.index:
            kept, reason = False, f"{mapping}, but not in the training vocabulary"
        else:
            kept, reason = True, f"{mapping}, in the POS set"
        lemma = tok.lemma.lower() if tagger.uses_lemma else tok.text
        rows.append(Explained(tok.text, lemma, tok.upos, kept, reason))
    return rows


def explain_sentence(
    sentence: str, settings: PseudoGlossConfig, lang: str, vocab_file: Path | None = None
) -> list[Explained]:
    """:func:`explain` with ``settings``, or with the tagger, POS set, language and filter of
    the saved vocabulary ``vocab_file`` when given (so a sentence is judged as that file's
    clips were)."""
    if vocab_file is None:
        return explain(
            sentence, settings.backend, settings.pos, lang=lang, spacy_model=settings.spacy_model
        )
    vocab = PseudoGlossVocab.load(vocab_file)
    backend = vocab.backend.get("name", "auto")
    spacy_model = vocab.backend.get("model", "") if backend == "spacy" else settings.spacy_model
    return explain(
        sentence, backend, vocab.pos, lang=vocab.lang, vocab=vocab, spacy_model=spacy_model
    )


def format_explanation(rows: Sequence[Explained]) -> str:
    """A plain-text table of ``explain`` rows and the resulting pseudo-glosses."""
    header = ("token", "lemma", "UPOS", "kept", "reason")
    body = [(r.token, r.lemma, r.upos, "yes" if r.kept else "no", r.reason) for r in rows]
    widths = [max(_width(x) for x in col) for col in zip(header, *body)]
    lines = []
    for row in [header, *body]:
        cells = [c + " " * (w - _width(c)) for c, w in zip(row[:-1], widths)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    glosses = " ".join(r.lemma for r in rows if r.kept)
    lines.append(f"pseudo-glosses: {glosses}")
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width: CJK characters take two terminal columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_summary(vocab: PseudoGlossVocab, top: int = 10) -> str:
    """The figures the CLI prints after building a vocabulary."""
    s = vocab.stats
    backend = f"{vocab.backend.get('name')} {vocab.backend.get('version', '')}".strip()
    if vocab.backend.get("model"):
        backend += f" ({vocab.backend['model']})"
    clips = ", ".join(f"{k} {v}" for k, v in s.get("clips", {}).items())
    lines = [
        f"backend: {backend}; lang {vocab.lang}; POS {' '.join(vocab.pos)}",
        f"clips: {clips}; distinct sentences tagged: {s.get('distinct_sentences')}",
        f"training text vocabulary: {s.get('text_vocab_size')}"
        + (" characters" if vocab.lang == "zh" else " words"),
        f"pseudo-gloss types in training: {s.get('types_before_filter')}; "
        f"stop words (in >= {100 * vocab.max_sentence_fraction:g} % of training sentences): "
        f"{s.get('stop_words')}"
        + (f" ({', '.join(sorted(vocab.stop_words))})" if vocab.stop_words else ""),
        f"vocabulary: {len(vocab)} pseudo-glosses; "
        f"{s.get('mean_glosses_per_train_clip')} per training clip; "
        f"{s.get('train_clips_without_glosses')} training clips without any",
        "most frequent: " + ", ".join(f"{g} {vocab.counts[g]}" for g in vocab.vocab[:top]),
    ]
    for split, c in vocab.coverage.items():
        tok = "n/a" if c["token_coverage"] is None else f"{100 * c['token_coverage']:.1f} %"
        typ = "n/a" if c["type_coverage"] is None else f"{100 * c['type_coverage']:.1f} %"
        lines.append(
            f"{split} coverage by the training vocabulary: tokens {c['tokens_covered']}/"
            f"{c['tokens']} ({tok}), types {c['types_covered']}/{c['types']} ({typ})"
        )
    return "\n".join(lines)
