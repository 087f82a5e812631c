"""German weather-forecast sentences at the scale of Phoenix14T (the ``large`` preset).

Spoken side only: the sentences are plain lowercased German as Phoenix14T's ``translation``
(tokenised, no punctuation), with verb-second main clauses, verb-final subordinate clauses,
separable verbs, reflexives, modal and future forms, articles and adjective endings in all four
cases, compounds, numbers, dates and many place names. Words are drawn from the tables of
``words_de`` with Zipf-like weights, so a few words are very frequent and most are rare (as in
a real corpus: about a third of the word types of the training split occur once). The signs
come later, from the sentences, by the rules of ``signing_de`` (HanTa lemmas in sign order), so
the corpus could as well be a user's own text.

``sample_corpus(seed, scale)`` gives the sentences of the three splits; dev and test sentences
never occur verbatim in train, and only some of them hold a word the training split lacks.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sign2gpt.synth import words_de
from sign2gpt.synth.lexicon_de import (
    Adj,
    LexiconDE,
    Noun,
    Place,
    Verb,
    german_lexicon,
    number_word,
    ordinal,
)

T = TypeVar("T")

# Phoenix14T's split sizes (sentences): train / dev / test.
PHOENIX_COUNTS = (7096, 519, 642)


class Zipf(Generic[T]):
    """Draw from a list: its first ``head`` entries with weight 1 / (rank + offset) ** exponent,
    the rest (the tail) each with ``tail`` times the weight of the last head entry. A head of
    frequent words and a long tail of words each as rare as the next: what gives a real corpus
    its many words seen once."""

    def __init__(
        self,
        items: Sequence[T],
        exponent: float = 1.0,
        offset: float = 1.0,
        head: int | None = None,
        tail: float = 1.0,
    ) -> None:
        if not items:
            raise ValueError("Zipf over an empty list")
        self.items = list(items)
        k = len(self.items) if head is None else max(1, min(head, len(self.items)))
        last = 1.0 / (k - 1 + offset) ** exponent
        weights = [
            1.0 / (r + offset) ** exponent if r < k else tail * last for r in range(len(self.items))
        ]
        self.cum = list(itertools.accumulate(weights))

    def __call__(self, rng: random.Random) -> T:
        i = bisect.bisect_right(self.cum, rng.random() * self.cum[-1])
        return self.items[min(i, len(self.items) - 1)]


# ---------------------------------------------------------------------------------------------
# inflection

DEF = {
    "m": ("der", "den", "dem", "des"),
    "f": ("die", "die", "der", "der"),
    "n": ("das", "das", "dem", "des"),
    "pl": ("die", "die", "den", "der"),
}
INDEF = {
    "m": ("ein", "einen", "einem", "eines"),
    "f": ("eine", "eine", "einer", "einer"),
    "n": ("ein", "ein", "einem", "eines"),
}
WEAK = {"m": ("e", "en", "en", "en"), "f": ("e", "e", "en", "en"), "n": ("e", "e", "en", "en")}
WEAK["pl"] = ("en", "en", "en", "en")
MIXED = {"m": ("er", "en", "en", "en"), "f": ("e", "e", "en", "en"), "n": ("es", "es", "en", "en")}
MIXED["pl"] = ("en", "en", "en", "en")
STRONG = {
    "m": ("er", "en", "em", "en"),
    "f": ("e", "e", "er", "er"),
    "n": ("es", "es", "em", "en"),
    "pl": ("e", "e", "en", "er"),
}
CASE = {"nom": 0, "acc": 1, "dat": 2, "gen": 3}
CONTRACT = {
    ("in", "dem"): "im",
    ("an", "dem"): "am",
    ("bei", "dem"): "beim",
    ("von", "dem"): "vom",
    ("zu", "dem"): "zum",
    ("zu", "der"): "zur",
    ("in", "das"): "ins",
    ("an", "das"): "ans",
}
PREP_CASE = {
    "in": "dat",
    "an": "dat",
    "auf": "dat",
    "über": "dat",
    "bei": "dat",
    "von": "dat",
    "zu": "dat",
    "aus": "dat",
    "mit": "dat",
    "nach": "dat",
    "seit": "dat",
    "vor": "dat",
    "für": "acc",
    "trotz": "gen",
    "unter": "dat",
    "laut": "dat",
    "durch": "acc",
    "ohne": "acc",
    "um": "acc",
    "gegen": "acc",
    "bis": "acc",
    "während": "gen",
    "wegen": "gen",
}


@dataclass
class NP:
    """A noun phrase: realised by ``words(case)``."""

    noun: Noun
    plural: bool = False
    det: str = "def"  # def | indef | kein | none
    adjs: tuple[Adj, ...] = ()
    comparative: bool = False  # "wärmere luft"
    superlative: bool = False  # "die neuesten berechnungen"

    @property
    def genus(self) -> str:
        return "pl" if self.plural or self.noun.gender == "pl" else self.noun.genus

    def words(self, case: str) -> list[str]:
        g, c = self.genus, CASE[case]
        out: list[str] = []
        if self.det == "def":
            out.append(DEF[g][c])
            table = WEAK
        elif self.det == "indef" and g != "pl":
            out.append(INDEF[g][c])
            table = MIXED
        elif self.det == "kein":
            out.append("k" + (INDEF[g][c] if g != "pl" else ("eine", "eine", "einen", "einer")[c]))
            table = MIXED
        else:
            table = STRONG
        for a in self.adjs:
            stem = a.comparative if self.comparative and a.comparative else a.stem()
            if self.superlative:
                stem = a.superlative()[:-2]
            if a.lemma == "viel" and table is STRONG and g != "pl":
                out.append("viel")  # "viel regen", "viel sonnenschein"
            else:
                out.append(stem + table[g][c])
        out.append(self.noun.form("pl" if g == "pl" else "sg", case))
        return out


def pp(prep: str, np: NP) -> list[str]:
    """Prepositional phrase with the preposition's case and its contraction (``im norden``)."""
    words = np.words(PREP_CASE.get(prep, "dat"))
    if np.det == "def" and not np.adjs and (prep, words[0]) in CONTRACT:
        return [CONTRACT[(prep, words[0])], *words[1:]]
    if np.det == "def" and (prep, words[0]) in CONTRACT and prep in ("in", "an", "bei", "zu"):
        return [CONTRACT[(prep, words[0])], *words[1:]]
    return [prep, *words]


def place_words(p: Place, case: str = "dat") -> list[str]:
    if not p.gender:
        return [p.name]
    return [DEF[p.gender][CASE[case]], p.name + ("s" if case == "gen" and p.gender in "mn" else "")]


def place_pp(p: Place, prep: str = "") -> list[str]:
    """``in bayern``, ``auf rügen``, ``an der elbe``, ``im harz``, ``in den alpen``."""
    prep = prep or p.prep
    words = place_words(p, PREP_CASE.get(prep, "dat"))
    if p.gender and (prep, words[0]) in CONTRACT:
        return [CONTRACT[(prep, words[0])], *words[1:]]
    return [prep, *words]


# ---------------------------------------------------------------------------------------------
# clauses


@dataclass
class Clause:
    """A clause in parts; ``main()`` puts them in verb-second order, ``sub()`` verb-final."""

    verb: Verb | None  # the full verb; None: a copula (sein / werden)
    subj: list[str] | None = None  # None: impersonal "es"
    plural: bool = False
    copula: str = ""  # ist | wird (3sg); sind | werden (3pl) chosen from ``plural``
    modal: str = ""  # kann | muss | soll | wird (future): the finite verb, the verb at the end
    perfect: bool = False
    past: bool = False  # simple past: "regnete", "war", "konnte"
    time: list[str] = field(default_factory=list)
    place: list[str] = field(default_factory=list)
    advs: list[str] = field(default_factory=list)
    objs: list[str] = field(default_factory=list)
    neg: bool = False
    pred: list[str] = field(default_factory=list)
    front: str = "subj"  # subj | time | place | adv | es | obj

    def _finite_and_end(self, sub: bool) -> tuple[str, list[str]]:
        v = self.verb
        pl = self.plural
        if self.modal:
            modal = MODALS[self.modal][pl]
            end = [v.inf] if v else [COPULA_INF[self.copula]]
            return modal, end
        if self.perfect and v:
            return (AUX[v.aux][pl], [v.part])
        if v is None:
            return (COPULA_PAST if self.past else COPULA)[self.copula][pl], []
        if sub:
            return v.finite(pl, sub=True, past=self.past), []
        return v.finite(pl, sub=False, past=self.past), [v.particle] if v.particle else []

    def _middle(self, skip: str) -> list[str]:
        out: list[str] = []
        reflexive = self.verb is not None and self.verb.reflexive
        subj = self.subj if self.subj is not None else ["es"]
        if skip != "subj" and not (skip == "es" and self.subj is None):
            if self.subj is None:
                out += subj + (["sich"] if reflexive else [])
            else:
                out += (["sich"] if reflexive else []) + subj
        elif reflexive:
            out.append("sich")
        for name in ("time", "advs", "place", "objs"):
            if name != skip:
                out += getattr(self, name)
        if self.neg:
            out.append("nicht")
        out += self.pred
        return out

    def main(self) -> list[str]:
        front = self.front
        parts = {"time": self.time, "place": self.place, "advs": self.advs, "objs": self.objs}
        if front == "subj":
            first = self.subj if self.subj is not None else ["es"]
        elif front == "es":
            first = ["es"]
        else:
            first = parts[front]
            if not first:
                front, first = "subj", self.subj if self.subj is not None else ["es"]
        finite, end = self._finite_and_end(sub=False)
        return [*first, finite, *self._middle(front), *end]

    def sub(self, conj: str) -> list[str]:
        finite, end = self._finite_and_end(sub=True)
        subj = self.subj if self.subj is not None else ["es"]
        reflexive = self.verb is not None and self.verb.reflexive
        head = (
            [*subj, "sich"]
            if reflexive and self.subj is None
            else (["sich", *subj] if reflexive else list(subj))
        )
        rest = self._middle("subj")
        if reflexive:
            rest = rest[1:] if rest and rest[0] == "sich" else rest
        return [conj, *head, *rest, *end, finite]


MODALS = {
    "kann": ("kann", "können"),
    "muss": ("muss", "müssen"),
    "soll": ("soll", "sollen"),
    "wird": ("wird", "werden"),
    "dürfte": ("dürfte", "dürften"),
    "könnte": ("könnte", "könnten"),
    "sollte": ("sollte", "sollten"),
}
AUX = {"haben": ("hat", "haben"), "sein": ("ist", "sind")}
COPULA = {"sein": ("ist", "sind"), "werden": ("wird", "werden")}
COPULA_PAST = {"sein": ("war", "waren"), "werden": ("wurde", "wurden")}
COPULA_INF = {"sein": "sein", "werden": "werden"}


def place_genitive(p: Place) -> list[str]:
    """``des rheins`` / ``der elbe`` / ``von ulm`` (after nördlich, südlich ...)."""
    if p.gender:
        return place_words(p, "gen")
    return ["von", p.name]


def place_to(p: Place) -> list[str]:
    """``bis nach leipzig``, ``bis zum harz``, ``bis zur elbe``, ``bis zu den alpen``."""
    if not p.gender:
        return ["bis", "nach", p.name]
    return ["bis", *place_pp(p, "zu")]


REGION_PREP = {
    "küste": "an",
    "see": "an",
    "rand": "an",
    "ufer": "an",
    "grenze": "an",
    "alpenrand": "an",
    "flussufer": "an",
    "insel": "auf",
    "gipfel": "auf",
    "nordseeküste": "an",
    "ostseeküste": "an",
    "nordküste": "an",
    "ostküste": "an",
}
REGION_PLURAL = {
    "berg", "tal", "insel", "region", "gebiet", "landesteil", "hochlage", "niederung", "stadt",
    "großstadt", "gipfel", "flussniederung", "ufer",
}  # fmt: skip
QUANTIFIERS = (("den",), ("vielen",), ("einigen",), ("manchen",), ("den", "meisten"))


def region_phrase(n: Noun, rng: random.Random, places: Zipf[Place]) -> list[str]:
    """``im norden``, ``an der küste``, ``in vielen regionen``, ``in teilen bayerns``."""
    if n.lemma == "teil":
        land = places(rng)
        return [
            "in",
            "teilen",
            *([land.name + "s"] if land.name in LAENDER_GEN else place_genitive(land)),
        ]
    if n.lemma == "küstennähe":
        return ["in", "küstennähe"]
    prep = REGION_PREP.get(n.lemma, "in")
    if n.plural and (n.lemma in REGION_PLURAL or n.lemma.endswith(("gebiet", "region"))):
        q = rng.choice(QUANTIFIERS)
        noun = n.form("pl", "dat")
        return [prep, *q, noun]
    return pp(prep, NP(n))


LAENDER_GEN = {"bayern", "hessen", "sachsen", "thüringen", "brandenburg", "niedersachsen",
               "deutschland", "frankreich", "polen", "österreich", "tschechien", "franken",
               "schwaben", "westfalen", "vorpommern"}  # fmt: skip
HOLIDAYS = {"ostern", "pfingsten", "weihnachten", "silvester", "neujahr"}
SEASONS = {"frühling", "sommer", "herbst", "winter"}
SPAN_NOUNS = {"verlauf", "lauf", "beginn", "anfang", "ende"}


def time_noun_phrase(n: Noun, rng: random.Random, adjs: Zipf[Adj]) -> list[str]:
    """``am montag``, ``im mai``, ``in der nacht``, ``in den morgenstunden``, ``zu ostern``,
    ``im verlauf des tages``, ``am ende der woche``."""
    lemma = n.lemma
    if lemma in HOLIDAYS:
        return [rng.choice(("zu", "an", "über")), lemma]
    if lemma in MONTHS or lemma in SEASONS:
        return (
            [rng.choice(("im", "im", "ab", "bis")), lemma]
            if rng.random() < 0.8
            else [rng.choice(("anfang", "mitte", "ende")), lemma]
        )
    if lemma in SPAN_NOUNS:
        prep = {"verlauf": "in", "lauf": "in", "beginn": "zu", "anfang": "an", "ende": "an"}[lemma]
        of = NP(german_lexicon().noun(rng.choice(("tag", "woche", "nacht", "woche"))))
        return [*pp(prep, NP(n)), *of.words("gen")]
    if lemma.endswith("stunde"):
        early_late = german_lexicon().adj(rng.choice(("früh", "spät")))
        return pp("in", NP(n, plural=True, adjs=(early_late,) if rng.random() < 0.5 else ()))
    if lemma.endswith("nacht") or lemma in ("woche", "zeit", "jahreszeit"):
        return pp("in", NP(n, adjs=(adjs(rng),) if rng.random() < 0.3 else ()))
    if lemma in ("jahr", "monat"):
        return pp("in", NP(n, adjs=(german_lexicon().adj(rng.choice(("nächst", "kommend"))),)))
    if lemma in ("tag", "jahreswechsel"):
        return pp(rng.choice(("an", "zu")), NP(n))
    return pp("an", NP(n))


# ---------------------------------------------------------------------------------------------
# the sentence generator


class GermanForecasts:
    """Draws sentences; every table is sampled with Zipf-like weights."""

    def __init__(self, lex: LexiconDE | None = None) -> None:
        self.lex = lex = lex or german_lexicon()
        z = Zipf
        h = lex.heads
        self.noun = {
            k: z(v, HEAD_EXPONENT, 1.5, h.get(f"noun:{k}"), tail_weight(f"noun:{k}"))
            for k, v in lex.nouns.items()
        }
        self.verb = {k: z(v, 1.0, 1.0) for k, v in lex.verbs.items()}
        self.adj = {
            k: z(v, HEAD_EXPONENT, 1.5, h.get(f"adj:{k}"), tail_weight(f"adj:{k}"))
            for k, v in lex.adjs.items()
        }
        self.adv = {
            k: z(v, HEAD_EXPONENT, 1.5, h.get(f"adv:{k}"), tail_weight(f"adv:{k}"))
            for k, v in lex.advs.items()
        }
        self.place_all = z(lex.places, HEAD_EXPONENT, 2.0, h["places"], tail_weight("places"))
        self.adj_for = {k: z([lex.adj(a) for a in v], 1.0, 1.0) for k, v in NOUN_ADJS.items()}
        for kind in ("people", "clothing", "thing", "nature", "event", "abstract"):
            self.adj_for[kind] = self.adj["other"]
        self.past_times = [t.split() for t in words_de.PAST_TIMES.strip().splitlines()]
        self.kind_names = list(SENTENCE_KINDS)
        self.kind_cum = list(itertools.accumulate(w for w, _ in SENTENCE_KINDS.values()))

    # --- phrases ------------------------------------------------------------------------------

    def time_phrase(self, rng: random.Random) -> list[str]:
        r = rng.random()
        if r < 0.3:
            return [self.adv["time"](rng)]
        if r < 0.62:
            return time_noun_phrase(self.noun["time"](rng), rng, self.adj["other"])
        if r < 0.75:
            return list(rng.choice(FIXED_TIMES))
        if r < 0.88:
            day = rng.choice(WEEKDAYS)
            if rng.random() < 0.4:
                day += rng.choice(("abend", "morgen", "nachmittag", "vormittag", "nacht"))
            return [rng.choice(("am", "ab", "bis", "am", "am")), day]
        return ["morgen", rng.choice(("früh", "abend", "nachmittag", "vormittag"))]

    def place_phrase(self, rng: random.Random) -> list[str]:
        r = rng.random()
        if r < 0.25:
            return region_phrase(self.noun["region"](rng), rng, self.place_all)
        if r < 0.32:
            adj = self.adj["region"](rng)
            n = self.noun["region"](rng)
            if n.lemma in REGION_PLURAL or n.lemma == "teil":
                return ["in", "den", adj.stem() + "en", n.form("pl", "dat")]
            return pp(REGION_PREP.get(n.lemma, "in"), NP(n, adjs=(adj,)))
        if r < 0.36:
            return ["im", rng.choice(("raum", "großraum")), self.place_all(rng).name]
        if r < 0.72:
            first = self.place_all(rng)
            words = place_pp(first)
            while rng.random() < 0.25:
                other = self.place_all(rng)
                same = not first.gender and not other.gender and first.prep == other.prep
                words += ["und", *(place_words(other) if same else place_pp(other))]
            return words
        a, b = self.place_all(rng), self.place_all(rng)
        if a == b or r < 0.78:
            return place_pp(a)
        if r < 0.85:
            return ["zwischen", *place_words(a), "und", *place_words(b)]
        if r < 0.95:
            return [*place_pp(a, "von"), *place_to(b)]
        return [rng.choice(DIRECTION_ADJS), *place_genitive(a)]

    def weather_np(self, rng: random.Random, kind: str, det: str = "def") -> NP:
        n = self.noun[kind](rng)
        countable = bool(n.plural) and n.gender != "pl"
        plural = n.gender == "pl" or (countable and rng.random() < PLURAL_SHARE.get(kind, 0.3))
        if det == "indef" and (plural or not countable):
            det = "none"
        if det == "none" and countable and not plural:
            plural = rng.random() < 0.6
            det = "none" if plural else "indef"
        adjs: tuple[Adj, ...] = ()
        if kind in self.adj_for and rng.random() < 0.7:
            if rng.random() < 0.45 and kind in WEATHER_ADJ_KINDS:
                adj = self.adj["weather" if rng.random() < 0.6 else "degree"](rng)
            else:
                adj = self.adj_for[kind](rng)
            if adj.lemma not in PLURAL_ONLY_ADJS or plural:
                adjs = (adj,)
        compare = bool(adjs) and bool(adjs[0].comparative) and rng.random() < 0.12
        return NP(n, plural=plural, det=det, adjs=adjs, comparative=compare)

    def adjunct(self, rng: random.Random) -> list[str]:
        """``mit kräftigen schauern``, ``bei schwachem wind``, ``trotz des regens``."""
        prep = rng.choice(ADJUNCT_PREPS)
        kind = rng.choice(("precip", "wind", "cloud", "sun", "temp", "system"))
        np = self.weather_np(rng, kind, det=rng.choice(("none", "none", "def", "indef")))
        return pp(prep, np)

    def source(self, rng: random.Random) -> list[str]:
        """``nach den neuesten berechnungen``, ``laut dem deutschen wetterdienst``."""
        n = self.lex.noun(rng.choice(SOURCES))
        adj = self.lex.adj(rng.choice(("neu", "aktuell", "letzt", "neu")))
        np = NP(
            n,
            plural=bool(n.plural) and rng.random() < 0.6,
            adjs=(adj,),
            superlative=adj.lemma == "neu",
        )
        return pp(rng.choice(("nach", "laut")), np)

    def number_phrase(self, rng: random.Random, low: int, high: int) -> list[str]:
        n = rng.randint(low, high)
        words = (["minus"] if n < 0 else []) + [number_word(abs(n))]
        if rng.random() < 0.35:
            m = min(n + rng.randint(2, 8), 45)
            words = ["zwischen", *words, "und", *(["minus"] if m < 0 else []), number_word(abs(m))]
        return [*words, "grad"]

    def amount(self, rng: random.Random) -> list[str]:
        """``mit böen bis achtzig kilometer pro stunde``, ``zwanzig liter pro quadratmeter``."""
        r = rng.random()
        if r < 0.35:
            gust = self.noun["wind"](rng)
            n = rng.choice(range(40, 130, 10))
            return ["mit", gust.form("pl", "dat") if gust.plural else gust.lemma, "bis",
                    number_word(n), "kilometer", "pro", "stunde"]  # fmt: skip
        if r < 0.65:
            n = rng.randint(5, 60)
            return ["mit", "bis", "zu", number_word(n), "litern", "pro", "quadratmeter"]
        if r < 0.85:
            n = rng.randint(2, 40)
            return ["mit", number_word(n), "bis", number_word(n + rng.randint(5, 20)),
                    "zentimetern", "neuschnee"]  # fmt: skip
        return ["mit", "bis", "zu", number_word(rng.randint(4, 14)), "sonnenstunden"]

    def adverbials(self, rng: random.Random, c: Clause, p_time: float, p_place: float) -> Clause:
        if rng.random() < p_time and not c.time:
            c.time = self.time_phrase(rng)
        if rng.random() < p_place:
            c.place = self.place_phrase(rng)
        if rng.random() < 0.6:
            c.advs = [self.adv["other"](rng)]
            if rng.random() < 0.35:
                c.advs.append(self.adv["other"](rng))
        elif rng.random() < 0.08:
            c.advs = self.source(rng)
        if rng.random() < 0.3 and not c.pred:
            c.objs = [*c.objs, *self.adjunct(rng)]
        fronts = [f for f, part in (("time", c.time), ("place", c.place), ("advs", c.advs)) if part]
        fronts += ["subj"] * (2 if c.subj is not None else 0)
        c.front = rng.choice(fronts) if fronts else ("es" if c.subj is None else "subj")
        return c

    # --- clause types -------------------------------------------------------------------------

    def c_impersonal(self, rng: random.Random) -> Clause:
        c = Clause(self.verb["impersonal"](rng))
        if rng.random() < 0.08:
            c.neg = True
        elif rng.random() < 0.3:
            c.pred = [rng.choice(MANNER)]
        elif rng.random() < 0.2:
            c.objs = self.amount(rng)
        return c

    def c_gibt(self, rng: random.Random) -> Clause:
        kind = rng.choice(("precip", "precip", "sun", "cloud", "sky", "hazard", "wind", "temp"))
        det = "kein" if rng.random() < 0.1 else ("indef" if rng.random() < 0.2 else "none")
        np = self.weather_np(rng, kind, det)
        c = Clause(self.lex_verb("other", "geben"), objs=np.words("acc"))
        if rng.random() < 0.15 and det != "kein":
            c.objs += self.amount(rng)
        return c

    def c_subject(self, rng: random.Random) -> Clause:
        kind = rng.choice(SUBJECT_KINDS)
        det = "def" if rng.random() < 0.8 or kind == "values" else "indef"
        np = self.weather_np(rng, kind, det=det)
        if kind == "values" and np.noun.plural:
            np.plural = True
        v = self.verb[SUBJECT_VERBS[kind]](rng)
        c = Clause(v, subj=np.words("nom"), plural=np.genus == "pl")
        if kind == "values":
            nums = self.number_phrase(rng, -10, 38)
            if nums[0] == "zwischen" or (v.inf in ("erreichen", "liegen") and rng.random() < 0.3):
                c.objs = nums
            else:
                c.objs = [rng.choice(("auf", "um") if v.inf != "liegen" else ("bei", "um")), *nums]
        elif kind == "wind" and v.inf in ("wehen", "blasen", "drehen"):
            if v.inf == "drehen":
                c.objs = ["auf", rng.choice(DIRECTIONS)]
            else:
                c.pred = [self.adj_for["wind"](rng).lemma]
                c.objs = ["aus", rng.choice(DIRECTIONS)] if rng.random() < 0.7 else []
                if rng.random() < 0.3:
                    c.objs += self.amount(rng) if rng.random() < 0.5 else []
        elif kind == "system" and v.inf in ("bringen", "sorgen", "bestimmen"):
            obj = self.weather_np(
                rng, rng.choice(("precip", "sun", "cloud", "system", "temp")), "none"
            )
            if v.inf == "bringen":
                c.objs = obj.words("acc")
            elif v.inf == "sorgen":
                c.objs = ["für", *obj.words("acc")]
            else:
                c.objs = ["das", "wetter"]
        elif v.inf in ("erreichen", "streifen", "überqueren"):
            c.objs = place_words(self.place_all(rng), "acc")
        return c

    def c_copula(self, rng: random.Random) -> Clause:
        adj = self.adj["weather"](rng)
        subj = None
        if rng.random() < 0.3:
            n = self.lex.noun(rng.choice(("wetter", "himmel", "luft", "wetter", "nacht", "tag")))
            subj = NP(n).words("nom")
        kind = rng.random()
        if kind < 0.35 and adj.comparative:
            c = Clause(None, subj=subj, copula="werden", pred=[adj.comparative])
            if rng.random() < 0.3:
                c.pred = [rng.choice(("etwas", "deutlich", "spürbar", "noch", "merklich")), *c.pred]
        elif kind < 0.42 and adj.comparative:
            c = Clause(None, subj=subj, copula="sein", pred=["am", adj.superlative()])
            return c
        elif kind < 0.7:
            c = Clause(self.lex_verb("other", "bleiben"), subj=subj, pred=[adj.lemma])
        else:
            c = Clause(None, subj=subj, copula="sein", pred=[adj.lemma])
        if len(c.pred) == 1 and rng.random() < 0.45:
            c.pred = [rng.choice(INTENSIFIERS), *c.pred]
        if rng.random() < 0.2:
            other = self.adj["weather"](rng)
            if other.lemma != adj.lemma:
                c.pred += [rng.choice(("und", "bis", "oder", "und")), other.lemma]
        return c

    def c_values(self, rng: random.Random) -> Clause:
        n = self.noun["values"](rng)
        plural = bool(n.plural)
        np = NP(n, plural=plural)
        if rng.random() < 0.25:
            top = self.lex.adj(rng.choice(("hoch", "tief", "warm", "kalt", "niedrig")))
            np = NP(n, plural=plural, adjs=(top,), superlative=True)
        c = Clause(self.lex_verb("temp", "liegen"), subj=np.words("nom"))
        c.plural = plural
        nums = self.number_phrase(rng, -12, 38)
        c.objs = nums if nums[0] == "zwischen" else ["bei", *nums]
        return c

    def c_spell(self, rng: random.Random) -> Clause:
        """``die regenpause hält an``, ``es gibt eine kurze frostperiode``."""
        np = self.weather_np(rng, "spell", det="def")
        if rng.random() < 0.4:
            np = self.weather_np(rng, "spell", det="indef")
            return Clause(self.lex_verb("other", "geben"), objs=np.words("acc"))
        return Clause(self.verb["state"](rng), subj=np.words("nom"), plural=np.genus == "pl")

    def c_limit(self, rng: random.Random) -> Clause:
        """``die schneefallgrenze sinkt auf fünfhundert meter``."""
        n = self.noun["limit"](rng)
        v = self.lex_verb("temp", rng.choice(("sinken", "steigen", "liegen")))
        height = rng.choice(("drei", "vier", "fünf", "sechs", "sieben", "acht", "neun")) + "hundert"
        if rng.random() < 0.2:
            height = rng.choice(("tausend", "tausendfünfhundert", "zweitausend"))
        objs = ["bei", height, "metern"] if v.inf == "liegen" else ["auf", height, "meter"]
        return Clause(v, subj=NP(n).words("nom"), objs=objs)

    def c_source(self, rng: random.Random) -> Clause:
        """``die satellitenbilder zeigen dichte wolken über der nordsee``."""
        n = self.lex.noun(rng.choice(SOURCES))
        plural = bool(n.plural) and rng.random() < 0.7
        what = self.weather_np(rng, rng.choice(("precip", "cloud", "system", "wind")), "none")
        v = self.lex_verb("other", "zeigen")
        return Clause(
            v, subj=NP(n, plural=plural).words("nom"), plural=plural, objs=what.words("acc")
        )

    def c_abstract(self, rng: random.Random) -> Clause:
        """``das novemberwetter bleibt trüb``, ``die aussichten sind freundlich``."""
        n = self.noun["abstract"](rng)
        adj = self.adj["weather"](rng)
        plural = n.lemma in ("aussicht",) or (bool(n.plural) and rng.random() < 0.2)
        v = self.lex_verb("other", "bleiben") if rng.random() < 0.5 else None
        return Clause(v, subj=NP(n, plural=plural).words("nom"), plural=plural, copula="sein",
                      pred=[adj.lemma])  # fmt: skip

    def c_past(self, rng: random.Random) -> Clause:
        """A look back: ``in der vergangenen nacht hat es im harz geschneit``, ``gestern
        lagen die höchstwerte bei zwanzig grad``, ``es war sonnig``."""
        r = rng.random()
        c = self.c_impersonal(rng) if r < 0.35 else (
            self.c_subject(rng) if r < 0.75 else self.c_copula(rng)
        )  # fmt: skip
        c.modal = ""
        if c.verb is not None and rng.random() < 0.5:
            c.perfect = True
            c.pred = [p for p in c.pred if p in MANNER]
        else:
            c.past = True
        c.time = list(rng.choice(self.past_times))
        return c

    def c_impact(self, rng: random.Random) -> Clause:
        """What the weather means for people, plants, roads and plans."""
        frame = rng.choice(IMPACT_FRAMES)
        return getattr(self, f"f_{frame}")(rng)

    def _people(self, rng: random.Random) -> NP:
        return NP(
            self.noun["people"](rng), plural=True, det="def" if rng.random() < 0.6 else "none"
        )

    def f_rechnen(self, rng: random.Random) -> Clause:
        hazard = self.weather_np(rng, rng.choice(("hazard", "precip", "wind", "temp")), "none")
        who = self._people(rng)
        c = Clause(self.lex_verb("other", "rechnen"), subj=who.words("nom"), plural=True)
        c.modal, c.objs = rng.choice(("muss", "sollte", "kann")), pp("mit", hazard)
        return c

    def f_freuen(self, rng: random.Random) -> Clause:
        what = self.weather_np(rng, rng.choice(("precip", "sun", "temp", "event")), "def")
        c = Clause(self.lex_verb("other", "freuen"), subj=self._people(rng).words("nom"))
        c.plural = True
        c.objs = ["über" if rng.random() < 0.6 else "auf", *what.words("acc")]
        if rng.random() < 0.3:
            c.modal = "kann"
        return c

    def f_mitnehmen(self, rng: random.Random) -> Clause:
        verb = self.verb_by_name(rng, ("mitnehmen", "vergessen", "einpacken", "tragen", "anziehen"))
        thing = self.weather_np(rng, "clothing", det=rng.choice(("def", "indef", "def")))
        c = Clause(verb, subj=self._people(rng).words("nom"), plural=True)
        c.modal, c.objs = rng.choice(("sollte", "kann", "muss")), thing.words("acc")
        c.neg = verb.inf == "vergessen"
        return c

    def f_activity(self, rng: random.Random) -> Clause:
        verb = self.verb_by_name(rng, ("genießen", "planen", "vorhaben", "verschieben", "nutzen"))
        event = self.weather_np(rng, "event", det=rng.choice(("def", "indef")))
        c = Clause(verb, subj=self._people(rng).words("nom"), plural=True, objs=event.words("acc"))
        c.modal = rng.choice(("kann", "sollte", "", ""))
        return c

    def f_intransitive(self, rng: random.Random) -> Clause:
        verb = self.verb_by_name(rng, INTRANSITIVE_ACTIVITIES)
        c = Clause(verb, subj=self._people(rng).words("nom"), plural=True)
        c.modal = rng.choice(("kann", "können", "")) if verb.inf != "erholen" else ""
        c.modal = "kann" if c.modal == "können" else c.modal
        if rng.random() < 0.5:
            c.advs = [self.adj["other"](rng).lemma]
        return c

    def f_nature(self, rng: random.Random) -> Clause:
        nature = self.weather_np(rng, "nature", det="def")
        r = rng.random()
        if r < 0.4:
            what = self.weather_np(rng, rng.choice(("precip", "sun", "temp")), "none")
            verb = self.verb_by_name(rng, ("brauchen", "leiden", "profitieren"))
            objs = what.words("acc")
            if verb.inf == "leiden":
                objs = ["unter", *what.words("dat")]
            elif verb.inf == "profitieren":
                objs = pp("von", what)
            return Clause(verb, subj=nature.words("nom"), plural=nature.genus == "pl", objs=objs)
        verb = self.verb_by_name(rng, ("blühen", "wachsen", "leiden"))
        if verb.inf == "blühen":
            nature = NP(self.lex.noun(rng.choice(BLOOMERS)), plural=rng.random() < 0.7)
        return Clause(verb, subj=nature.words("nom"), plural=nature.genus == "pl")

    def f_event(self, rng: random.Random) -> Clause:
        event = self.weather_np(rng, "event", det="def")
        verb = self.verb_by_name(rng, ("ausfallen", "stattfinden", "stattfinden"))
        c = Clause(verb, subj=event.words("nom"), plural=event.genus == "pl")
        if rng.random() < 0.3:
            c.modal = rng.choice(("kann", "muss", "dürfte"))
        return c

    def f_ideal(self, rng: random.Random) -> Clause:
        """``das ist ideales wetter für eine radtour``."""
        adj = self.lex.adj(rng.choice(("ideal", "gut", "perfekt", "toll", "schön", "schlecht")))
        wetter = self.noun["precip"](rng) if rng.random() < 0.1 else self.lex.noun("wetter")
        np = NP(wetter, det="none", adjs=(adj,))
        target = self.weather_np(rng, "event", det=rng.choice(("indef", "def")))
        c = Clause(None, subj=["das"], copula="sein", pred=[*np.words("nom"), *pp("für", target)])
        c.front = "subj"
        return c

    def f_road(self, rng: random.Random) -> Clause:
        road = self.weather_np(rng, "thing", det="def")
        adj = self.lex.adj(rng.choice(("glatt", "nass", "gefährlich", "glatt", "rutschig")))
        c = Clause(None, copula="werden", pred=[adj.lemma], modal="kann")
        c.place = pp("auf", NP(road.noun, plural=bool(road.noun.plural)))
        return c

    def verb_by_name(self, rng: random.Random, names: Sequence[str]) -> Verb:
        return self.lex_verb("other", rng.choice(names))

    def lex_verb(self, kind: str, inf: str) -> Verb:
        for v in self.lex.verbs[kind]:
            if v.inf == inf:
                return v
        raise KeyError(inf)

    def clause(self, rng: random.Random) -> Clause:
        i = bisect.bisect_right(CLAUSE_CUM, rng.random() * CLAUSE_CUM[-1])
        c: Clause = getattr(self, f"c_{CLAUSE_NAMES[min(i, len(CLAUSE_NAMES) - 1)]}")(rng)
        if not c.modal and not c.perfect and rng.random() < 0.12:
            c.modal = rng.choice(("kann", "wird", "dürfte", "könnte", "soll"))
        return self.adverbials(rng, c, 0.5, 0.5)

    # --- sentences ----------------------------------------------------------------------------

    def sentence(self, rng: random.Random) -> str:
        i = bisect.bisect_right(self.kind_cum, rng.random() * self.kind_cum[-1])
        name = self.kind_names[min(i, len(self.kind_names) - 1)]
        words = SENTENCE_KINDS[name][1](self, rng)
        return " ".join(words)


def _simple(g: GermanForecasts, rng: random.Random) -> list[str]:
    return g.clause(rng).main()


def _double(g: GermanForecasts, rng: random.Random) -> list[str]:
    a, b = g.clause(rng), g.clause(rng)
    b.time = []
    if b.front == "time":
        b.front = "subj"
    return [*a.main(), rng.choice(("und", "und", "aber", "doch")), *b.main()]


def _subordinate(g: GermanForecasts, rng: random.Random) -> list[str]:
    a, b = g.clause(rng), g.clause(rng)
    b.time = [] if rng.random() < 0.7 else b.time
    conj = rng.choice(SUBORDINATORS)
    if rng.random() < 0.25 and conj in ("wenn", "während", "nachdem", "sobald", "weil", "da"):
        return [*b.sub(conj), *_inverted(a)]
    return [*a.main(), *b.sub(conj)]


def _inverted(c: Clause) -> list[str]:
    """A main clause after a fronted subordinate clause: the finite verb first."""
    c.front = "subj"
    words = c.main()
    subj = c.subj if c.subj is not None else ["es"]
    n = len(subj)
    return [words[n], *words[:n], *words[n + 1 :]]


def _intro(g: GermanForecasts, rng: random.Random) -> list[str]:
    words = ["und", "nun", "die", "wettervorhersage", "für"]
    r = rng.random()
    if r < 0.3:
        return [*words, *rng.choice(INTRO_DAYS)]
    if r < 0.6:
        words.append("morgen")
    day = rng.choice(WEEKDAYS)
    n = rng.randint(1, 31)
    return [*words, day, "den", ordinal(n, "en"), rng.choice(MONTHS)]


def _greeting(g: GermanForecasts, rng: random.Random) -> list[str]:
    return list(rng.choice(GREETINGS))


def _closing(g: GermanForecasts, rng: random.Random) -> list[str]:
    what = rng.choice(CLOSINGS)
    return ["ich", "wünsche", "ihnen", *rng.choice(([], ["noch"], ["noch"])), *what]


CLAUSE_KINDS = {"impersonal": 14, "gibt": 12, "subject": 22, "copula": 13, "values": 6,
                "impact": 15, "past": 6, "spell": 4, "limit": 1.5, "source": 2.5,
                "abstract": 4}  # fmt: skip
WEATHER_ADJ_KINDS = {"precip", "cloud", "wind", "system", "temp", "sun", "spell", "hazard"}
ADJUNCT_PREPS = ("mit", "mit", "mit", "bei", "bei", "nach", "trotz", "wegen", "unter")
SOURCES = ("berechnung", "modell", "vorhersage", "prognose", "messung", "satellitenbild",
           "radarbild", "wetterkarte", "wetterdienst", "statistik")  # fmt: skip
CLAUSE_NAMES = list(CLAUSE_KINDS)
CLAUSE_CUM = list(itertools.accumulate(CLAUSE_KINDS.values()))
# The shape of every table's distribution (see Zipf), tuned so that the large preset has
# Phoenix14T's type/token figures: a tail entry's weight relative to the last head entry is set
# per table so that each tail word is drawn about 0.7 times in the training split (each tail
# word then mostly occurs once or not at all; a heavily drawn table gets a lighter tail).
HEAD_EXPONENT = 1.0
TAIL_WEIGHTS = {
    "adv:other": 0.016, "noun:cloud": 0.018, "noun:wind": 0.018, "noun:temp": 0.021,
    "noun:values": 0.02, "noun:sun": 0.01, "noun:precip": 0.03, "places": 0.07,
    "adj:weather": 0.043, "noun:region": 0.042, "adv:time": 0.031, "noun:people": 0.063,
    "noun:system": 0.05, "adj:degree": 0.1, "noun:event": 0.09, "adj:other": 0.13,
    "noun:time": 0.13, "noun:hazard": 0.13, "noun:abstract": 0.24, "noun:nature": 0.19,
    "noun:clothing": 0.34,
}  # fmt: skip


# A dev / test sentence with a word the training split lacks is kept with this probability
# (redrawn otherwise): about 6 % of the test word types are then unseen, as in Phoenix14T.
UNSEEN_KEEP = 0.8


def tail_weight(table: str) -> float:
    return TAIL_WEIGHTS.get(table, 0.15)


MANNER = ("kräftig", "leicht", "stark", "heftig", "ergiebig", "zeitweise", "kurz", "länger",
          "anhaltend", "gebietsweise", "örtlich")  # fmt: skip
INTENSIFIERS = ("sehr", "ziemlich", "recht", "überwiegend", "meist", "teilweise", "etwas",
                "vielfach", "oft", "weitgehend", "zumeist")  # fmt: skip
NOUN_ADJS = {
    "precip": ("stark", "leicht", "kräftig", "einzeln", "vereinzelt", "heftig", "ergiebig",
               "anhaltend", "schauerartig", "gewittrig", "örtlich", "kurz", "unwetterartig",
               "gering", "kurzzeitig", "erheblich", "massiv", "extrem"),
    "cloud": ("dicht", "grau", "dunkel", "hoch", "locker", "tief", "ausgedehnt", "zäh",
              "hartnäckig", "dicht"),
    "sun": ("strahlend", "kräftig", "warm", "mild", "schwach", "lang", "kurz"),
    "wind": ("stark", "schwach", "mäßig", "frisch", "kräftig", "stürmisch", "böig", "kalt",
             "heftig", "eisig", "lau", "feucht", "warm"),
    "temp": ("streng", "leicht", "mäßig", "drückend", "extrem", "tropisch", "ungewöhnlich",
             "gefühlt", "spürbar"),
    "system": ("kräftig", "stark", "schwach", "atlantisch", "skandinavisch", "ausgedehnt", "kalt",
               "warm", "feucht", "mediterran", "kontinental", "mild", "trocken"),
    "hazard": ("örtlich", "gefährlich", "erheblich", "gering", "hoch", "extrem", "streng"),
}  # fmt: skip
BLOOMERS = ("blume", "rose", "tulpe", "krokus", "schneeglöckchen", "obstbaum", "raps", "linde",
            "kirsche", "baum", "wiese", "garten")  # fmt: skip
PLURAL_ONLY_ADJS = {"einzeln", "vereinzelt"}
PLURAL_SHARE = {"precip": 0.5, "cloud": 0.4, "wind": 0.4, "nature": 0.7, "people": 1.0,
                "thing": 0.5, "event": 0.3}  # fmt: skip
IMPACT_FRAMES = ("rechnen", "freuen", "mitnehmen", "activity", "intransitive", "nature", "event",
                 "ideal", "road", "nature", "rechnen")  # fmt: skip
INTRANSITIVE_ACTIVITIES = ("wandern", "baden", "grillen", "spazieren", "segeln", "surfen", "rodeln",
                           "reisen", "feiern", "arbeiten", "erholen", "sonnen", "schwitzen",
                           "fahren", "fliegen", "einkaufen")  # fmt: skip
SUBJECT_KINDS = ("precip", "precip", "sun", "cloud", "cloud", "wind", "system", "values",
                 "values", "temp")  # fmt: skip
SUBJECT_VERBS = {"precip": "precip", "sun": "sun", "cloud": "cloud", "wind": "wind",
                 "system": "system", "values": "temp", "temp": "state",
                 "hazard": "state"}  # fmt: skip
SUBORDINATORS = ("wobei", "während", "weil", "da", "wenn", "sodass", "bevor", "nachdem", "sobald")
DIRECTIONS = ("nord", "süd", "ost", "west", "nordwest", "nordost", "südwest", "südost")
DIRECTION_ADJS = ("nördlich", "südlich", "östlich", "westlich", "nordöstlich", "südwestlich")
WEEKDAYS = ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag")
MONTHS = ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
          "oktober", "november", "dezember")  # fmt: skip
FIXED_TIMES = (
    ["im", "laufe", "des", "tages"],
    ["in", "der", "nacht"],
    ["am", "abend"],
    ["am", "nachmittag"],
    ["am", "vormittag"],
    ["am", "wochenende"],
    ["heute", "nacht"],
    ["morgen", "früh"],
    ["in", "der", "zweiten", "tageshälfte"],
    ["zum", "wochenende", "hin"],
    ["bis", "zum", "abend"],
    ["zum", "abend", "hin"],
    ["in", "den", "frühen", "morgenstunden"],
    ["in", "der", "kommenden", "nacht"],
    ["am", "tag"],
)
INTRO_DAYS = (
    ["morgen"],
    ["heute", "nacht"],
    ["das", "wochenende"],
    ["die", "kommenden", "tage"],
    ["die", "nächsten", "tage"],
    ["die", "nacht"],
)
GREETINGS = (
    ["guten", "abend", "liebe", "zuschauer"],
    ["guten", "tag", "liebe", "zuschauer"],
    ["hallo", "liebe", "zuschauer"],
    ["guten", "abend", "meine", "damen", "und", "herren"],
    ["einen", "schönen", "guten", "abend"],
)
CLOSINGS = (
    ["einen", "schönen", "abend"],
    ["einen", "schönen", "tag"],
    ["ein", "schönes", "wochenende"],
    ["einen", "angenehmen", "abend"],
    ["einen", "guten", "start", "in", "die", "woche"],
    ["eine", "gute", "nacht"],
    ["einen", "schönen", "sonntag"],
    ["einen", "schönen", "feiertag"],
)

SENTENCE_KINDS = {
    "simple": (34.0, _simple),
    "double": (28.0, _double),
    "subordinate": (24.0, _subordinate),
    "intro": (7.0, _intro),
    "greeting": (3.0, _greeting),
    "closing": (4.0, _closing),
}


# ---------------------------------------------------------------------------------------------
# the corpus


@dataclass(frozen=True)
class SentenceCorpus:
    """Sentences of the three splits, in order; dev / test never repeat a train sentence."""

    train: list[str]
    dev: list[str]
    test: list[str]

    def items(self) -> list[tuple[str, str]]:
        """(split, sentence) pairs in split order."""
        return [
            (s, t)
            for s, part in (("train", self.train), ("dev", self.dev), ("test", self.test))
            for t in part
        ]


def scaled_counts(
    scale: float, counts: tuple[int, int, int] = PHOENIX_COUNTS
) -> tuple[int, int, int]:
    """Split sizes times ``scale`` (at least one sentence each)."""
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    return tuple(max(1, round(c * scale)) for c in counts)  # type: ignore[return-value]


def sample_corpus(seed: int = 0, scale: float = 1.0) -> SentenceCorpus:
    """The large preset's sentences: Phoenix14T's split sizes times ``scale``."""
    n_train, n_dev, n_test = scaled_counts(scale)
    rng = random.Random(f"sign2gpt-synth/large-de/{seed}")
    gen = GermanForecasts()
    train = [gen.sentence(rng) for _ in range(n_train)]
    seen = set(train)
    train_words = {w for s in train for w in s.split()}
    held: list[str] = []
    while len(held) < n_dev + n_test:
        s = gen.sentence(rng)
        if s in seen:
            continue
        if not set(s.split()) <= train_words and rng.random() >= UNSEEN_KEEP:
            continue
        held.append(s)
        seen.add(s)
    return SentenceCorpus(train, held[:n_dev], held[n_dev:])
