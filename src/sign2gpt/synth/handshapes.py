"""Drawable handshapes: each is five finger states plus an optional thumb-index ring.

A handshape is a flat tuple of floats so that co-articulation can blend two of them linearly:
for each finger (thumb, index, middle, ring, pinky) its extension (0 folded .. 1 straight),
its curl (0 straight .. 1 hooked at the middle joint) and its spread angle in degrees (positive
= towards the thumb side); then ``ring`` (0 or 1: thumb and index tips touch, drawn as a loop).
"""

from __future__ import annotations

from dataclasses import dataclass

FINGERS = ("thumb", "index", "middle", "ring", "pinky")


@dataclass(frozen=True)
class Handshape:
    name: str
    ext: tuple[float, float, float, float, float]
    curl: tuple[float, float, float, float, float] = (0.0, 0.0, 0.0, 0.0, 0.0)
    spread: tuple[float, float, float, float, float] = (45.0, 6.0, 0.0, -6.0, -12.0)
    ring: float = 0.0

    def vector(self) -> tuple[float, ...]:
        """Flat parameters (16 floats), the form the motion code interpolates."""
        return (*self.ext, *self.curl, *self.spread, self.ring)


def _hs(name: str, ext, curl=(0, 0, 0, 0, 0), spread=(45, 6, 0, -6, -12), ring=0.0) -> Handshape:
    return Handshape(
        name,
        tuple(float(v) for v in ext),
        tuple(float(v) for v in curl),
        tuple(float(v) for v in spread),
        float(ring),
    )


# Thumb spread: 45 = sticking out sideways, 100+ = lying across the palm (drawn short).
HANDSHAPES: dict[str, Handshape] = {
    h.name: h
    for h in [
        _hs("fist", (0.45, 0, 0, 0, 0), spread=(120, 0, 0, 0, 0)),
        _hs("flat", (0.5, 1, 1, 1, 1), spread=(110, 2, 0, -2, -4)),
        _hs("index", (0.4, 1, 0, 0, 0), spread=(120, 0, 0, 0, 0)),
        _hs("v", (0.4, 1, 1, 0, 0), spread=(120, 16, -12, 0, 0)),
        _hs("open5", (1, 1, 1, 1, 1), spread=(70, 20, 3, -14, -30)),
        _hs(
            "claw", (0.8, 0.8, 0.8, 0.8, 0.8), curl=(0.6, 1, 1, 1, 1), spread=(60, 18, 3, -12, -26)
        ),
        _hs(
            "c",
            (0.9, 0.9, 0.9, 0.9, 0.9),
            curl=(0.5, 0.7, 0.7, 0.7, 0.7),
            spread=(80, 2, 0, -2, -4),
        ),
        _hs(
            "o", (0.7, 0.6, 0.6, 0.6, 0.6), curl=(0.5, 1, 1, 1, 1), spread=(55, 0, 0, 0, 0), ring=1
        ),
        _hs("l", (1, 1, 0, 0, 0), spread=(85, 0, 0, 0, 0)),
        _hs("y", (1, 0, 0, 0, 1), spread=(70, 0, 0, 0, -35)),
        _hs("thumb_up", (1.1, 0, 0, 0, 0), spread=(15, 0, 0, 0, 0)),
        _hs("f", (0.6, 0.45, 1, 1, 1), curl=(0.4, 1, 0, 0, 0), spread=(50, 8, 4, -8, -20), ring=1),
        _hs("w", (0.4, 1, 1, 1, 0), spread=(120, 18, 0, -18, 0)),
        _hs(
            "bent_flat", (0.5, 0.9, 0.9, 0.9, 0.9), curl=(0, 1, 1, 1, 1), spread=(100, 2, 0, -2, -4)
        ),
        _hs("horns", (0.4, 1, 0, 0, 1), spread=(120, 12, 0, 0, -22)),
        _hs("pinky", (0.4, 0, 0, 0, 1), spread=(120, 0, 0, 0, -8)),
        _hs("three", (1, 1, 1, 0, 0), spread=(70, 12, -6, 0, 0)),
        _hs("hooked_v", (0.4, 0.8, 0.8, 0, 0), curl=(0, 1, 1, 0, 0), spread=(120, 16, -12, 0, 0)),
        _hs("four", (0.4, 1, 1, 1, 1), spread=(120, 14, 4, -6, -18)),
    ]
}

# The relaxed hand at rest (hands resting in front of the belly).
REST_SHAPE = "bent_flat"
