"""Speed of the MediaPipe Holistic estimator on this CPU: frames per second of Holistic itself
and of the whole call (decoding, the pipe to the worker, its start-up), tracking and static
image mode, on the real test clip. Needs ``make pose-env`` and SIGN2GPT_TEST_DATA.

    SIGN2GPT_TEST_DATA=... python benchmarks/pose_estimator.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from sign2gpt.data.pose import PointGroup
from sign2gpt.data.pose.estimate import HolisticConfig, estimate_keypoints


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--video", type=Path, default=None)
    args = ap.parse_args()
    video = args.video or Path(os.environ["SIGN2GPT_TEST_DATA"]) / "real-clip" / "signing_clip.mp4"
    print(f"{video.name}, best of {args.repeats}; os.cpu_count() = {os.cpu_count()}")
    print(f"{'mode':10s} {'frames':>6s} {'holistic fps':>13s} {'call fps':>9s} {'any hand':>9s}")
    for static in (False, True):
        best_h, best_c = 0.0, 0.0
        for _ in range(args.repeats):
            start = time.perf_counter()
            est = estimate_keypoints(video, cfg=HolisticConfig(static_image_mode=static))
            wall = time.perf_counter() - start
            n = est.keypoints.num_frames
            best_h, best_c = max(best_h, n / est.seconds), max(best_c, n / wall)
        kp = est.keypoints
        groups = kp.skeleton.groups
        hands = list(groups[PointGroup.LEFT_HAND] + groups[PointGroup.RIGHT_HAND])
        any_hand = int(kp.present[:, hands].any(axis=1).sum())
        mode = "static" if static else "tracking"
        print(f"{mode:10s} {n:6d} {best_h:13.1f} {best_c:9.1f} {any_hand:9d}")


if __name__ == "__main__":
    main()
