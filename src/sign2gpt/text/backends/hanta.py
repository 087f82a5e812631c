"""HanTa (Hanover Tagger): German with STTS tags, English with CLAWS5 tags, each mapped to
universal POS by a table here; the models ship inside the HanTa package, so it works offline.

Lowercased text (Phoenix14T): HanTa uses capitalisation as a cue for nouns, so lowercased nouns
are mis-tagged when it is on ("guten abend" -> ``abend`` ADV, "böen" -> foreign word). We tag
with ``casesensitive=False``. On 40 hand-checked Phoenix14T-style sentences
(``tests/test_text_pseudo_gloss_de.py``) pseudo-gloss precision / recall is 0.985 / 0.990 (37
sentences exactly right) against 0.980 / 0.976 (34) when case-sensitive; a two-pass variant
(re-tag with the first pass's nouns capitalised) gave the same output as the case-insensitive
pass, here and on the synthetic corpus, so the simpler one is used.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from sign2gpt.errors import Sign2GPTError
from sign2gpt.text.backends.base import Backend, TaggedToken, is_punctuation, package_version

# German STTS (TIGER) -> UPOS, as spaCy's German tag map. HanTa writes some tags with the
# subtype in brackets ("VV(FIN)", "ADJ(A)"); `stts_tag` turns those into plain STTS first.
STTS_TO_UPOS: dict[str, str] = {
    "$(": "PUNCT",  # other punctuation
    "$,": "PUNCT",  # comma
    "$.": "PUNCT",  # sentence-final punctuation
    "ADJA": "ADJ",  # attributive adjective: [das] große [Haus]
    "ADJD": "ADJ",  # adverbial / predicative adjective: [er fährt] schnell
    "ADV": "ADV",  # adverb: schon, bald, morgen
    "APPO": "ADP",  # postposition: [ihm] zufolge
    "APPR": "ADP",  # preposition: in, ohne
    "APPRART": "ADP",  # preposition + article: im, zur
    "APZR": "ADP",  # right part of a circumposition: [von jetzt] an
    "ART": "DET",  # article: der, die, ein
    "CARD": "NUM",  # cardinal number: zwei, 1994
    "FM": "X",  # foreign material
    "ITJ": "INTJ",  # interjection
    "KOKOM": "CCONJ",  # comparison particle: als, wie
    "KON": "CCONJ",  # coordinating conjunction: und, oder
    "KOUI": "SCONJ",  # subordinating conjunction with zu-infinitive: um [zu leben]
    "KOUS": "SCONJ",  # subordinating conjunction: weil, dass
    "NE": "PROPN",  # proper noun: Hamburg
    "NNE": "PROPN",  # proper noun in a compound name
    "NN": "NOUN",  # common noun: Tisch
    "NNA": "NOUN",  # HanTa: noun built from an adjective (das Gute)
    "NNI": "NOUN",  # HanTa: noun built from an infinitive (das Reisen)
    "PAV": "ADV",  # pronominal adverb (old STTS name): dafür
    "PROAV": "ADV",  # pronominal adverb: dafür, deswegen
    "PDAT": "DET",  # attributive demonstrative: jener [Mensch]
    "PDS": "PRON",  # substituting demonstrative: dieser
    "PIAT": "DET",  # attributive indefinite: kein [Mensch], viele
    "PIDAT": "DET",  # attributive indefinite with determiner: [die] beiden
    "PIS": "PRON",  # substituting indefinite: man, niemand
    "PPER": "PRON",  # personal pronoun: ich, es, ihnen
    "PPOSAT": "DET",  # attributive possessive: mein [Buch]
    "PPOSS": "PRON",  # substituting possessive: meins
    "PRELAT": "DET",  # attributive relative: dessen
    "PRELS": "PRON",  # substituting relative: [der Hund,] der
    "PRF": "PRON",  # reflexive: sich, einander
    "PTKA": "PART",  # particle with adjective: am [schönsten], zu [schnell]
    "PTKANT": "PART",  # answer particle: ja, nein
    "PTKNEG": "PART",  # negation: nicht
    "PTKVZ": "PART",  # separated verb particle: [er kommt] an
    "PTKZU": "PART",  # zu before an infinitive
    "PWAT": "DET",  # attributive interrogative: welche [Farbe]
    "PWAV": "ADV",  # adverbial interrogative: wann, wo
    "PWS": "PRON",  # substituting interrogative: wer, was
    "TRUNC": "X",  # truncated compound part: An- [und Abreise]
    "VAFIN": "AUX",  # finite auxiliary: ist, wird, hat
    "VAIMP": "AUX",
    "VAINF": "AUX",
    "VAPP": "AUX",
    "VMFIN": "VERB",  # finite modal: kann, muss (spaCy: VERB)
    "VMINF": "VERB",
    "VMPP": "VERB",
    "VVFIN": "VERB",  # finite full verb: regnet
    "VVIMP": "VERB",
    "VVINF": "VERB",
    "VVIZU": "VERB",  # zu-infinitive: anzufangen
    "VVPP": "VERB",  # past participle: gefallen
    "XY": "X",  # non-word: D2XW3
}

# English CLAWS5 (the BNC tag set of HanTa's English model) -> UPOS. "be", "have", "do" are
# AUX here: a table cannot tell "have" (auxiliary) from "have" (possess).
CLAWS5_TO_UPOS: dict[str, str] = {
    "AJ0": "ADJ",  # adjective: good
    "AJC": "ADJ",  # comparative: better
    "AJS": "ADJ",  # superlative: best
    "AT0": "DET",  # article: the, a
    "AV0": "ADV",  # adverb: often, tomorrow
    "AVP": "ADP",  # adverb particle: up, off
    "AVQ": "ADV",  # wh-adverb: when, where
    "CJC": "CCONJ",  # coordinating conjunction: and
    "CJS": "SCONJ",  # subordinating conjunction: because
    "CJT": "SCONJ",  # that (conjunction)
    "CRD": "NUM",  # cardinal number: two, 3
    "DPS": "PRON",  # possessive determiner: my, their (UD English: PRON)
    "DT0": "DET",  # general determiner: this, some
    "DTQ": "DET",  # wh-determiner: which
    "EX0": "PRON",  # existential there
    "ITJ": "INTJ",  # interjection
    "NN0": "NOUN",  # noun, neutral number: aircraft
    "NN1": "NOUN",  # singular noun: dog
    "NN2": "NOUN",  # plural noun: dogs
    "NN": "NOUN",
    "NP0": "PROPN",  # proper noun: London
    "ORD": "ADJ",  # ordinal: first (UD: ADJ)
    "PNI": "PRON",  # indefinite pronoun: everything
    "PNP": "PRON",  # personal pronoun: she
    "PNQ": "PRON",  # wh-pronoun: who
    "PNX": "PRON",  # reflexive: herself
    "POS": "PART",  # possessive 's
    "PRF": "ADP",  # of
    "PRP": "ADP",  # preposition: in
    "PUL": "PUNCT",
    "PUN": "PUNCT",
    "PUQ": "PUNCT",
    "PUR": "PUNCT",
    "!!!": "PUNCT",
    "TO0": "PART",  # infinitive to
    "UNC": "X",  # unclassified
    "VM0": "AUX",  # modal: will, can
    "XX0": "PART",  # not
    "ZZ0": "X",  # letter: a, B
    "IN": "ADP",
}
for _form in "BDGINZ":  # VBB VBD ... forms of be / do / have / lexical verbs
    CLAWS5_TO_UPOS[f"VB{_form}"] = "AUX"
    CLAWS5_TO_UPOS[f"VD{_form}"] = "AUX"
    CLAWS5_TO_UPOS[f"VH{_form}"] = "AUX"
    CLAWS5_TO_UPOS[f"VV{_form}"] = "VERB"


_BRACKETED_TAG = re.compile(r"([A-Z]+)\(([A-Z]+)\)")


def stts_tag(hanta_tag: str) -> str:
    """HanTa's German tag -> plain STTS: ``VV(FIN)`` -> ``VVFIN``, ``ADJ(A)`` -> ``ADJA``."""
    match = _BRACKETED_TAG.fullmatch(hanta_tag)
    return match.group(1) + match.group(2) if match else hanta_tag


# Words with inner hyphens / apostrophes stay one token (compounds: "nord-ost"), as do
# decimal numbers ("2,5"); every other non-space character is a token of its own.
_WORD_RE = re.compile(r"\d+(?:[.,]\d+)*|\w+(?:[-'’]\w+)*|[^\w\s]")


def tokenize_words(sentence: str) -> list[str]:
    """Split an untokenised sentence into words and punctuation (already tokenised Phoenix14T
    text passes through unchanged)."""
    return _WORD_RE.findall(sentence)


class HanTaBackend(Backend):
    """HanTa (Hanover Tagger): German (STTS) or English (CLAWS5); lemma + tag per token."""

    name = "hanta"
    MODELS: ClassVar[dict[str, str]] = {"de": "morphmodel_ger.pgz", "en": "morphmodel_en.pgz"}

    def __init__(self, lang: str = "de", case_sensitive: bool = False) -> None:
        if lang not in self.MODELS:
            raise Sign2GPTError(f"backend hanta supports {'/'.join(self.MODELS)}, not {lang!r}")
        from HanTa import HanoverTagger

        self.lang = lang
        self.model = self.MODELS[lang]
        self.case_sensitive = case_sensitive
        self._tagger = HanoverTagger.HanoverTagger(self.model)

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": package_version("HanTa"),
            "model": self.model,
            "case_sensitive": self.case_sensitive,
        }

    def _upos(self, tag: str) -> str:
        if self.lang == "de":
            return STTS_TO_UPOS.get(stts_tag(tag), "X")
        return CLAWS5_TO_UPOS.get(tag, "X")

    def tag(self, sentence: str) -> list[TaggedToken]:
        words = tokenize_words(sentence)
        if not words:
            return []
        out = []
        # case_sensitive=False by default: see the module docstring (lowercased corpora).
        tagged = self._tagger.tag_sent(words, casesensitive=self.case_sensitive)
        for word, lemma, tag in tagged:
            if is_punctuation(word):
                out.append(TaggedToken(word, word, tag, "PUNCT"))
                continue
            if self.lang == "de" and tag == "PRF":
                # HanTa lemmatises every reflexive to "sich" ("uns" -> "sich"); personal
                # pronouns keep their form, so reflexives do too.
                lemma = word
            out.append(TaggedToken(word, lemma, tag, self._upos(tag)))
        return out
