from pathlib import Path

import pytest

from sign2gpt.config import Config, ConfigError, load_config, save_config


def test_defaults_are_paper_setting():
    cfg = Config()
    assert cfg.model.spatial.lora_blocks == [9, 10, 11]
    assert cfg.model.sign_encoder.window == 7
    assert cfg.train.optim.lr == pytest.approx(3e-4)
    assert cfg.pseudo_gloss.max_sentence_fraction == 0.4


def test_yaml_base_chain_overrides_and_round_trip(tmp_path: Path):
    (tmp_path / "base.yaml").write_text("train:\n  epochs: 7\n")
    (tmp_path / "child.yaml").write_text("base: base.yaml\ndata:\n  batch_size: 2\n")
    cfg = load_config(tmp_path / "child.yaml", ["train.optim.lr=1e-4", "data.lang=zh"])
    assert cfg.train.epochs == 7
    assert cfg.data.batch_size == 2
    assert cfg.train.optim.lr == pytest.approx(1e-4)
    assert cfg.data.lang == "zh"
    save_config(cfg, tmp_path / "resolved.yaml")
    again = load_config(tmp_path / "resolved.yaml")
    assert again == cfg


def test_unknown_key_and_bad_type_name_the_key(tmp_path: Path):
    (tmp_path / "bad.yaml").write_text("train:\n  epoch: 3\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: unknown key train.epoch"):
        load_config(tmp_path / "bad.yaml")
    with pytest.raises(ConfigError, match=r"data.batch_size: expected an integer"):
        load_config(None, ["data.batch_size=two"])
    with pytest.raises(ConfigError, match=r"data.lang: 'fr' is not one of"):
        load_config(None, ["data.lang=fr"])
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.yaml")
