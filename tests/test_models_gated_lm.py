from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from tiny import D_LM, HEADS, LAYERS, lm_config
from transformers import DynamicCache, LlamaConfig, LlamaForCausalLM

from sign2gpt.config import LMConfig
from sign2gpt.errors import CheckpointError
from sign2gpt.models.lm import GatedLM, clamp_ste, load_lm


def _gated(lm_dir: Path, **overrides) -> GatedLM:
    cfg = lm_config(lm_dir)
    for k, v in overrides.items():
        setattr(cfg, k, v)
    torch.manual_seed(0)  # the LoRA A matrices are drawn at random
    return GatedLM(load_lm(cfg), cfg).eval()


def _text(batch: int = 2, length: int = 7, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(4, 100, (batch, length), generator=g)
    ids[:, 0] = 2  # </s> starts every text
    mask = torch.ones_like(ids)
    mask[-1, length - 2 :] = 0  # right padding of the last text
    return ids, mask


def _memory(lengths: list[int], seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    memory = torch.randn(len(lengths), max(lengths), D_LM, generator=g)
    mask = torch.arange(max(lengths))[None, :] < torch.tensor(lengths)[:, None]
    return memory, mask


def _open(gated: GatedLM, gate: float = 0.7, seed: int = 3) -> GatedLM:
    """Random sign adapters and open gates, so the sign memory matters."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for adapter in gated.adapters:
            for lora in adapter.sign.values():
                lora.lora_B.copy_(torch.randn(lora.lora_B.shape, generator=g) * 20.0)
            adapter.gate.fill_(gate)
    return gated


# ---- sizes and keys -------------------------------------------------------------------------


def test_paper_sizes_on_meta_device():
    lm = load_lm(LMConfig(), device="meta")  # XGLM-1.7B sizes, no weights
    gated = GatedLM(lm, LMConfig())
    frozen = sum(p.numel() for p in lm.parameters())
    # embeddings 256,008 x 2048 (lm_head tied: counted once) + 24 layers + final norm
    assert frozen == 256008 * 2048 + 24 * 50_358_272 + 2 * 2048 == 1_732_907_008
    assert "model.embed_positions.weights" in dict(lm.named_buffers())  # sinusoidal: a buffer
    assert lm.lm_head.weight is lm.model.embed_tokens.weight
    layer = gated.adapters[0]
    assert sum(p.numel() for p in layer.lora.parameters()) == 65_536
    assert sum(p.numel() for p in layer.sign.parameters()) == 49_152
    assert layer.gate.numel() == 16
    trainable = [p for p in gated.parameters() if p.requires_grad]
    assert sum(p.numel() for p in trainable) == 24 * (65_536 + 49_152 + 16) == 2_752_896
    assert not any(p.requires_grad for p in lm.parameters())


def test_lm_state_dict_keys_unchanged_and_stock_checkpoint_loads_strictly(lm_dir):
    stock = load_lm(lm_config(lm_dir))
    gated = _gated(lm_dir)
    assert list(gated.lm.state_dict()) == list(stock.state_dict())
    gated.lm.load_state_dict(stock.state_dict(), strict=True)
    own = [k for k in gated.state_dict() if not k.startswith("lm.")]
    assert own and all(k.startswith("adapters.") for k in own)
    assert "adapters.1.gate" in own and "adapters.0.sign.q.lora_A" in own
    assert "adapters.0.lora.o.lora_B" in own


def test_load_lm_errors_name_the_source(lm_dir, tmp_path):
    with pytest.raises(CheckpointError, match="no-such-folder"):
        load_lm(lm_config(tmp_path / "no-such-folder"))
    weights = load_file(str(lm_dir / "model.safetensors"))
    for name, edit in (
        ("missing", lambda sd: sd.pop("model.layers.0.fc1.weight")),
        ("unexpected", lambda sd: sd.__setitem__("model.layers.0.extra.weight", torch.zeros(2))),
    ):
        broken = tmp_path / name
        broken.mkdir()
        for f in ("config.json", "generation_config.json"):
            if (lm_dir / f).is_file():
                (broken / f).write_bytes((lm_dir / f).read_bytes())
        sd = dict(weights)
        edit(sd)
        save_file(sd, str(broken / "model.safetensors"), metadata={"format": "pt"})
        with pytest.raises(
            CheckpointError, match=rf"weights do not match .*1 {name} \(e\.g\. model\.layers\.0\."
        ):
            load_lm(lm_config(broken))


def test_random_lm_is_the_same_on_every_build():
    a, b = load_lm(lm_config("")), load_lm(lm_config(""))
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


# ---- the gated branch -----------------------------------------------------------------------


def test_closed_gates_give_exactly_the_frozen_lm(lm_dir):
    frozen = load_lm(lm_config(lm_dir)).eval()
    gated = _gated(lm_dir)
    ids, mask = _text()
    memory, sign_mask = _memory([5, 3])
    with torch.no_grad():
        expected = frozen(input_ids=ids, attention_mask=mask).logits
        at_init = gated(ids, mask, memory, sign_mask).logits
        _open(gated, gate=0.0)  # sign adapters random, gates still closed
        closed = gated(ids, mask, memory, sign_mask).logits
        other_memory = gated(ids, mask, memory * 3 + 1, sign_mask).logits
    assert torch.equal(at_init, expected)
    assert torch.equal(closed, expected)
    assert torch.equal(other_memory, expected)


def test_open_gates_change_the_output_and_clamp_to_unit_range(lm_dir):
    frozen = load_lm(lm_config(lm_dir)).eval()
    gated = _open(_gated(lm_dir), gate=0.5)
    ids, mask = _text()
    memory, sign_mask = _memory([5, 3])

    def logits(gate: float) -> torch.Tensor:
        for adapter in gated.adapters:
            adapter.gate.data.fill_(gate)
        with torch.no_grad():
            return gated(ids, mask, memory, sign_mask).logits

    expected = frozen(input_ids=ids, attention_mask=mask).logits
    assert (logits(0.5) - expected).abs().max() > 1e-3
    assert torch.equal(logits(1.7), logits(1.0))  # clamped at 1
    assert torch.equal(logits(-0.4), expected)  # clamped at 0: the frozen LM again
    # and a different sign memory now gives different logits
    with torch.no_grad():
        other = gated(ids, mask, -memory, sign_mask).logits
    assert (other - logits(0.5)).abs().max() > 1e-3


def test_gates_learn_from_zero_with_straight_through_gradient(lm_dir):
    gated = _gated(lm_dir)
    gated.adapters[1].gate.data.fill_(-0.5)  # outside [0, 1]: the clamp alone would block it
    ids, mask = _text()
    memory, sign_mask = _memory([5, 3])
    labels = torch.roll(ids, -1, dims=1)
    gated(ids, mask, memory, sign_mask, labels=labels).loss.backward()
    for adapter in gated.adapters:
        assert adapter.gate.grad is not None and adapter.gate.grad.abs().sum() > 0
    assert all(p.grad is None for p in gated.lm.parameters())
    x = torch.tensor([-0.5, 0.3, 1.5], requires_grad=True)
    y = clamp_ste(x)
    y.sum().backward()
    assert y.tolist() == [0.0, pytest.approx(0.3), 1.0]
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_sign_padding_does_not_change_the_logits(lm_dir):
    gated = _open(_gated(lm_dir))
    ids, mask = _text(batch=2)
    memory, sign_mask = _memory([6, 3])
    memory[1, 3:] = 100.0  # garbage in the padding
    with torch.no_grad():
        batched = gated(ids, mask, memory, sign_mask).logits
        alone = gated(ids[1:], mask[1:], memory[1:, :3], None).logits
    assert torch.allclose(batched[1:], alone, atol=1e-5)


def test_loss_is_label_smoothed_cross_entropy_over_labelled_positions(lm_dir):
    gated = _open(_gated(lm_dir))
    ids, mask = _text()
    labels = torch.roll(ids, -1, dims=1)
    labels[mask == 0] = -100
    labels[:, -1] = -100
    memory, sign_mask = _memory([5, 3])
    out = gated(ids, mask, memory, sign_mask, labels=labels, label_smoothing=0.1)
    keep = labels != -100
    logp = F.log_softmax(out.logits[keep].double(), dim=-1)
    target = labels[keep]
    nll = -logp.gather(1, target[:, None]).squeeze(1)
    smooth = -logp.mean(dim=-1)
    expected = (0.9 * nll + 0.1 * smooth).mean()
    assert out.loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_gradient_checkpointing_gives_the_same_gradients(lm_dir):
    ids, mask = _text()
    memory, sign_mask = _memory([5, 3])
    labels = torch.roll(ids, -1, dims=1)
    grads = []
    for checkpointing in (False, True):
        gated = _open(_gated(lm_dir, gradient_checkpointing=checkpointing)).train()
        gated(ids, mask, memory, sign_mask, labels=labels).loss.backward()
        grads.append([p.grad.clone() for p in gated.adapters.parameters()])
    for a, b in zip(*grads):
        assert torch.allclose(a, b, atol=1e-6)


# ---- generation -----------------------------------------------------------------------------


@pytest.mark.parametrize("beams", [1, 4])
def test_cached_decoding_equals_uncached_token_for_token(lm_dir, beams):
    gated = _open(_gated(lm_dir))
    memory, sign_mask = _memory([6, 2, 4])
    cached = gated.generate(memory, sign_mask, num_beams=beams, max_new_tokens=12)
    uncached = gated.generate(
        memory, sign_mask, num_beams=beams, max_new_tokens=12, use_cache=False
    )
    assert cached.shape[0] == 3 and cached.shape[1] >= 1
    assert torch.equal(cached, uncached)


def test_batched_generation_equals_one_by_one(lm_dir):
    gated = _open(_gated(lm_dir))
    lengths = [6, 2, 4]
    memory, sign_mask = _memory(lengths)
    memory[1, 2:] = -50.0  # garbage padding
    batched = gated.generate(memory, sign_mask, num_beams=4, max_new_tokens=12)
    for i, n in enumerate(lengths):
        alone = gated.generate(memory[i : i + 1, :n], None, num_beams=4, max_new_tokens=12)
        row = batched[i, : alone.shape[1]]
        assert torch.equal(row, alone[0])
        assert (batched[i, alone.shape[1] :] == 1).all()  # only padding after it ends
    # the clips differ, and so do (some of) their translations
    assert len({tuple(r) for r in batched.tolist()}) > 1


def test_closed_gates_generate_what_the_frozen_lm_generates_open_gates_do_not(lm_dir):
    frozen = load_lm(lm_config(lm_dir)).eval()
    gated = _gated(lm_dir)
    memory, sign_mask = _memory([6, 3])
    start = torch.full((2, 1), 2)
    plain = frozen.generate(
        input_ids=start,
        attention_mask=torch.ones_like(start),
        num_beams=4,
        max_new_tokens=12,
        do_sample=False,
        length_penalty=1.0,
        eos_token_id=2,
        pad_token_id=1,
    )[:, 1:]
    closed = gated.generate(memory, sign_mask, num_beams=4, max_new_tokens=12)
    assert torch.equal(closed, plain)
    opened = _open(gated, gate=1.0).generate(memory, sign_mask, num_beams=4, max_new_tokens=12)
    assert not torch.equal(opened, closed)


def test_sign_keys_values_are_computed_once_and_never_enter_the_self_attention_cache(lm_dir):
    gated = _open(_gated(lm_dir))
    memory, sign_mask = _memory([6, 3])
    calls = {"sign_k": 0}
    for adapter in gated.adapters:
        adapter.sign["k"].register_forward_hook(
            lambda *_: calls.__setitem__("sign_k", calls["sign_k"] + 1)
        )
    steps: list[tuple[str, int, int]] = []

    def record(module, args, kwargs):
        # transformers 5.24 renamed the generate-time argument past_key_values to cache
        cache = kwargs.get("cache", kwargs.get("past_key_values"))
        seen = cache.get_seq_length() if cache is not None else 0
        steps.append((type(cache).__name__, seen, kwargs["input_ids"].shape[1]))

    handle = gated.lm.register_forward_pre_hook(record, with_kwargs=True)
    out = gated.generate(memory, sign_mask, num_beams=4, max_new_tokens=12)
    handle.remove()
    assert calls["sign_k"] == LAYERS  # once per layer for the whole beam search
    assert len(steps) == out.shape[1] >= 2
    # The self-attention cache holds exactly the text tokens already fed, never sign positions.
    fed = 0
    for kind, seen, new in steps:
        assert kind == DynamicCache.__name__
        assert seen == fed
        fed += new
    calls["sign_k"] = 0
    gated.generate(memory, sign_mask, num_beams=4, max_new_tokens=12, use_cache=False)
    assert calls["sign_k"] == LAYERS * len(steps)  # recomputed at every uncached step


# ---- another decoder-only family --------------------------------------------------------------


def test_llama_style_lm_with_grouped_query_attention():
    config = LlamaConfig(
        vocab_size=64,
        hidden_size=D_LM,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=HEADS,
        num_key_value_heads=2,
        max_position_embeddings=64,
        bos_token_id=0,
        eos_token_id=2,
        pad_token_id=1,
    )
    torch.manual_seed(0)
    frozen = LlamaForCausalLM(config).eval()
    gated = GatedLM(LlamaForCausalLM(config).eval(), lm_config())
    gated.lm.load_state_dict(frozen.state_dict(), strict=True)
    ids, mask = _text()
    ids = ids % 64
    memory, sign_mask = _memory([5, 3])
    with torch.no_grad():
        expected = frozen(input_ids=ids, attention_mask=mask).logits
        assert torch.equal(gated(ids, mask, memory, sign_mask).logits, expected)
        _open(gated)
        assert (gated(ids, mask, memory, sign_mask).logits - expected).abs().max() > 1e-3
    cached = gated.generate(memory, sign_mask, num_beams=2, max_new_tokens=8)
    uncached = gated.generate(memory, sign_mask, num_beams=2, max_new_tokens=8, use_cache=False)
    assert torch.equal(cached, uncached)


def test_generation_stops_at_the_end_token_and_pads_after_it(lm_dir):
    gated = _open(_gated(lm_dir))
    memory, sign_mask = _memory([6, 2, 4])
    free = gated.generate(memory, sign_mask, num_beams=1, max_new_tokens=12)
    assert free.shape == (3, 12)  # no </s> in sight: runs to max_new_tokens
    end = int(free[2, 3])  # pretend this token is </s>
    first = free[2].tolist().index(end)
    for beams in (1, 4):
        out = gated.generate(
            memory, sign_mask, num_beams=beams, max_new_tokens=12, eos_token_id=end
        )
        for row in out.tolist():
            if end in row:
                cut = row.index(end)
                assert all(t == 1 for t in row[cut + 1 :])  # pad id after the end token
        if beams == 1:
            assert out[2, : first + 1].tolist() == free[2, : first + 1].tolist()


def _repeated_ngrams(row: list[int], n: int) -> int:
    grams = [tuple(row[i : i + n]) for i in range(len(row) - n + 1)]
    return len(grams) - len(set(grams))


def test_no_repeat_ngram_size_keeps_every_token_trigram_once_per_sentence(lm_dir):
    gated = _open(_gated(lm_dir), gate=1.0)
    memory, sign_mask = _memory([6, 3])
    free = gated.generate(memory, sign_mask, num_beams=2, max_new_tokens=40, eos_token_id=0)
    # the untrained LM loops: without the rule some trigram comes back in a row
    assert sum(_repeated_ngrams(row, 3) for row in free.tolist()) > 0
    ruled = gated.generate(
        memory, sign_mask, num_beams=2, max_new_tokens=40, eos_token_id=0, no_repeat_ngram_size=3
    )
    assert ruled.shape[1] == 40  # the rule blocks tokens, it does not end the sentences
    for row in ruled.tolist():
        assert _repeated_ngrams([2, *row], 3) == 0  # the start token counts too
    # a rule longer than the sentence changes nothing
    same = gated.generate(
        memory, sign_mask, num_beams=2, max_new_tokens=40, eos_token_id=0, no_repeat_ngram_size=50
    )
    assert torch.equal(same, free)
