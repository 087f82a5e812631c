"""One verb-second clause of the small German forecast grammar (``grammar_de``), realised twice:
spoken German (the fronted part, the finite verb, the middle field, the particle last) and the
glosses in sign order (the topic first with raised eyebrows, then time, place, subject,
complement, the verb's sign last; negation with a head shake), with one marker per gloss.
"""

from __future__ import annotations

from dataclasses import dataclass

from sign2gpt.synth.phrases_de import Phrase


@dataclass
class Clause:
    """A verb-second clause: its parts in spoken form and in gloss form."""

    vfin: tuple[str, ...]  # finite verb (with "es" when impersonal and not fronted)
    subject: Phrase | None = None  # None = impersonal "es"
    complement: Phrase = ((), ())  # spoken at the end of the middle field; glossed before pred
    pred_gloss: tuple[str, ...] = ()  # the verb's sign, last
    manner: Phrase = ((), ())  # spoken last in the middle field; glossed after the predicate
    particle: tuple[str, ...] = ()  # separable verb particle, spoken clause-finally
    neg: Phrase = ((), ())  # "nicht" / glossed NICHT or KEIN, with a head shake
    time: Phrase | None = None
    region: Phrase | None = None
    adverb: Phrase | None = None
    front: str = ""  # "time" | "region" | "subject" | "es"
    daylight: bool = False  # sunshine: never combined with a night-time phrase

    def realise(self) -> tuple[list[str], list[str], list[str]]:
        """-> (spoken words, glosses, markers)."""
        t, r, s = self.time, self.region, self.subject
        parts = {"time": t, "region": r, "subject": s}
        words: list[str] = []
        if self.front == "es":
            words += ["es", *self.vfin]
        else:
            front = parts[self.front]
            assert front is not None
            words += [*front[0], *self.vfin]
            if s is None:
                words.append("es")
        if s is not None and self.front != "subject":
            words += s[0]
        if t is not None and self.front != "time":
            words += t[0]
        if self.adverb is not None:
            words += self.adverb[0]
        if r is not None and self.front != "region":
            words += r[0]
        words += self.complement[0]
        words += self.manner[0]
        words += self.neg[0]
        words += self.particle

        glosses: list[str] = []
        markers: list[str] = []
        if self.front in parts:
            front = parts[self.front]
            assert front is not None
            glosses += front[1]
            markers += ["brows_up"] * len(front[1])  # topic marking
        for name in ("time", "region", "subject"):
            p = parts[name]
            if p is not None and name != self.front:
                glosses += p[1]
                markers += [""] * len(p[1])
        if self.adverb is not None:
            glosses += self.adverb[1]
            markers += [""] * len(self.adverb[1])
        neg = bool(self.neg[1])
        comp_mark = "headshake" if neg and not self.pred_gloss else ""
        glosses += self.complement[1]
        markers += [comp_mark] * len(self.complement[1])
        glosses += self.pred_gloss
        markers += ["headshake" if neg else ""] * len(self.pred_gloss)
        glosses += self.manner[1]
        markers += [""] * len(self.manner[1])
        glosses += self.neg[1]
        markers += ["headshake"] * len(self.neg[1])
        return words, glosses, markers
