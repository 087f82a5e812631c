"""From a spoken sentence to its signs: lemmas in sign order, by explicit rules.

The sentence is tagged by the very tagger the pseudo-gloss code uses
(``sign2gpt.text.backends``: HanTa for German, jieba for Chinese). Every sign comes from a lemma;
a ``sign_map`` (lowercase lemma -> signs) may replace a lemma by other signs (a derived word by
the sign of its base, a compound by the signs of its parts); without one, a German sign is the
lemma in Phoenix14T's gloss spelling (``gloss_of``: uppercase, umlauts written out) and a
Chinese sign is the word itself, as CSL-Daily's glosses.

German rules (``sign_german``), applied per clause (clauses end at a comma or sentence
punctuation, before a coordinating or subordinating conjunction):

1. Not signed: articles and other determiners (ART, PDAT, PPOSAT, PRELAT, PWAT is kept as a
   question word), prepositions (APPR, APPRART, APPO, APZR), auxiliaries (VA*: sein, haben,
   werden), ``zu`` (PTKZU), ``am`` before a superlative (PTKA), reflexives (PRF), relative
   pronouns (PRELS), the expletive ``es`` and ``man``, ``und`` / ``sowie`` / ``oder`` / ``als``
   / ``wie``, punctuation. Other conjunctions (``aber``, ``weil``, ``wenn`` ...) are signed
   first in their clause.
   A coordinating conjunction ends a clause only between two finite verbs (else it stays in
   place: SCHWACH BIS MAESSIG); in a subordinate clause a second finite verb right after the
   first starts the main clause.
2. A separated verb particle (PTKVZ: ``lockern ... auf``) joins the full verb before it
   (``auflockern``).
3. Time first: a chunk (a noun with the articles, prepositions, adjectives and numbers before
   it) whose noun or adverb is a time word (``TIME_WORDS``: days, months, seasons, parts of the
   day, heute, morgen, ..., and compounds ending in one: ``sonntagabend``) comes first, with
   raised eyebrows (topic); a chunk with a number or after ``pro`` is an amount, not a time
   (``vierzehn sonnenstunden``, ``pro stunde``).
4. Place next: a chunk introduced by a preposition of place or direction (``PLACE_PREPS``) that
   holds a noun or name and no number.
5. Then everything else in spoken order, an attributive adjective after its noun
   (``kalte luft`` -> LUFT KALT); numbers stay before their noun (ZWANZIG GRAD); a comparative
   (``wärmer``, lemma ``warm``) is followed by MEHR.
6. Verbs (full and modal) last, in spoken order.
7. Negation (``nicht``, ``kein``) after the verbs, with a head shake on the verbs and on it.
8. Question words (PWS, PWAV, PWAT) at the very end with lowered eyebrows; a sentence ending in
   ``?`` without one carries raised eyebrows on its last clause.
9. A sentence left without any sign (only function words) signs every word's lemma.

Chinese rules (``sign_chinese``): not signed are particles (的 了 吗 呢 吧 ...), prepositions
(在 把 被 ...), conjunctions 和 / 跟 / 与, measure words, the copula 是, 很 and punctuation; time
words (tag t) first, then places (s, ns, localiser phrases), then the other words in spoken
order, verbs after them, modal verbs (想 要 会 能 可以 应该 ...) after the verbs, negation
(不 没 没有 别) after those with a head shake, question words (什么 哪里 谁 几 怎么 为什么 多少
哪) last with lowered eyebrows; a yes/no question (吗 or ？ without a question word) carries raised
eyebrows throughout. As in ``grammar_zh``, whose sentences these rules sign the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sign2gpt.synth.phrases_de import gloss_of
from sign2gpt.text.backends import Backend, TaggedToken, stts_tag


@dataclass(frozen=True)
class Signed:
    """A sentence's tokens and its signs: ``glosses`` in sign order, one marker each, and
    ``lemmas``: the lemma each sign came from (a compound gives several signs one lemma)."""

    words: tuple[str, ...]
    pos: tuple[str, ...]
    glosses: tuple[str, ...]
    markers: tuple[str, ...]
    lemmas: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# German

DROP_TAGS = {
    "ART", "PDAT", "PPOSAT", "PRELAT", "PRELS", "APPR", "APPRART", "APPO", "APZR", "PTKZU",
    "PTKA", "PRF", "KOKOM", "KOUI", "PTKANT", "VAFIN", "VAINF", "VAPP", "VAIMP", "$,", "$.", "$(",
}  # fmt: skip
DROP_LEMMAS = {"es", "man", "und", "sowie"}
CLAUSE_OPENERS = {"KON", "KOUS"}
QUESTION_TAGS = {"PWS", "PWAV", "PWAT"}
NEGATION_LEMMAS = {"nicht", "kein"}
PLACE_PREPS = {
    "in", "im", "ins", "an", "am", "ans", "auf", "bei", "beim", "über", "vor", "hinter",
    "zwischen", "von", "vom", "aus", "nach", "bis", "entlang", "um", "nördlich", "südlich",
    "östlich", "westlich", "zur", "zum",
}  # fmt: skip
_DAYS = ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag")
_MONTHS = ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
           "oktober", "november", "dezember")  # fmt: skip
TIME_WORDS = {
    *_DAYS, *_MONTHS, "frühling", "sommer", "herbst", "winter", "frühjahr", "morgen", "vormittag",
    "mittag", "nachmittag", "abend", "nacht", "tag", "woche", "wochenende", "monat", "jahr",
    "stunde", "heute", "gestern", "vorgestern", "übermorgen", "jetzt", "nun", "später", "bald",
    "zunächst", "anfangs", "dann", "danach", "abends", "nachts", "morgens", "mittags",
    "vormittags", "nachmittags", "tagsüber", "früh", "spät", "ostern", "pfingsten",
    "weihnachten", "silvester", "neujahr", "feiertag", "verlauf", "lauf", "beginn", "anfang",
    "ende", "mitte", "zeit", "tageshälfte", "jahreswechsel", "inzwischen", "bisher",
    "demnächst", "spätabends", "frühmorgens", "vorerst", "anschließend", "zuvor", "vorher",
    "nachher",
}  # fmt: skip
# compounds ending in one of these are time words too ("sonntagabend", "morgenstunden")
TIME_SUFFIXES = ("tag", "nacht", "abend", "morgen", "mittag", "stunde", "woche", "wochenende")


def is_time_word(lemma: str) -> bool:
    lemma = lemma.lower()
    return lemma in TIME_WORDS or lemma.endswith(TIME_SUFFIXES)


@dataclass
class _Tok:
    text: str
    lemma: str  # lowercase
    tag: str  # plain STTS


@dataclass
class _Chunk:
    toks: list[_Tok]
    kind: str  # time | place | core | verb | neg | question | opener


def _is_finite(tag: str) -> bool:
    return tag.endswith("FIN")


def _german_clauses(tokens: Sequence[TaggedToken]) -> list[list[_Tok]]:
    """Split at punctuation, before a subordinating conjunction, before a coordinating one
    that joins two clauses (a finite verb on both sides: "es regnet und die wolken ziehen
    ab", not "zwischen zwei und zehn grad") and, in a subordinate clause, before a finite verb
    right after its finite verb ("wenn es regnet wird es kalt")."""
    toks = [_Tok(t.text, t.lemma.lower(), stts_tag(t.tag)) for t in tokens]
    clauses: list[list[_Tok]] = [[]]
    for i, tok in enumerate(toks):
        cur = clauses[-1]
        if tok.tag in ("$,", "$.", "$("):
            if cur:
                clauses.append([])
            continue
        split = False
        if cur and tok.tag == "KOUS":
            split = True
        elif cur and tok.tag == "KON":
            after: list[_Tok] = []
            for t in toks[i + 1 :]:
                if t.tag in ("KON", "KOUS", "$,", "$.", "$("):
                    break
                after.append(t)
            split = any(_is_finite(t.tag) for t in cur) and any(_is_finite(t.tag) for t in after)
        elif cur and _is_finite(tok.tag) and cur[0].tag == "KOUS" and _is_finite(cur[-1].tag):
            split = True
        if split:
            clauses.append([])
        clauses[-1].append(tok)
    return [c for c in clauses if c]


def _join_particles(clause: list[_Tok]) -> list[_Tok]:
    out: list[_Tok] = []
    for tok in clause:
        if tok.tag == "PTKVZ":
            verb = next((t for t in reversed(out) if t.tag.startswith("VV")), None)
            if verb is not None:
                verb.lemma = tok.lemma + verb.lemma
                continue
        out.append(tok)
    return out


def _chunks(clause: list[_Tok]) -> list[_Chunk]:
    """Noun chunks (prepositions, determiners, adjectives, numbers up to the noun) and single
    tokens, each with its kind."""
    chunks: list[_Chunk] = []
    pending: list[_Tok] = []
    for pos, tok in enumerate(clause):
        tag = tok.tag
        if tag in ("NN", "NE", "NNE", "NNA", "NNI") or (tok.lemma in TIME_WORDS and tag == "ADV"):
            pending.append(tok)
            prep = next((t.lemma for t in pending if t.tag in ("APPR", "APPRART")), "")
            head = [t for t in pending if t.tag != "ADV" or t is tok]
            number = any(t.tag == "CARD" for t in pending)
            if (
                prep != "pro"
                and not number
                and any(is_time_word(t.lemma) for t in head if t.tag in ("NN", "NE", "ADV"))
            ):
                kind = "time"
            elif (prep in PLACE_PREPS or pending[0].lemma in PLACE_PREPS) and not number:
                kind = "place"
            else:
                kind = "core"
            chunks.append(_Chunk(pending, kind))
            pending = []
            continue
        if tag in ("APPR", "APPRART", "ART", "ADJA", "CARD", "PIAT", "PDAT", "PPOSAT") or (
            tag == "ADJD" and tok.lemma in PLACE_PREPS
        ):
            pending.append(tok)
            continue
        chunks.extend(_Chunk([t], "core") for t in pending)
        pending = []
        if tag.startswith(("VV", "VM")):
            kind = "verb"
        elif tok.lemma in NEGATION_LEMMAS:
            kind = "neg"
        elif tag in QUESTION_TAGS:
            kind = "question"
        elif tag in CLAUSE_OPENERS and pos == 0:
            kind = "opener"
        elif tag == "ADV" and is_time_word(tok.lemma):
            kind = "time"
        else:
            kind = "core"
        chunks.append(_Chunk([tok], kind))
    chunks.extend(_Chunk([t], "core") for t in pending)
    return chunks


def _signable(tok: _Tok) -> bool:
    if tok.tag in DROP_TAGS or tok.lemma in DROP_LEMMAS:
        return False
    if tok.tag in CLAUSE_OPENERS:
        return tok.lemma not in ("und", "sowie", "oder")
    return any(c.isalnum() for c in tok.text)


def _chunk_order(chunk: _Chunk) -> list[_Tok]:
    """Within a chunk: attributive adjectives after the noun(s), numbers before them."""
    toks = [t for t in chunk.toks if _signable(t)]
    if chunk.kind not in ("time", "place", "core") or len(toks) < 2:
        return toks
    adjs = [t for t in toks if t.tag == "ADJA"]
    rest = [t for t in toks if t.tag != "ADJA"]
    return rest + adjs


def _signs_of(tok: _Tok, sign_map: Mapping[str, Sequence[str]]) -> list[str]:
    signs = list(sign_map[tok.lemma]) if tok.lemma in sign_map else [gloss_of(tok.lemma)]
    text = tok.text.lower()
    if tok.tag == "ADJD" and text != tok.lemma and text.endswith("er"):
        signs.append("MEHR")  # a comparative: wärmer -> WARM MEHR
    return signs


def sign_german(
    tokens: Sequence[TaggedToken], sign_map: Mapping[str, Sequence[str]] | None = None
) -> tuple[list[str], list[str], list[str]]:
    """Glosses, markers and the lemma of each gloss for one tagged German sentence."""
    sign_map = sign_map or {}
    glosses: list[str] = []
    markers: list[str] = []
    lemmas: list[str] = []
    question = bool(tokens) and tokens[-1].text == "?"
    clauses = _german_clauses(tokens)
    for ci, clause in enumerate(clauses):
        chunks = _chunks(_join_particles(clause))
        by_kind: dict[str, list[_Tok]] = {}
        for ch in chunks:
            for tok in _chunk_order(ch):
                kind = "neg" if tok.lemma in NEGATION_LEMMAS else ch.kind
                by_kind.setdefault(kind, []).append(tok)
        negated = bool(by_kind.get("neg"))
        wh = bool(by_kind.get("question"))
        last = ci == len(clauses) - 1
        for kind in ("opener", "time", "place", "core", "verb", "neg", "question"):
            for tok in by_kind.get(kind, []):
                signs = _signs_of(tok, sign_map)
                if kind == "time":
                    mark = "brows_up"
                elif kind in ("verb", "neg") and negated:
                    mark = "headshake"
                elif kind == "question":
                    mark = "brows_down"
                elif question and last and not wh:
                    mark = "brows_up"
                else:
                    mark = ""
                glosses += signs
                markers += [mark] * len(signs)
                lemmas += [tok.lemma] * len(signs)
    if not glosses:  # rule 9
        for t in tokens:
            if any(c.isalnum() for c in t.text):
                tok = _Tok(t.text, t.lemma.lower(), stts_tag(t.tag))
                signs = _signs_of(tok, sign_map)
                glosses += signs
                markers += [""] * len(signs)
                lemmas += [tok.lemma] * len(signs)
    return glosses, markers, lemmas


# ---------------------------------------------------------------------------------------------
# Chinese

ZH_DROP_WORDS = {"是", "很", "的", "了", "吗", "呢", "吧", "啊", "着", "过", "在", "和", "跟", "与",
                 "把", "被", "地", "得"}  # fmt: skip
ZH_DROP_UPOS = {"PART", "ADP", "PUNCT", "CCONJ", "DET", "X"}
ZH_MODALS = {"想", "要", "会", "能", "可以", "应该", "必须", "可能", "愿意", "敢"}
ZH_NEGATION = {"不", "没", "没有", "别", "不要"}
ZH_QUESTION = {"什么", "哪里", "谁", "几", "怎么", "为什么", "多少", "哪", "哪儿", "怎么样"}
ZH_TIME_TAGS = {"t", "tg"}
ZH_PLACE_TAGS = {"s", "ns", "nsf", "f"}


def sign_chinese(tokens: Sequence[TaggedToken]) -> tuple[list[str], list[str], list[str]]:
    """Glosses, markers and words of one tagged Chinese sentence (rules in the module doc)."""
    groups: dict[str, list[str]] = {}
    for t in tokens:
        w = t.text
        if w in ZH_QUESTION:
            kind = "question"
        elif w in ZH_NEGATION:
            kind = "neg"
        elif w in ZH_MODALS:
            kind = "modal"
        elif w in ZH_DROP_WORDS or t.upos in ZH_DROP_UPOS or t.tag in ("q", "qv", "qt"):
            continue
        elif t.tag in ZH_TIME_TAGS:
            kind = "time"
        elif t.tag in ZH_PLACE_TAGS:
            kind = "place"
        elif t.upos == "VERB":
            kind = "verb"
        else:
            kind = "core"
        groups.setdefault(kind, []).append(w)
    yes_no = (
        bool(tokens)
        and not groups.get("question")
        and (tokens[-1].text in ("？", "?") or any(t.text == "吗" for t in tokens))
    )
    glosses: list[str] = []
    markers: list[str] = []
    negated = bool(groups.get("neg"))
    for kind in ("time", "place", "core", "verb", "modal", "neg", "question"):
        for w in groups.get(kind, []):
            if kind == "question":
                mark = "brows_down"
            elif kind in ("verb", "modal", "neg") and negated:
                mark = "headshake"
            elif yes_no:
                mark = "brows_up"
            else:
                mark = ""
            glosses.append(w)
            markers.append(mark)
    if not glosses:
        glosses = [t.text for t in tokens if t.upos != "PUNCT"]
        markers = [""] * len(glosses)
    return glosses, markers, list(glosses)


def sign_sentence(
    sentence: str, backend: Backend, sign_map: Mapping[str, Sequence[str]] | None = None
) -> Signed:
    """Tag ``sentence`` and sign it by the rules of its language."""
    tokens = backend.tag(sentence)
    if backend.lang == "zh":
        glosses, markers, lemmas = sign_chinese(tokens)
    else:
        glosses, markers, lemmas = sign_german(tokens, sign_map)
    return Signed(
        words=tuple(t.text for t in tokens),
        pos=tuple(t.tag for t in tokens),
        glosses=tuple(glosses),
        markers=tuple(markers),
        lemmas=tuple(lemmas),
    )
