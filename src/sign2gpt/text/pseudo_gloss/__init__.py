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

The vocabulary and its file are :mod:`.vocab`; extracting pseudo-glosses and counting them,
:mod:`.build`; why a token is or is not one, and the printed summaries, :mod:`.inspection`.
"""

from __future__ import annotations

from sign2gpt.text.pseudo_gloss.build import (
    DATASET_LANG,
    ClipLike,
    build_from_dataset,
    build_vocab,
    check_pos,
    select,
    tag_corpus,
)
from sign2gpt.text.pseudo_gloss.inspection import (
    Explained,
    explain,
    explain_sentence,
    format_explanation,
    format_summary,
)
from sign2gpt.text.pseudo_gloss.vocab import FORMAT, FORMAT_VERSION, PseudoGlossVocab

__all__ = [
    "DATASET_LANG",
    "FORMAT",
    "FORMAT_VERSION",
    "ClipLike",
    "Explained",
    "PseudoGlossVocab",
    "build_from_dataset",
    "build_vocab",
    "check_pos",
    "explain",
    "explain_sentence",
    "format_explanation",
    "format_summary",
    "select",
    "tag_corpus",
]
