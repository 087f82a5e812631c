"""Keypoints and glosses as the model's input, on the tiny synthetic corpus: a pose model trains
and translates (from a store of keypoints only), RGB + pose reads both, and the gloss-to-text
ceiling trains, evaluates and says what it is."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from tiny import run_ok

from sign2gpt.cli import main
from sign2gpt.config import Modality, load_config
from sign2gpt.data.dataset import SignClipDataset, gloss_tokens
from sign2gpt.data.pose.keypoints import mirror_points
from sign2gpt.data.pose.readers import read_synth_groundtruth
from sign2gpt.data.pose.store import KeypointStore
from sign2gpt.data.pose.transforms import normalise_points
from sign2gpt.data.store import FrameStore
from sign2gpt.models.pgp_model import PGPModel
from sign2gpt.models.translation_model import TranslationModel

POSE = ["model.input=pose", "model.pose.hidden_dim=16"]


def recipe(chain: dict[str, Path], *extra: str) -> list[str]:
    return ["--config", str(chain["recipe"]), *chain["common"], *extra]  # type: ignore[list-item]


@pytest.fixture(scope="module")
def pose_store(chain: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pose") / "store"
    run_ok(
        "prepare",
        "--config",
        str(chain["recipe"]),
        "--root",
        str(chain["corpus"]),
        "--out",
        str(out),
        "--pose",
        "groundtruth",
        "--no-frames",
        "--quiet",
        "--workers",
        "1",
    )
    return out


def test_prepare_stores_keypoints_alone_resumably(chain, pose_store, capsys):
    store = KeypointStore(pose_store)
    assert not (pose_store / "meta.json").exists()  # no frames: keypoints alone
    assert store.skeleton.name == "synth-22" and store.skeleton.num_points == 22
    assert len(store.clips) == 30 and {r["split"] for r in store.clips} == {"train", "dev", "test"}
    row = store.clips[0]
    truth = read_synth_groundtruth(
        chain["corpus"] / "groundtruth" / row["split"] / f"{row['id']}.json"
    )
    points = store.read(row["id"])
    assert points.shape == truth.points.shape and points.dtype == np.float32
    np.testing.assert_allclose(points, truth.points, atol=0.06)  # float16 in the store
    before = (pose_store / "keypoints" / "index.jsonl").read_bytes()
    run_ok(
        "prepare",
        "--config",
        str(chain["recipe"]),
        "--root",
        str(chain["corpus"]),
        "--out",
        str(pose_store),
        "--pose",
        "groundtruth",
        "--no-frames",
        "--quiet",
    )
    assert "this run made 0" in capsys.readouterr().out
    assert (pose_store / "keypoints" / "index.jsonl").read_bytes() == before


def test_a_pose_model_trains_and_translates_a_keypoint_file(chain, pose_store, tmp_path, capsys):
    store = [f"data.store={pose_store}", *POSE]
    run_ok("pretrain", *recipe(chain, *store, f"train.out_dir={tmp_path / 'pgp'}"))
    pgp = PGPModel.from_checkpoint(tmp_path / "pgp" / "best")
    assert pgp.sign.modality is Modality.POSE and pgp.sign.skeleton.name == "synth-22"
    assert (tmp_path / "pgp" / "best" / "skeleton.json").is_file()
    run_ok(
        "train",
        *recipe(
            chain,
            *store,
            f"train.out_dir={tmp_path / 'tr'}",
            f"train.init_from={tmp_path / 'pgp' / 'best'}",
        ),
    )
    best = tmp_path / "tr" / "best"
    run_ok("evaluate", "--checkpoint", str(best), "--split", "test")
    metrics = json.loads((best / "eval" / "test_metrics.json").read_text())
    assert metrics["input"] == "pose" and metrics["n"] == 5
    run_ok("evaluate", "--checkpoint", str(tmp_path / "pgp" / "best"), "--heatmaps", "1")
    heatmaps = json.loads((tmp_path / "pgp" / "best" / "eval" / "test_metrics.json").read_text())
    assert Path(heatmaps["heatmaps"][0]).is_file()  # drawn from the keypoints, no frames
    clip = next((chain["corpus"] / "groundtruth" / "test").glob("*.json"))
    capsys.readouterr()
    assert main(["translate", "--checkpoint", str(best), str(clip)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith(str(clip)) and "\t" in line
    # a stage-2 model of another input cannot start from this stage-1 model
    code = main(
        [
            "train",
            *recipe(
                chain,
                f"train.out_dir={tmp_path / 'x'}",
                f"train.init_from={tmp_path / 'pgp' / 'best'}",
            ),
        ]
    )
    assert code == 2 and "a stage-1 model of input pose" in capsys.readouterr().err


def test_rgb_and_pose_read_the_same_frames_and_flip_together(chain, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(chain["store"], store)
    run_ok(
        "prepare",
        "--config",
        str(chain["recipe"]),
        "--root",
        str(chain["corpus"]),
        "--out",
        str(store),
        "--pose",
        "groundtruth",
        "--quiet",
        "--workers",
        "1",
    )
    keypoints = KeypointStore(store)
    cfg = load_config(chain["recipe"], ["data.augment.hflip_p=1.0"])
    calm = replace(cfg.data.pose_augment, rotation_p=0.0, scale=(1.0, 1.0), shift=0.0, drop_p=0.0)
    cfg.data.pose_augment = replace(calm, hflip_p=0.0)  # the frames decide the mirror
    frames = FrameStore(store)
    train = SignClipDataset(frames, "train", cfg.data, True, keypoints=keypoints)
    plain = SignClipDataset(frames, "train", cfg.data, False, keypoints=keypoints)
    item = train[0]
    assert item["frames"].shape[0] == item["keypoints"].shape[0]
    row = keypoints.row(item["id"])
    normalised = normalise_points(
        keypoints.read(item["id"]), keypoints.skeleton.shoulders, row["width"], row["height"]
    )
    _, idx, params = train._plan(0)
    assert params is not None and params.flip
    expected = mirror_points(normalised[idx], keypoints.skeleton.mirror)
    np.testing.assert_allclose(item["keypoints"].numpy(), expected, atol=1e-5)
    assert plain[0]["keypoints"].shape[1:] == (22, 3)
    run_ok(
        "pretrain",
        *recipe(
            chain,
            f"data.store={store}",
            "model.input=rgb+pose",
            "model.pose.hidden_dim=16",
            f"train.out_dir={tmp_path / 'pgp'}",
        ),
    )
    model = PGPModel.from_checkpoint(tmp_path / "pgp" / "best")
    assert model.sign.pose is not None and model.sign.fusion is not None


def test_the_gloss_to_text_ceiling_reads_glosses_and_says_so(chain, tmp_path, capsys):
    out = tmp_path / "ceiling"
    run_ok(
        "train",
        *recipe(
            chain,
            "model.input=gloss",
            "train.init_from=",
            "model.sign_encoder.downsample_after=[]",
            f"train.out_dir={out}",
        ),
    )
    model = TranslationModel.from_checkpoint(out / "best")
    assert model.sign.modality is Modality.GLOSS
    rows = FrameStore(chain["store"]).split("train")
    vocab = {g for r in rows for g in gloss_tokens(r["gloss"])}
    assert set(model.sign.glosses) == vocab  # the training split's glosses, nothing more
    capsys.readouterr()
    run_ok("evaluate", "--checkpoint", str(out / "best"), "--split", "test")
    printed = capsys.readouterr().out
    assert "gloss-to-text ceiling" in printed
    assert json.loads((out / "best" / "eval" / "test_metrics.json").read_text())["input"] == "gloss"
    clip = next((chain["corpus"] / "features/fullFrame-210x260px/test").iterdir())
    code = main(["translate", "--checkpoint", str(out / "best"), str(clip)])
    assert code == 1 and "reads gloss sequences, not video" in capsys.readouterr().err


def test_summary_prints_the_pose_part(capsys):
    root = Path(__file__).resolve().parents[1]
    argv = [
        "summary",
        "--config",
        str(root / "configs/phoenix14t/translate.yaml"),
        "model.input=pose",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    pose = next(line for line in out.splitlines() if line.startswith("pose encoder"))
    # 178 reduced MediaPipe points: body 8, face 128, hands 2 x 21 (one shared MLP, local)
    body = (3 * 8 * 128 + 128) + (128 * 128 + 128)
    face = ((3 * 128 + 2) * 128 + 128) + (128 * 128 + 128)  # + its centre (local)
    hand = ((3 * 21 + 2) * 128 + 128) + (128 * 128 + 128)
    proj = 4 * 128 * 512 + 512 + 2 * 512  # the four group features -> Linear + BatchNorm1d
    assert int(pose.split()[2].replace(",", "")) == body + face + hand + proj == 374_400


def test_building_the_training_model_leaves_the_given_config_as_it_was(chain, pose_store):
    """The skeleton comes from the store; the pipeline's config names it, the caller's config is
    not written into (it once was: a caller reusing it saw another recipe than it loaded)."""
    import copy

    from sign2gpt.config import load_config
    from sign2gpt.train.factory import pipeline_for_training

    overrides = [*chain["common"], f"data.store={pose_store}", *POSE, "train.stage=pgp"]
    cfg = load_config(chain["recipe"], overrides)  # type: ignore[arg-type]
    before = copy.deepcopy(cfg)
    assert before.model.pose.skeleton != "synth-22"  # the recipe names the default layout
    pipeline = pipeline_for_training(cfg)
    assert cfg == before
    assert pipeline.cfg.model.pose.skeleton == "synth-22"
    assert isinstance(pipeline.model, PGPModel) and pipeline.model.sign.skeleton.name == "synth-22"
