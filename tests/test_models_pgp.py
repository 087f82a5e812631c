import logging
import math
import sys
import types
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers, processors
from transformers import PreTrainedTokenizerFast

from sign2gpt.config import ConfigError, PGPHeadConfig, load_config
from sign2gpt.errors import DataError, Sign2GPTError
from sign2gpt.models.pgp_head import (
    COOCCURRENCE_DIM,
    PGPHead,
    build_prototypes,
    cooccurrence_prototypes,
    lm_embedding_prototypes,
    load_fasttext_prototypes,
    near_duplicate_prototypes,
    ppmi,
)
from sign2gpt.models.pgp_model import prototype_dim
from sign2gpt.text.pseudo_gloss import PseudoGlossVocab

FIXED = PGPHeadConfig(dropout=0.0, tau_init=0.5, learn_tau=False)


def _identity_head(cfg: PGPHeadConfig = FIXED) -> PGPHead:
    """dim 2 -> P 2 with an identity projection; prototypes e1 and e2."""
    head = PGPHead(cfg, dim=2, prototypes=torch.tensor([[3.0, 0.0], [0.0, 0.5]]))
    with torch.no_grad():
        head.proj.weight.copy_(torch.eye(2))
        head.proj.bias.zero_()
    return head.eval()


def _softmax(values: list[float]) -> list[float]:
    e = [math.exp(v) for v in values]
    return [x / sum(e) for x in e]


def test_hand_computed_example():
    # Frame 1 = (1, 0): cos (1, 0, null 0). Frame 2 = (3, 4) / 5: cos (0.6, 0.8, 0). tau = 0.5.
    head = _identity_head()
    z = torch.tensor([[[2.0, 0.0], [3.0, 4.0]]])
    S = [[1.0, 0.0, 0.0], [0.6, 0.8, 0.0]]
    U = [_softmax([s / 0.5 for s in row]) for row in S]  # over pseudo-glosses (+ null)
    cols = [_softmax([S[0][v] / 0.5, S[1][v] / 0.5]) for v in range(3)]  # over frames
    A = [[cols[v][t] for v in range(3)] for t in range(2)]
    E = [[U[t][v] * A[t][v] for v in range(3)] for t in range(2)]
    yhat = [E[0][v] + E[1][v] for v in range(2)]
    loss = 10 * -(math.log(yhat[0]) + math.log(1 - yhat[1])) / 2  # targets (1, 0)

    out = head(z, torch.ones(1, 2, dtype=torch.bool), torch.tensor([[1.0, 0.0]]))
    torch.testing.assert_close(out.E[0], torch.tensor(E))
    torch.testing.assert_close(out.yhat[0], torch.tensor(yhat))
    assert out.loss.item() == pytest.approx(loss, rel=1e-5)
    torch.testing.assert_close(head.similarity(z)[0], torch.tensor(S))
    # Spot-check the hand formulas with literal numbers: U[0] = (e^2, 1, 1) / (e^2 + 2).
    assert U[0][0] == pytest.approx(math.e**2 / (math.e**2 + 2))
    assert A[0][2] == pytest.approx(0.5)  # the null column is 0 everywhere: uniform over frames
    assert head(z, torch.ones(1, 2, dtype=torch.bool)).loss is None


def test_padded_frames_are_masked_out_of_the_time_softmax():
    head = _identity_head()
    z = torch.tensor([[[2.0, 0.0], [3.0, 4.0], [0.0, 9.0]]])  # frame 3 is padding
    mask = torch.tensor([[True, True, False]])
    out = head(z, mask, torch.tensor([[1.0, 0.0]]))
    alone = head(z[:, :2], mask[:, :2], torch.tensor([[1.0, 0.0]]))
    assert torch.count_nonzero(out.E[0, 2]) == 0
    torch.testing.assert_close(out.E[:, :2], alone.E)
    torch.testing.assert_close(out.yhat, alone.yhat)
    torch.testing.assert_close(out.loss, alone.loss)
    # Without the mask the padded frame (close to prototype 2) would count.
    unmasked = head(z, torch.ones(1, 3, dtype=torch.bool))
    assert unmasked.E[0, 2, 1] > 0.4
    assert unmasked.yhat[0, 1] > alone.yhat[0, 1] + 0.1


def test_tau_clamping_learnable_and_fixed():
    head = PGPHead(PGPHeadConfig(), dim=4, prototypes=torch.randn(3, 5))
    names = {n for n, p in head.named_parameters()}
    assert {"tau_u", "tau_t"} <= names and head.tau_u.requires_grad
    assert [t.item() for t in head.temperatures()] == pytest.approx([0.1, 0.1])
    with torch.no_grad():
        head.tau_u.fill_(5.0)
        head.tau_t.fill_(-1.0)
    assert [t.item() for t in head.temperatures()] == pytest.approx([1.0, 0.01])
    out = head(torch.randn(2, 6, 4), torch.ones(2, 6, dtype=torch.bool), torch.zeros(2, 3))
    out.loss.backward()
    assert head.tau_u.grad.item() == 0 and head.tau_t.grad.item() == 0  # clamped: no gradient

    fixed = PGPHead(replace(FIXED, tau_init=0.2), dim=4, prototypes=torch.randn(3, 5))
    assert "tau_u" in dict(fixed.named_buffers()) and "tau_u" not in dict(fixed.named_parameters())
    assert "prototypes" in fixed.state_dict() and not fixed.prototypes.requires_grad
    assert sum(
        p.numel() for p in PGPHead(PGPHeadConfig(), 512, torch.randn(7, 300)).parameters()
    ) == (512 * 300 + 300 + 2)
    with pytest.raises(ConfigError, match="prototype_dim"):
        PGPHead(replace(FIXED, prototype_dim=64), dim=4, prototypes=torch.randn(3, 5))


def test_loss_stays_finite_at_saturated_predictions():
    head = _identity_head(replace(FIXED, tau_init=0.01))
    z = torch.tensor([[[1.0, 0.0]]])  # one frame, exactly prototype 1: yhat_1 ~ 1
    out = head(z, torch.ones(1, 1, dtype=torch.bool), torch.tensor([[0.0, 1.0]]))
    assert out.yhat[0, 0] > 0.999 and out.yhat[0, 1] < 1e-8
    assert torch.isfinite(out.loss) and out.loss.item() <= 10 * 100  # log terms clamped


def _write_vec(path: Path, rows: list[str], header: str = "") -> Path:
    dim = len(rows[0].split()) - 1
    path.write_text((header or f"{len(rows)} {dim}") + "\n" + "\n".join(rows) + "\n", "utf-8")
    return path


def test_fasttext_vec_loading_exact_case_folded_and_missing(tmp_path: Path, caplog):
    vec = _write_vec(
        tmp_path / "cc.de.3.vec",
        ["der 1 0 0", "Regen 0 2 0", "regen 9 9 9", "Wind 0 0 3", "wind 7 7 7", "Nord 1 1 1"],
    )
    caplog.set_level(logging.WARNING)
    protos = load_fasttext_prototypes(vec, ["regen", "wind", "sonne"])
    # exact "regen" wins over the earlier "Regen"; "wind" exact too; "sonne" is missing.
    assert protos.tolist() == [[9, 9, 9], [7, 7, 7], [0, 0, 0]]
    assert "1 of 3 pseudo-glosses have no vector" in caplog.text
    folded = load_fasttext_prototypes(vec, ["nord", "der"])
    assert folded.tolist() == [[1, 1, 1], [1, 0, 0]]  # "nord" found as "Nord"


def test_fasttext_bad_files_are_data_errors(tmp_path: Path):
    with pytest.raises(DataError, match="not found"):
        load_fasttext_prototypes(tmp_path / "none.vec", ["a"])
    bad_header = _write_vec(tmp_path / "h.vec", ["a 1 2"], header="hello world")
    with pytest.raises(DataError, match=r"h.vec: not a fastText .vec file"):
        load_fasttext_prototypes(bad_header, ["a"])
    short = _write_vec(tmp_path / "s.vec", ["b 1 2 3", "a 1 2"], header="2 3")
    with pytest.raises(DataError, match=r"s.vec: line 3 has 2 values, not 3"):
        load_fasttext_prototypes(short, ["a"])


def test_fasttext_bin_uses_the_optional_package(tmp_path: Path, monkeypatch):
    path = tmp_path / "cc.de.300.bin"
    path.write_bytes(b"\0")
    monkeypatch.setitem(sys.modules, "fasttext", None)  # not installed
    with pytest.raises(Sign2GPTError, match=r"cc.de.300.bin: .*needs the `fasttext` package"):
        load_fasttext_prototypes(path, ["a"])

    class FakeModel:
        def get_word_vector(self, word: str) -> list[float]:
            return [float(len(word)), 1.0]

    fake = types.SimpleNamespace(load_model=lambda p: FakeModel() if p == str(path) else None)
    monkeypatch.setitem(sys.modules, "fasttext", fake)
    assert load_fasttext_prototypes(path, ["ab", "xyz"]).tolist() == [[2, 1], [3, 1]]


def test_lm_embedding_prototypes_average_subwords_without_special_tokens():
    pieces = ["<unk>", "</s>", "▁", "▁sonne", "▁re", "gen", "▁wind", "r", "e", "g", "n"]
    scores = [0.0, 0.0, -5.0, -1.0, -2.0, -2.0, -1.0, -6.0, -6.0, -6.0, -6.0]
    tok = Tokenizer(models.Unigram(list(zip(pieces, scores)), unk_id=0))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    # XGLM-like: a special token in front of every encoded text unless told otherwise.
    tok.post_processor = processors.TemplateProcessing(
        single="</s> $A", special_tokens=[("</s>", 1)]
    )
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", eos_token="</s>")
    embedding = torch.nn.Embedding(len(pieces), 4)
    with torch.no_grad():
        embedding.weight.copy_(torch.arange(len(pieces) * 4, dtype=torch.float32).view(-1, 4))
    protos = lm_embedding_prototypes(embedding, tokenizer, ["sonne", "regen", "wind"])
    w = embedding.weight
    torch.testing.assert_close(protos[0], w[3])
    torch.testing.assert_close(protos[1], (w[4] + w[5]) / 2)  # "▁re" + "gen"
    torch.testing.assert_close(protos[2], w[6])
    assert protos.dtype == torch.float32 and not protos.requires_grad


def test_ppmi_hand_computed():
    # words x, y, z; x occurs with y in two sentences and with z in one (symmetric counts)
    counts = torch.tensor([[0.0, 2, 1], [2, 0, 0], [1, 0, 0]])
    got = ppmi(counts)
    # total 6; P(y) = 2/6; P_a(x) = 3^.75 / (3^.75 + 2^.75 + 1)
    smoothed = 3**0.75 + 2**0.75 + 1
    assert got[1, 0].item() == pytest.approx(math.log(smoothed / 3**0.75))
    # P(x, z) = 1/6, P(x) = 3/6, P_a(z) = 1 / smoothed: log(smoothed / 3)
    assert got[0, 2].item() == pytest.approx(math.log(smoothed / 3))
    assert got[1, 2].item() == 0.0 and got[0, 0].item() == 0.0  # never together: 0, not -inf


def test_cooccurrence_prototypes_separate_words_and_keep_shared_contexts_close():
    vocab = ["montag", "dienstag", "regen", "sonne", "wind", "wehen", "nord", "einsam"]
    sentences = (
        [["montag", "regen"], ["dienstag", "regen"], ["montag", "sonne"], ["dienstag", "sonne"]]
        + [["wind", "nord", "sonne"], ["wehen", "nord", "sonne"]] * 2
        + [["nord", "regen"], ["einsam"]]
    )
    protos = cooccurrence_prototypes(sentences, vocab, dim=16)
    assert protos.shape == (8, 16) and protos.dtype == torch.float32
    torch.testing.assert_close(protos.norm(dim=1), torch.ones(8))
    torch.testing.assert_close(protos, cooccurrence_prototypes(sentences, vocab, dim=16))
    cos = protos @ protos.T
    m, d, wind, wehen, nord = 0, 1, 4, 5, 6
    assert cos[m, d] > cos[m, nord] + 0.3  # same contexts -> nearby, as fastText
    # wind and wehen have identical contexts: their shared parts coincide, and each word's own
    # direction keeps them apart
    shared_only = cooccurrence_prototypes(sentences, vocab, dim=16, own_share=0.0)
    assert (shared_only[wind] @ shared_only[wehen]).item() == pytest.approx(1.0)
    assert cos[wind, wehen] < 0.9
    assert not near_duplicate_prototypes(protos, vocab)  # nothing the head cannot tell apart
    assert shared_only[7].abs().sum() == 0  # "einsam" shares no sentence: no shared part
    assert protos[7].norm() == pytest.approx(1.0)  # ... its own direction only


def test_near_duplicate_prototypes_lists_pairs_most_similar_first():
    protos = torch.tensor([[1.0, 0.0], [0.999, 0.04], [0.0, 1.0], [0.0, 0.0], [1.0, 0.01]])
    pairs = near_duplicate_prototypes(protos, ["a", "b", "c", "null-like", "e"])
    assert [(a, b) for a, b, _ in pairs] == [("a", "e"), ("b", "e"), ("a", "b")]
    assert all(c >= 0.95 for *_, c in pairs)
    assert pairs[0][2] == pytest.approx(1 / math.sqrt(1 + 0.01**2))


def _vocab(words: list[str], clips: dict[str, list[str]]) -> PseudoGlossVocab:
    return PseudoGlossVocab(
        vocab=words,
        counts=dict.fromkeys(words, 1),
        sentence_counts=dict.fromkeys(words, 1),
        clips=clips,
        splits={c: "train" if c.startswith("t") else "dev" for c in clips},
        lang="de",
        backend={},
        pos=[],
        max_sentence_fraction=0.4,
    )


def test_build_prototypes_warns_about_near_identical_prototypes(tmp_path: Path, caplog):
    vec = _write_vec(tmp_path / "v.vec", ["geben 1 0 0", "lieben 1 0.01 0", "regen 0 1 0"])
    vocab = _vocab(["geben", "lieben", "regen"], {"t1": ["geben", "regen"]})
    caplog.set_level(logging.WARNING)
    protos = build_prototypes(load_config(None, [f"model.pgp_head.prototypes={vec}"]), vocab, None)
    assert protos.shape == (3, 3)
    assert "1 pairs of pseudo-glosses have near-identical prototypes" in caplog.text
    assert "geben/lieben" in caplog.text


def test_build_prototypes_cooccurrence_uses_training_clips_only(caplog):
    words = ["montag", "regen", "sonne", "wind"]
    clips = {"t1": ["montag", "regen"], "t2": ["sonne", "regen"], "d1": ["montag", "wind"]}
    cfg = load_config(None, ["model.pgp_head.prototypes=cooccurrence"])
    caplog.set_level(logging.WARNING)
    protos = build_prototypes(cfg, _vocab(words, clips), None)
    assert protos.shape == (4, COOCCURRENCE_DIM) == (4, prototype_dim(cfg.model))
    expected = cooccurrence_prototypes([clips["t1"], clips["t2"]], words)
    torch.testing.assert_close(protos, expected)  # the dev clip is not seen
    assert "near-identical" not in caplog.text
