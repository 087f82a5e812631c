"""Int8 weights for the frozen LM on CPU, for translation only (``sign2gpt translate --quantize
int8``).

The self-attention LoRA is first merged into the frozen q, k, v and output projections
(:meth:`GatedLM.merge_lora`), then every Linear of the LM's layers becomes an
:class:`Int8Linear`: PyTorch's dynamically quantised Linear (``torch.ao.quantization.
quantize_dynamic``, fbgemm kernels), int8 weights with one scale per output channel, activations
quantised per call. That is the attention's q, k, v, o (the sign branch reads them through
:func:`sign2gpt.models.lm.project`, without the merged LoRA on q, k, v) and the MLP Linears
(805 M of XGLM-1.7B's 1,733 M weights). The LM head keeps its dtype: packing its 256,008 x 2,048
matrix for fbgemm took most of the conversion, more than int8 saves on a translation
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
from sign2gpt.models.lm import GatedLM


class Int8Linear(nn.Module):
    """A frozen ``nn.Linear`` with int8 weights (per output channel), called in the LM's dtype:
    (..., in) -> (..., out). The bias stays apart (in the LM's dtype) so that :meth:`matmul`
    gives ``x W^T`` alone, as the sign branch needs for ``W_o s``."""

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        self.in_features = linear.in_features
        self.out_features = linear.out_features
        self.dtype = linear.weight.dtype
        # a float32 twin without a random init (the LM head's would take half a minute)
        float_linear = torch.nn.utils.skip_init(
            nn.Linear, linear.in_features, linear.out_features, bias=False
        )
        with torch.no_grad():
            float_linear.weight.copy_(linear.weight)
        bias = None if linear.bias is None else linear.bias.detach().clone()
        self.register_buffer("bias", bias, persistent=False)
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

    def matmul(self, x: torch.Tensor) -> torch.Tensor:
        """``x W^T`` without the bias, in the LM's dtype."""
        # the fbgemm kernel takes float32 activations; the LM around it keeps its dtype
        return self.inner(x.float()).to(self.dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.matmul(x)
        return out if self.bias is None else out + self.bias

    def extra_repr(self) -> str:
        return f"{self.in_features}->{self.out_features}, int8 weights per channel"


def quantize_lm_int8(gated: GatedLM) -> int:
    """Merge the self-attention LoRA, then replace every ``nn.Linear`` of the frozen LM but its
    head by an :class:`Int8Linear`, in place; returns how many were replaced. CPU only,
    inference only."""
    lm = gated.lm
    device = next(lm.parameters()).device
    if device.type != "cpu":
        raise Sign2GPTError(f"int8 weights run on the CPU only (the LM is on {device})")
    gated.merge_lora()
    head = lm.get_output_embeddings()
    targets = [
        (name, module)
        for name, module in lm.named_modules()
        if isinstance(module, nn.Linear) and module is not head
    ]
    with gated.frozen_modules_replaceable():
        for name, module in targets:
            parent_name, _, attr = name.rpartition(".")
            parent = lm.get_submodule(parent_name) if parent_name else lm
            setattr(parent, attr, Int8Linear(module))
    return len(targets)
