"""The pseudo-gloss vocabulary of a corpus and the pseudo-glosses of its clips, with the JSON
file that holds them: deterministic bytes (sorted keys, no timestamps, no paths), one
vocabulary entry / clip per line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sign2gpt.errors import DataError

FORMAT = "sign2gpt-pseudo-glosses"
FORMAT_VERSION = 1


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
