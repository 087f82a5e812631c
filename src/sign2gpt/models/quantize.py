"""Int8 weights for the frozen LM on CPU, for translation only (``sign2gpt translate --quantize
int8``).

Every Linear of the frozen LM's layers that the gated branch does not tap (the MLP Linears:
805 M of XGLM-1.7B's 1,733 M weights) becomes PyTorch's dynamically quantised Linear
(``torch.ao.quantization.quantize_dynamic``, fbgemm kernels): int8 weights with one scale per
output channel, activations quantised per call. The attention's q, k, v and output projections
keep their weights in the LM's dtype: the self-attention LoRA and the sign branch hook into
those Linears and read their weights. So does the LM head: packing its 256,008 x 2,048 matrix
for fbgemm took most of the conversion, more than int8 saves on a translation
(benchmarks/RESULTS.md#int8-weights).

Why not torchao's ``Int8WeightOnlyConfig``: on this project's CPU build it was slower than bf16
(its eager path converts the whole int8 matrix to bf16 before every matmul; it is fast under
``torch.compile``): benchmarks/RESULTS.md#int8-weights, measured by benchmarks/int8_linear.py.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

from sign2gpt.errors import Sign2GPTError
from sign2gpt.models.gated_lm import GatedLM


class Int8Linear(nn.Module):
    """A frozen ``nn.Linear`` with int8 weights (per output channel), called in the LM's dtype:
    (..., in) -> (..., out)."""

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        self.in_features = linear.in_features
        self.out_features = linear.out_features
        self.dtype = linear.weight.dtype
        # a float32 twin without a random init (the LM head's would take half a minute)
        float_linear = torch.nn.utils.skip_init(
            nn.Linear, linear.in_features, linear.out_features, bias=linear.bias is not None
        )
        with torch.no_grad():
            float_linear.weight.copy_(linear.weight)
            if linear.bias is not None:
                float_linear.bias.copy_(linear.bias)
        with warnings.catch_warnings():
            # torch.ao.quantization warns that it moves to torchao; its CPU kernels still serve
            warnings.simplefilter("ignore")
            from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

            wrapped = quantize_dynamic(
                nn.Sequential(float_linear),
                {nn.Linear: per_channel_dynamic_qconfig},
                dtype=torch.qint8,
                inplace=True,  # the float32 twin is ours: no deep copy of it
            )
        self.inner = wrapped[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # the fbgemm kernel takes float32 activations; the LM around it keeps its dtype
        return self.inner(x.float()).to(self.dtype)

    def extra_repr(self) -> str:
        return f"{self.in_features}->{self.out_features}, int8 weights per channel"


def quantize_lm_int8(gated: GatedLM) -> int:
    """Replace every ``nn.Linear`` of the frozen LM that the gated branch does not tap by an
    :class:`Int8Linear`, in place; returns how many were replaced. CPU only, inference only."""
    lm = gated.lm
    keep = {id(linear) for linear in gated.tapped_linears()}
    keep.add(id(lm.get_output_embeddings()))
    device = next(lm.parameters()).device
    if device.type != "cpu":
        raise Sign2GPTError(f"int8 weights run on the CPU only (the LM is on {device})")
    targets = [
        (name, module)
        for name, module in lm.named_modules()
        if isinstance(module, nn.Linear) and id(module) not in keep
    ]
    for name, module in targets:
        parent_name, _, attr = name.rpartition(".")
        parent = lm.get_submodule(parent_name) if parent_name else lm
        setattr(parent, attr, Int8Linear(module))
    return len(targets)
