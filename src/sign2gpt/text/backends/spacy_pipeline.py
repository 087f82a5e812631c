"""Any installed spaCy pipeline (the optional extra ``sign2gpt[spacy]``): spaCy predicts
universal POS itself, so no tag table is needed. This is what the paper used."""

from __future__ import annotations

from typing import Any

from sign2gpt.errors import Sign2GPTError
from sign2gpt.text.backends.base import Backend, TaggedToken, is_punctuation

# The pipelines the paper used (spaCy backend, when no model name is given).
DEFAULT_SPACY_MODEL = {"de": "de_core_news_lg", "zh": "zh_core_web_sm", "en": "en_core_web_sm"}


class SpacyBackend(Backend):
    """Any installed spaCy pipeline (the paper: de_core_news_lg, zh_core_web_sm)."""

    name = "spacy"

    def __init__(self, lang: str = "de", model: str = "") -> None:
        try:
            import spacy
        except ImportError:
            raise Sign2GPTError(
                "backend spacy needs spaCy and a trained pipeline: pip install 'sign2gpt[spacy]' "
                f"and install {model or DEFAULT_SPACY_MODEL[lang]} (or use --backend auto)"
            ) from None
        self.lang = lang
        self.model = model or DEFAULT_SPACY_MODEL[lang]
        try:
            self._nlp = spacy.load(self.model)
        except OSError:
            raise Sign2GPTError(
                f"spaCy pipeline {self.model!r} is not installed (set --spacy-model or "
                "pseudo_gloss.spacy_model to an installed one)"
            ) from None
        self._spacy_version = getattr(spacy, "__version__", "unknown")

    def info(self) -> dict[str, Any]:
        meta = getattr(self._nlp, "meta", {}) or {}
        return {
            "name": self.name,
            "version": self._spacy_version,
            "model": self.model,
            "model_version": str(meta.get("version", "unknown")),
        }

    def tag(self, sentence: str) -> list[TaggedToken]:
        out = []
        for tok in self._nlp(sentence):
            text = tok.text
            if not text.strip():
                continue
            upos = "PUNCT" if is_punctuation(text) else (tok.pos_ or "X")
            out.append(TaggedToken(text, tok.lemma_ or text, tok.tag_ or upos, upos))
        return out
