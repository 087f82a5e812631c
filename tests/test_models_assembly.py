import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file
from tiny import SENTENCES, model_config, randomise_

from sign2gpt.config import BridgeConfig, Config, ConfigError, load_config
from sign2gpt.errors import CheckpointError
from sign2gpt.infer.translator import Translator
from sign2gpt.models.bridge import Bridge
from sign2gpt.models.checkpoint import read_trainable_weights, save_checkpoint
from sign2gpt.models.pgp_model import PGPModel
from sign2gpt.models.positional import sinusoidal_table
from sign2gpt.models.stage_model import StageModel
from sign2gpt.models.stages import load_checkpoint, model_type
from sign2gpt.models.translation_model import BeamSearch, TranslationModel
from sign2gpt.pipeline import Pipeline
from sign2gpt.text.pseudo_gloss import PseudoGlossVocab
from sign2gpt.text.tokenizer import encode_sentence


def _build(lm_dir: Path, stage: str = "translate", tokenizer=None, seed: int = 0) -> StageModel:
    torch.manual_seed(seed)
    if stage == "pgp":
        prototypes = torch.randn(7, 32)
        return PGPModel.build(model_config(lm_dir), prototypes=prototypes).eval()
    return TranslationModel.build(model_config(lm_dir), tokenizer=tokenizer).eval()


def _frames(lengths: list[int], seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    frames = torch.randn(sum(lengths), 3, 16, 16, generator=g)  # packed, 2 x 2 patches of 8 px
    return frames, torch.tensor(lengths)


def _texts(tokenizer, sentences: list[str]) -> dict[str, torch.Tensor]:
    """`</s>` + sentence + `</s>`; input = all but last, labels = all but first (-100 padded)."""
    rows = [encode_sentence(tokenizer, s) for s in sentences]
    width = max(len(r) for r in rows) - 1
    ids = torch.full((len(rows), width), tokenizer.pad_token_id)
    labels = torch.full((len(rows), width), -100)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row) - 1] = torch.tensor(row[:-1])
        labels[i, : len(row) - 1] = torch.tensor(row[1:])
        mask[i, : len(row) - 1] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def _open_gates(model: TranslationModel, seed: int = 1) -> TranslationModel:
    randomise_(model.lm.adapters, seed=seed, std=0.5)
    randomise_(model.bridge, seed=seed + 1, std=0.3)
    return model


class _Vocab:
    """Stands in for PseudoGlossVocab: anything with .save(path)."""

    def __init__(self, words: list[str]) -> None:
        self.vocab = words

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps({"vocab": self.vocab}), encoding="utf-8")


# ---- the forward pieces ---------------------------------------------------------------------


def test_encode_unpacks_frames_per_clip_and_pools_the_mask(lm_dir):
    model = _build(lm_dir)
    frames, lengths = _frames([5, 3])
    z, mask = model.encode(frames, lengths)
    assert z.shape == (2, 3, 16)  # 5 frames -> 3 after the /2 pool
    assert mask.tolist() == [[True, True, True], [True, True, False]]
    # clip 2 alone gives the same features (BatchNorm is in eval mode)
    z2, _ = model.encode(frames[5:], lengths[1:])
    assert torch.allclose(z[1, :2], z2[0], atol=1e-5)
    with pytest.raises(ValueError, match="lengths sum"):
        model.encode(frames, torch.tensor([5, 4]))


def test_translation_loss_trains_only_the_trainable_parts(lm_dir, tokenizer):
    model = _build(lm_dir, tokenizer=tokenizer).train()
    frames, lengths = _frames([5, 3])
    texts = _texts(tokenizer, SENTENCES[:2])
    z, mask = model.encode(frames, lengths)
    loss = model.loss(z, mask, **texts, label_smoothing=0.1)
    assert loss.ndim == 0 and torch.isfinite(loss)
    loss.backward()
    for name, p in model.named_parameters():
        frozen = name.startswith(("lm.lm.", "sign.step_encoder.vit."))
        assert p.requires_grad != frozen, name
        if frozen:
            assert p.grad is None, name
    assert all(a.gate.grad.abs().sum() > 0 for a in model.lm.adapters)  # gates learn from 0
    # Closed gates: nothing reaches the sign model yet (the untrained model is the frozen LM).
    assert model.bridge.proj.weight.grad.abs().sum() == 0
    with torch.no_grad():
        for adapter in model.lm.adapters:
            adapter.gate.fill_(0.5)
    model.zero_grad()
    z, mask = model.encode(frames, lengths)
    model.loss(z, mask, **texts, label_smoothing=0.1).backward()
    assert model.bridge.proj.weight.grad.abs().sum() > 0
    assert model.sign.encoder.blocks[0].attn.q_proj.weight.grad.abs().sum() > 0
    assert model.sign.step_encoder.lora.block1_qkv.lora_B.grad.abs().sum() > 0


def test_translate_decodes_beam_search_cut_at_the_end_token(lm_dir, tokenizer):
    model = _open_gates(_build(lm_dir, tokenizer=tokenizer))
    z, mask = model.encode(*_frames([5, 3]))
    texts = model.translate(z, mask, BeamSearch(4, 10))
    ids = model.generate_ids(z, mask, BeamSearch(4, 10))
    assert len(texts) == 2 and all(isinstance(t, str) for t in texts)
    assert texts == [model.decode(row) for row in ids.tolist()]
    eos = tokenizer.eos_token_id
    word = tokenizer("sonne", add_special_tokens=False)["input_ids"]
    tail = tokenizer("regnet", add_special_tokens=False)["input_ids"]
    assert model.decode([*word, eos, *tail]) == "sonne"
    assert model.special_ids() == (eos, eos, tokenizer.pad_token_id)  # starts with </s>


def test_stage_one_model_has_no_language_model(lm_dir):
    model = _build(lm_dir, stage="pgp")
    assert isinstance(model, PGPModel) and not isinstance(model, TranslationModel)
    assert not hasattr(model, "lm") and not hasattr(model, "bridge")
    assert model.num_pseudo_glosses == 7
    z, mask = model.encode(*_frames([4, 2]))
    targets = torch.zeros(2, 7)
    targets[0, 1] = 1
    out = model.pseudo_glosses(z, mask, targets)
    assert out.yhat.shape == (2, 7) and torch.isfinite(out.loss)
    with pytest.raises(CheckpointError, match="cannot translate"):
        Translator(Pipeline(Config(model=model_config(lm_dir)), model))


def test_mismatched_sizes_are_a_config_error(lm_dir):
    cfg = model_config(lm_dir)
    cfg.sign_encoder.dim = 24
    with pytest.raises(ConfigError, match="out_dim"):
        TranslationModel.build(cfg)
    with pytest.raises(ConfigError, match="stage"):
        model_type("finetune")


# ---- the bridge -----------------------------------------------------------------------------


def test_bridge_positional_variants():
    z = torch.randn(2, 5, 16)
    torch.manual_seed(0)
    plain = Bridge(BridgeConfig(positional="none"), 16, 32)
    out = {}
    for kind in ("sinusoidal", "none", "learned_zero", "learned_random"):
        bridge = Bridge(BridgeConfig(positional=kind, max_positions=8), 16, 32)
        bridge.proj.load_state_dict(plain.proj.state_dict())
        out[kind] = bridge(z)
    assert torch.allclose(out["none"], plain.proj(z))
    assert torch.allclose(out["sinusoidal"], plain.proj(z + sinusoidal_table(5, 16)), atol=1e-6)
    assert torch.equal(out["learned_zero"], out["none"])  # zero-init: starts as no PE
    assert not torch.allclose(out["learned_random"], out["none"])
    learned = Bridge(BridgeConfig(positional="learned_zero", max_positions=4), 16, 32)
    assert next(n for n, _ in learned.named_parameters()) == "pos_embedding"  # no weight decay
    with pytest.raises(ValueError, match="max_positions"):
        learned(z)
    with torch.device("meta"):
        paper = Bridge(BridgeConfig(), 512, 2048)
    assert sum(p.numel() for p in paper.parameters()) == 1_050_624


# ---- what is saved --------------------------------------------------------------------------


def test_trainable_state_dict_is_everything_but_the_frozen_models(lm_dir, tokenizer):
    model = _build(lm_dir, tokenizer=tokenizer)
    sd = model.trainable_state_dict()
    assert not any(k.startswith(("lm.lm.", "sign.step_encoder.vit.")) for k in sd)
    for key in (
        "sign.step_encoder.bn.running_mean",
        "sign.step_encoder.bn.num_batches_tracked",
        "sign.step_encoder.proj.weight",
        "sign.step_encoder.lora.block1_qkv.lora_A",
        "bridge.proj.weight",
        "lm.adapters.0.gate",
        "lm.adapters.1.sign.v.lora_B",
    ):
        assert key in sd, key
    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    assert set(params) <= set(sd)
    buffers = set(sd) - set(params)
    assert all(k.startswith("sign.step_encoder.bn.") for k in buffers), buffers
    pgp = _build(lm_dir, stage="pgp").trainable_state_dict()
    assert "pgp_head.prototypes" in pgp and pgp["pgp_head.prototypes"].shape == (7, 32)


def test_load_trainable_state_dict_is_strict(lm_dir, tokenizer):
    source = _open_gates(_build(lm_dir, tokenizer=tokenizer, seed=1))
    target = _build(lm_dir, tokenizer=tokenizer, seed=2)
    sd = {k: v.clone() for k, v in source.trainable_state_dict().items()}
    target.load_trainable_state_dict(sd)
    for k, v in target.trainable_state_dict().items():
        assert torch.equal(v, sd[k]), k
    missing = dict(sd)
    missing.pop("lm.adapters.0.gate")
    with pytest.raises(CheckpointError, match=r"1 missing.*lm.adapters.0.gate"):
        target.load_trainable_state_dict(missing)
    with pytest.raises(CheckpointError, match=r"1 unexpected.*bogus"):
        target.load_trainable_state_dict({**sd, "bogus.weight": torch.zeros(1)})
    with pytest.raises(CheckpointError, match="another shape"):
        target.load_trainable_state_dict({**sd, "lm.adapters.0.gate": torch.zeros(5)})


def test_stage_two_takes_the_stage_one_sign_model_and_drops_the_head(lm_dir, tokenizer):
    stage1 = _build(lm_dir, stage="pgp", seed=3)
    randomise_(stage1, seed=4)
    with torch.no_grad():
        stage1.sign.step_encoder.bn.running_mean.fill_(0.25)
    weights = stage1.trainable_state_dict()
    stage2 = _build(lm_dir, tokenizer=tokenizer, seed=5)
    gates_before = stage2.lm.adapters[0].gate.clone()
    stage2.load_sign_model(weights)
    own = stage2.trainable_state_dict()
    for key, value in weights.items():
        if key.startswith("pgp_head."):
            assert key not in own
        else:
            assert torch.equal(own[key], value), key
    assert torch.equal(stage2.lm.adapters[0].gate, gates_before)
    frames, lengths = _frames([5, 3])
    assert torch.allclose(stage2.encode(frames, lengths)[0], stage1.encode(frames, lengths)[0])

    dropped = next(k for k in weights if k.startswith("sign.encoder."))
    incomplete = {k: v for k, v in weights.items() if k != dropped}
    with pytest.raises(CheckpointError, match="missing"):
        stage2.load_sign_model(incomplete)
    with pytest.raises(CheckpointError, match="not a stage-1"):
        stage2.load_sign_model({**weights, "lm.adapters.0.gate": torch.zeros(4)})
    trained_vit = {**weights, "sign.step_encoder.vit.layernorm.weight": torch.ones(32)}
    with pytest.raises(CheckpointError, match="train_backbone"):
        stage2.load_sign_model(trained_vit)


def _cfg(lm_dir: Path, stage: str) -> Config:
    cfg = Config(model=model_config(lm_dir))
    cfg.train.stage = stage
    cfg.data.lang = "de"
    return cfg


def test_translation_checkpoint_round_trip_gives_identical_outputs(lm_dir, tokenizer, tmp_path):
    model = _open_gates(_build(lm_dir, tokenizer=tokenizer))
    with torch.no_grad():
        model.sign.step_encoder.bn.running_var.fill_(2.0)
    cfg = _cfg(lm_dir, "translate")
    (tmp_path / "store").mkdir()
    cfg.data.store, cfg.data.features = os.path.relpath(tmp_path / "store"), "not/here"
    folder = save_checkpoint(
        tmp_path / "best",
        model,
        cfg,
        vocab=_Vocab(["sonne", "regen"]),
        metrics={"val/bleu4": torch.tensor(12.5), "epoch": 3, "val/loss": float("nan")},
    )
    names = {p.name for p in folder.iterdir()}
    assert {"config.yaml", "trainable.safetensors", "pseudo_glosses.json", "metrics.json"} <= names
    assert "tokenizer_config.json" in names
    assert not any(n.endswith((".bin", ".pt", ".pth", ".pkl", ".ckpt")) for n in names)
    assert json.loads((folder / "metrics.json").read_text()) == {
        "epoch": 3,
        "val/bleu4": 12.5,
        "val/loss": None,
    }
    saved = load_file(str(folder / "trainable.safetensors"))
    assert not any(k.startswith("lm.lm.") for k in saved)  # the frozen LM is referenced
    saved_cfg = load_config(folder / "config.yaml")
    assert saved_cfg.model.lm.pretrained == str(lm_dir.resolve())
    # a local data path is saved absolute (the checkpoint works from any folder); others stay
    assert saved_cfg.data.store == str((tmp_path / "store").resolve())
    assert saved_cfg.data.features == "not/here"

    loaded, cfg = load_checkpoint(folder)
    tok = loaded.tokenizer
    assert isinstance(loaded, TranslationModel)
    assert cfg.train.stage == "translate" and not loaded.training
    assert tok.eos_token_id == tokenizer.eos_token_id and len(tok) == len(tokenizer)
    frames, lengths = _frames([5, 3], seed=7)
    texts = _texts(tokenizer, SENTENCES[2:4])
    with torch.no_grad():
        z, mask = model.encode(frames, lengths)
        z2, mask2 = loaded.encode(frames, lengths)
        assert torch.equal(z, z2) and torch.equal(mask, mask2)
        assert torch.equal(model.loss(z, mask, **texts), loaded.loss(z2, mask2, **texts))
    assert loaded.translate(z2, mask2, BeamSearch(4, 10)) == model.translate(
        z, mask, BeamSearch(4, 10)
    )


def test_pgp_checkpoint_round_trip(lm_dir, tmp_path):
    model = _build(lm_dir, stage="pgp")
    randomise_(model, seed=9)
    folder = save_checkpoint(tmp_path / "pgp", model, _cfg(lm_dir, "translate"))
    loaded, cfg = load_checkpoint(folder)
    assert isinstance(loaded, PGPModel)
    assert cfg.train.stage == "pgp"  # the stage comes from the model
    assert Pipeline.from_checkpoint(folder).tokenizer is None  # none was saved
    frames, lengths = _frames([4, 6])
    with torch.no_grad():
        a = model.pseudo_glosses(*model.encode(frames, lengths))
        b = loaded.pseudo_glosses(*loaded.encode(frames, lengths))
    assert torch.equal(a.yhat, b.yhat) and torch.equal(a.E, b.E)
    assert set(read_trainable_weights(folder)) == set(model.trainable_state_dict())


def test_broken_checkpoints_name_the_missing_file(lm_dir, tokenizer, tmp_path):
    model = _build(lm_dir, tokenizer=tokenizer)
    good = save_checkpoint(tmp_path / "good", model, _cfg(lm_dir, "translate"))

    with pytest.raises(CheckpointError, match=r"nowhere.*not found"):
        load_checkpoint(tmp_path / "nowhere")

    def broken(name: str, drop: list[str]) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        for f in good.iterdir():
            if f.name not in drop:
                (folder / f.name).write_bytes(f.read_bytes())
        return folder

    with pytest.raises(CheckpointError, match=r"config.yaml: missing"):
        load_checkpoint(broken("no-config", ["config.yaml"]))
    with pytest.raises(CheckpointError, match=r"trainable.safetensors: missing"):
        load_checkpoint(broken("no-weights", ["trainable.safetensors"]))
    with pytest.raises(CheckpointError, match=r"tokenizer_config.json: missing"):
        load_checkpoint(broken("no-tokenizer", ["tokenizer_config.json"]))
    garbled = broken("garbled", [])
    (garbled / "trainable.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(CheckpointError, match=r"trainable.safetensors: not a readable"):
        load_checkpoint(garbled)
    short = broken("short", [])
    weights = load_file(str(short / "trainable.safetensors"))
    weights.pop("bridge.proj.bias")
    save_file(
        weights, str(short / "trainable.safetensors"), metadata={"sign2gpt_stage": "translate"}
    )
    with pytest.raises(CheckpointError, match=r"trainable.safetensors.*missing.*bridge.proj.bias"):
        load_checkpoint(short)
    other_lm = broken("other-lm", [])
    text = (
        (other_lm / "config.yaml")
        .read_text()
        .replace(str(lm_dir.resolve()), str(tmp_path / "gone"))
    )
    (other_lm / "config.yaml").write_text(text)
    with pytest.raises(CheckpointError, match="gone"):
        load_checkpoint(other_lm)


def test_checkpoint_config_keeps_hub_ids(lm_dir, tokenizer, tmp_path):
    model = _build(lm_dir, tokenizer=tokenizer)
    cfg = _cfg(lm_dir, "translate")
    model.cfg = replace(
        model.cfg, spatial=replace(model.cfg.spatial, pretrained="facebook/dinov2-small")
    )
    folder = save_checkpoint(tmp_path / "ids", model, cfg)
    assert load_config(folder / "config.yaml").model.spatial.pretrained == "facebook/dinov2-small"


def test_folders_of_the_earlier_format_still_load(lm_dir, tokenizer, tmp_path):
    """Before the sign model was its own part, checkpoints named its weights ``spatial.`` and
    ``sign_encoder.`` and kept the normalisation in ``data.mean`` / ``data.std``."""
    model_cfg = model_config(lm_dir)
    model_cfg.spatial.mean = (0.5, 0.4, 0.3)
    model = _open_gates(TranslationModel.build(model_cfg, tokenizer=tokenizer).eval())
    cfg = _cfg(lm_dir, "translate")
    folder = save_checkpoint(tmp_path / "new", model, cfg)
    old = tmp_path / "old"
    old.mkdir()
    for f in folder.iterdir():
        (old / f.name).write_bytes(f.read_bytes())
    renamed = {
        k.replace("sign.step_encoder.", "spatial.", 1).replace(
            "sign.encoder.", "sign_encoder.", 1
        ): v
        for k, v in load_file(str(folder / "trainable.safetensors")).items()
    }
    assert "spatial.proj.weight" in renamed and "sign_encoder.blocks.0.norm1.weight" in renamed
    save_file(renamed, str(old / "trainable.safetensors"), metadata={"sign2gpt_stage": "translate"})
    text = (old / "config.yaml").read_text()
    text = text.replace("    mean:\n    - 0.5\n    - 0.4\n    - 0.3\n", "")
    text = text.replace("data:\n", "data:\n  mean: [0.5, 0.4, 0.3]\n  bucket_by_length: true\n", 1)
    assert "bucket_by_length" in text and "- 0.5" not in text
    (old / "config.yaml").write_text(text)

    loaded, old_cfg = load_checkpoint(old)
    assert old_cfg.model.spatial.mean == (0.5, 0.4, 0.3)
    assert loaded.sign.normalise.mean == (0.5, 0.4, 0.3)
    frames = torch.randint(0, 256, (8, 3, 16, 16), dtype=torch.uint8)
    lengths = torch.tensor([5, 3])
    with torch.no_grad():
        z, mask = model.eval().encode(frames, lengths)
        z2, mask2 = loaded.encode(frames, lengths)
    assert torch.equal(z, z2) and torch.equal(mask, mask2)
    assert loaded.translate(z2, mask2, BeamSearch(2, 6)) == model.translate(
        z, mask, BeamSearch(2, 6)
    )


def test_folders_of_format_2_load_with_the_step_encoder_renamed(lm_dir, tokenizer, tmp_path):
    """Format 2 named the sign model's per-step part ``sign.spatial.``; today's is
    ``sign.step_encoder.`` (it holds a pose encoder or a gloss embedding too). Such a folder
    loads with strict key checking and gives the same features and sentences."""
    model = _open_gates(TranslationModel.build(model_config(lm_dir), tokenizer=tokenizer).eval())
    folder = save_checkpoint(tmp_path / "new", model, _cfg(lm_dir, "translate"))
    weights = load_file(str(folder / "trainable.safetensors"))
    assert "sign.step_encoder.proj.weight" in weights
    old = tmp_path / "format2"
    old.mkdir()
    for f in folder.iterdir():
        (old / f.name).write_bytes(f.read_bytes())
    renamed = {k.replace("sign.step_encoder.", "sign.spatial.", 1): v for k, v in weights.items()}
    assert not any(k.startswith("sign.step_encoder.") for k in renamed)
    metadata = {"sign2gpt_stage": "translate", "sign2gpt_format": "2"}
    save_file(renamed, str(old / "trainable.safetensors"), metadata=metadata)

    loaded, _ = load_checkpoint(old)
    frames = torch.randint(0, 256, (8, 3, 16, 16), dtype=torch.uint8)
    lengths = torch.tensor([5, 3])
    with torch.no_grad():
        z, mask = model.encode(frames, lengths)
        z2, mask2 = loaded.encode(frames, lengths)
    assert torch.equal(z, z2) and torch.equal(mask, mask2)
    assert loaded.translate(z2, mask2, BeamSearch(2, 6)) == model.translate(
        z, mask, BeamSearch(2, 6)
    )


def test_a_checkpoint_folder_is_read_once_per_file(lm_dir, tokenizer, tmp_path, monkeypatch):
    """Loading a stage-2 folder for inference reads its config once and its weights once (both
    were read twice before CheckpointFolder: once to learn the stage, once to rebuild)."""
    import sign2gpt.models.checkpoint as checkpoint

    model = _open_gates(_build(lm_dir, tokenizer=tokenizer))
    words = ["HAUS", "REGEN"]
    vocab = PseudoGlossVocab(
        vocab=words,
        counts=dict.fromkeys(words, 1),
        sentence_counts=dict.fromkeys(words, 1),
        clips={"t1": words},
        splits={"t1": "train"},
        lang="de",
        backend={},
        pos=[],
        max_sentence_fraction=0.4,
    )
    folder = save_checkpoint(tmp_path / "ckpt", model, _cfg(lm_dir, "translate"), vocab=vocab)
    calls = {"config": 0, "weights": 0}

    def counted(name, read):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return read(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(checkpoint, "load_config", counted("config", checkpoint.load_config))
    monkeypatch.setattr(
        checkpoint, "read_trainable_weights", counted("weights", checkpoint.read_trainable_weights)
    )
    pipeline = Pipeline.from_checkpoint(folder, dtype="bfloat16")
    assert calls == {"config": 1, "weights": 1}
    assert pipeline.cfg.model.lm.dtype == "bfloat16"
    assert checkpoint.CheckpointFolder.open(folder).config.model.lm.dtype == "float32"
    assert pipeline.vocab is not None and pipeline.vocab.vocab == ["HAUS", "REGEN"]
    assert pipeline.folder == folder


def test_stage_models_take_a_loader_batch_in_forward(lm_dir, tokenizer):
    """forward(batch) is the training step's computation: PGP's head output with its loss from
    the batch's targets, translation's loss of the batch's sentences; cached features in the
    batch are read instead of encoding frames."""
    frames, lengths = _frames([5, 3])
    pgp = _build(lm_dir, stage="pgp")
    targets = torch.zeros(2, 7)
    targets[0, 2] = targets[1, 4] = 1.0
    out = pgp({"frames": frames, "lengths": lengths, "targets": targets})
    with torch.no_grad():
        z, mask = pgp.encode(frames, lengths)
    expected = pgp.pseudo_glosses(z, mask, targets)
    assert torch.equal(out.yhat, expected.yhat) and torch.equal(out.loss, expected.loss)
    cached = pgp({"features": z, "feature_mask": mask, "targets": targets})
    assert torch.equal(cached.yhat, expected.yhat)

    translation = _open_gates(_build(lm_dir, tokenizer=tokenizer))
    texts = _texts(tokenizer, SENTENCES[:2])
    loss = translation({"frames": frames, "lengths": lengths, **texts}, label_smoothing=0.1)
    z, mask = translation.encode(frames, lengths)
    assert torch.equal(loss, translation.loss(z, mask, **texts, label_smoothing=0.1))


def test_beam_search_takes_the_recipes_decoding_unless_given():
    train = Config().train
    train.num_beams, train.max_new_tokens, train.no_repeat_ngram_size = 5, 30, 3
    assert BeamSearch.of(train) == BeamSearch(5, 30, 3)
    assert BeamSearch.of(train, num_beams=1) == BeamSearch(1, 30, 3)
    assert BeamSearch.of(train, no_repeat_ngram_size=0) == BeamSearch(5, 30, 0)  # 0: off, kept
    with pytest.raises(ConfigError, match="num_beams must be >= 1, got 0"):
        BeamSearch.of(train, num_beams=0)
    with pytest.raises(ConfigError, match="no_repeat_ngram_size must be >= 0, got -1"):
        BeamSearch(4, 64, -1)


def test_a_trained_lm_is_saved_with_the_checkpoint_its_tied_head_once(lm_dir, tokenizer, tmp_path):
    mcfg = model_config(lm_dir)
    mcfg.lm.train_weights = True
    torch.manual_seed(0)
    model = _open_gates(TranslationModel.build(mcfg, tokenizer=tokenizer))
    lm_weights = dict(model.lm.lm.named_parameters())
    assert all(p.requires_grad for p in lm_weights.values())
    head, embed = model.lm.lm.lm_head.weight, model.lm.lm.model.embed_tokens.weight
    assert head is embed  # tied: one tensor, two names
    frames, lengths = _frames([5, 3], seed=7)
    texts = _texts(tokenizer, SENTENCES[2:4])
    z, mask = model.encode(frames, lengths)
    model.loss(z, mask, **texts).backward()
    fc1 = model.lm.lm.model.layers[0].fc1.weight
    assert fc1.grad is not None and fc1.grad.abs().sum() > 0  # the LM's own weights learn
    with torch.no_grad():  # as if trained: the saved weights differ from the stock folder's
        fc1.add_(0.5)
        embed.mul_(1.5)
    model.eval()

    state = model.trainable_state_dict()
    assert "lm.lm.model.layers.0.fc1.weight" in state
    assert "lm.lm.model.embed_tokens.weight" in state and "lm.lm.lm_head.weight" not in state
    cfg = _cfg(lm_dir, "translate")
    cfg.model = mcfg
    folder = save_checkpoint(tmp_path / "best", model, cfg)
    assert set(load_file(str(folder / "trainable.safetensors"))) == set(state)

    loaded, saved_cfg = load_checkpoint(folder)
    assert isinstance(loaded, TranslationModel) and saved_cfg.model.lm.train_weights
    assert loaded.lm.lm.lm_head.weight is loaded.lm.lm.model.embed_tokens.weight  # still tied
    assert torch.equal(loaded.lm.lm.model.layers[0].fc1.weight, fc1)
    with torch.no_grad():
        z, mask = model.encode(frames, lengths)
        z2, mask2 = loaded.encode(frames, lengths)
        assert torch.equal(model.loss(z, mask, **texts), loaded.loss(z2, mask2, **texts))
    # the stock LM folder alone (frozen) would give other outputs
    stock = model_config(lm_dir)
    torch.manual_seed(0)
    frozen = _open_gates(TranslationModel.build(stock, tokenizer=tokenizer)).eval()
    frozen.load_trainable_state_dict(
        {k: v for k, v in state.items() if not k.startswith("lm.lm.")}, "without the LM"
    )
    with torch.no_grad():
        assert not torch.equal(frozen.loss(z, mask, **texts), loaded.loss(z2, mask2, **texts))
