"""The offline stand-in LM: tokenizer, training, the saved folder, determinism, the CLI."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
import tiny
import torch
from safetensors.torch import load_file
from transformers import AutoTokenizer, XGLMForCausalLM

from sign2gpt.cli import main
from sign2gpt.errors import DataError
from sign2gpt.text.tokenizer import (
    EOS_ID,
    SPECIAL_TOKENS,
    UNK_ID,
    encode_sentence,
    resolve_kind,
    train_tokenizer,
)
from sign2gpt.train.lm_pretrain import REPORT_NAME, build_lm, perplexity, pretrain_lm

# 48 German forecast sentences: when x where x what.
WHEN = ["am tag", "in der nacht", "morgen", "am nachmittag"]
WHERE = ["im norden", "im süden", "an der küste"]
WHAT = ["regnet es", "scheint die sonne", "gibt es gewitter", "weht ein starker wind"]
TRAIN = [f"{a} {b} {c}" for a, b, c in itertools.product(WHEN, WHERE, WHAT)]
DEV = ["morgen im süden scheint die sonne", "am tag an der küste regnet es"]
ZH = ["今天天气很好", "明天北方有大雨", "今天南方有雪", "明天天气不好"]

TINY = tiny.LM_PRETRAIN


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("lm")
    report = pretrain_lm(TRAIN, TINY, DEV, "de", out, progress=False)
    return out, report


def test_tokenizer_is_xglm_like_and_round_trips():
    tok = train_tokenizer(TRAIN, 200, "bpe")
    assert [tok.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS] == [0, 1, 2, 3]
    assert (tok.bos_token_id, tok.pad_token_id, tok.eos_token_id) == (0, 1, 2)
    s = "am nachmittag im norden gibt es gewitter"
    assert tok(s)["input_ids"][0] == EOS_ID  # like XGLMTokenizer: `</s>` prepended
    ids = encode_sentence(tok, s)
    assert ids[0] == EOS_ID and ids[-1] == EOS_ID and EOS_ID not in ids[1:-1]
    assert tok.decode(ids, skip_special_tokens=True) == s
    assert tok.convert_ids_to_tokens(ids)[0] == "</s>"
    # BPE learned whole words from the corpus; the base alphabet spells unseen words.
    assert tok.convert_ids_to_tokens(encode_sentence(tok, "regnet es")[1:-1]) == ["▁regnet", "▁es"]
    unseen = encode_sentence(tok, "Hagel 7")
    assert UNK_ID not in unseen and tok.decode(unseen, skip_special_tokens=True) == "Hagel 7"
    # the 64-token cap of the text format: a long sentence is cut and loses its final `</s>`
    long = encode_sentence(tok, " ".join(TRAIN[:20]), max_tokens=64)
    assert len(long) == 64 and long[0] == EOS_ID and long[-1] != EOS_ID


def test_vocab_size_is_capped_by_config_and_by_corpus():
    assert len(train_tokenizer(TRAIN, 120, "bpe")) == 120
    big = train_tokenizer(TRAIN, 5000, "bpe")
    assert len(big) < 300  # no pair left to merge long before 5000
    with pytest.raises(DataError):
        train_tokenizer(["", "  "], 100, "bpe")


def test_chinese_character_tokenizer():
    assert resolve_kind("auto", "zh") == "char" and resolve_kind("auto", "de") == "bpe"
    tok = train_tokenizer(ZH, 100, "char")
    chars = set("".join(ZH))
    assert len(tok) == 4 + len(chars)
    s = "明天南方天气很好"
    ids = encode_sentence(tok, s)
    assert tok.convert_ids_to_tokens(ids[1:-1]) == list(s)  # one token per character
    assert tok.decode(ids, skip_special_tokens=True) == s
    assert tok.convert_ids_to_tokens(encode_sentence(tok, "猫")[1:-1]) == ["<unk>"]
    # capped: the most frequent characters are kept (天 occurs 5 times, 好 twice)
    small = train_tokenizer(ZH, 6, "char")
    assert len(small) == 6 and "天" in small.get_vocab()


def test_saved_folder_reloads_and_perplexity_goes_down(trained):
    out, report = trained
    for name in ("config.json", "model.safetensors", "tokenizer.json", REPORT_NAME):
        assert (out / name).is_file(), name
    assert json.loads((out / REPORT_NAME).read_text())["train_perplexity"] == pytest.approx(
        report["train_perplexity"]
    )
    tok = AutoTokenizer.from_pretrained(out)
    model = XGLMForCausalLM.from_pretrained(out)
    cfg = model.config
    assert (cfg.bos_token_id, cfg.pad_token_id, cfg.eos_token_id) == (0, 1, 2)
    assert cfg.decoder_start_token_id == 2 and cfg.scale_embedding
    assert cfg.vocab_size == len(tok) == report["vocab_size"]
    assert (cfg.d_model, cfg.num_layers, cfg.ffn_dim) == (32, 1, 64)

    ids = [encode_sentence(tok, s) for s in TRAIN]
    trained_ppl = perplexity(model, ids)
    assert trained_ppl == pytest.approx(report["train_perplexity"], rel=1e-4)
    torch.manual_seed(TINY.seed)
    untrained = build_lm(TINY, len(tok))
    untrained_ppl = perplexity(untrained, ids)
    assert untrained_ppl == pytest.approx(report["initial_train_perplexity"], rel=1e-4)
    assert trained_ppl < untrained_ppl / 5
    assert report["dev_perplexity"] < report["initial_dev_perplexity"] / 5
    # The corpus is 4 x 3 x 4 equally likely choices, so no model can give a training sentence
    # more than 1/48: perplexity >= exp(48 ln 48 / predicted tokens) (= 1.59 for 400 tokens).
    floor = math.exp(len(TRAIN) * math.log(48) / report["train_tokens"])
    assert floor * 0.999 < trained_ppl < 1.3 * floor


def test_same_seed_same_weights_other_seed_not(trained, tmp_path: Path):
    out, _ = trained
    again = tmp_path / "again"
    pretrain_lm(TRAIN, TINY, DEV, "de", again, progress=False)
    a, b = load_file(out / "model.safetensors"), load_file(again / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert (out / "tokenizer.json").read_bytes() == (again / "tokenizer.json").read_bytes()

    other = tmp_path / "other"
    pretrain_lm(TRAIN, replace(TINY, seed=4), DEV, "de", other, progress=False)
    c = load_file(other / "model.safetensors")
    assert not torch.equal(a["model.embed_tokens.weight"], c["model.embed_tokens.weight"])


def test_no_sentences_is_an_error(tmp_path: Path):
    with pytest.raises(DataError, match="no training sentences"):
        pretrain_lm(["", " "], TINY, out_dir=tmp_path, progress=False)


def _phoenix(root: Path) -> None:
    """A minimal Phoenix14T layout: the corpus CSVs and (empty) frame folders."""
    manual = root / "annotations" / "manual"
    manual.mkdir(parents=True)
    splits = {"train": TRAIN, "dev": DEV, "test": DEV}
    for split, sentences in splits.items():
        rows = ["name|video|start|end|speaker|orth|translation"]
        for i, s in enumerate(sentences):
            name = f"{split}_{i:03d}"
            rows.append(f"{name}|{name}/1/*.png|-1|-1|Signer01|X|{s}")
            (root / "features" / "fullFrame-210x260px" / split / name).mkdir(parents=True)
        (manual / f"PHOENIX-2014-T.{split}.corpus.csv").write_text("\n".join(rows) + "\n")


def test_cli_reads_the_dataset_and_writes_the_folder(tmp_path: Path, capsys):
    _phoenix(tmp_path / "corpus")
    cfg = tmp_path / "lm.yaml"
    cfg.write_text(
        "data:\n  dataset: phoenix14t\n  root: corpus\n  lang: de\nlm_pretrain:\n"
        + "".join(f"  {k}: {v}\n" for k, v in tiny.LM_PRETRAIN_SETTINGS.items())
    )
    out = tmp_path / "lm"
    args = ["lm-pretrain", "--config", str(cfg), f"data.root={tmp_path / 'corpus'}"]
    assert main([*args, f"lm_pretrain.out_dir={out}", "lm_pretrain.epochs=2"]) == 0
    printed = capsys.readouterr().out
    assert "perplexity: train" in printed and str(out) in printed
    report = json.loads((out / REPORT_NAME).read_text())
    assert report["train_sentences"] == len(TRAIN) and report["dev_sentences"] == len(DEV)
    assert report["epochs"] == 2
    XGLMForCausalLM.from_pretrained(out)
    capsys.readouterr()  # drop the loading bar

    rc = main([*args[:3], f"data.root={tmp_path / 'missing'}", f"lm_pretrain.out_dir={out}"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "missing" in err


def test_its_progress_bar_is_sparse_in_a_log_file(tmp_path, capsys):
    # stderr captured: not a terminal. The loss shown beside the bar must not redraw it every
    # step (set_postfix refreshes by default), or a log gets a line per step.
    pretrain_lm(TRAIN, replace(TINY, epochs=3), DEV, "de", tmp_path / "lm", progress=True)
    err = capsys.readouterr().err
    draws = err.count("\rlm-pretrain")
    assert 2 <= draws <= 3  # the first draw, perhaps one at 30 s, the final one
