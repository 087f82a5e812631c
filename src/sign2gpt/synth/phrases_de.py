"""The vocabulary of the small German forecast grammar (``grammar_de``): numbers, weekdays,
months, and the phrase tables (times, regions, adverbs, nouns, adjectives, wind strengths), each
phrase in its spoken form and its glosses.

Pure tables, plus the two helpers they are written with (:func:`gloss_of`, :func:`phrase`); how
a sentence is built from them is ``grammar_de``'s job. (The ``large`` preset's vocabulary is
``words_de``.)
"""

from __future__ import annotations


def gloss_of(word: str) -> str:
    """Phoenix14T gloss spelling: uppercase, umlauts and sharp s written out."""
    out = word.upper()
    for a, b in (("Ä", "AE"), ("Ö", "OE"), ("Ü", "UE"), ("ß", "SS")):
        out = out.replace(a, b)
    return out


NUMBERS = [
    "null",
    "ein",
    "zwei",
    "drei",
    "vier",
    "fünf",
    "sechs",
    "sieben",
    "acht",
    "neun",
    "zehn",
    "elf",
    "zwölf",
    "dreizehn",
    "vierzehn",
    "fünfzehn",
    "sechzehn",
    "siebzehn",
    "achtzehn",
    "neunzehn",
    "zwanzig",
    "einundzwanzig",
    "zweiundzwanzig",
    "dreiundzwanzig",
    "vierundzwanzig",
    "fünfundzwanzig",
    "sechsundzwanzig",
    "siebenundzwanzig",
    "achtundzwanzig",
    "neunundzwanzig",
    "dreißig",
]
NUMBER_GLOSSES = ["EINS" if w == "ein" else gloss_of(w) for w in NUMBERS]


WEEKDAYS = ["montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"]
MONTHS = [
    "januar",
    "februar",
    "märz",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "dezember",
]

# Phrase tables: (spoken tokens, glosses).
Phrase = tuple[tuple[str, ...], tuple[str, ...]]


def phrase(spoken: str, glosses: str) -> Phrase:
    """A phrase from its spoken words and its glosses, each written space-separated."""
    return tuple(spoken.split()), tuple(glosses.split())


TIMES: list[Phrase] = [
    phrase("heute", "HEUTE"),
    phrase("morgen", "MORGEN"),
    phrase("übermorgen", "UEBERMORGEN"),
    phrase("heute nacht", "HEUTE NACHT"),
    phrase("in der nacht", "NACHT"),
    phrase("morgen früh", "MORGEN FRUEH"),
    phrase("am vormittag", "VORMITTAG"),
    phrase("am nachmittag", "NACHMITTAG"),
    phrase("am abend", "ABEND"),
    phrase("am wochenende", "WOCHENENDE"),
    phrase("im laufe des tages", "TAG VERLAUF"),
    phrase("in den nächsten tagen", "NAECHSTE TAG"),
    phrase("später", "SPAETER"),
] + [phrase(f"am {d}", gloss_of(d)) for d in WEEKDAYS]

DIRECTIONS = ["nord", "süd", "ost", "west", "nordwest", "nordost", "südwest", "südost"]

REGIONS: list[Phrase] = (
    [phrase(f"im {d}en", gloss_of(d)) for d in DIRECTIONS]
    + [
        phrase(f"im {a}en und {b}en", f"{gloss_of(a)} {gloss_of(b)}")
        for a, b in [("nord", "ost"), ("nord", "west"), ("süd", "ost"), ("süd", "west")]
    ]
    + [
        phrase("in der mitte", "MITTE"),
        phrase("an der küste", "KUESTE"),
        phrase("an der see", "MEER"),
        phrase("in den bergen", "BERG"),
        phrase("an den alpen", "ALPEN"),
        phrase("im flachland", "FLACH LAND"),
        phrase("in bayern", "BAYERN"),
        phrase("am rhein", "RHEIN"),
        phrase("im ganzen land", "GANZ LAND"),
        phrase("überall", "UEBERALL"),
        phrase("sonst", "SONST"),
    ]
)

# Adverbs before the region in the middle field; their glosses come before the predicate.
ADVERBS: list[Phrase] = [
    phrase("zeitweise", "ZEITWEISE"),
    phrase("häufig", "OFT"),
    phrase("auch", "AUCH"),
    phrase("vereinzelt", "VEREINZELT"),
    phrase("immer wieder", "IMMER WIEDER"),
    phrase("noch", "NOCH"),
]

# Nouns for "es gibt ...": lemma, accusative form, gender (m f n pl), gloss, adjectives allowed.
GIBT_NOUNS: list[tuple[str, str, str, list[str]]] = [
    ("regen", "m", "REGEN", ["stark", "leicht", "kräftig"]),
    ("schnee", "m", "SCHNEE", ["leicht", "viel"]),
    ("nebel", "m", "NEBEL", ["dicht"]),
    ("frost", "m", "FROST", ["leicht", "streng"]),
    ("sonnenschein", "m", "SONNE", ["viel"]),
    ("schauer", "pl", "SCHAUER", ["einzeln", "kräftig", "leicht"]),
    ("gewitter", "pl", "GEWITTER", ["einzeln", "kräftig", "schwer"]),
    ("wolken", "pl", "WOLKE", ["viel", "dicht"]),
    ("böen", "pl", "BOE", ["stürmisch", "stark"]),
    ("glätte", "f", "GLATT", []),
    ("hagel", "m", "HAGEL", []),
]

STRONG_ACC = {"m": "en", "f": "e", "n": "es", "pl": "e"}
KEIN_ACC = {"m": "keinen", "f": "keine", "n": "kein", "pl": "keine"}


# Predicative adjectives (bleibt / ist / wird es ...) and their comparatives.
PRED_ADJ = [
    "trocken",
    "freundlich",
    "sonnig",
    "wolkig",
    "heiter",
    "kühl",
    "kalt",
    "warm",
    "mild",
    "windig",
    "nass",
    "schwül",
    "wechselhaft",
]
COMPARATIVES = {
    "warm": "wärmer",
    "kalt": "kälter",
    "kühl": "kühler",
    "mild": "milder",
    "freundlich": "freundlicher",
    "sonnig": "sonniger",
}
ADJ_PAIRS = [("heiter", "wolkig"), ("sonnig", "wolkig"), ("trocken", "freundlich")]

WIND_STRENGTH: list[Phrase] = [
    phrase("schwach", "SCHWACH"),
    phrase("mäßig", "MAESSIG"),
    phrase("frisch", "FRISCH"),
    phrase("stark", "STARK"),
    phrase("stürmisch", "STUERMISCH"),
    phrase("schwach bis mäßig", "SCHWACH BIS MAESSIG"),
    phrase("mäßig bis frisch", "MAESSIG BIS FRISCH"),
]

LUFT_ADJ = ["kalt", "warm", "feucht", "trocken", "mild"]

NIGHT_TIMES = {"NACHT", "ABEND"}
