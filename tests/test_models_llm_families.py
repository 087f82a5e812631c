"""Every supported LM family as the frozen LM: a tiny random model of each (built here from the
sizes in LMConfig, nothing downloaded) gets the gated sign branch and LoRA; closed gates give
exactly its logits, cached beam search equals uncached decoding token for token, and the text
format comes from each family's tokenizer (docs/method.md#47-other-language-models)."""

from __future__ import annotations

import pytest
import torch
from tiny import D_LM, FAMILIES, LAYERS, family_lm_config, make_family_tokenizer

from sign2gpt.config import ConfigError
from sign2gpt.models.lm import FAMILY_MODEL_TYPES, GatedLM, load_lm
from sign2gpt.models.lm.sign_branch import _softcapped_attention
from sign2gpt.text.tokenizer import IGNORE_INDEX, encode_texts, text_format


def _text(vocab: int, batch: int = 2, length: int = 7, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(4, vocab, (batch, length), generator=g)
    mask = torch.ones_like(ids)
    mask[-1, length - 2 :] = 0  # right padding of the last text
    return ids, mask


def _memory(lengths: list[int], seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    memory = torch.randn(len(lengths), max(lengths), D_LM, generator=g)
    mask = torch.arange(max(lengths))[None, :] < torch.tensor(lengths)[:, None]
    return memory, mask


def _randomise(gated: GatedLM, gate: float, seed: int = 3, std: float = 2.0) -> GatedLM:
    """Random self-attention LoRA and sign adapters; every gate at ``gate``."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for adapter in gated.adapters:
            for lora in [*adapter.lora.values(), *adapter.sign.values()]:
                lora.lora_B.copy_(torch.randn(lora.lora_B.shape, generator=g) * std)
            adapter.gate.fill_(gate)
    return gated


def _pair(family: str) -> tuple[GatedLM, torch.nn.Module]:
    cfg = family_lm_config(family)
    frozen = load_lm(cfg).eval()  # random, the same weights on every build (fixed seed)
    torch.manual_seed(0)
    return GatedLM(load_lm(cfg), cfg).eval(), frozen


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_builds_with_its_own_architecture(family):
    cfg = family_lm_config(family)
    lm = load_lm(cfg)
    assert lm.config.model_type == FAMILY_MODEL_TYPES[family]
    gated = GatedLM(lm, cfg)
    adapter = gated.adapters[0]
    kv_heads = 4 if family == "xglm" else 2
    head_dim = 16 if family in ("qwen3", "gemma2", "gemma3") else 8
    assert (adapter.num_heads, adapter.num_kv_heads, adapter.head_dim) == (4, kv_heads, head_dim)
    assert adapter.gate.numel() == 4 and len(gated.adapters) == LAYERS
    tied = lm.lm_head.weight is lm.get_input_embeddings().weight
    assert tied == (family not in ("llama", "mistral"))
    has_qk_norm = family in ("qwen3", "gemma3")
    assert (adapter.parts.q_norm is not None) == has_qk_norm
    assert (adapter.parts.k_norm is not None) == has_qk_norm
    assert (adapter.parts.softcap == 50.0) == (family == "gemma2")
    assert not any(p.requires_grad for p in gated.lm.parameters())


@pytest.mark.parametrize("family", FAMILIES)
def test_closed_gates_give_exactly_the_frozen_lm_and_open_ones_do_not(family):
    gated, frozen = _pair(family)
    vocab = gated.config.vocab_size
    ids, mask = _text(vocab)
    memory, sign_mask = _memory([5, 3])
    with torch.no_grad():
        expected = frozen(input_ids=ids, attention_mask=mask).logits
        assert torch.equal(gated(ids, mask, memory, sign_mask).logits, expected)
        # sign adapters random, gates still closed: still exactly the frozen LM
        for adapter in gated.adapters:
            for lora in adapter.sign.values():
                lora.lora_B.normal_(0, 20.0)
        assert torch.equal(gated(ids, mask, memory * 3 + 1, sign_mask).logits, expected)
        _randomise(gated, gate=0.8)
        opened = gated(ids, mask, memory, sign_mask).logits
        assert (opened - expected).abs().max() > 1e-3
        other = gated(ids, mask, -memory, sign_mask).logits
        assert (other - opened).abs().max() > 1e-3  # the sign memory now matters


@pytest.mark.parametrize("family", FAMILIES)
def test_lora_and_gates_train_in_each_family(family):
    gated, frozen = _pair(family)
    gated.train()
    ids, mask = _text(gated.config.vocab_size)
    memory, sign_mask = _memory([5, 3])
    labels = torch.roll(ids, -1, dims=1)
    gated(ids, mask, memory, sign_mask, labels=labels).loss.backward()
    for adapter in gated.adapters:
        assert adapter.gate.grad is not None and adapter.gate.grad.abs().sum() > 0
        for name, lora in adapter.lora.items():  # B = 0 at init: A gets no gradient yet
            assert lora.lora_B.grad is not None and lora.lora_B.grad.abs().sum() > 0, name
    assert all(p.grad is None for p in gated.lm.parameters())
    # the self-attention LoRA alone (no sign memory) changes the LM once B is not 0
    gated.eval()
    with torch.no_grad():
        for adapter in gated.adapters:
            adapter.lora["v"].lora_B.normal_(0, 1.0)
        delta = gated(ids, mask).logits - frozen(input_ids=ids, attention_mask=mask).logits
    assert delta.abs().max() > 1e-3


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("beams", [1, 3])
def test_cached_beam_search_equals_uncached_token_for_token(family, beams):
    gated, _ = _pair(family)
    _randomise(gated, gate=0.7)
    memory, sign_mask = _memory([6, 2, 4])
    prefix = [5, 9, 11]  # a start token and a two-token prompt
    kwargs = dict(num_beams=beams, max_new_tokens=10, eos_token_id=3, pad_token_id=0)
    cached = gated.generate(memory, sign_mask, prefix_ids=prefix, **kwargs)
    uncached = gated.generate(memory, sign_mask, prefix_ids=prefix, use_cache=False, **kwargs)
    assert cached.shape[0] == 3 and cached.shape[1] >= 1
    assert torch.equal(cached, uncached)


@pytest.mark.parametrize("family", FAMILIES)
def test_closed_gates_generate_what_the_frozen_lm_generates_from_the_prompt(family):
    gated, frozen = _pair(family)
    memory, sign_mask = _memory([6, 3])
    prefix = torch.tensor([[5, 9, 11]] * 2)
    plain = frozen.generate(
        input_ids=prefix,
        attention_mask=torch.ones_like(prefix),
        num_beams=3,
        max_new_tokens=8,
        do_sample=False,
        length_penalty=1.0,
        eos_token_id=3,
        pad_token_id=0,
    )[:, 3:]
    closed = gated.generate(
        memory,
        sign_mask,
        num_beams=3,
        max_new_tokens=8,
        eos_token_id=3,
        pad_token_id=0,
        prefix_ids=[5, 9, 11],
    )
    assert torch.equal(closed, plain)


def test_qk_norm_is_applied_to_the_sign_branch():
    gated, _ = _pair("qwen3")
    _randomise(gated, gate=1.0)
    ids, mask = _text(gated.config.vocab_size)
    memory, sign_mask = _memory([5, 3])
    with torch.no_grad():
        before = gated(ids, mask, memory, sign_mask).logits
        without_text = gated(ids, mask).logits
        for adapter in gated.adapters:
            adapter.parts.k_norm.weight.mul_(3.0)  # the sign keys' norm (the text's too)
        after = gated(ids, mask, memory, sign_mask).logits
        text_after = gated(ids, mask).logits
    # k_norm changes the self-attention as well; the sign branch must add its own change
    assert (after - before).abs().max() > 1e-3
    assert not torch.allclose(after - text_after, before - without_text, atol=1e-4)


def test_softcapped_attention_is_the_capped_softmax():
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(1, 2, 3, 4, generator=g) * 4 for _ in range(3))
    mask = torch.tensor([True, True, False])[None, None, None, :]
    out = _softcapped_attention(q, k, v, mask, scale=0.5, softcap=2.0, dropout=0.0)
    scores = torch.tanh(q @ k.transpose(-1, -2) * 0.5 / 2.0) * 2.0
    scores[..., 2] = float("-inf")
    assert torch.allclose(out, torch.softmax(scores, -1) @ v, atol=1e-6)
    # a very large cap is no cap: the same as scaled_dot_product_attention
    wide = _softcapped_attention(q, k, v, mask, scale=0.5, softcap=1e6, dropout=0.0)
    sdpa = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=0.5)
    assert torch.allclose(wide, sdpa, atol=1e-5)


def test_bad_family_sizes_are_one_config_error():
    with pytest.raises(ConfigError, match="num_key_value_heads 3"):
        load_lm(family_lm_config("llama", num_key_value_heads=3), device="meta")
    with pytest.raises(ConfigError, match=r"set lm\.head_dim"):
        load_lm(family_lm_config("qwen2", d_model=30), device="meta")


# ---- the text format of each family ---------------------------------------------------------

# family -> (start token, end token, pad token) as the published tokenizers define them
EXPECTED_FORMAT = {
    "xglm": ("</s>", "</s>", "<pad>"),  # XGLM starts with </s>, never <s>
    "llama": ("<|begin_of_text|>", "<|end_of_text|>", "<|end_of_text|>"),  # no pad token
    "qwen2": ("<|endoftext|>", "<|endoftext|>", "<|endoftext|>"),  # no BOS
    "qwen3": ("<|endoftext|>", "<|endoftext|>", "<|endoftext|>"),
    "mistral": ("<s>", "</s>", "</s>"),
    "gemma2": ("<bos>", "<eos>", "<pad>"),
    "gemma3": ("<bos>", "<eos>", "<pad>"),
}


@pytest.mark.parametrize("family", FAMILIES)
def test_text_format_comes_from_each_familys_tokenizer(family):
    tok = make_family_tokenizer(family)
    fmt = text_format(tok, FAMILY_MODEL_TYPES[family])
    names = tuple(tok.convert_ids_to_tokens([fmt.start_id, fmt.end_id, fmt.pad_id]))
    assert names == EXPECTED_FORMAT[family]
    words = tok("im norden", add_special_tokens=False)["input_ids"]
    batch = encode_texts(tok, ["im norden", "im süden regnet es"], max_tokens=64, fmt=fmt)
    assert batch["input_ids"][0, : len(words) + 1].tolist() == [fmt.start_id, *words]
    assert batch["labels"][0, : len(words) + 1].tolist() == [*words, fmt.end_id]
    assert batch["input_ids"][0, len(words) + 1 :].eq(fmt.pad_id).all()
    assert batch["labels"][0, len(words) + 1 :].eq(IGNORE_INDEX).all()


def test_a_prompt_precedes_the_sentence_and_is_masked_out_of_the_loss():
    tok = make_family_tokenizer("llama")
    fmt = text_format(tok, "llama", prompt="am tag")
    prompt = tok("am tag", add_special_tokens=False)["input_ids"]
    words = tok("im norden", add_special_tokens=False)["input_ids"]
    assert fmt.prompt_ids == tuple(prompt) and fmt.prefix == [fmt.start_id, *prompt]
    batch = encode_texts(tok, ["im norden"], max_tokens=64, fmt=fmt)
    n = len(prompt)
    assert batch["input_ids"][0].tolist() == [fmt.start_id, *prompt, *words]
    assert batch["labels"][0].tolist() == [IGNORE_INDEX] * n + [*words, fmt.end_id]
    # the cut counts the sentence's tokens, not the prompt's
    cut = encode_texts(tok, ["im norden"], max_tokens=2, fmt=fmt)
    assert cut["input_ids"].shape[1] == 1 + n


def test_a_tokenizer_without_an_end_token_is_refused():
    from sign2gpt.errors import Sign2GPTError

    tok = make_family_tokenizer("llama")
    tok.eos_token = None
    with pytest.raises(Sign2GPTError, match="no end-of-sequence token"):
        text_format(tok, "llama")
