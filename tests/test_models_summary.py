from pathlib import Path

import pytest
from tiny import model_config
from transformers import Dinov2Config, Dinov2Model, XGLMForCausalLM

from sign2gpt.cli import main
from sign2gpt.config import load_config
from sign2gpt.models.summary import DECODER, ParameterRow, format_table, parameter_table

ROOT = Path(__file__).resolve().parents[1]
PAPER = [
    ParameterRow("spatial", 22_328_448, 271_872),
    ParameterRow("sign encoder", 12_613_632, 12_613_632),
    ParameterRow(DECODER, 1_736_710_528, 3_803_520),
    ParameterRow("total", 1_771_652_608, 16_689_024),
]


def test_paper_table_for_the_phoenix14t_recipe():
    cfg = load_config(ROOT / "configs/phoenix14t/translate.yaml")
    assert cfg.model.lm.pretrained == "facebook/xglm-1.7B"  # named, never contacted
    assert cfg.model.spatial.pretrained == "facebook/dinov2-small"
    assert parameter_table(cfg.model, "translate") == PAPER


def test_cli_prints_the_table_with_thousands_separators(capsys):
    assert main(["summary", "--config", str(ROOT / "configs/phoenix14t/translate.yaml")]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[1].split() == ["component", "parameters", "trainable"]
    assert [line.split() for line in lines if line.startswith("total")] == [
        ["total", "1,771,652,608", "16,689,024"]
    ]
    assert "1,736,710,528" in out and "3,803,520" in out and "22,328,448" in out
    assert "facebook/xglm-1.7B not read" in out


def test_stage_one_table_has_the_pgp_head_instead_of_the_decoder():
    cfg = load_config(ROOT / "configs/phoenix14t/pretrain.yaml")
    rows = {r.component: r for r in parameter_table(cfg.model, cfg.train.stage)}
    assert set(rows) == {"spatial", "sign encoder", "PGP head", "total"}
    # Linear(512 -> 2048, the LM embedding prototypes) + tau_U + tau_T; prototypes are a buffer
    assert rows["PGP head"].parameters == rows["PGP head"].trainable == 512 * 2048 + 2048 + 2
    assert rows["total"].parameters == 22_328_448 + 12_613_632 + rows["PGP head"].parameters


def test_local_folders_give_their_own_sizes(tmp_path, lm_dir):
    vit_dir = tmp_path / "vit"
    Dinov2Model(
        Dinov2Config(
            hidden_size=32, num_hidden_layers=2, num_attention_heads=2, patch_size=8, image_size=32
        )
    ).save_pretrained(vit_dir)
    cfg = model_config(lm_dir)
    cfg.spatial.pretrained = str(vit_dir)
    cfg.spatial.hidden_size = 999  # ignored: the folder's config.json wins
    cfg.lm.d_model = 999
    rows = {r.component: r for r in parameter_table(cfg, "translate")}
    tiny = XGLMForCausalLM.from_pretrained(lm_dir)
    frozen_lm = sum(p.numel() for p in tiny.parameters())
    layers, d, r = 2, 32, 4
    trainable_lm = layers * (4 * 2 * r * d + 3 * 2 * r * d + 4) + (16 * d + d)  # + bridge
    assert rows[DECODER] == ParameterRow(DECODER, frozen_lm + trainable_lm, trainable_lm)
    vit = sum(p.numel() for p in Dinov2Model.from_pretrained(vit_dir).parameters())
    assert rows["spatial"].parameters - rows["spatial"].trainable == vit


def test_format_table_aligns_columns():
    text = format_table([ParameterRow("a", 1234, 5), ParameterRow("total", 1234567, 0)])
    assert text.splitlines() == [
        "component  parameters  trainable",
        "---------  ----------  ---------",
        "a               1,234          5",
        "total       1,234,567          0",
    ]


def test_bad_config_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model:\n  lm:\n    d_modle: 3\n")
    assert main(["summary", "--config", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "d_modle" in err[0]


@pytest.mark.parametrize("recipe", ["csl_daily/translate.yaml", "how2sign/translate.yaml"])
def test_other_recipes_build_the_paper_model(recipe):
    cfg = load_config(ROOT / "configs" / recipe)
    assert parameter_table(cfg.model, cfg.train.stage) == PAPER


# The frozen LM of each recipe in configs/lm/ against the total its model card publishes
# (counted on the meta device; a tied output layer counts once).
LM_RECIPES = {
    "xglm-564m.yaml": (564_463_616, "564M"),
    "qwen2.5-0.5b.yaml": (494_032_768, "0.49B"),
    "qwen2.5-1.5b.yaml": (1_543_714_304, "1.54B"),
    "llama-3.2-1b.yaml": (1_235_814_400, "1.24B"),
    "qwen3-0.6b.yaml": (596_049_920, "0.6B"),
    "gemma-3-1b.yaml": (999_885_952, "1B"),
}


@pytest.mark.parametrize("recipe", sorted(LM_RECIPES))
def test_lm_recipes_give_the_published_parameter_counts(recipe):
    from sign2gpt.models.summary import build_on_meta

    expected, published = LM_RECIPES[recipe]
    cfg = load_config(ROOT / "configs" / "lm" / recipe)
    model = build_on_meta(cfg.model, "translate")
    frozen = sum(p.numel() for p in model.lm.lm.parameters())
    assert frozen == expected, published
    rounded = f"{expected / 1e9:.2f}B" if published.endswith("B") else f"{expected / 1e6:.0f}M"
    assert rounded.startswith(published.removesuffix("B").removesuffix("M")), rounded
    rows = {r.component: r for r in parameter_table(cfg.model, "translate")}
    adapters = sum(p.numel() for p in model.lm.adapters.parameters())
    bridge = sum(p.numel() for p in model.bridge.parameters())
    assert rows[DECODER].parameters == frozen + adapters + bridge
    assert rows[DECODER].trainable == adapters + bridge


def test_a_corpus_recipe_and_an_lm_fragment_combine_as_bases(tmp_path):
    recipe = tmp_path / "p14t_qwen.yaml"
    recipe.write_text(
        f"base: [{ROOT / 'configs/phoenix14t/translate.yaml'}, "
        f"{ROOT / 'configs/lm/qwen2.5-0.5b.yaml'}]\ntrain: {{epochs: 3}}\n"
    )
    cfg = load_config(recipe)
    assert cfg.model.lm.family == "qwen2" and cfg.model.lm.d_model == 896
    assert cfg.data.dataset == "phoenix14t" and cfg.train.init_from.endswith("pgp/best")
    assert cfg.train.epochs == 3  # the file itself wins over its bases


def test_no_memory_estimate_where_it_was_not_measured(capsys):
    # the per-frame activation bytes were measured on DINOv2: the demo's CNN gets none
    assert main(["summary", "--config", str(ROOT / "configs/demo/base.yaml")]) == 0
    out = capsys.readouterr().out
    assert "no memory estimate for input rgb with backbone cnn" in out
    assert "estimated training memory" not in out
