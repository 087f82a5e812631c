"""MediaPipe Holistic over frames read from standard input; run by ``estimate.py`` with the
pose environment's interpreter (``make pose-env``), never imported by the toolkit.

It needs only mediapipe and numpy (that environment has neither torch nor sign2gpt), so it reads
its frames as raw bytes: an ASCII header line ``T H W`` and then T frames of H x W x 3 uint8 RGB,
which keeps memory at one frame whatever the clip's length. It writes ``--out`` (.npz of plain
arrays, no pickle): ``points`` (T, 543, 3) float32 pixels x, y and a confidence (pose: MediaPipe's
visibility; face and hands: 1 where found) with NaN x, y and confidence 0 where a part was not
found, ``names`` (543,) ``COMPONENT/POINT``, ``limbs`` (E, 2) global point indices, ``seconds``
(the time Holistic took). Exit 0 on success; any failure leaves no output file.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np


def _components(mp_holistic) -> list[tuple[str, list[str], list[tuple[int, int]]]]:
    face = [(int(a), int(b)) for a, b in mp_holistic.FACEMESH_CONTOURS]
    hand = [(int(a), int(b)) for a, b in mp_holistic.HAND_CONNECTIONS]
    body = [(int(a), int(b)) for a, b in mp_holistic.POSE_CONNECTIONS]
    return [
        ("POSE_LANDMARKS", list(mp_holistic.PoseLandmark._member_names_), body),
        ("FACE_LANDMARKS", [str(i) for i in range(468)], face),
        ("LEFT_HAND_LANDMARKS", list(mp_holistic.HandLandmark._member_names_), hand),
        ("RIGHT_HAND_LANDMARKS", list(mp_holistic.HandLandmark._member_names_), hand),
    ]


def _fill(out: np.ndarray, landmarks, width: int, height: int, visibility: bool) -> None:
    """(n, 3) rows of one part: pixels and confidence, or left as missing."""
    if landmarks is None:
        return
    for i, p in enumerate(landmarks.landmark[: out.shape[0]]):
        out[i] = (p.x * width, p.y * height, p.visibility if visibility else 1.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--static-image-mode", action="store_true")
    ap.add_argument("--min-detection-confidence", type=float, default=0.5)
    ap.add_argument("--min-tracking-confidence", type=float, default=0.5)
    args = ap.parse_args(argv)

    import mediapipe as mp

    mp_holistic = mp.solutions.holistic
    comps = _components(mp_holistic)
    sizes = [len(points) for _, points, _ in comps]
    starts = np.cumsum([0, *sizes])
    stdin = sys.stdin.buffer
    header = stdin.readline().split()
    if len(header) != 3:
        print("holistic_worker: expected a header line 'T H W'", file=sys.stderr)
        return 2
    t, h, w = (int(v) for v in header)
    points = np.full((t, int(starts[-1]), 3), np.nan, np.float32)
    points[..., 2] = 0.0
    frame = np.empty((h, w, 3), np.uint8)
    view = memoryview(frame.reshape(-1))
    seconds = 0.0
    with mp_holistic.Holistic(
        static_image_mode=args.static_image_mode,
        model_complexity=1,  # the only pose model in the wheel: 0 and 2 would be downloaded
        refine_face_landmarks=False,
        min_detection_confidence=args.min_detection_confidence,
        min_tracking_confidence=args.min_tracking_confidence,
    ) as holistic:
        for i in range(t):
            got = 0
            while got < view.nbytes:
                n = stdin.readinto(view[got:])
                if not n:
                    print(f"holistic_worker: input ended at frame {i} of {t}", file=sys.stderr)
                    return 2
                got += n
            start = time.perf_counter()
            res = holistic.process(frame)
            seconds += time.perf_counter() - start
            parts = (
                res.pose_landmarks,
                res.face_landmarks,
                res.left_hand_landmarks,
                res.right_hand_landmarks,
            )
            for j, part in enumerate(parts):
                _fill(points[i, starts[j] : starts[j + 1]], part, w, h, visibility=j == 0)
    points[points[..., 2] <= 0] = (np.nan, np.nan, 0.0)
    names = [f"{c}/{p}" for c, pts, _ in comps for p in pts]
    limbs = [
        (int(starts[j]) + a, int(starts[j]) + b)
        for j, (_, _, ls) in enumerate(comps)
        for a, b in ls
    ]
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as fh:
        np.savez(
            fh,
            points=points,
            names=np.array(names),
            limbs=np.array(limbs, dtype=np.int64).reshape(-1, 2),
            seconds=np.array(seconds),
        )
    os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
