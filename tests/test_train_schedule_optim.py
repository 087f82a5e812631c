import math

import pytest
import torch
from torch import nn

from sign2gpt.train.optim import build_adamw, no_weight_decay
from sign2gpt.train.schedule import warmup_cosine, warmup_cosine_factor


def test_warmup_then_cosine_values():
    # 100 steps, 10 of warm-up, from lr/100: step 0 -> 0.01, step 5 -> 0.01 + 0.99 * 0.5
    assert warmup_cosine_factor(0, 100, 10, 0.01) == pytest.approx(0.01)
    assert warmup_cosine_factor(5, 100, 10, 0.01) == pytest.approx(0.505)
    assert warmup_cosine_factor(10, 100, 10, 0.01) == pytest.approx(1.0)
    # half-way through the cosine part: cos(pi/2) = 0 -> mid point between 1 and 0.01
    assert warmup_cosine_factor(55, 100, 10, 0.01) == pytest.approx(0.505)
    assert warmup_cosine_factor(100, 100, 10, 0.01) == pytest.approx(0.01)
    q = 10 + 90 // 4  # a quarter of the way: 0.01 + 0.99 * (1 + cos(pi/4)) / 2
    expected = 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * (q - 10) / 90))
    assert warmup_cosine_factor(q, 100, 10, 0.01) == pytest.approx(expected)


def test_scheduler_steps_optimizer_lr():
    param = nn.Parameter(torch.zeros(2, 2))
    opt = torch.optim.SGD([param], lr=3e-4)
    sched = warmup_cosine(opt, total_steps=20, warmup_steps=4, min_ratio=0.01)
    assert opt.param_groups[0]["lr"] == pytest.approx(3e-6)
    for _ in range(4):
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(3e-4)


class _Toy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.norm = nn.LayerNorm(4)
        self.pos_embedding = nn.Parameter(torch.zeros(8, 4))
        self.gate = nn.Parameter(torch.zeros(2))
        self.tau = nn.Parameter(torch.tensor(0.1))
        self.frozen = nn.Linear(4, 4)
        self.frozen.requires_grad_(False)


def test_weight_decay_exclusions():
    model = _Toy()
    decayed = {n for n, p in model.named_parameters() if not no_weight_decay(n, p)}
    assert decayed == {"proj.weight", "frozen.weight"}
    opt = build_adamw(model, lr=1e-3, weight_decay=1e-3, betas=(0.9, 0.999))
    groups = {g["weight_decay"]: g["params"] for g in opt.param_groups}
    assert len(groups[1e-3]) == 1 and groups[1e-3][0] is model.proj.weight
    # biases, norms, embeddings, gates, temperatures; the frozen layer is not optimised at all
    assert len(groups[0.0]) == 6


def test_encode_texts_format_and_shift():
    from sign2gpt.text.tokenizer import IGNORE_INDEX, encode_texts

    class Tok:  # whitespace tokenizer: word i -> id 10 + i
        eos_token_id, pad_token_id = 2, 1

        def __call__(self, text, add_special_tokens=False):
            return {"input_ids": [10 + i for i, _ in enumerate(text.split())]}

    out = encode_texts(Tok(), ["a b c", "a"], max_tokens=64)
    # rows: </s> 10 11 12 </s>  and  </s> 10 </s>; input drops the last, labels the first
    assert out["input_ids"].tolist() == [[2, 10, 11, 12], [2, 10, 1, 1]]
    assert out["labels"].tolist() == [[10, 11, 12, 2], [10, 2, IGNORE_INDEX, IGNORE_INDEX]]
    assert out["attention_mask"].tolist() == [[1, 1, 1, 1], [1, 1, 0, 0]]
    cut = encode_texts(Tok(), ["a b c d e f"], max_tokens=4)  # </s> a b c (no final </s>)
    assert cut["input_ids"].tolist() == [[2, 10, 11]] and cut["labels"].tolist() == [[10, 11, 12]]


def test_gate_lr_scale_puts_gates_in_their_own_group():
    class WithGate(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.proj = nn.Linear(2, 2)
            self.adapter = nn.Module()
            self.adapter.gate = nn.Parameter(torch.zeros(4))

    model = WithGate()
    plain = build_adamw(model, lr=1e-3, weight_decay=0.0, betas=(0.9, 0.999))
    assert len(plain.param_groups) == 2
    scaled = build_adamw(model, lr=1e-3, weight_decay=0.0, betas=(0.9, 0.999), gate_lr_scale=20)
    gate_group = scaled.param_groups[2]
    assert gate_group["params"] == [model.adapter.gate]
    assert gate_group["lr"] == pytest.approx(2e-2) and gate_group["weight_decay"] == 0.0
