"""The demo's run plan: which runs each modality gets, where they go, what they override."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from sign2gpt.cli.demo import ceiling_shares, modality_overrides, parse_modalities, plan_runs
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


def test_the_gloss_ceiling_keeps_every_sign_and_gets_its_own_rows(tmp_path: Path) -> None:
    assert modality_overrides(Modality.RGB) == ["model.input=rgb"]
    assert modality_overrides(Modality.GLOSS) == [
        "model.input=gloss",
        "model.sign_encoder.downsample_after=[]",
    ]
    rgb, gloss = plan_runs(tmp_path, [Modality.RGB, Modality.GLOSS], "features", [42, 43], 5)
    assert all(r.label.startswith("gloss: gloss-to-text ceiling, ") for r in gloss.runs)
    assert not any("ceiling" in r.label for r in rgb.runs)
    # BLEU-4 per run: rgb seeds 30, 34 and no-PGP 8; the ceiling's two seeds 39 and 41 (mean 40)
    scores = [30.0, 34.0, 8.0, 39.0, 41.0, 5.0]
    runs = [*rgb.runs, *gloss.runs]
    lines = ceiling_shares(list(zip(runs, scores)))
    assert len(lines) == 3  # the three rgb rows; the ceiling is not a share of itself
    assert lines[0].endswith("75.0 % of the ceiling's BLEU-4 (30.00 of 40.00)")
    assert "85.0 %" in lines[1] and "20.0 %" in lines[2]
    assert ceiling_shares(list(zip(rgb.runs, scores))) == []  # no gloss run, no shares
    zero = ceiling_shares([(rgb.runs[0], 1.0), (gloss.runs[0], 0.0)])
    assert zero == ["the gloss-to-text ceiling scored BLEU-4 0: no percentage of it"]


@pytest.mark.parametrize("folder", ["demo", "large"])
def test_every_demo_recipe_loads_and_the_large_one_scales_the_demo(folder: str) -> None:
    from sign2gpt.cli.demo import _config_dir
    from sign2gpt.config import load_config

    root = Path(__file__).resolve().parents[1] / "configs"
    recipes = _config_dir(str(root / folder))
    loaded = {name: load_config(recipes / f"{name}.yaml") for name in ("pretrain", "translate")}
    assert loaded["pretrain"].train.stage == "pgp"
    if folder == "large":  # the demo's model, a larger tokenizer, the epochs a CPU affords
        demo = load_config(root / "demo" / "pretrain.yaml")
        assert loaded["pretrain"].model.sign_encoder == demo.model.sign_encoder
        assert load_config(recipes / "lm.yaml").lm_pretrain.vocab_size == 4000
        assert loaded["pretrain"].train.epochs == 4
        features = load_config(recipes / "translate_features.yaml")
        assert features.train.epochs == 8 and features.train.no_repeat_ngram_size == 3
        assert features.model.lm.train_weights and not demo.model.lm.train_weights
        assert (
            load_config(root / "demo" / "translate_features.yaml").train.no_repeat_ngram_size == 0
        )
