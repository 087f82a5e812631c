"""From a gloss sequence to a pose per frame: sign timing, movement paths, co-articulation.

A clip is: rest, transition, sign 1, transition, sign 2, ..., transition, rest. Transitions
interpolate position, finger direction, handshape and face between the end of one segment and
the start of the next (co-articulation); the hands start and end at rest. Everything here is in
the body frame of ``signers.py`` (canonical units, x towards the dominant side).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from sign2gpt.synth.handshapes import HANDSHAPES, REST_SHAPE
from sign2gpt.synth.lexicon import BASE_HAND, ORIENTATIONS, Sign, location_point
from sign2gpt.synth.signers import Signer

HandState = tuple[float, float, float, tuple[float, ...]]  # x, y, finger angle (deg), shape


@dataclass(frozen=True)
class Timing:
    """Frame counts of the parts of a clip before the signer's speed is applied."""

    sign: tuple[int, int]  # duration of one sign, inclusive range
    transition: tuple[int, int]
    rest: tuple[int, int]  # hold at rest at the start and at the end


@dataclass
class Pose:
    dom: HandState
    nd: HandState
    brows: float  # +1 raised, -1 lowered, 0 neutral
    shake: float  # 0..1 strength of the head shake
    mouth: float  # 0 closed .. 1 open
    gloss: int  # index of the gloss being signed, -1 in transitions and rest


def _rest(s: Signer) -> tuple[HandState, HandState]:
    shape = HANDSHAPES[REST_SHAPE].vector()
    y = 2.6 * s.shoulder_w
    return (0.32 * s.shoulder_w, y, 165.0, shape), (-0.32 * s.shoulder_w, y, 15.0, shape)


def _smooth(a: float) -> float:
    return a * a * (3.0 - 2.0 * a)


def _lerp_state(a: HandState, b: HandState, t: float) -> HandState:
    da = (b[2] - a[2] + 180.0) % 360.0 - 180.0  # shortest way round
    shape = tuple(p + (q - p) * t for p, q in zip(a[3], b[3]))
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + da * t, shape)


def _path(sign: Sign, s: Signer, u: float) -> tuple[float, float]:
    """Dominant-hand position at progress u in [0, 1] of the sign's movement."""
    x0, y0 = location_point(sign.start, s)
    x1, y1 = location_point(sign.end, s)
    m = sign.movement
    if m == "circle":
        r = 0.33 * s.shoulder_w
        ang = -math.pi / 2 + 2 * math.pi * u
        return x0 + r * math.cos(ang), y0 + r + r * math.sin(ang)
    if m == "tap":
        return x0, y0 - 0.2 * s.shoulder_w * abs(math.sin(2 * math.pi * u))
    if m == "repeated":
        k = 3.0 * u  # out, back, out again
        f = k if k <= 1 else (2 - k if k <= 2 else k - 2)
        f = _smooth(min(max(f, 0.0), 1.0))
        return x0 + (x1 - x0) * f, y0 + (y1 - y0) * f
    f = _smooth(u)
    x, y = x0 + (x1 - x0) * f, y0 + (y1 - y0) * f
    dx, dy = x1 - x0, y1 - y0
    n = math.hypot(dx, dy) or 1.0
    px, py = dy / n, -dx / n  # perpendicular
    if py > 0:  # bulge upwards
        px, py = -px, -py
    if m == "arc":
        b = 0.3 * n * math.sin(math.pi * u)
        return x + px * b, y + py * b
    if m == "zigzag":
        b = 0.15 * s.shoulder_w * math.sin(6 * math.pi * u)
        if n < 1.0:  # in place: shake sideways
            px, py = 1.0, 0.0
        return x + px * b, y + py * b
    return x, y


def _sign_states(
    sign: Sign, s: Signer, u: float, rest_nd: HandState
) -> tuple[HandState, HandState]:
    x, y = _path(sign, s, u)
    a = ORIENTATIONS[sign.orientation]
    hs0 = HANDSHAPES[sign.handshape].vector()
    if sign.end_handshape != sign.handshape:
        t = _smooth(min(max((u - 0.4) / 0.4, 0.0), 1.0))
        hs1 = HANDSHAPES[sign.end_handshape].vector()
        shape = tuple(p + (q - p) * t for p, q in zip(hs0, hs1))
    else:
        shape = hs0
    dom = (x, y, a, shape)
    if sign.hands == "sym":
        nd = (-x, y, 180.0 - a, shape)
    elif sign.hands == "base":
        bx, by = BASE_HAND[0] * s.shoulder_w, BASE_HAND[1] * s.shoulder_w
        nd = (bx, by, 0.0, HANDSHAPES["flat"].vector())
    else:
        nd = rest_nd
    return dom, nd


MARKER_BROWS = {"brows_up": 1.0, "brows_down": -1.0}


def plan_clip(
    signs: list[Sign],
    markers: list[str],
    signer: Signer,
    timing: Timing,
    rng: random.Random,
) -> tuple[list[Pose], list[tuple[int, int]]]:
    """Poses for every frame and the [start, end) frame span of every sign."""
    rest_dom, rest_nd = _rest(signer)

    def frames(lo_hi: tuple[int, int]) -> int:
        return max(1, round(rng.randint(*lo_hi) / signer.speed))

    poses: list[Pose] = []
    spans: list[tuple[int, int]] = []

    def face(i: int) -> tuple[float, float]:
        if i < 0:
            return 0.0, 0.0
        return MARKER_BROWS.get(markers[i], 0.0), 1.0 if markers[i] == "headshake" else 0.0

    for _ in range(frames(timing.rest)):
        poses.append(Pose(rest_dom, rest_nd, 0.0, 0.0, 0.0, -1))
    prev_dom, prev_nd, prev_i = rest_dom, rest_nd, -1
    for i, sign in enumerate(signs):
        n_sign = frames(timing.sign)
        n_trans = frames(timing.transition) + (1 if i == 0 else 0)
        first_dom, first_nd = _sign_states(sign, signer, 0.0, rest_nd)
        b0, s0 = face(prev_i)
        b1, s1 = face(i)
        for j in range(1, n_trans + 1):
            t = _smooth(j / (n_trans + 1))
            poses.append(
                Pose(
                    _lerp_state(prev_dom, first_dom, t),
                    _lerp_state(prev_nd, first_nd, t),
                    b0 + (b1 - b0) * t,
                    min(s0, s1),  # the head shake only bridges two negated signs
                    0.0,
                    -1,
                )
            )
        start = len(poses)
        for j in range(n_sign):
            u = j / (n_sign - 1) if n_sign > 1 else 0.5
            dom, nd = _sign_states(sign, signer, u, rest_nd)
            mouth = abs(math.sin(math.pi * 2 * u)) if sign.mouthing else 0.0
            poses.append(Pose(dom, nd, b1, s1, mouth, i))
        spans.append((start, len(poses)))
        prev_dom, prev_nd, prev_i = poses[-1].dom, poses[-1].nd, i
    n_trans = frames(timing.transition) + 1
    b0, _ = face(prev_i)
    for j in range(1, n_trans + 1):
        t = _smooth(j / (n_trans + 1))
        poses.append(
            Pose(
                _lerp_state(prev_dom, rest_dom, t),
                _lerp_state(prev_nd, rest_nd, t),
                b0 * (1 - t),
                0.0,
                0.0,
                -1,
            )
        )
    for _ in range(frames(timing.rest)):
        poses.append(Pose(rest_dom, rest_nd, 0.0, 0.0, 0.0, -1))
    return poses, spans
