"""Taggers behind one interface: a sentence in, tokens with lemma, native tag and universal POS out.

Backends (docs/method.md#2-pseudo-glosses; the paper used spaCy, which no machine here can
download):

- ``hanta``  HanTa, German (``morphmodel_ger.pgz``, STTS tags) and English (``morphmodel_en.pgz``,
  CLAWS5 tags); the models ship inside the HanTa package, so it works offline.
- ``jieba``  Chinese word segmentation + ICTCLAS-style tags; light, installed by default.
- ``thulac`` Chinese, THULAC (optional extra ``sign2gpt[zh]``: a large package).
- ``spacy``  any installed spaCy pipeline (optional extra ``sign2gpt[spacy]``); spaCy predicts
  universal POS itself, so no table is needed. This is what the paper used.

Every native tag set is mapped to universal POS (UPOS) by an explicit table below. Where a choice
was open, the German and Chinese tables follow spaCy's own tag maps (``spacy/lang/de/tag_map.py``,
``spacy/lang/zh/tag_map.py``), so that the kept / dropped decisions match what the paper's tool
made: e.g. modal verbs (VMFIN) are VERB but auxiliaries (VAFIN: sein, haben, werden) are AUX;
Chinese measure words are NUM.

Lowercased text (Phoenix14T): HanTa uses capitalisation as a cue for nouns, so lowercased nouns
are mis-tagged when it is on ("guten abend" -> ``abend`` ADV, "böen" -> foreign word). We tag
with ``casesensitive=False``. On 40 hand-checked Phoenix14T-style sentences
(``tests/test_text_pseudo_gloss_de.py``) pseudo-gloss precision / recall is 0.985 / 0.990 (37
sentences exactly right) against 0.980 / 0.976 (34) when case-sensitive; a two-pass variant
(re-tag with the first pass's nouns capitalised) gave the same output as the case-insensitive
pass, here and on the synthetic corpus, so the simpler one is used.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from importlib import metadata
from typing import Any, ClassVar

from sign2gpt.errors import Sign2GPTError

LANGS = ("de", "zh", "en")
BACKENDS = ("auto", "hanta", "jieba", "thulac", "spacy")
DEFAULT_BACKEND = {"de": "hanta", "zh": "jieba", "en": "hanta"}
# The pipelines the paper used (spaCy backend, when no model name is given).
DEFAULT_SPACY_MODEL = {"de": "de_core_news_lg", "zh": "zh_core_web_sm", "en": "en_core_web_sm"}

UPOS_TAGS = (
    *("ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON"),
    *("PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X", "SPACE"),
)

# --------------------------------------------------------------------------------------------
# tag -> UPOS tables

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

# Chinese: jieba's ICTCLAS-style tags (Peking University scheme and its extensions) -> UPOS.
# Choices follow spaCy's Chinese tag map where the two tag sets line up: localisers (f, CTB LC)
# and particles are dropped, measure words (q, CTB M) are NUM, predicative adjectives VERB/ADJ
# both kept. Fixed expressions (i idioms, l set phrases) carry content, so they are kept.
ICTCLAS_TO_UPOS: dict[str, str] = {
    "n": "NOUN",  # noun: 朋友
    "ng": "NOUN",  # noun morpheme
    "nl": "NOUN",  # noun phrase
    "nz": "PROPN",  # other proper noun
    "nr": "PROPN",  # person name
    "nr1": "PROPN",
    "nr2": "PROPN",
    "nrj": "PROPN",
    "nrf": "PROPN",
    "nrfg": "PROPN",
    "nrt": "PROPN",  # transliterated name
    "ns": "PROPN",  # place name: 北京
    "nsf": "PROPN",
    "nt": "PROPN",  # organisation
    "j": "NOUN",  # abbreviation: 人大
    "t": "NOUN",  # time word: 今天, 下午
    "tg": "NOUN",
    "s": "NOUN",  # place word: 门口
    "f": "ADP",  # localiser: 上, 里 (CTB LC; dropped either way)
    "v": "VERB",  # verb: 吃, 是
    "vd": "VERB",
    "vn": "VERB",  # verbal noun: 工作 (kept either way)
    "vg": "VERB",
    "vi": "VERB",
    "vl": "VERB",
    "vq": "VERB",
    "vf": "VERB",
    "vx": "VERB",
    "vshi": "VERB",  # 是 (CTB VC -> VERB in spaCy)
    "vyou": "VERB",  # 有 (CTB VE -> VERB in spaCy)
    "a": "ADJ",  # adjective: 好
    "ag": "ADJ",
    "al": "ADJ",
    "an": "NOUN",  # adjectival noun: 困难
    "ad": "ADV",  # adverbial adjective: 突然
    "b": "ADJ",  # distinguishing word: 主要, 女
    "bl": "ADJ",
    "z": "ADJ",  # descriptive word: 优良
    "zg": "ADJ",
    "r": "PRON",  # pronoun: 我, 什么 (demonstratives: see ZH_DETERMINERS)
    "rr": "PRON",
    "rz": "PRON",
    "rzt": "PRON",
    "rzs": "PRON",
    "rzv": "PRON",
    "ry": "PRON",
    "ryt": "PRON",
    "rys": "PRON",
    "ryv": "PRON",
    "rg": "PRON",
    "m": "NUM",  # numeral: 三, 三百万
    "mq": "NUM",  # numeral + measure word: 三个
    "mg": "NUM",
    "q": "NUM",  # measure word: 个 (CTB M -> NUM in spaCy)
    "qv": "NUM",
    "qt": "NUM",
    "d": "ADV",  # adverb: 很
    "df": "ADV",
    "dg": "ADV",
    "p": "ADP",  # preposition: 在, 比
    "pba": "ADP",
    "pbei": "ADP",
    "c": "CCONJ",  # conjunction: 和
    "cc": "CCONJ",
    "u": "PART",  # auxiliary particle
    "uj": "PART",  # 的
    "ul": "PART",  # 了
    "uv": "PART",  # 地
    "uz": "PART",  # 着
    "ud": "PART",  # 得
    "ug": "PART",  # 过
    "ude1": "PART",
    "ude2": "PART",
    "ude3": "PART",
    "uzhe": "PART",
    "ule": "PART",
    "uguo": "PART",
    "y": "PART",  # modal particle: 吗, 呢
    "yg": "PART",
    "e": "INTJ",  # interjection
    "o": "INTJ",  # onomatopoeia
    "i": "VERB",  # idiom: 一帆风顺 (mostly predicates; kept)
    "l": "NOUN",  # set phrase: 发言人 (mostly nominal; kept)
    "h": "X",  # prefix
    "k": "PART",  # suffix: 们
    "g": "X",  # morpheme
    "x": "X",  # non-morpheme / unknown
    "eng": "X",  # Latin-script word
    "w": "PUNCT",  # punctuation
}

# THULAC's tag set -> UPOS (same choices as the jieba table).
THULAC_TO_UPOS: dict[str, str] = {
    "n": "NOUN",  # 名词 noun
    "np": "PROPN",  # 人名 person name
    "ns": "PROPN",  # 地名 place name
    "ni": "PROPN",  # 机构名 organisation
    "nz": "PROPN",  # 其它专名 other proper noun
    "m": "NUM",  # 数词 numeral
    "q": "NUM",  # 量词 measure word
    "mq": "NUM",  # 数量词 numeral + measure word
    "t": "NOUN",  # 时间词 time word
    "f": "ADP",  # 方位词 localiser
    "s": "NOUN",  # 处所词 place word
    "v": "VERB",  # 动词 verb
    "a": "ADJ",  # 形容词 adjective
    "d": "ADV",  # 副词 adverb
    "h": "X",  # 前接成分 prefix
    "k": "PART",  # 后接成分 suffix
    "i": "VERB",  # 习语 idiom
    "j": "NOUN",  # 简称 abbreviation
    "r": "PRON",  # 代词 pronoun
    "c": "CCONJ",  # 连词 conjunction
    "p": "ADP",  # 介词 preposition
    "u": "PART",  # 助词 particle
    "y": "PART",  # 语气助词 modal particle
    "e": "INTJ",  # 叹词 interjection
    "o": "INTJ",  # 拟声词 onomatopoeia
    "g": "X",  # 语素 morpheme
    "w": "PUNCT",  # 标点 punctuation
    "x": "X",  # 其它 other
    "uw": "NOUN",  # word from a user dictionary
}

# jieba and THULAC tag demonstratives as pronouns; CTB (spaCy) calls them DT -> DET, which the
# paper's POS set drops. Applied only to tokens tagged as pronouns.
ZH_DETERMINERS = frozenset(
    ("这", "那", "这个", "那个", "这些", "那些", "这种", "那种", "每", "各", "某", "该", "此", "本")
)

# jieba's dictionary tags some frequent words oddly: "zg" is a grab bag of single characters
# (很 "very" is zg, 县 "county" too) and 哥哥 "elder brother" is a place name (ns). The words
# below get their UPOS directly; everything else goes through ICTCLAS_TO_UPOS.
JIEBA_WORD_UPOS: dict[str, str] = {
    "很": "ADV",
    "较": "ADV",
    "仍": "ADV",
    "稍": "ADV",
    "甚": "ADV",
    "啊": "PART",
    "哦": "INTJ",
    "您": "PRON",
    "虽": "SCONJ",
    "且": "CCONJ",
    "哥哥": "NOUN",
    "一起": "ADV",  # "together"; jieba: m (numeral)
    "等": "VERB",  # "wait" in everyday signing (CSL-Daily); jieba: u ("etc.", written style)
}
# Dictionary entries that glue two everyday words together (今天天气 "today's weather" as one
# idiom); removed so that jieba segments them into their words.
JIEBA_REMOVED_WORDS = ("今天天气",)


_BRACKETED_TAG = re.compile(r"([A-Z]+)\(([A-Z]+)\)")


def stts_tag(hanta_tag: str) -> str:
    """HanTa's German tag -> plain STTS: ``VV(FIN)`` -> ``VVFIN``, ``ADJ(A)`` -> ``ADJA``."""
    match = _BRACKETED_TAG.fullmatch(hanta_tag)
    return match.group(1) + match.group(2) if match else hanta_tag


def is_punctuation(token: str) -> bool:
    """True for tokens made only of punctuation, symbols or spaces (dropped by every backend)."""
    return all(unicodedata.category(ch)[0] in "PSZ" or ch.isspace() for ch in token)


# --------------------------------------------------------------------------------------------
# the interface


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


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


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
            "version": _version("HanTa"),
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


class JiebaBackend(Backend):
    """jieba word segmentation + part-of-speech tags (ICTCLAS-style), HMM for unknown words."""

    name = "jieba"
    lang = "zh"

    def __init__(self) -> None:
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict..." chatter
        for word in JIEBA_REMOVED_WORDS:
            jieba.del_word(word)
        self._posseg = jieba.posseg

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": _version("jieba"),
            "dictionary": "default",
            "removed_words": list(JIEBA_REMOVED_WORDS),
            "word_upos": dict(sorted(JIEBA_WORD_UPOS.items())),
        }

    def tag(self, sentence: str) -> list[TaggedToken]:
        out = []
        for pair in self._posseg.cut(sentence, HMM=True):
            word, flag = pair.word, pair.flag
            if not word.strip():
                continue
            upos = _zh_upos(word, flag, ICTCLAS_TO_UPOS, JIEBA_WORD_UPOS)
            out.append(TaggedToken(word, word, flag, upos))
        return out


def _zh_upos(
    word: str, tag: str, table: dict[str, str], words: dict[str, str] | None = None
) -> str:
    if is_punctuation(word):
        return "PUNCT"
    if words and word in words:
        return words[word]
    upos = table.get(tag, "X")
    if upos == "PRON" and word in ZH_DETERMINERS:
        return "DET"
    return upos


class ThulacBackend(Backend):
    """THULAC (Tsinghua) segmentation + tags; the optional extra ``sign2gpt[zh]``."""

    name = "thulac"
    lang = "zh"

    def __init__(self) -> None:
        try:
            import thulac
        except ImportError:
            raise Sign2GPTError(
                "backend thulac needs the thulac package: pip install 'sign2gpt[zh]' "
                "(or use --backend jieba, installed by default)"
            ) from None
        with contextlib.redirect_stdout(io.StringIO()):  # it prints "Model loaded succeed"
            self._thulac = thulac.thulac(seg_only=False)

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "version": _version("thulac")}

    def tag(self, sentence: str) -> list[TaggedToken]:
        out = []
        for word, flag in self._thulac.cut(sentence, text=False):
            if not word.strip():
                continue
            out.append(TaggedToken(word, word, flag, _zh_upos(word, flag, THULAC_TO_UPOS)))
        return out


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
