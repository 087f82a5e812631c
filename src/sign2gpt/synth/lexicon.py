"""The sign lexicon: every gloss is a sign built from a few shared phonological features.

A sign = a handshape (``handshapes.HANDSHAPES``), a start and an end location on or around the
body, a movement between them, the direction the fingers point, one or two hands (the second
hand mirroring the first, or held still as a base the first hand moves onto), an optional handshape
change and an optional mouthing. Many signs share each feature value, so that telling two signs
apart takes more than one cue; every pair of signs differs in at least two features.

The lexicon is fixed per language (its own seed), not per corpus seed: the same gloss is always
the same sign, as in a real sign language.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass

from sign2gpt.synth.handshapes import HANDSHAPES
from sign2gpt.synth.signers import Signer

MOVEMENTS = ("straight", "arc", "circle", "repeated", "zigzag", "tap")
# Finger direction in degrees in the body frame (y down, 0 = towards the dominant side).
ORIENTATIONS = {"up": -90.0, "up_in": -130.0, "in": 180.0, "up_out": -50.0, "down_in": 140.0}
HANDS = ("one", "sym", "base")

# Location name -> function of the signer's body giving (x, y) in the body frame.
# Head-relative locations scale with the head, torso-relative ones with the shoulders.
_LOCATIONS = {
    "above_head": ("head", 0.3, -1.45),
    "forehead": ("head", 0.0, -0.55),
    "temple": ("head", 0.95, -0.35),
    "eye": ("head", 0.45, -0.1),
    "mouth": ("head", 0.0, 0.5),
    "chin": ("head", 0.0, 1.1),
    "cheek": ("head", 1.0, 0.35),
    "ear": ("head", 1.45, 0.0),
    "neck": ("torso", 0.0, 0.15),
    "chest": ("torso", 0.0, 0.95),
    "chest_dom": ("torso", 0.6, 0.95),
    "chest_nd": ("torso", -0.6, 0.95),
    "shoulder_nd": ("torso", -0.95, 0.45),
    "shoulder_dom": ("torso", 0.95, 0.45),
    "stomach": ("torso", 0.0, 2.0),
    "neutral": ("torso", 0.45, 1.55),
    "side": ("torso", 1.6, 1.4),
    "high": ("torso", 1.5, -0.6),
    "far": ("torso", 2.0, 0.4),
    "low": ("torso", 1.1, 2.35),
}
LOCATIONS = tuple(_LOCATIONS)
BASE_HAND = (-0.3, 1.75)  # torso units: where the non-dominant base hand is held
BASE_TOP = (-0.2, 1.45)  # torso units: where the dominant hand lands on the base hand


def location_point(name: str, s: Signer) -> tuple[float, float]:
    """Body-frame coordinates (canonical units) of a named location for signer ``s``."""
    if name == "base":
        return BASE_TOP[0] * s.shoulder_w, BASE_TOP[1] * s.shoulder_w
    part, ax, ay = _LOCATIONS[name]
    if part == "head":
        return ax * s.head_rx, s.head_cy + ay * s.head_ry
    return ax * s.shoulder_w, ay * s.shoulder_w


@dataclass(frozen=True)
class Sign:
    gloss: str
    handshape: str
    end_handshape: str  # = handshape unless the sign changes handshape
    start: str  # location name ("base" = on the non-dominant base hand)
    end: str
    movement: str
    orientation: str
    hands: str  # one | sym | base
    mouthing: bool

    def features(self) -> tuple[str, ...]:
        return (self.handshape, self.start, self.end, self.movement, self.orientation, self.hands)

    def to_json(self) -> dict:
        return asdict(self)


def _distance(a: Sign, b: Sign) -> int:
    return sum(x != y for x, y in zip(a.features(), b.features()))


# Iconic or conventional choices for frequent weather/number signs; the rest is drawn at random.
ICONIC_DE: dict[str, dict[str, str]] = {
    "REGEN": dict(
        handshape="open5",
        start="high",
        end="side",
        movement="repeated",
        orientation="down_in",
        hands="sym",
    ),
    "SCHNEE": dict(handshape="claw", start="high", end="low", movement="zigzag", hands="sym"),
    "SONNE": dict(
        handshape="open5",
        start="above_head",
        end="above_head",
        movement="circle",
        hands="one",
        orientation="up",
    ),
    "WIND": dict(
        handshape="flat", start="far", end="chest_nd", movement="arc", hands="sym", orientation="in"
    ),
    "WOLKE": dict(handshape="c", start="high", end="high", movement="circle", hands="sym"),
    "NORD": dict(
        handshape="index",
        start="chest",
        end="above_head",
        movement="straight",
        orientation="up",
        hands="one",
    ),
    "SUED": dict(
        handshape="index",
        start="chest",
        end="low",
        movement="straight",
        orientation="down_in",
        hands="one",
    ),
    "OST": dict(
        handshape="index",
        start="chest_dom",
        end="far",
        movement="straight",
        orientation="up_out",
        hands="one",
    ),
    "WEST": dict(
        handshape="index",
        start="chest_dom",
        end="shoulder_nd",
        movement="straight",
        orientation="in",
        hands="one",
    ),
    "NICHT": dict(
        handshape="index",
        start="neutral",
        end="neutral",
        movement="zigzag",
        orientation="up",
        hands="one",
    ),
    "KEIN": dict(
        handshape="flat",
        start="chest",
        end="side",
        movement="straight",
        orientation="in",
        hands="sym",
    ),
    "TEMPERATUR": dict(
        handshape="index", start="base", end="base", movement="repeated", hands="base"
    ),
    "GRAD": dict(handshape="o", start="high", end="high", movement="tap", hands="one"),
    "EINS": dict(handshape="index", start="neutral", end="neutral", movement="tap"),
    "ZWEI": dict(handshape="v", start="neutral", end="neutral", movement="tap"),
    "DREI": dict(handshape="three", start="neutral", end="neutral", movement="tap"),
    "VIER": dict(handshape="four", start="neutral", end="neutral", movement="tap"),
    "FUENF": dict(handshape="open5", start="neutral", end="neutral", movement="tap"),
}
ICONIC: dict[str, dict[str, dict[str, str]]] = {"de": ICONIC_DE, "zh": {}}
LEXICON_SEED = {"de": 1409, "zh": 2020}


def build_lexicon(glosses: list[str], lang: str, stable: bool = False) -> dict[str, Sign]:
    """One sign per gloss; deterministic for a given gloss list and language.

    ``stable``: each gloss draws from its own random stream (seeded by the gloss), so that a
    gloss keeps its sign from one corpus to the next unless it collides with a sign placed
    before it (then it draws on from its stream); used for corpora made from any sentences.
    Without it (the grammar presets) one stream serves the whole list, as it always has."""
    from sign2gpt.synth.signers import SIGNERS

    rng = random.Random(LEXICON_SEED.get(lang, 7))
    ref = SIGNERS[0]
    points = {n: location_point(n, ref) for n in LOCATIONS}
    shapes = sorted(HANDSHAPES)
    # Signs far from the head/torso midline so that a mirrored second hand does not overlap.
    sym_ok = [n for n in LOCATIONS if points[n][0] >= 5.0]

    def dist(a: str, b: str) -> float:
        (ax, ay), (bx, by) = points[a], points[b]
        return ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5

    def draw(gloss: str, fixed: dict[str, str]) -> Sign:
        f = dict(fixed)
        hands = f.get("hands") or rng.choices(HANDS, weights=[60, 25, 15])[0]
        movement = f.get("movement")
        if movement is None:
            allowed = ["straight", "arc", "tap"] if hands == "base" else list(MOVEMENTS)
            weights = [25, 20, 15, 15, 10, 15] if hands != "base" else [40, 30, 30]
            movement = rng.choices(allowed, weights=weights)[0]
        pool = sym_ok if hands == "sym" else list(LOCATIONS)
        start = f.get("start") or rng.choice(pool)
        end = f.get("end")
        if end is None:
            if hands == "base":
                end = "base"
            elif movement in ("circle", "tap"):
                end = start
            else:
                cands = [n for n in pool if n != start and 8.0 <= dist(start, n) <= 30.0]
                end = rng.choice(cands)
        if movement in ("circle", "tap") and hands != "base":
            end = start
        hs = f.get("handshape") or rng.choice(shapes)
        end_hs = f.get("end_handshape") or (rng.choice(shapes) if rng.random() < 0.15 else hs)
        orientation = f.get("orientation") or rng.choice(sorted(ORIENTATIONS))
        return Sign(
            gloss=gloss,
            handshape=hs,
            end_handshape=end_hs,
            start=start,
            end=end,
            movement=movement,
            orientation=orientation,
            hands=hands,
            mouthing=rng.random() < 0.35,
        )

    iconic = ICONIC.get(lang, {})
    out: dict[str, Sign] = {}
    # Iconic signs first so that random signs keep their distance from them.
    order = [g for g in glosses if g in iconic] + [g for g in glosses if g not in iconic]
    for gloss in order:
        if stable:
            rng.seed(f"{LEXICON_SEED.get(lang, 7)}/{gloss}")
        for _ in range(10_000):
            sign = draw(gloss, iconic.get(gloss, {}))
            if all(_distance(sign, other) >= 2 for other in out.values()):
                break
        else:  # pragma: no cover - the feature space is far larger than any lexicon here
            raise RuntimeError(f"could not place a distinct sign for {gloss}")
        out[gloss] = sign
    return {g: out[g] for g in glosses}
