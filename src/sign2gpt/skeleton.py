"""A keypoint layout: point names, their groups, left/right counterparts and limbs.

Shared by the keypoint readers (``sign2gpt.data.pose``) and the pose encoder
(``sign2gpt.models.pose_encoder``), which builds its per-group networks from it; a checkpoint of a
pose model stores its skeleton, so the model is rebuilt without the data layer.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np


class PointGroup(enum.Enum):
    """The parts of a skeleton the pose encoder reads separately."""

    BODY = "body"
    LEFT_HAND = "left_hand"
    RIGHT_HAND = "right_hand"
    FACE = "face"


@dataclass(frozen=True)
class Skeleton:
    """Point names, their groups, left/right counterparts and limbs of one keypoint layout.

    ``name``: the layout's id (``mediapipe-holistic``, ``synth-22``, ``openpose-body25``, ...);
    ``names``: K unique point names; ``groups``: point indices of each group (every point in
    exactly one; a group may be empty); ``mirror``: (K,) counterpart of each point; ``edges``:
    limbs as pairs of point indices (drawing, graph models); ``shoulders``: (left, right)
    indices, or None where the layout has none (normalisation then falls back, see
    ``transforms.normalise``)."""

    name: str
    names: tuple[str, ...]
    groups: Mapping[PointGroup, tuple[int, ...]]
    mirror: tuple[int, ...]
    edges: tuple[tuple[int, int], ...] = ()
    shoulders: tuple[int, int] | None = None
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        k = len(self.names)
        if len(set(self.names)) != k:
            dup = sorted({n for n in self.names if self.names.count(n) > 1})
            raise ValueError(f"skeleton {self.name}: duplicate point names {dup[:3]}")
        missing = [g for g in PointGroup if g not in self.groups]
        if missing:
            raise ValueError(f"skeleton {self.name}: no entry for groups {missing}")
        owned = sorted(i for idx in self.groups.values() for i in idx)
        if owned != list(range(k)):
            raise ValueError(f"skeleton {self.name}: every point must be in exactly one group")
        mirror = self.mirror
        if len(mirror) != k or any(not 0 <= j < k or mirror[j] != i for i, j in enumerate(mirror)):
            raise ValueError(f"skeleton {self.name}: mirror must be a swap of {k} points")
        left, right = self.groups[PointGroup.LEFT_HAND], self.groups[PointGroup.RIGHT_HAND]
        if len(left) != len(right) or any(mirror[a] != b for a, b in zip(left, right)):
            raise ValueError(f"skeleton {self.name}: the i-th left-hand point must mirror the i-th")
        if any(not (0 <= a < k and 0 <= b < k) for a, b in self.edges):
            raise ValueError(f"skeleton {self.name}: an edge names a point out of range")
        if self.shoulders is not None and mirror[self.shoulders[0]] != self.shoulders[1]:
            raise ValueError(f"skeleton {self.name}: the shoulders must mirror each other")
        self._index.update({n: i for i, n in enumerate(self.names)})

    @property
    def num_points(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        """The index of point ``name`` (KeyError when the skeleton has none)."""
        return self._index[name]

    def group_sizes(self) -> dict[PointGroup, int]:
        return {g: len(self.groups[g]) for g in PointGroup}

    def select(self, names: Sequence[str], name: str | None = None) -> tuple[Skeleton, np.ndarray]:
        """The sub-skeleton of ``names`` (in that order) and the (K',) indices it takes.

        Raises ValueError when a point's mirror counterpart is left out (the mirror would break).
        """
        idx = np.array([self.index(n) for n in names], dtype=np.int64)
        new = {int(old): i for i, old in enumerate(idx)}
        lost = [self.names[self.mirror[o]] for o in idx if self.mirror[o] not in new]
        if lost:
            raise ValueError(f"skeleton {self.name}: selection lacks mirror points {lost[:3]}")
        # a group keeps its order, so the i-th left-hand point still mirrors the i-th right one
        groups = {g: tuple(new[i] for i in self.groups[g] if i in new) for g in PointGroup}
        sub = Skeleton(
            name=name or f"{self.name}-subset{len(idx)}",
            names=tuple(self.names[o] for o in idx),
            groups=groups,
            mirror=tuple(new[self.mirror[o]] for o in idx),
            edges=tuple((new[a], new[b]) for a, b in self.edges if a in new and b in new),
            shoulders=(
                (new[self.shoulders[0]], new[self.shoulders[1]])
                if self.shoulders is not None and all(s in new for s in self.shoulders)
                else None
            ),
        )
        return sub, idx

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready data (a store's meta, a checkpoint's skeleton.json)."""
        return {
            "name": self.name,
            "names": list(self.names),
            "groups": {g.value: list(self.groups[g]) for g in PointGroup},
            "mirror": list(self.mirror),
            "edges": [list(e) for e in self.edges],
            "shoulders": list(self.shoulders) if self.shoulders is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Skeleton:
        """The inverse of :meth:`to_dict`; ValueError (or KeyError, TypeError) when malformed."""
        groups = data["groups"]
        shoulders = data.get("shoulders")
        return cls(
            name=str(data["name"]),
            names=tuple(str(n) for n in data["names"]),  # type: ignore[union-attr]
            groups={g: tuple(int(i) for i in groups[g.value]) for g in PointGroup},  # type: ignore[index]
            mirror=tuple(int(i) for i in data["mirror"]),  # type: ignore[union-attr]
            edges=tuple((int(a), int(b)) for a, b in data.get("edges", ())),  # type: ignore[union-attr]
            shoulders=(int(shoulders[0]), int(shoulders[1])) if shoulders else None,  # type: ignore[index]
        )
