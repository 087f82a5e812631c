"""The interface every tagger backend implements: a sentence in, :class:`TaggedToken`s out
(lemma, native tag, universal POS), and the names and tags the backends share."""

from __future__ import annotations

import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from importlib import metadata
from typing import Any

LANGS = ("de", "zh", "en")
BACKENDS = ("auto", "hanta", "jieba", "thulac", "spacy")
DEFAULT_BACKEND = {"de": "hanta", "zh": "jieba", "en": "hanta"}

UPOS_TAGS = (
    *("ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON"),
    *("PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X", "SPACE"),
)


def is_punctuation(token: str) -> bool:
    """True for tokens made only of punctuation, symbols or spaces (dropped by every backend)."""
    return all(unicodedata.category(ch)[0] in "PSZ" or ch.isspace() for ch in token)


@dataclass(frozen=True)
class TaggedToken:
    """One token: surface ``text``, ``lemma`` (= text where the backend has none), the tagger's
    own ``tag`` and its universal POS ``upos``."""

    text: str
    lemma: str
    tag: str
    upos: str


class Backend(ABC):
    """A tagger for one language. ``gloss(token)`` is the pseudo-gloss form of a token:
    the lowercased lemma (German, English) or the token text (Chinese, no lemma)."""

    name: str = ""
    lang: str = ""

    @property
    def uses_lemma(self) -> bool:
        return self.lang != "zh"

    def gloss(self, token: TaggedToken) -> str:
        return token.lemma.lower() if self.uses_lemma else token.text

    @abstractmethod
    def info(self) -> dict[str, Any]:
        """Name, version and settings: saved in the vocabulary file (reproducibility)."""

    @abstractmethod
    def tag(self, sentence: str) -> list[TaggedToken]:
        """Tokens of one sentence, in order."""


def package_version(distribution: str) -> str:
    """The installed version of ``distribution`` (saved with the backend's info), or unknown."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"
