"""The German word tables of ``words_de`` parsed: nouns, verbs, adjectives, adverbs, places and
numbers with their inflection, and the map from a lemma to the signs it is signed with.

Inflection is the regular German one plus what the tables spell out (plurals, participles,
comparatives): articles and adjective endings by gender, number and case (weak after ``der``,
mixed after ``ein`` / ``kein``, strong without an article), the genitive ``-s`` / ``-es``, the
dative plural ``-n``, weak masculines (``den menschen``), contractions (``im``, ``am``,
``zum``, ``beim``, ``vom``, ``ins``).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

from sign2gpt.synth import words_de
from sign2gpt.synth.phrases_de import gloss_of

CASES = ("nom", "acc", "dat", "gen")
STRONG_PAST = dict(ln.split() for ln in words_de.STRONG_PAST.strip().splitlines())


@dataclass(frozen=True)
class Noun:
    lemma: str
    gender: str  # m f n pl, "mw" = weak masculine
    plural: str  # "" = no plural (mass noun)
    kind: str  # the table it came from: precip, sky, wind, ...

    @property
    def genus(self) -> str:
        """Grammatical gender for articles and endings (m f n pl)."""
        return "m" if self.gender == "mw" else self.gender

    def form(self, number: str, case: str) -> str:
        if number == "pl" or self.gender == "pl":
            form = self.plural or self.lemma
            if case == "dat" and not form.endswith(("n", "s")):
                form += "n"
            return form
        if self.gender == "mw":
            if case == "nom":
                return self.lemma
            return self.lemma + ("n" if self.lemma.endswith("e") else "en")
        if case == "gen" and self.gender in ("m", "n"):
            return self.lemma + _genitive_ending(self)
        return self.lemma


def _genitive_ending(n: Noun) -> str:
    """``des tages``, ``des flusses``, ``des wetters``, ``des hochs``."""
    word = n.lemma
    if word.endswith(("s", "ß", "x", "z", "sch")):
        return "es"
    if n.plural.endswith("s") or word[-1] in VOWELS:
        return "s"
    return "es" if syllables(word) == 1 else "s"


VOWELS = "aeiouäöüy"


def syllables(word: str) -> int:
    """Vowel groups: a syllable count good enough for the genitive ending."""
    return sum(
        1 for i, c in enumerate(word) if c in VOWELS and (i == 0 or word[i - 1] not in VOWELS)
    )


@dataclass(frozen=True)
class Place:
    name: str
    gender: str  # "" = no article; m f n pl otherwise
    prep: str  # in | an | auf | über: the preposition of "where"


@dataclass(frozen=True)
class Verb:
    inf: str  # full infinitive, particle included ("aufklaren")
    particle: str  # separable particle ("auf") or ""
    sg: str  # 3rd person singular present, without the particle ("klart")
    part: str  # past participle ("aufgeklart")
    aux: str  # haben | sein
    reflexive: bool

    @property
    def base(self) -> str:
        """Infinitive without the particle: the 3rd person plural present."""
        return self.inf[len(self.particle) :]

    def finite(self, plural: bool, sub: bool, past: bool = False) -> str:
        """Finite present (or simple past) form; in a verb-final clause the particle is
        attached."""
        if past:
            form = self.past
            if plural:
                form += "n" if form.endswith("e") else "en"
        else:
            form = self.base if plural else self.sg
        return self.particle + form if sub else form

    @property
    def past(self) -> str:
        """Simple past, 3rd person singular, without the particle: regnete, zog, lockerte."""
        base = self.base
        strong = max((s for s in STRONG_PAST if base.endswith(s)), key=len, default="")
        if strong:
            return base[: -len(strong)] + STRONG_PAST[strong]
        stem = base[:-2] if base.endswith("en") else base[:-1]
        # -ete after t / d and after m / n that follow another consonant (regnete, rechnete,
        # but bestimmte, lernte, wohnte)
        cluster = (
            stem.endswith(("m", "n"))
            and len(stem) > 2
            and (stem[-2] not in "aeiouäöülrhmn" or stem[-3:-1] == "ch")
        )
        if stem.endswith(("t", "d")) or cluster:
            return stem + "ete"
        return stem + "te"


@dataclass(frozen=True)
class Adj:
    lemma: str
    comparative: str  # "" = not compared

    def stem(self) -> str:
        """Stem for endings: dunkel -> dunkl, teuer -> teur, hoch -> hoh."""
        if self.lemma == "hoch":
            return "hoh"
        if self.lemma.endswith("el") or self.lemma.endswith("euer"):
            return self.lemma[:-2] + self.lemma[-1]
        return self.lemma

    def superlative(self) -> str:
        """``am wärmsten`` form (without "am")."""
        base = self.comparative[:-2] if self.comparative.endswith("er") else self.lemma
        if self.lemma in ("groß",):
            return "größten"
        if self.lemma == "hoch":
            return "höchsten"
        if base.endswith(("d", "t", "s", "ß", "z", "sch")) and not base.endswith("isch"):
            return base + "esten"
        return base + "sten"


def _lines(table: str) -> list[str]:
    """Entries of a table; a ``~`` line (the start of its rare tail) is kept as is."""
    return [ln.strip() for ln in table.strip().splitlines() if ln.strip() and ln[0] != "#"]


def _entries(table: str) -> tuple[list[str], int]:
    """Entries and the size of the head (entries before the ``~`` line; all without one)."""
    lines = _lines(table)
    if "~" in lines:
        k = lines.index("~")
        return lines[:k] + lines[k + 1 :], k
    return lines, len(lines)


def _split_signs(line: str) -> tuple[str, tuple[str, ...]]:
    if " : " in line:
        head, signs = line.split(" : ", 1)
        return head.strip(), tuple(signs.split())
    return line.strip(), ()


@dataclass
class LexiconDE:
    nouns: dict[str, list[Noun]]  # kind -> nouns, in frequency order
    noun_index: dict[str, Noun]
    places: list[Place]
    verbs: dict[str, list[Verb]]
    adjs: dict[str, list[Adj]]
    adj_index: dict[str, Adj]
    advs: dict[str, list[str]]
    sign_spec: dict[str, tuple[str, ...]]  # lemma -> sign items (lemmas or SIGNS)
    heads: dict[str, int] = dataclasses.field(default_factory=dict)  # "noun:precip" -> head size

    def noun(self, lemma: str) -> Noun:
        return self.noun_index[lemma]

    def adj(self, lemma: str) -> Adj:
        return self.adj_index[lemma]

    @functools.cached_property
    def sign_map(self) -> dict[str, tuple[str, ...]]:
        """Lowercase lemma -> its signs (uppercase glosses), every lemma of the tables."""
        out: dict[str, tuple[str, ...]] = {}
        for lemma in self.sign_spec:
            out[lemma] = self.signs(lemma)
        for n, word in enumerate(NUMBERS):
            out.setdefault(word, number_signs(n))
        for n in range(1, 32):
            out.setdefault(ordinal_lemma(n), number_signs(n))
        return out

    def signs(self, lemma: str, depth: int = 0) -> tuple[str, ...]:
        spec = self.sign_spec.get(lemma, ())
        if not spec or depth > 4:
            return (gloss_of(lemma),)
        out: list[str] = []
        for item in spec:
            if item == item.upper():  # a sign
                out.append(item)
            elif item == lemma:
                out.append(gloss_of(item))
            else:
                out.extend(self.signs(item, depth + 1))
        return tuple(out)


def _parse_nouns(kind: str, table: str, lex: LexiconDE) -> None:
    lines, head = _entries(table)
    lex.heads[f"noun:{kind}"] = head
    for line in lines:
        head, signs = _split_signs(line)
        lemma, gender, plural = head.split()
        plural = {"=": lemma, "-": ""}.get(plural, plural)
        noun = Noun(lemma, gender, plural, kind)
        lex.nouns.setdefault(kind, []).append(noun)
        lex.noun_index.setdefault(lemma, noun)
        if signs:
            lex.sign_spec.setdefault(lemma, signs)


def _parse_compounds(lex: LexiconDE) -> None:
    stems = dict(ln.split() for ln in _lines(words_de.STEMS))
    for line in _lines(words_de.MODIFIER_SIGNS):
        mod, *signs = line.split()
        lex.sign_spec.setdefault(mod, tuple(signs))
    places = {p.name: p for p in lex.places}
    pairs = []
    for line in _lines(words_de.COMPOUNDS):
        head, mods = line.split(":")
        pairs += [(mod, head.strip()) for mod in mods.split()]
    for line in _lines(words_de.COMPOUND_MATRIX):
        mods, heads = line.split("|")
        pairs += [(mod, head) for head in heads.split() for mod in mods.split() if mod != head]
    for mod, head in pairs:
        lemma = stems.get(mod, mod) + head
        if lemma in lex.noun_index or lemma in lex.sign_spec:
            continue
        if head in places:
            p = places[head]
            lex.places.append(Place(lemma, p.gender, p.prep))
        else:
            h = lex.noun_index[head]
            plural = lemma[: -len(head)] + h.plural if h.plural else ""
            kind = _compound_kind(lex, mod, h)
            noun = Noun(lemma, h.gender, plural, kind)
            lex.nouns.setdefault(kind, []).append(noun)
            lex.noun_index[lemma] = noun
        lex.sign_spec[lemma] = (mod, head)


# Heads that take the kind of their modifier ("regengebiet" moves like rain, "nebelfeld" like
# fog) and heads of spells and risks ("regenpause", "gewittergefahr").
FOLLOW_MODIFIER = {"gebiet", "zone", "band", "feld", "zelle", "linie", "wand", "front", "menge"}
HEAD_KIND = {"phase": "spell", "pause": "spell", "periode": "spell", "lage": "spell",
             "risiko": "hazard", "gefahr": "hazard", "warnung": "hazard",
             "grenze": "limit"}  # fmt: skip


def _compound_kind(lex: LexiconDE, mod: str, head: Noun) -> str:
    if head.lemma in HEAD_KIND:
        return HEAD_KIND[head.lemma]
    m = lex.noun_index.get(mod)
    if head.lemma in FOLLOW_MODIFIER and m is not None and m.kind in WEATHER_KINDS:
        return m.kind
    return head.kind


def _parse_verbs(kind: str, table: str, lex: LexiconDE) -> None:
    for line in _lines(table):
        head, signs = _split_signs(line)
        inf, sg, part, aux, *flags = head.split()
        particle = inf.split("|")[0] if "|" in inf else ""
        verb = Verb(
            inf.replace("|", ""),
            particle,
            sg,
            part,
            "sein" if aux == "s" else "haben",
            "r" in flags,
        )
        lex.verbs.setdefault(kind, []).append(verb)
        if signs:
            lex.sign_spec.setdefault(verb.inf, signs)


def _parse_adjs(kind: str, table: str, lex: LexiconDE) -> None:
    lines, head = _entries(table)
    lex.heads[f"adj:{kind}"] = head
    for line in lines:
        head, signs = _split_signs(line)
        lemma, *comp = head.split()
        adj = Adj(lemma, "" if not comp or comp[0] == "-" else comp[0])
        lex.adjs.setdefault(kind, []).append(adj)
        lex.adj_index.setdefault(lemma, adj)
        if signs:
            lex.sign_spec.setdefault(lemma, signs)


def _parse_advs(kind: str, table: str, lex: LexiconDE) -> None:
    lines, head = _entries(table)
    lex.heads[f"adv:{kind}"] = head
    for line in lines:
        lemma, signs = _split_signs(line)
        lex.advs.setdefault(kind, []).append(lemma)
        if signs:
            lex.sign_spec.setdefault(lemma, signs)


PLACES_HEAD = 70  # the big cities and regions; the towns after them are the rare tail
NOUN_KINDS = ("precip", "sun", "cloud", "sky", "wind", "temp", "values", "system", "hazard",
              "region", "time", "people", "clothing", "thing", "nature", "event",
              "abstract")  # fmt: skip
WEATHER_KINDS = {"precip", "cloud", "wind", "system", "temp"}
VERB_KINDS = ("impersonal", "precip", "sun", "cloud", "wind", "state", "temp", "system", "other")
ADJ_KINDS = ("weather", "degree", "other", "region")
ADV_KINDS = ("time", "other")


@functools.lru_cache(maxsize=1)
def german_lexicon() -> LexiconDE:
    lex = LexiconDE({}, {}, [], {}, {}, {}, {}, {})
    for kind in NOUN_KINDS:
        _parse_nouns(kind, getattr(words_de, kind.upper()), lex)
        lex.places = [Place(w, "", "in") for w in words_de.PLACES.split()]
    lex.heads["places"] = PLACES_HEAD
    lex.places += [Place(w, "", "auf") for w in words_de.PLACES_ISLANDS.split()]
    for line in _lines(words_de.PLACES_ARTICLE):
        name, gender, prep = line.split()
        lex.places.append(Place(name, gender, prep))
    _parse_compounds(lex)
    for kind in VERB_KINDS:
        _parse_verbs(kind, getattr(words_de, f"V_{kind.upper()}"), lex)
    for kind in ADJ_KINDS:
        _parse_adjs(kind, getattr(words_de, f"ADJ_{kind.upper()}"), lex)
    for kind in ADV_KINDS:
        _parse_advs(kind, getattr(words_de, f"ADV_{kind.upper()}"), lex)
    return lex


# ---------------------------------------------------------------------------------------------
# numbers

_UNITS = ["", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]
_TEENS = ["zehn", "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn",
          "achtzehn", "neunzehn"]  # fmt: skip
_TENS = ["", "", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig",
         "neunzig"]  # fmt: skip


def number_word(n: int) -> str:
    """0..199 as a German number word (``ein`` -> ``eins`` when alone)."""
    if n >= 100:
        return "hundert" + (number_word(n - 100) if n > 100 else "")
    if n == 0:
        return "null"
    if n == 1:
        return "eins"
    if n < 10:
        return _UNITS[n]
    if n < 20:
        return _TEENS[n - 10]
    tens, unit = divmod(n, 10)
    return (_UNITS[unit] + "und" if unit else "") + _TENS[tens]


NUMBERS = [number_word(n) for n in range(200)]


def number_signs(n: int) -> tuple[str, ...]:
    """``siebenundzwanzig`` -> SIEBEN ZWANZIG: a compound number is signed as its parts."""
    if n >= 100:
        return ("HUNDERT", *(number_signs(n - 100) if n > 100 else ()))
    if n < 20:
        return (gloss_of(number_word(n)),)
    tens, unit = divmod(n, 10)
    return ((gloss_of(number_word(unit)),) if unit else ()) + (gloss_of(_TENS[tens]),)


def ordinal_lemma(n: int) -> str:
    """The lemma HanTa gives an ordinal (``zwölften`` -> ``zwölft``)."""
    irregular = {1: "erst", 3: "dritt", 7: "siebt", 8: "acht"}
    if n in irregular:
        return irregular[n]
    word = "ein" if n == 1 else number_word(n)
    return word + ("st" if n >= 20 else "t")


def ordinal(n: int, ending: str) -> str:
    """``den zwölften``: the ordinal with an adjective ending."""
    return ordinal_lemma(n) + ending
