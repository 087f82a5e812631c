"""German weather forecasts in the style of Phoenix14T, with their sign-order glosses.

Every sentence is built from a small semantic frame (time, region, what the weather does) and
realised twice: as spoken German (verb second, articles, prepositions, inflected nouns, verbs and
adjectives; lowercased and tokenised, no final period, as Phoenix14T's ``translation``) and as a
gloss sequence in sign order (topic first with raised eyebrows, then time, place, subject,
complement, verb last; no articles, prepositions or copula; uppercase lemma-like glosses with
umlauts spelt out, as Phoenix14T's ``orth``; negation carries a head shake).

The realisation is deterministic given the glosses and their markers, so the spoken sentence is
recoverable from the signing (what the synthetic corpus needs to be learnable), while the word
forms still vary with context (``regnet``/``regnen``, ``kalte``/``kalten``/``kälter``, ``norden``/
``nord``), so that lemmatisation matters for pseudo-glosses.

This module says what the sentences say (which statements, how often, with which time, region
and adverb); the words and phrase tables are in ``phrases_de``, and a clause's two realisations
in ``clause_de``.
"""

from __future__ import annotations

import random

from sign2gpt.synth.clause_de import Clause
from sign2gpt.synth.phrases_de import (
    ADJ_PAIRS,
    ADVERBS,
    COMPARATIVES,
    DIRECTIONS,
    GIBT_NOUNS,
    KEIN_ACC,
    LUFT_ADJ,
    MONTHS,
    NIGHT_TIMES,
    NUMBER_GLOSSES,
    NUMBERS,
    PRED_ADJ,
    REGIONS,
    STRONG_ACC,
    TIMES,
    WEEKDAYS,
    WIND_STRENGTH,
    Phrase,
    gloss_of,
    phrase,
)
from sign2gpt.synth.utterance import Utterance


def _ordinal(n: int) -> str:
    """The weak accusative ordinal, as in ``den zwölften``."""
    irregular = {1: "ersten", 3: "dritten", 7: "siebten", 8: "achten"}
    if n in irregular:
        return irregular[n]
    word = NUMBERS[n]
    return word + ("sten" if n >= 20 else "ten")


def _adj(stem: str, ending: str) -> str:
    if stem == "viel":  # uninflected before a singular mass noun: "viel schnee", "viele wolken"
        return "viel" if ending != "e" else "viele"
    if stem.endswith("el") and ending:  # "dunkel" -> "dunkle"; not used by the stems here
        stem = stem[:-2] + "l"
    return stem + ending


def _num(rng: random.Random, lo: int, hi: int) -> int:
    return rng.randint(lo, hi)


def _degrees(rng: random.Random, night: bool) -> Phrase:
    """``[minus] N grad`` or ``zwischen N und M grad`` style complements."""
    if night:
        n = _num(rng, -8, 12)
    else:
        n = _num(rng, 4, 30)
    words = (["minus"] if n < 0 else []) + [NUMBERS[abs(n)], "grad"]
    glosses = (["MINUS"] if n < 0 else []) + [NUMBER_GLOSSES[abs(n)], "GRAD"]
    return tuple(words), tuple(glosses)


def _range(rng: random.Random, night: bool) -> Phrase:
    lo = _num(rng, -6, 8) if night else _num(rng, 4, 24)
    hi = lo + rng.randint(3, 8)
    hi = min(hi, 30)

    def w(n: int) -> list[str]:
        return (["minus"] if n < 0 else []) + [NUMBERS[abs(n)]]

    def g(n: int) -> list[str]:
        return (["MINUS"] if n < 0 else []) + [NUMBER_GLOSSES[abs(n)]]

    words = ["zwischen", *w(lo), "und", *w(hi), "grad"]
    glosses = [*g(lo), "BIS", *g(hi), "GRAD"]
    return tuple(words), tuple(glosses)


def _weather_clause(rng: random.Random) -> Clause:
    """One weather statement with its own verb; time, region and adverb are added later."""
    kind = rng.choices(
        [
            "regnen",
            "schneien",
            "gibt",
            "gibt_neg",
            "verb_neg",
            "bleibt",
            "ist",
            "ist_pair",
            "wird",
            "sonne",
            "wolken",
            "nebel",
            "wind",
            "temp",
            "werte",
            "tief",
            "luft",
            "wetter",
        ],
        weights=[8, 4, 14, 4, 3, 6, 6, 3, 4, 5, 3, 2, 7, 7, 5, 4, 3, 3],
    )[0]
    if kind == "regnen":
        manner = rng.choice([((), ()), phrase("kräftig", "KRAEFTIG"), phrase("leicht", "LEICHT")])
        return Clause(("regnet",), pred_gloss=("REGEN",), manner=manner)
    if kind == "schneien":
        return Clause(("schneit",), pred_gloss=("SCHNEE",))
    if kind == "verb_neg":
        verb, gl = rng.choice([("regnet", "REGEN"), ("schneit", "SCHNEE")])
        return Clause((verb,), pred_gloss=(gl,), neg=phrase("nicht", "NICHT"))
    if kind in ("gibt", "gibt_neg"):
        noun, gender, gl, adjs = rng.choice(GIBT_NOUNS)
        if kind == "gibt_neg":
            comp = ((KEIN_ACC[gender], noun), (gl,))
            return Clause(("gibt",), complement=comp, neg=((), ("KEIN",)))
        if adjs and rng.random() < 0.6:
            adj = rng.choice(adjs)
            comp = ((_adj(adj, STRONG_ACC[gender]), noun), (gl, gloss_of(adj)))
        else:
            comp = ((noun,), (gl,))
        return Clause(("gibt",), complement=comp, daylight=gl == "SONNE")
    if kind == "bleibt":
        adj = rng.choice(PRED_ADJ)
        return Clause(("bleibt",), complement=((adj,), (gloss_of(adj),)), pred_gloss=("BLEIBEN",))
    if kind == "ist":
        adj = rng.choice(PRED_ADJ)
        sunny = adj in ("sonnig", "heiter")
        return Clause(("ist",), complement=((adj,), (gloss_of(adj),)), daylight=sunny)
    if kind == "ist_pair":
        a, b = rng.choice(ADJ_PAIRS)
        comp = ((a, "bis", b), (gloss_of(a), "BIS", gloss_of(b)))
        return Clause(("ist",), complement=comp, daylight=True)
    if kind == "wird":
        adj = rng.choice(sorted(COMPARATIVES))
        comp = ((COMPARATIVES[adj],), (gloss_of(adj), "MEHR"))
        return Clause(("wird",), complement=comp)
    if kind == "sonne":
        return Clause(
            ("scheint",),
            subject=phrase("die sonne", "SONNE"),
            pred_gloss=("SCHEINEN",),
            daylight=True,
        )
    if kind == "wolken":
        return Clause(
            ("lockern",),
            subject=phrase("die wolken", "WOLKE"),
            pred_gloss=("AUFLOCKERN",),
            particle=("auf",),
        )
    if kind == "nebel":
        return Clause(
            ("löst", "sich"),
            subject=phrase("der nebel", "NEBEL"),
            pred_gloss=("AUFLOESEN",),
            particle=("auf",),
        )
    if kind == "wind":
        strength = rng.choice(WIND_STRENGTH)
        d = rng.choice(DIRECTIONS)
        comp = ((*strength[0], "aus", d), (gloss_of(d), *strength[1]))
        return Clause(("weht",), subject=phrase("der wind", "WIND"), complement=comp)
    if kind == "temp":
        rising = rng.random() < 0.5
        deg = _degrees(rng, night=not rising)
        verb, gl = ("steigen", "STEIGEN") if rising else ("sinken", "SINKEN")
        return Clause(
            (verb,),
            subject=phrase("die temperaturen", "TEMPERATUR"),
            complement=(("auf", *deg[0]), deg[1]),
            pred_gloss=(gl,),
        )
    if kind == "werte":
        high = rng.random() < 0.6
        subj = (
            phrase("die höchstwerte", "HOECHSTWERT")
            if high
            else phrase("die tiefstwerte", "TIEFSTWERT")
        )
        if rng.random() < 0.5:
            comp = _range(rng, night=not high)
        else:
            deg = _degrees(rng, night=not high)
            comp = (("bei", *deg[0]), deg[1])
        return Clause(("liegen",), subject=subj, complement=comp)
    if kind == "tief":
        if rng.random() < 0.5:
            noun = rng.choice(
                [
                    phrase("regen", "REGEN"),
                    phrase("schnee", "SCHNEE"),
                    phrase("wolken", "WOLKE"),
                    phrase("gewitter", "GEWITTER"),
                    phrase("kalte luft", "LUFT KALT"),
                ]
            )
            return Clause(
                ("bringt",),
                subject=phrase("ein tief", "TIEF"),
                complement=noun,
                pred_gloss=("BRINGEN",),
            )
        noun = rng.choice(
            [
                phrase("sonnenschein", "SONNE"),
                phrase("trockenes wetter", "WETTER TROCKEN"),
                phrase("warme luft", "LUFT WARM"),
            ]
        )
        return Clause(
            ("bringt",),
            subject=phrase("ein hoch", "HOCH"),
            complement=noun,
            pred_gloss=("BRINGEN",),
        )
    if kind == "luft":
        adj = rng.choice(LUFT_ADJ)
        d = rng.choice(["norden", "süden", "osten", "westen"])
        subj = ((_adj(adj, "e"), "luft"), ("LUFT", gloss_of(adj)))
        return Clause(
            ("kommt",),
            subject=subj,
            complement=(("aus", d), (gloss_of(d[:-2]),)),
            pred_gloss=("KOMMEN",),
        )
    # "wetter"
    adj = rng.choice(["wechselhaft", "freundlich", "trocken", "kühl", "mild", "sonnig"])
    return Clause(
        ("bleibt",),
        subject=phrase("das wetter", "WETTER"),
        complement=((adj,), (gloss_of(adj),)),
        pred_gloss=("BLEIBEN",),
    )


def _frame_clause(rng: random.Random, c: Clause, allow_time: bool = True) -> Clause:
    if allow_time and rng.random() < 0.6:
        times = TIMES
        if c.daylight:
            times = [t for t in TIMES if not NIGHT_TIMES & set(t[1])]
        c.time = rng.choice(times)
    if rng.random() < 0.65:
        c.region = rng.choice(REGIONS)
    if rng.random() < 0.2 and not c.neg[1]:
        c.adverb = rng.choice(ADVERBS)
    fronts = [n for n, p in (("time", c.time), ("region", c.region)) if p is not None]
    if c.subject is not None:
        fronts.append("subject")
    c.front = rng.choice(fronts) if fronts else "es"
    return c


def _intro(rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    words = ["und", "nun", "die", "wettervorhersage", "für"]
    glosses = ["JETZT", "WETTER"]
    style = rng.random()
    if style < 0.25:
        day = rng.choice(
            [
                phrase("morgen", "MORGEN"),
                phrase("heute nacht", "HEUTE NACHT"),
                phrase("das wochenende", "WOCHENENDE"),
            ]
        )
        words += day[0]
        glosses += day[1]
    else:
        if style < 0.6:
            words.append("morgen")
            glosses.append("MORGEN")
        wd = rng.choice(WEEKDAYS)
        n = rng.randint(1, 30)
        month = rng.choice(MONTHS)
        words += [wd, "den", _ordinal(n), month]
        glosses += [gloss_of(wd), NUMBER_GLOSSES[n], gloss_of(month)]
    return words, glosses, [""] * len(glosses)


def _greeting(rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    part = rng.choice([phrase("guten abend", "GUT ABEND"), phrase("guten tag", "GUT TAG")])
    words = [*part[0], "liebe", "zuschauer"]
    glosses = [*part[1], "LIEB", "ZUSCHAUER"]
    return words, glosses, [""] * len(glosses)


def _closing(rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    what = rng.choice(
        [("abend", "m"), ("tag", "m"), ("wochenende", "n")] + [(d, "m") for d in WEEKDAYS]
    )
    art = "einen schönen" if what[1] == "m" else "ein schönes"
    words = ["ihnen", "noch", *art.split(), what[0]]
    glosses = ["IHR", "SCHOEN", gloss_of(what[0])]
    return words, glosses, [""] * len(glosses)


MIN_WORDS, MAX_WORDS = 4, 12
MIN_GLOSSES, MAX_GLOSSES = 3, 8


def sample_sentence(rng: random.Random) -> Utterance:
    """One German forecast sentence with 4-12 words and 3-8 glosses."""
    while True:
        kind = rng.choices(
            ["weather", "double", "intro", "greeting", "closing"], weights=[76, 12, 7, 2, 3]
        )[0]
        if kind == "weather":
            words, glosses, markers = _frame_clause(rng, _weather_clause(rng)).realise()
        elif kind == "double":
            c1 = _frame_clause(rng, _weather_clause(rng))
            c2 = _frame_clause(rng, _weather_clause(rng), allow_time=False)
            if c2.front == "es" or c1.front == "es":
                continue
            w1, g1, m1 = c1.realise()
            w2, g2, m2 = c2.realise()
            words, glosses, markers = [*w1, "und", *w2], g1 + g2, m1 + m2
        elif kind == "intro":
            words, glosses, markers = _intro(rng)
        elif kind == "greeting":
            words, glosses, markers = _greeting(rng)
        else:
            words, glosses, markers = _closing(rng)
        if MIN_WORDS <= len(words) <= MAX_WORDS and MIN_GLOSSES <= len(glosses) <= MAX_GLOSSES:
            return Utterance("de", tuple(words), tuple(glosses), tuple(markers))


def all_glosses() -> list[str]:
    """Every gloss the grammar can produce (sorted), found by exhaustive sampling of the tables."""
    glosses: set[str] = set(NUMBER_GLOSSES) | {"MINUS", "GRAD", "BIS"}
    for table in (TIMES, REGIONS, ADVERBS, WIND_STRENGTH):
        for _, g in table:
            glosses.update(g)
    for _, _, g, adjs in GIBT_NOUNS:
        glosses.add(g)
        glosses.update(gloss_of(a) for a in adjs)
    glosses.update(gloss_of(a) for a in PRED_ADJ + LUFT_ADJ)
    glosses.update(gloss_of(d) for d in DIRECTIONS + WEEKDAYS + MONTHS)
    glosses.update(
        [
            "REGEN",
            "SCHNEE",
            "NICHT",
            "KEIN",
            "BLEIBEN",
            "MEHR",
            "SONNE",
            "SCHEINEN",
            "WOLKE",
            "AUFLOCKERN",
            "NEBEL",
            "AUFLOESEN",
            "WIND",
            "TEMPERATUR",
            "STEIGEN",
            "SINKEN",
            "HOECHSTWERT",
            "TIEFSTWERT",
            "TIEF",
            "HOCH",
            "BRINGEN",
            "GEWITTER",
            "LUFT",
            "KALT",
            "WARM",
            "WETTER",
            "TROCKEN",
            "KOMMEN",
            "JETZT",
            "MORGEN",
            "HEUTE",
            "NACHT",
            "WOCHENENDE",
            "GUT",
            "ABEND",
            "TAG",
            "LIEB",
            "ZUSCHAUER",
            "IHR",
            "SCHOEN",
        ]
    )
    return sorted(glosses)
