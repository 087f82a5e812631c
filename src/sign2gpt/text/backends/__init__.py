"""Taggers behind one interface: a sentence in, tokens with lemma, native tag and universal POS out.

Backends (docs/method.md#2-pseudo-glosses; the paper used spaCy, which no machine here can
download):

- ``hanta``  HanTa, German (``morphmodel_ger.pgz``, STTS tags) and English (``morphmodel_en.pgz``,
  CLAWS5 tags); the models ship inside the HanTa package, so it works offline.
- ``jieba``  Chinese word segmentation + ICTCLAS-style tags; light, installed by default.
- ``thulac`` Chinese, THULAC (optional extra ``sign2gpt[zh]``: a large package).
- ``spacy``  any installed spaCy pipeline (optional extra ``sign2gpt[spacy]``); spaCy predicts
  universal POS itself, so no table is needed. This is what the paper used.

Every native tag set is mapped to universal POS (UPOS) by an explicit table in its backend's
module. Where a choice was open, the German and Chinese tables follow spaCy's own tag maps
(``spacy/lang/de/tag_map.py``, ``spacy/lang/zh/tag_map.py``), so that the kept / dropped
decisions match what the paper's tool made: e.g. modal verbs (VMFIN) are VERB but auxiliaries
(VAFIN: sein, haben, werden) are AUX; Chinese measure words are NUM.

The interface is :mod:`.base`; one module per backend family: :mod:`.hanta`, :mod:`.chinese`
(jieba, THULAC), :mod:`.spacy_pipeline`. ``get_backend`` picks one by name.
"""

from __future__ import annotations

from sign2gpt.errors import Sign2GPTError
from sign2gpt.text.backends.base import (
    BACKENDS,
    DEFAULT_BACKEND,
    LANGS,
    UPOS_TAGS,
    Backend,
    TaggedToken,
    is_punctuation,
)
from sign2gpt.text.backends.chinese import (
    ICTCLAS_TO_UPOS,
    JIEBA_REMOVED_WORDS,
    JIEBA_WORD_UPOS,
    THULAC_TO_UPOS,
    ZH_DETERMINERS,
    JiebaBackend,
    ThulacBackend,
)
from sign2gpt.text.backends.hanta import (
    CLAWS5_TO_UPOS,
    STTS_TO_UPOS,
    HanTaBackend,
    stts_tag,
    tokenize_words,
)
from sign2gpt.text.backends.spacy_pipeline import DEFAULT_SPACY_MODEL, SpacyBackend

__all__ = [
    "BACKENDS",
    "CLAWS5_TO_UPOS",
    "DEFAULT_BACKEND",
    "DEFAULT_SPACY_MODEL",
    "ICTCLAS_TO_UPOS",
    "JIEBA_REMOVED_WORDS",
    "JIEBA_WORD_UPOS",
    "LANGS",
    "STTS_TO_UPOS",
    "THULAC_TO_UPOS",
    "UPOS_TAGS",
    "ZH_DETERMINERS",
    "Backend",
    "HanTaBackend",
    "JiebaBackend",
    "SpacyBackend",
    "TaggedToken",
    "ThulacBackend",
    "get_backend",
    "is_punctuation",
    "resolve_backend_name",
    "stts_tag",
    "tokenize_words",
]


def resolve_backend_name(name: str, lang: str) -> str:
    """``auto`` -> the default backend of ``lang``; checks that the pair makes sense."""
    if lang not in LANGS:
        raise Sign2GPTError(f"unknown language {lang!r} (known: {', '.join(LANGS)})")
    if name not in BACKENDS:
        raise Sign2GPTError(f"unknown pseudo-gloss backend {name!r} (known: {', '.join(BACKENDS)})")
    if name == "auto":
        return DEFAULT_BACKEND[lang]
    if name in ("jieba", "thulac") and lang != "zh":
        raise Sign2GPTError(f"backend {name} is for Chinese (zh), not {lang!r}")
    if name == "hanta" and lang == "zh":
        raise Sign2GPTError("backend hanta has no Chinese model: use jieba, thulac or spacy")
    return name


def get_backend(name: str = "auto", lang: str = "de", spacy_model: str = "") -> Backend:
    """The tagger called ``name`` (auto | hanta | jieba | thulac | spacy) for ``lang``."""
    name = resolve_backend_name(name, lang)
    if name == "hanta":
        return HanTaBackend(lang)
    if name == "jieba":
        return JiebaBackend()
    if name == "thulac":
        return ThulacBackend()
    return SpacyBackend(lang, spacy_model)
