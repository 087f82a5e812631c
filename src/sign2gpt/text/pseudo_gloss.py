"""Pseudo-glosses (docs/method.md#2-pseudo-glosses): the content words of each spoken sentence,
made automatically.

A sentence is tagged (``sign2gpt.text.backends``); a token becomes a pseudo-gloss when its
universal POS is in the configured set (default NOUN NUM ADV PRON PROPN ADJ VERB). The
pseudo-gloss is the lowercased lemma (German, English: "wolken" -> "wolke", "regnet" ->
"regnen") or the token text (Chinese). Pseudo-glosses stay in spoken order.

The vocabulary comes from the training split only. A pseudo-gloss found in ``>=
max_sentence_fraction`` (40 %) of the training sentences is a stop word: it is removed from the
vocabulary and from the pseudo-glosses of every clip. The order is deterministic: descending
count, then the gloss itself. The JSON file holds everything needed to reproduce and inspect the
result: format version, backend name + version, POS set, threshold, vocabulary with counts, stop
words, the pseudo-glosses of every clip of every split, and how much of the dev / test
pseudo-glosses the training vocabulary covers. Same input, same bytes (sorted keys, no
timestamps, no paths).
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from sign2gpt.config import PAPER_POS, PseudoGlossConfig
from sign2gpt.errors import DataError, Sign2GPTError
from sign2gpt.io import progress_bar
from sign2gpt.text.backends import UPOS_TAGS, Backend, TaggedToken, get_backend

FORMAT = "sign2gpt-pseudo-glosses"
FORMAT_VERSION = 1


class ClipLike(Protocol):
    """What ``build_vocab`` reads of a clip (``sign2gpt.data.records.ClipRecord`` fits)."""

    id: str
    split: str
    text: str


class Explained(NamedTuple):
    """One token of ``explain``: why it is or is not a pseudo-gloss."""

    token: str
    lemma: str
    upos: str
    kept: bool
    reason: str


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


def _backend(backend: str | Backend, lang: str | None, spacy_model: str = "") -> Backend:
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


@dataclass
class PseudoGlossVocab:
    """Pseudo-gloss vocabulary plus the pseudo-glosses of every clip.

    ``vocab`` is ordered (descending training count, then the gloss); ``counts[g]`` is how often
    ``g`` occurs in the training pseudo-glosses, ``sentence_counts[g]`` in how many training
    sentences. ``glosses(clip_id)`` keeps spoken order and repeats, stop words removed; dev / test
    clips may hold glosses the training vocabulary lacks, which ``indices`` drops.
    """

    vocab: list[str]
    counts: dict[str, int]
    sentence_counts: dict[str, int]
    clips: dict[str, list[str]]
    splits: dict[str, str]
    lang: str
    backend: dict[str, Any]
    pos: list[str]
    max_sentence_fraction: float
    stop_words: dict[str, int] = field(default_factory=dict)  # gloss -> training sentences
    stats: dict[str, Any] = field(default_factory=dict)
    coverage: dict[str, dict[str, Any]] = field(default_factory=dict)
    dataset: str = ""

    def __post_init__(self) -> None:
        self._index = {g: i for i, g in enumerate(self.vocab)}

    def __len__(self) -> int:
        return len(self.vocab)

    @property
    def index(self) -> dict[str, int]:
        """Gloss -> position in ``vocab``."""
        return self._index

    def glosses(self, clip_id: str) -> list[str]:
        if clip_id not in self.clips:
            raise KeyError(f"clip {clip_id!r} has no pseudo-glosses in this vocabulary file")
        return list(self.clips[clip_id])

    def indices(self, clip_id: str) -> list[int]:
        """Positions in ``vocab`` of the clip's pseudo-glosses (spoken order; unknown dropped)."""
        return [self._index[g] for g in self.glosses(clip_id) if g in self._index]

    # ----------------------------------------------------------------------------------------
    # files

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "dataset": self.dataset,
            "lang": self.lang,
            "backend": self.backend,
            "pos": self.pos,
            "max_sentence_fraction": self.max_sentence_fraction,
            "vocab": [
                {"gloss": g, "count": self.counts[g], "sentences": self.sentence_counts[g]}
                for g in self.vocab
            ],
            "stop_words": [
                {"gloss": g, "sentences": n}
                for g, n in sorted(self.stop_words.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
            "clips": {
                cid: {"split": self.splits[cid], "glosses": self.clips[cid]} for cid in self.clips
            },
            "stats": self.stats,
            "coverage": self.coverage,
        }

    def dumps(self) -> str:
        """The JSON text: sorted keys, one vocabulary entry / clip per line, UTF-8 kept."""
        return _dump(self.to_dict())

    def save(self, path: str | Path) -> None:
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.dumps(), encoding="utf-8")
        except OSError as exc:
            raise DataError(
                f"{path}: cannot write the pseudo-gloss file ({exc.strerror})"
            ) from None

    @classmethod
    def load(cls, path: str | Path) -> PseudoGlossVocab:
        path = Path(path)
        if not path.is_file():
            raise DataError(f"{path}: pseudo-gloss file not found (run `sign2gpt pseudo-gloss`)")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError(
                f"{path}: not a readable JSON file ({exc.__class__.__name__})"
            ) from None
        try:
            return cls.from_dict(data)
        except DataError as exc:
            raise DataError(f"{path}: {exc}") from None

    @classmethod
    def from_dict(cls, data: Any) -> PseudoGlossVocab:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise DataError(f'not a pseudo-gloss file (no "format": "{FORMAT}")')
        if data.get("format_version") != FORMAT_VERSION:
            raise DataError(
                f"pseudo-gloss format version {data.get('format_version')!r} is not supported "
                f"(this sign2gpt reads version {FORMAT_VERSION}; rebuild the file)"
            )
        try:
            entries = data["vocab"]
            vocab = [str(e["gloss"]) for e in entries]
            counts = {str(e["gloss"]): int(e["count"]) for e in entries}
            sentence_counts = {str(e["gloss"]): int(e["sentences"]) for e in entries}
            clips = {str(k): [str(g) for g in v["glosses"]] for k, v in data["clips"].items()}
            splits = {str(k): str(v["split"]) for k, v in data["clips"].items()}
            stop_words = {str(e["gloss"]): int(e["sentences"]) for e in data["stop_words"]}
            out = cls(
                vocab=vocab,
                counts=counts,
                sentence_counts=sentence_counts,
                clips=clips,
                splits=splits,
                lang=str(data["lang"]),
                backend=dict(data["backend"]),
                pos=[str(p) for p in data["pos"]],
                max_sentence_fraction=float(data["max_sentence_fraction"]),
                stop_words=stop_words,
                stats=dict(data.get("stats", {})),
                coverage=dict(data.get("coverage", {})),
                dataset=str(data.get("dataset", "")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            problem = f"{exc.__class__.__name__}: {exc}"
            raise DataError(f"malformed pseudo-gloss file ({problem})") from None
        if len(set(vocab)) != len(vocab):
            raise DataError("malformed pseudo-gloss file (a gloss occurs twice in the vocabulary)")
        return out


def _dump(data: dict[str, Any]) -> str:
    """Deterministic, diff-friendly JSON: keys sorted, one vocabulary entry / stop word / clip /
    split per line, everything else compact."""

    def one(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    lines = ["{"]
    keys = sorted(data)
    for n, key in enumerate(keys):
        value = data[key]
        comma = "," if n < len(keys) - 1 else ""
        if isinstance(value, list) and value and key in ("vocab", "stop_words"):
            items = [f"  {one(v)}" for v in value]
            lines.append(f"  {one(key)}: [\n" + ",\n".join(items) + f"\n  ]{comma}")
        elif isinstance(value, dict) and value and key in ("clips", "coverage"):
            items = [f"  {one(k)}: {one(value[k])}" for k in sorted(value)]
            lines.append(f"  {one(key)}: {{\n" + ",\n".join(items) + f"\n  }}{comma}")
        else:
            lines.append(f"  {one(key)}: {one(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# building


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
    tagger = _backend(backend, lang, spacy_model)
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


# --------------------------------------------------------------------------------------------
# inspecting


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
    tagger = _backend(backend, lang, spacy_model)
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
