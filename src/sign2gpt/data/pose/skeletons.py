"""The keypoint layouts the readers know, built as :class:`Skeleton` values.

- MediaPipe Holistic (``mediapipe-holistic``): components ``POSE_LANDMARKS`` (33 body points, or
  the 8 of pose-format's ``reduce_holistic``), ``FACE_LANDMARKS`` (468/478 mesh points or a
  subset, named by mesh index), ``LEFT_HAND_LANDMARKS`` / ``RIGHT_HAND_LANDMARKS`` (21 each).
  ``POSE_WORLD_LANDMARKS`` (metres, not pixels) is left out by the readers.
- OpenPose (``openpose``): ``pose_keypoints_2d`` (BODY_25 or COCO-18), ``face_keypoints_2d``
  (70), ``hand_left_keypoints_2d`` / ``hand_right_keypoints_2d`` (21 each), with the point names
  pose-format gives them, so a converted JSON folder and an OpenPose ``.pose`` file agree.
- The synthetic corpus (``synth-22``): its ground truth's 22 body and hand points.

Point names are ``COMPONENT/POINT`` for the first two, the ground truth's own names for the
synthetic one. "Left" is the signer's anatomical left, as both estimators name it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sign2gpt.data.pose.face_tables import FACE70_MIRROR, FACE_MESH_MIRROR
from sign2gpt.data.pose.keypoints import PointGroup, Skeleton, mirror_by_names, swap_left_right

# The synthetic corpus's keypoints, in the order of its ground-truth files (anatomical sides,
# as OpenPose / MediaPipe name them).
SYNTH_HAND_POINTS = ("palm", "thumb", "index", "middle", "ring", "pinky")
SYNTH_POINT_NAMES: tuple[str, ...] = (
    "nose",
    "right_eye",
    "left_eye",
    "neck",
    "right_shoulder",
    "left_shoulder",
    "right_elbow",
    "left_elbow",
    "right_wrist",
    "left_wrist",
    *(f"right_{p}" for p in SYNTH_HAND_POINTS),
    *(f"left_{p}" for p in SYNTH_HAND_POINTS),
)


@dataclass(frozen=True)
class Component:
    """A named part of a layout: its point names and limbs (pairs of indices into ``points``)."""

    name: str
    points: tuple[str, ...]
    limbs: tuple[tuple[int, int], ...] = ()


_COMPONENT_GROUPS: dict[str, PointGroup] = {
    "POSE_LANDMARKS": PointGroup.BODY,
    "FACE_LANDMARKS": PointGroup.FACE,
    "LEFT_HAND_LANDMARKS": PointGroup.LEFT_HAND,
    "RIGHT_HAND_LANDMARKS": PointGroup.RIGHT_HAND,
    "pose_keypoints_2d": PointGroup.BODY,
    "face_keypoints_2d": PointGroup.FACE,
    "hand_left_keypoints_2d": PointGroup.LEFT_HAND,
    "hand_right_keypoints_2d": PointGroup.RIGHT_HAND,
}
HOLISTIC_COMPONENTS = ("POSE_LANDMARKS", "FACE_LANDMARKS", "LEFT_HAND_LANDMARKS")
HOLISTIC_COMPONENTS += ("RIGHT_HAND_LANDMARKS",)
KNOWN_COMPONENTS = tuple(_COMPONENT_GROUPS)
# Face points: a mesh index (MediaPipe: "33") or a region prefix and index (OpenPose: "FE_36").
_FACE_NAME = re.compile(r"^(.*?)(\d+)$")
_FACE_MIRRORS = {"FACE_LANDMARKS": FACE_MESH_MIRROR, "face_keypoints_2d": FACE70_MIRROR}
_OPENPOSE_SIDE = re.compile(r"^([RL])([A-Z].*)$")  # RShoulder, LBigToe


def _counterpart(component: str, point: str) -> str:
    """The name point ``component/point`` takes in the mirror picture."""
    if component in _FACE_MIRRORS:
        m = _FACE_NAME.match(point)
        table = _FACE_MIRRORS[component]
        if not m or int(m.group(2)) >= len(table):
            raise ValueError(f"{component}: face point {point!r} is not a known landmark index")
        return f"{component}/{m.group(1)}{table[int(m.group(2))]}"
    m = _OPENPOSE_SIDE.match(point)
    if component == "pose_keypoints_2d" and m:
        return f"{component}/{'L' if m.group(1) == 'R' else 'R'}{m.group(2)}"
    return swap_left_right(f"{component}/{point}")


def skeleton_from_components(components: Sequence[Component], name: str) -> Skeleton:
    """A skeleton from MediaPipe or OpenPose components (names ``COMPONENT/POINT``).

    Raises ValueError for an unknown component or a point whose counterpart is absent."""
    names: list[str] = []
    groups: dict[PointGroup, list[int]] = {g: [] for g in PointGroup}
    edges: list[tuple[int, int]] = []
    for comp in components:
        if comp.name not in _COMPONENT_GROUPS:
            raise ValueError(
                f"unknown keypoint component {comp.name!r} (known: {KNOWN_COMPONENTS})"
            )
        base = len(names)
        names += [f"{comp.name}/{p}" for p in comp.points]
        groups[_COMPONENT_GROUPS[comp.name]] += range(base, base + len(comp.points))
        edges += [(base + a, base + b) for a, b in comp.limbs]
    index = {n: i for i, n in enumerate(names)}
    mirror = []
    for n in names:
        comp, point = n.split("/", 1)
        other = _counterpart(comp, point)
        if other != n and other not in index:
            raise ValueError(f"keypoint {n!r}: its mirror point {other!r} is absent")
        mirror.append(index.get(other, index[n]))
    lower = {
        n.split("/", 1)[1].lower(): i
        for i, n in enumerate(names)
        if n.split("/", 1)[0] in ("POSE_LANDMARKS", "pose_keypoints_2d")
    }
    left = lower.get("left_shoulder", lower.get("lshoulder"))
    right = lower.get("right_shoulder", lower.get("rshoulder"))
    return Skeleton(
        name=name,
        names=tuple(names),
        groups={g: tuple(v) for g, v in groups.items()},
        mirror=tuple(mirror),
        edges=tuple(edges),
        shoulders=(left, right) if left is not None and right is not None else None,
    )


# --------------------------------------------------------------------------------------------
# MediaPipe Holistic: the reduced layout of pose-format's reduce_holistic (what sign-language
# .pose corpora ship: 8 body points, 128 face-contour points, 2 x 21 hand points)

HOLISTIC_REDUCED_BODY = (
    "LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_ELBOW", "RIGHT_ELBOW",
    "LEFT_WRIST", "RIGHT_WRIST", "LEFT_HIP", "RIGHT_HIP",
)  # fmt: skip
HOLISTIC_FACE_CONTOURS = (
    0, 7, 10, 13, 14, 17, 21, 33, 37, 39, 40, 46, 52, 53, 54, 55, 58, 61, 63, 65, 66, 67, 70,
    78, 80, 81, 82, 84, 87, 88, 91, 93, 95, 103, 105, 107, 109, 127, 132, 133, 136, 144, 145,
    146, 148, 149, 150, 152, 153, 154, 155, 157, 158, 159, 160, 161, 162, 163, 172, 173, 176,
    178, 181, 185, 191, 234, 246, 249, 251, 263, 267, 269, 270, 276, 282, 283, 284, 285, 288,
    291, 293, 295, 296, 297, 300, 308, 310, 311, 312, 314, 317, 318, 321, 323, 324, 332, 334,
    336, 338, 356, 361, 362, 365, 373, 374, 375, 377, 378, 379, 380, 381, 382, 384, 385, 386,
    387, 388, 389, 390, 397, 398, 400, 402, 405, 409, 415, 454, 466,
)  # fmt: skip
HOLISTIC_HAND = (
    "WRIST", "THUMB_CMC", "THUMB_MCP", "THUMB_IP", "THUMB_TIP",
    "INDEX_FINGER_MCP", "INDEX_FINGER_PIP", "INDEX_FINGER_DIP", "INDEX_FINGER_TIP",
    "MIDDLE_FINGER_MCP", "MIDDLE_FINGER_PIP", "MIDDLE_FINGER_DIP", "MIDDLE_FINGER_TIP",
    "RING_FINGER_MCP", "RING_FINGER_PIP", "RING_FINGER_DIP", "RING_FINGER_TIP",
    "PINKY_MCP", "PINKY_PIP", "PINKY_DIP", "PINKY_TIP",
)  # fmt: skip


def holistic_reduced_names() -> tuple[str, ...]:
    """The 178 point names of a reduced Holistic layout, in pose-format's order (body, face,
    left hand, right hand)."""
    return (
        *(f"POSE_LANDMARKS/{p}" for p in HOLISTIC_REDUCED_BODY),
        *(f"FACE_LANDMARKS/{i}" for i in HOLISTIC_FACE_CONTOURS),
        *(f"LEFT_HAND_LANDMARKS/{p}" for p in HOLISTIC_HAND),
        *(f"RIGHT_HAND_LANDMARKS/{p}" for p in HOLISTIC_HAND),
    )


# --------------------------------------------------------------------------------------------
# OpenPose

OPENPOSE_BODY25 = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist", "MidHip",
    "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar", "LEar",
    "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel",
)  # fmt: skip
OPENPOSE_COCO18 = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
    "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar", "LEar",
)  # fmt: skip
# pose-format's names: base, then thumb, index, middle, ring, pinky from the palm outwards
OPENPOSE_HAND = (
    "BASE", "T_STT", "T_BCMC", "T_MCP", "T_IP",
    *(f"{f}_{j}" for f in "IMRP" for j in ("CMC", "MCP", "PIP", "DIP")),
)  # fmt: skip
_FACE70_REGIONS = (("FB_", 0, 17), ("FEB_", 17, 27), ("FN_", 27, 36), ("FE_", 36, 48))
_FACE70_REGIONS += (("FLO_", 48, 60), ("FLI_", 60, 68), ("FP_", 68, 70))
OPENPOSE_FACE = tuple(f"{p}{i}" for p, a, b in _FACE70_REGIONS for i in range(a, b))
_OPENPOSE_BODY_LIMBS = (
    ("Neck", "RShoulder"), ("RShoulder", "RElbow"), ("RElbow", "RWrist"), ("Neck", "LShoulder"),
    ("LShoulder", "LElbow"), ("LElbow", "LWrist"), ("Neck", "Nose"), ("Nose", "REye"),
    ("Nose", "LEye"), ("REye", "REar"), ("LEye", "LEar"),
)  # fmt: skip
# every finger a chain from the base: base-1-2-3-4 (thumb), base-5-...-8, and so on
_HAND_LIMBS = tuple(
    (0 if j == 0 else 1 + 4 * f + j - 1, 1 + 4 * f + j) for f in range(5) for j in range(4)
)


def openpose_components(body: Sequence[str], hands: bool, face: bool) -> list[Component]:
    """OpenPose's components for a body layout (BODY_25 or COCO-18 names)."""
    index = {n: i for i, n in enumerate(body)}
    limbs = tuple((index[a], index[b]) for a, b in _OPENPOSE_BODY_LIMBS)
    comps = [Component("pose_keypoints_2d", tuple(body), limbs)]
    if face:
        comps.append(Component("face_keypoints_2d", OPENPOSE_FACE))
    if hands:
        comps.append(Component("hand_left_keypoints_2d", OPENPOSE_HAND, _HAND_LIMBS))
        comps.append(Component("hand_right_keypoints_2d", OPENPOSE_HAND, _HAND_LIMBS))
    return comps


# --------------------------------------------------------------------------------------------
# the synthetic corpus


def synth_skeleton() -> Skeleton:
    """The 22 points of the synthetic corpus's ground truth (:data:`SYNTH_POINT_NAMES`):
    10 body points (nose, eyes, neck, shoulders, elbows, wrists), 6 per hand (palm and the five
    finger tips), no face group."""
    names = SYNTH_POINT_NAMES
    index = {n: i for i, n in enumerate(names)}
    hands = {
        side: tuple(index[f"{side}_{p}"] for p in SYNTH_HAND_POINTS) for side in ("left", "right")
    }
    in_hands = {i for v in hands.values() for i in v}
    limbs = [("nose", "right_eye"), ("nose", "left_eye"), ("nose", "neck")]
    for side in ("left", "right"):
        limbs += [("neck", f"{side}_shoulder"), (f"{side}_shoulder", f"{side}_elbow")]
        limbs += [(f"{side}_elbow", f"{side}_wrist"), (f"{side}_wrist", f"{side}_palm")]
        limbs += [(f"{side}_palm", f"{side}_{p}") for p in SYNTH_HAND_POINTS[1:]]
    return Skeleton(
        name="synth-22",
        names=names,
        groups={
            PointGroup.BODY: tuple(i for i in range(len(names)) if i not in in_hands),
            PointGroup.LEFT_HAND: hands["left"],
            PointGroup.RIGHT_HAND: hands["right"],
            PointGroup.FACE: (),
        },
        mirror=mirror_by_names(names),
        edges=tuple((index[a], index[b]) for a, b in limbs),
        shoulders=(index["left_shoulder"], index["right_shoulder"]),
    )


def holistic_reduced_skeleton() -> Skeleton:
    """The 178-point reduced MediaPipe Holistic layout (pose-format's ``reduce_holistic``:
    what sign language .pose corpora ship), without limbs."""
    parts: dict[str, list[str]] = {}
    for name in holistic_reduced_names():
        component, point = name.split("/", 1)
        parts.setdefault(component, []).append(point)
    components = [Component(c, tuple(points)) for c, points in parts.items()]
    return skeleton_from_components(components, "mediapipe-holistic-reduced")


KNOWN_SKELETONS = {
    "synth-22": synth_skeleton,
    "mediapipe-holistic-reduced": holistic_reduced_skeleton,
}


def known_skeleton(name: str) -> Skeleton:
    """A layout by name (``model.pose.skeleton``), for building a model without a store."""
    if name not in KNOWN_SKELETONS:
        raise ValueError(f"unknown skeleton {name!r} (known: {', '.join(KNOWN_SKELETONS)})")
    return KNOWN_SKELETONS[name]()
