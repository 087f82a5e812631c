"""The demo's run plan: which runs each modality gets, where they go, what they override."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from sign2gpt.cli.demo import parse_modalities, plan_runs
from sign2gpt.config import Modality


def test_modalities_parse_in_order_without_repeats() -> None:
    assert parse_modalities("rgb") == [Modality.RGB]
    assert parse_modalities("pose, rgb+pose,pose") == [Modality.POSE, Modality.RGB_POSE]
    with pytest.raises(argparse.ArgumentTypeError, match="unknown modality 'depth'"):
        parse_modalities("rgb,depth")


def test_rgb_keeps_the_plain_folders_and_pose_gets_its_own(tmp_path: Path) -> None:
    rgb, pose = plan_runs(tmp_path, [Modality.RGB, Modality.POSE], "features", [42], None)
    assert (rgb.pgp, rgb.features) == (tmp_path / "pgp", tmp_path / "features")
    assert [r.folder for r in rgb.runs] == [tmp_path / "translate"]
    assert (pose.pgp, pose.features) == (tmp_path / "pgp_pose", tmp_path / "features_pose")
    (run,) = pose.runs
    assert run.folder == tmp_path / "translate_pose"
    assert run.recipe == "translate_features.yaml"
    assert run.overrides == (
        f"train.init_from={tmp_path / 'pgp_pose' / 'best'}",
        f"data.features={tmp_path / 'features_pose'}",
        "train.seed=42",
    )
    assert run.label.startswith("pose: ") and run.main


def test_seeds_and_the_no_pgp_ablation_per_modality(tmp_path: Path) -> None:
    (plan,) = plan_runs(tmp_path, [Modality.RGB_POSE], "end-to-end", [42, 43, 44], 10)
    assert plan.features is None
    folders = [r.folder.name for r in plan.runs]
    assert folders == [
        "translate_rgb_pose",
        "translate_rgb_pose_seed43",
        "translate_rgb_pose_seed44",
        "translate_rgb_pose_nopgp",
    ]
    assert [r.main for r in plan.runs] == [True, True, True, False]
    assert plan.runs[1].overrides == (
        f"train.init_from={tmp_path / 'pgp_rgb_pose' / 'best'}",
        "train.seed=43",
    )
    scratch = plan.runs[-1]
    assert scratch.recipe == "translate.yaml"
    assert scratch.overrides == (
        "train.init_from=",
        "train.epochs=10",
        "train.val_every_epochs=10",
    )
    assert len({r.label for r in plan.runs}) == 4  # every row of the table is told apart
