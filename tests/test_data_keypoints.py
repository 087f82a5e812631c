"""Keypoint sources: the Keypoints value, the .npz file, .pose files, synthetic ground truth,
OpenPose folders."""

from __future__ import annotations

import importlib.util
import io
import json
import os
from pathlib import Path

import numpy as np
import pytest

from sign2gpt.data.pose import (
    Keypoints,
    PointGroup,
    Skeleton,
    convert_openpose_folder,
    mark_missing,
    mirror_keypoints,
    read_keypoints,
    read_npz,
    write_npz,
)
from sign2gpt.data.pose.face_tables import FACE70_MIRROR, FACE_MESH_MIRROR
from sign2gpt.data.pose.skeletons import holistic_reduced_names, synth_skeleton
from sign2gpt.errors import DataError


def real_clip(name: str) -> Path:
    root = os.environ.get("SIGN2GPT_TEST_DATA")
    if not root:
        pytest.skip("SIGN2GPT_TEST_DATA is not set (the folder holding real-clip/)")
    path = Path(root) / "real-clip" / name
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return path


def toy_skeleton() -> Skeleton:
    return Skeleton(
        name="toy",
        names=("left_shoulder", "right_shoulder", "nose"),
        groups={
            PointGroup.BODY: (0, 1, 2),
            PointGroup.LEFT_HAND: (),
            PointGroup.RIGHT_HAND: (),
            PointGroup.FACE: (),
        },
        mirror=(1, 0, 2),
        edges=((0, 1), (0, 2), (1, 2)),
        shoulders=(0, 1),
    )


# --------------------------------------------------------------------------------------------
# the value


def test_mark_missing_turns_zero_confidence_and_nan_into_the_missing_marker():
    raw = np.array([[[5.0, 6.0, 0.9], [0.0, 0.0, 0.0], [np.nan, 3.0, 0.8]]])
    out = mark_missing(raw)
    assert out.dtype == np.float32
    assert out[0, 0].tolist() == pytest.approx([5.0, 6.0, 0.9])
    for i in (1, 2):  # an OpenPose-style zero and a NaN coordinate both become missing
        assert np.isnan(out[0, i, :2]).all() and out[0, i, 2] == 0.0
    assert raw[0, 1, 0] == 0.0  # the input is left as it was


def test_keypoints_refuse_a_zero_that_looks_like_a_point():
    pts = np.array([[[1, 2, 1], [0, 0, 0], [3, 4, 1]]], dtype=np.float32)
    with pytest.raises(ValueError, match="missing points"):
        Keypoints(pts, toy_skeleton(), 25.0, 10, 10)
    with pytest.raises(ValueError, match="3 points"):
        Keypoints(np.zeros((2, 4, 3), np.float32), toy_skeleton(), 25.0, 10, 10)


def test_skeleton_checks_its_mirror_and_groups():
    base = toy_skeleton()
    with pytest.raises(ValueError, match="mirror"):
        Skeleton("bad", base.names, base.groups, mirror=(1, 2, 0))
    with pytest.raises(ValueError, match="exactly one group"):
        groups = {**base.groups, PointGroup.FACE: (2,)}
        Skeleton("bad", base.names, groups, mirror=base.mirror)
    with pytest.raises(ValueError, match="duplicate"):
        Skeleton("bad", ("a", "a", "b"), base.groups, mirror=(0, 1, 2))


def test_mirror_keypoints_in_pixels_flips_x_about_the_frame_centre_and_swaps_sides():
    pts = np.array([[[8.0, 2.0, 0.9], [3.0, 2.5, 0.8], [5.0, 0.0, 1.0]]], np.float32)
    kp = Keypoints(pts, toy_skeleton(), 25.0, 10, 10)
    m = mirror_keypoints(kp)
    # left slot now holds the old right shoulder at x = 10 - 3; the nose at 10 - 5
    want = [[7.0, 2.5, 0.8], [2.0, 2.0, 0.9], [5.0, 0.0, 1.0]]
    np.testing.assert_allclose(m.points[0], want, rtol=0, atol=1e-6)
    assert np.array_equal(mirror_keypoints(m).points, kp.points)


def test_npz_round_trip_keeps_values_skeleton_and_missing_points(tmp_path: Path):
    pts = np.array([[[8.0, 2.0, 0.9], [np.nan, np.nan, 0.0], [5.0, 0.25, 1.0]]], np.float32)
    kp = Keypoints(pts, toy_skeleton(), 29.97, 540, 720)
    path = write_npz(kp, tmp_path / "sub" / "clip.npz")
    assert sorted(p.name for p in path.parent.iterdir()) == ["clip.npz"]  # no temporary left
    back = read_npz(path)
    assert np.array_equal(back.points, pts, equal_nan=True)
    assert back.skeleton == kp.skeleton
    assert (back.fps, back.width, back.height) == (pytest.approx(29.97), 540, 720)
    assert back.skeleton.shoulders == (0, 1) and back.skeleton.edges == kp.skeleton.edges


def test_npz_errors_name_the_file(tmp_path: Path):
    with pytest.raises(DataError, match="not found"):
        read_npz(tmp_path / "absent.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(DataError, match=r"junk\.npz: cannot read"):
        read_npz(junk)
    other = tmp_path / "other.npz"
    np.savez(other, points=np.zeros((1, 3, 3), np.float32))
    with pytest.raises(DataError, match=r"other\.npz: not a sign2gpt keypoint file"):
        read_npz(other)
    pickled = tmp_path / "pickled.npz"
    arrays = {k: np.zeros(1) for k in ("names", "groups", "mirror", "edges", "shoulders")}
    arrays.update(skeleton=np.array("x"), meta=np.zeros(3))
    np.savez(pickled, points=np.array([object()], dtype=object), **arrays)
    with pytest.raises(DataError, match=r"pickled\.npz"):  # object arrays are never unpickled
        read_npz(pickled)


def test_select_keeps_mirror_pairs_and_refuses_to_split_them():
    sk = synth_skeleton()
    sub, idx = sk.select(["left_shoulder", "right_shoulder", "left_palm", "right_palm"])
    assert idx.tolist() == [sk.index(n) for n in sub.names]
    assert sub.mirror == (1, 0, 3, 2) and sub.shoulders == (0, 1)
    assert sub.groups[PointGroup.LEFT_HAND] == (2,) and sub.groups[PointGroup.RIGHT_HAND] == (3,)
    with pytest.raises(ValueError, match="mirror points"):
        sk.select(["left_shoulder", "nose"])


def test_read_keypoints_refuses_unknown_inputs(tmp_path: Path):
    with pytest.raises(DataError, match="not a keypoint file"):
        read_keypoints(tmp_path / "clip.csv")
    (tmp_path / "openpose").mkdir()
    with pytest.raises(DataError, match="needs fps"):
        read_keypoints(tmp_path / "openpose")


# --------------------------------------------------------------------------------------------
# the face tables


def test_face_tables_are_involutions_that_keep_the_midline():
    for table, midline in ((FACE_MESH_MIRROR, (0, 1, 4, 17, 152)), (FACE70_MIRROR, (8, 30, 51))):
        assert all(table[table[i]] == i for i in range(len(table)))
        assert all(table[i] == i for i in midline)
    assert FACE_MESH_MIRROR[33] == 263 and FACE_MESH_MIRROR[468] == 473  # eye corners, irises
    assert FACE70_MIRROR[36] == 45 and FACE70_MIRROR[0] == 16 and FACE70_MIRROR[68] == 69


# --------------------------------------------------------------------------------------------
# .pose files (pose-format)

needs_pose_format = pytest.mark.skipif(
    importlib.util.find_spec("pose_format") is None,
    reason="pose-format is not installed (pip install 'sign2gpt[pose]')",
)


def write_pose_file(path: Path, data: np.ndarray, conf: np.ndarray, mask: np.ndarray) -> None:
    """A tiny MediaPipe-style .pose (reduced body + one hand pair) written by pose-format."""
    from pose_format import Pose
    from pose_format.numpy.pose_body import NumPyPoseBody
    from pose_format.pose_header import PoseHeader, PoseHeaderComponent, PoseHeaderDimensions

    comps = [
        PoseHeaderComponent("POSE_LANDMARKS", ["LEFT_SHOULDER", "RIGHT_SHOULDER", "NOSE"],
                            [(0, 1)], [(255, 0, 0)], "XYZC"),
        PoseHeaderComponent("LEFT_HAND_LANDMARKS", ["WRIST"], [], [(0, 255, 0)], "XYZC"),
        PoseHeaderComponent("RIGHT_HAND_LANDMARKS", ["WRIST"], [], [(0, 0, 255)], "XYZC"),
        PoseHeaderComponent("POSE_WORLD_LANDMARKS", ["NOSE"], [], [(0, 0, 0)], "XYZC"),
    ]  # fmt: skip
    header = PoseHeader(0.2, PoseHeaderDimensions(640, 480, 0), comps)
    body = NumPyPoseBody(25, np.ma.masked_array(data, mask=mask), conf)
    buf = io.BytesIO()
    Pose(header, body).write(buf)
    path.write_bytes(buf.getvalue())


@needs_pose_format
def test_pose_file_written_by_pose_format_reads_back_with_missing_points(tmp_path: Path):
    t, k = 2, 6
    data = np.arange(t * k * 3, dtype=np.float32).reshape(t, 1, k, 3)
    conf = np.full((t, 1, k), 0.75, np.float32)
    mask = np.zeros(data.shape, bool)
    conf[1, 0, 3] = 0.0  # frame 1: left wrist not found
    mask[1, 0, 3] = True
    write_pose_file(tmp_path / "clip.pose", data, conf, mask)
    kp = read_keypoints(tmp_path / "clip.pose")
    assert kp.skeleton.name == "mediapipe-holistic"
    assert kp.names == (
        "POSE_LANDMARKS/LEFT_SHOULDER",
        "POSE_LANDMARKS/RIGHT_SHOULDER",
        "POSE_LANDMARKS/NOSE",
        "LEFT_HAND_LANDMARKS/WRIST",
        "RIGHT_HAND_LANDMARKS/WRIST",
    )  # fmt: skip  (the world landmarks are left out)
    assert (kp.fps, kp.width, kp.height, kp.num_frames) == (25.0, 640, 480, 2)
    assert kp.points[0, 1].tolist() == [3.0, 4.0, 0.75]  # x, y of the file; z dropped
    assert kp.points[1, 4].tolist() == [30.0, 31.0, 0.75]  # value (6 t + k) 3 of arange
    assert np.isnan(kp.points[1, 3, :2]).all() and kp.points[1, 3, 2] == 0.0
    assert kp.skeleton.mirror == (1, 0, 2, 4, 3) and kp.skeleton.shoulders == (0, 1)
    assert kp.skeleton.edges == ((0, 1),)


@needs_pose_format
def test_a_broken_pose_file_is_one_clear_error(tmp_path: Path):
    data = np.ones((3, 1, 6, 3), np.float32)
    write_pose_file(
        tmp_path / "ok.pose", data, np.ones((3, 1, 6), np.float32), np.zeros(data.shape, bool)
    )
    cut = tmp_path / "cut.pose"
    cut.write_bytes((tmp_path / "ok.pose").read_bytes()[:60])
    with pytest.raises(DataError, match=r"cut\.pose: not a readable \.pose file"):
        read_keypoints(cut)
    with pytest.raises(DataError, match=r"absent\.pose: pose file not found"):
        read_keypoints(tmp_path / "absent.pose")


@needs_pose_format
def test_real_mediapipe_pose_file():
    kp = read_keypoints(real_clip("signing_clip_other.mediapipe.pose"))
    sk = kp.skeleton
    assert sk.group_sizes() == {
        PointGroup.BODY: 8, PointGroup.FACE: 128, PointGroup.LEFT_HAND: 21,
        PointGroup.RIGHT_HAND: 21,
    }  # fmt: skip
    assert sk.names == holistic_reduced_names()  # pose-format's reduce_holistic layout
    assert kp.points.shape == (170, 178, 3) and kp.fps == 24.0
    assert (kp.width, kp.height) == (1250, 1250)
    present = kp.present
    assert np.isfinite(kp.points[present][:, :2]).all()
    assert np.isnan(kp.points[~present][:, :2]).all()
    # values looked at: frame 0's shoulders and the right wrist of frame 100
    assert kp.points[0, sk.index("POSE_LANDMARKS/LEFT_SHOULDER")].tolist() == pytest.approx(
        [879.7185, 651.0957, 0.99781], abs=1e-3
    )
    assert kp.points[0, sk.index("POSE_LANDMARKS/RIGHT_SHOULDER")].tolist() == pytest.approx(
        [353.6963, 627.5555, 0.99809], abs=1e-3
    )
    # body and face in every frame; this signer's left hand never, the right in 145 of 170
    for g, frames in ((PointGroup.BODY, 170), (PointGroup.FACE, 170), (PointGroup.LEFT_HAND, 0)):
        assert present[:, list(sk.groups[g])].all(axis=1).sum() == frames
    assert present[:, list(sk.groups[PointGroup.RIGHT_HAND])].all(axis=1).sum() == 145


@needs_pose_format
def test_face_mirror_table_matches_real_faces():
    """Reflecting a detected face lands each point on its table partner: the best rigid fit of
    the face onto its mirror-permuted self is a reflection with about 1.5 px error, against
    over 100 px for a random permutation."""
    kp = read_keypoints(real_clip("signing_clip_other.mediapipe.pose"))
    face = list(kp.skeleton.groups[PointGroup.FACE])
    perm = [face.index(kp.skeleton.mirror[i]) for i in face]
    rng = np.random.default_rng(0)

    def fit(x: np.ndarray, p: list[int] | np.ndarray) -> tuple[float, float]:
        a, b = x - x.mean(0), x[p] - x[p].mean(0)
        u, _, vt = np.linalg.svd(a.T @ b)
        r = u @ vt
        return float(np.sqrt(((a @ r - b) ** 2).sum(1).mean())), float(np.linalg.det(r))

    for t in range(0, 170, 20):
        x = kp.points[t, face, :2].astype(np.float64)
        err, det = fit(x, perm)
        assert det == pytest.approx(-1.0) and err < 4.0
        assert fit(x, rng.permutation(len(face)))[0] > 50.0


# --------------------------------------------------------------------------------------------
# synthetic ground truth


@pytest.fixture(scope="module")
def synth_corpus(tmp_path_factory) -> Path:
    from sign2gpt.synth import generate_corpus

    out = tmp_path_factory.mktemp("synth")
    generate_corpus(out, preset="tiny", fmt="phoenix14t", seed=0, workers=1, progress=False)
    return out


def test_synth_groundtruth_reads_every_clip_exactly(synth_corpus: Path):
    files = sorted((synth_corpus / "groundtruth").glob("*/*.json"))
    files = [f for f in files if f.name not in ("manifest.json", "lexicon.json")]
    assert len(files) == 30
    for f in files[:5]:
        gt = json.loads(f.read_text(encoding="utf-8"))
        kp = read_keypoints(f)
        assert kp.skeleton.name == "synth-22" and kp.num_frames == gt["num_frames"]
        assert (kp.width, kp.height) == tuple(gt["frame_size"]) and kp.fps == gt["fps"]
        np.testing.assert_allclose(kp.points[..., :2], gt["keypoints"], rtol=0, atol=1e-4)
        assert (kp.points[..., 2] == 1.0).all()
    sk = kp.skeleton
    assert sk.names[sk.mirror[sk.index("left_index")]] == "right_index"
    assert sk.names[sk.mirror[sk.index("nose")]] == "nose"
    assert sk.group_sizes()[PointGroup.FACE] == 0


def test_synth_groundtruth_errors(tmp_path: Path):
    bad = tmp_path / "clip.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(DataError, match=r"clip\.json: cannot read ground truth"):
        read_keypoints(bad)
    bad.write_text(json.dumps({"keypoints": [], "keypoint_names": ["a"]}), encoding="utf-8")
    with pytest.raises(DataError, match="keypoint names differ"):
        read_keypoints(bad)


# --------------------------------------------------------------------------------------------
# OpenPose JSON folders


def openpose_frame(people: list[dict]) -> str:
    return json.dumps({"version": 1.3, "people": people})


def test_openpose_folder_converts_and_reads_back(tmp_path: Path):
    folder = tmp_path / "op"
    folder.mkdir()
    body = np.zeros((25, 3))
    body[2] = (100, 200, 0.9)  # RShoulder
    body[5] = (300, 210, 0.8)  # LShoulder
    body[0] = (200, 100, 0.95)  # Nose; every other body point 0, 0, 0 = not detected
    left = np.tile([50.0, 60.0, 0.5], (21, 1))
    faint_body = body.copy()
    faint_body[:, :2] += 7.0
    faint_body[:, 2] *= 0.1  # a second, fainter person: not the signer
    person = {
        "pose_keypoints_2d": body.ravel().tolist(),
        "hand_left_keypoints_2d": left.ravel().tolist(),
        "hand_right_keypoints_2d": [],
    }
    faint = {"pose_keypoints_2d": faint_body.ravel().tolist()}
    (folder / "clip_000000000000_keypoints.json").write_text(openpose_frame([faint, person]))
    (folder / "clip_000000000001_keypoints.json").write_text(openpose_frame([]))
    (folder / "notes.txt").write_text("ignored")
    out = convert_openpose_folder(folder, tmp_path / "clip.npz", fps=25, width=640, height=480)
    kp = read_keypoints(out)
    sk = kp.skeleton
    assert sk.name == "openpose" and kp.points.shape == (2, 25 + 21 + 21, 3)
    assert sk.group_sizes()[PointGroup.FACE] == 0  # no face in any file: left out
    assert kp.points[0, sk.index("pose_keypoints_2d/RShoulder")].tolist() == pytest.approx(
        [100, 200, 0.9]
    )
    assert kp.points[0, sk.index("hand_left_keypoints_2d/P_DIP")].tolist() == [50, 60, 0.5]
    assert not kp.present[0, sk.index("pose_keypoints_2d/MidHip")]  # 0, 0, 0 -> missing
    assert not kp.present[0, list(sk.groups[PointGroup.RIGHT_HAND])].any()
    assert not kp.present[1].any()  # nobody in frame 1
    assert sk.shoulders == (
        sk.index("pose_keypoints_2d/LShoulder"),
        sk.index("pose_keypoints_2d/RShoulder"),
    )
    assert sk.names[sk.mirror[sk.index("pose_keypoints_2d/LBigToe")]] == "pose_keypoints_2d/RBigToe"
    assert sk.names[sk.mirror[sk.index("hand_left_keypoints_2d/T_IP")]] == (
        "hand_right_keypoints_2d/T_IP"
    )


def test_openpose_folder_errors(tmp_path: Path):
    with pytest.raises(DataError, match="no OpenPose"):
        read_keypoints(tmp_path, fps=25, width=10, height=10)
    (tmp_path / "a_000000000000_keypoints.json").write_text(
        openpose_frame([{"pose_keypoints_2d": [1.0] * 30}])
    )
    with pytest.raises(DataError, match=r"body keypoints of \[30\] values"):
        read_keypoints(tmp_path, fps=25, width=10, height=10)


def test_the_docs_mmpose_recipe_builds_a_mirrorable_wholebody_layout(tmp_path: Path):
    from sign2gpt.data.pose.skeletons import (
        OPENPOSE_FACE,
        OPENPOSE_HAND,
        Component,
        skeleton_from_components,
    )

    body = (
        "Nose", "LEye", "REye", "LEar", "REar", "LShoulder", "RShoulder", "LElbow",
        "RElbow", "LWrist", "RWrist", "LHip", "RHip", "LKnee", "RKnee", "LAnkle", "RAnkle",
    )  # fmt: skip
    sk = skeleton_from_components(
        [
            Component("pose_keypoints_2d", body),
            Component("face_keypoints_2d", OPENPOSE_FACE[:68]),
            Component("hand_left_keypoints_2d", OPENPOSE_HAND),
            Component("hand_right_keypoints_2d", OPENPOSE_HAND),
        ],
        "coco-wholebody",
    )
    assert sk.num_points == 127 and sk.shoulders == (5, 6)
    name = {n: sk.names[sk.mirror[i]] for i, n in enumerate(sk.names)}
    assert name["pose_keypoints_2d/LEye"] == "pose_keypoints_2d/REye"
    assert name["pose_keypoints_2d/Nose"] == "pose_keypoints_2d/Nose"
    assert name["face_keypoints_2d/FB_0"] == "face_keypoints_2d/FB_16"
    assert name["face_keypoints_2d/FLO_48"] == "face_keypoints_2d/FLO_54"
    scores = np.full((2, 127), 0.7)
    scores[0, 5] = 0.0
    xy = np.arange(2 * 127 * 2, dtype=float).reshape(2, 127, 2)
    kp = Keypoints(mark_missing(np.concatenate([xy, scores[..., None]], -1)), sk, 25.0, 9, 9)
    back = read_npz(write_npz(kp, tmp_path / "wb.npz"))
    assert back.skeleton == sk and not back.present[0, 5] and back.present[1, 5]
