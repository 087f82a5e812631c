import pytest
import torch
from torch import nn

from sign2gpt.config import LoraConfig
from sign2gpt.models.lora import FusedQKVLoRA, LoRA


def _count(module: nn.Module, trainable: bool = False) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable)


def test_init_is_normal_a_zero_b_and_scaling():
    torch.manual_seed(0)
    lora = LoRA(2000, 300, LoraConfig(rank=8, alpha=4.0, dropout=0.0))
    assert lora.lora_A.shape == (8, 2000) and lora.lora_B.shape == (300, 8)
    assert torch.count_nonzero(lora.lora_B) == 0
    assert lora.lora_A.std().item() == pytest.approx(0.02, rel=0.02)
    assert abs(lora.lora_A.mean().item()) < 1e-3
    assert lora.scaling == pytest.approx(0.5)  # alpha / rank


def test_paper_adapter_parameter_counts():
    cfg = LoraConfig()  # rank 4
    with torch.device("meta"):
        assert _count(FusedQKVLoRA(384, (384, 384, 384), cfg)) == 4 * 384 + 1152 * 4 == 6144
        assert _count(LoRA(384, 384, cfg)) == 3072  # attention output projection
        assert _count(LoRA(384, 1536, cfg)) == 7680  # fc1
        assert _count(LoRA(1536, 384, cfg)) == 7680  # fc2


def test_hook_attach_adds_delta_and_detaches():
    torch.manual_seed(0)
    linear = nn.Linear(4, 3)
    lora = LoRA(4, 3, LoraConfig(rank=2, alpha=2.0, dropout=0.0))
    with torch.no_grad():
        lora.lora_B.normal_()
    x = torch.randn(2, 4)
    plain = linear(x)
    handle = lora.attach(linear)
    assert set(linear.state_dict()) == {"weight", "bias"}
    torch.testing.assert_close(linear(x), plain + x @ lora.lora_A.T @ lora.lora_B.T)
    handle.remove()
    assert torch.equal(linear(x), plain)
    with pytest.raises(ValueError, match="does not fit"):
        lora.attach(nn.Linear(5, 3))


def test_fused_qkv_equals_one_adapter_over_the_concatenated_projection():
    torch.manual_seed(0)
    d, r = 8, 2
    q, k, v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
    fused = FusedQKVLoRA(d, (d, d, d), LoraConfig(rank=r, alpha=4.0, dropout=0.0))
    with torch.no_grad():
        fused.lora_B.normal_()
    fused.attach(q, k, v)
    x = torch.randn(3, 5, d)
    # The original layer: one Linear d -> 3d plus one LoRA with A (r, d) and B (3d, r).
    w = torch.cat([q.weight, k.weight, v.weight])  # (3d, d)
    b = torch.cat([q.bias, k.bias, v.bias])
    expected = x @ w.T + b + 2.0 * (x @ fused.lora_A.T @ fused.lora_B.T)
    kk, vv, qq = k(x), v(x), q(x)  # Hugging Face's Dinov2 calls them in this order
    got = torch.cat([qq, kk, vv], dim=-1)
    torch.testing.assert_close(got, expected)
    torch.testing.assert_close(fused(x), expected - (x @ w.T + b))
    assert fused._cache is None  # nothing kept once q, k and v are served


def test_fused_qkv_draws_one_dropout_mask_for_q_k_v():
    torch.manual_seed(0)
    d = 16
    q, k, v = nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False)
    for lin in (q, k, v):
        nn.init.zeros_(lin.weight)
    fused = FusedQKVLoRA(d, (d, d, d), LoraConfig(rank=4, alpha=4.0, dropout=0.5))
    with torch.no_grad():
        part = torch.randn(d, 4)
        fused.lora_B.copy_(torch.cat([part, part, part]))  # identical B rows for q, k, v
    fused.attach(q, k, v)
    fused.train()
    x = torch.randn(4, 10, d)
    dk, dv, dq = k(x), v(x), q(x)  # any call order
    assert torch.equal(dq, dk) and torch.equal(dq, dv)  # one mask: identical deltas
    x2 = x.clone()
    assert not torch.equal(q(x2), dq)  # a new input draws a new mask
    fused.eval()
    torch.testing.assert_close(q(x), x @ fused.lora_A.T @ part.T)
