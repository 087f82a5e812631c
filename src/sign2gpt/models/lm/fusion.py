"""Where the sign branch joins a decoder layer: :class:`GatedSignAttention`, the layer's
attention with the sign heads added to its output
(docs/method.md#44-language-model-and-gated-fusion)::

    decoder layer i (stock):  h = norm_i(x)  ->  self_attn(h)  ->  + x  -> ...
                                                     |
    self_attn = GatedSignAttention(stock attention, adapter i):
        text = stock_attention(h)                # (B, T, d), its q/k/v/o carry LoRA
        s    = adapter.sign_heads(h, memory)     # (B, T, H hd) the gated sign heads
        return text + W_o s + LoRA_o(s)

That is the default path. It reads the frozen W_q and W_o twice per step: once in the stock
attention, once for the sign queries and for W_o s. Decoding reads every weight once per token,
so a second read costs time one for one (benchmarks/full_size.py measures it; 12 % of XGLM-1.7B's
bytes). The opt-in fast path (``model.lm.fused_sign_path: true``, :class:`FusedSignTaps`) reads
each once: a forward hook on the q projection keeps its output ``W_q h + b_q`` (before the LoRA
is added) for the sign queries, and a forward pre-hook adds the sign heads to the output
projection's input, the same sum in another order:
``o_proj(heads + s) + LoRA_o(heads + s) = text + W_o s + LoRA_o(s)``. The two paths agree to
float rounding (tests/test_models_lm_paths.py), not bit for bit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from sign2gpt.models.lm.sign_branch import (
    SIGN_CONTEXT_KWARG,
    FrozenAttentionParts,
    GatedLayerAdapter,
    SignContext,
)


@dataclass
class _SignPass:
    """One attention call with the sign branch on: its input and, once the q projection has
    run on that input, its output ``W_q h + b_q`` (before the LoRA hook adds to it)."""

    x: torch.Tensor  # (B, T, d) the attention's input (normalised text stream)
    ctx: SignContext
    q: torch.Tensor | None = None  # (B, T, H * hd)


class FusedSignTaps:
    """The fast path of one layer: taps on its q and output projections that let the sign
    branch share their weight reads with the self-attention."""

    def __init__(self, adapter: GatedLayerAdapter) -> None:
        self.adapter = adapter
        self._pass: _SignPass | None = None

    def attach(self, parts: FrozenAttentionParts) -> list[RemovableHandle]:
        # prepend: the q tap must see the projection's output before the LoRA hook adds to it
        return [
            parts.q.register_forward_hook(self._q_tap, prepend=True),
            parts.o.register_forward_pre_hook(self._o_pre_hook),
        ]

    def _q_tap(self, module: nn.Module, args: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        # out: (B, T, H * hd) = W_q h + b_q: the sign queries start from it
        if self._pass is not None and args[0] is self._pass.x:
            self._pass.q = out

    def _o_pre_hook(
        self, module: nn.Module, args: tuple[torch.Tensor, ...]
    ) -> tuple[torch.Tensor, ...] | None:
        # args[0]: (B, T, H * hd) the self-attention heads; the sign heads are added to them
        sign = self._pass
        if sign is None:
            return None
        self._pass = None  # one output projection per attention call
        s = self.adapter.sign_heads(sign.x, sign.ctx, q=sign.q)  # (B, T, H * hd)
        return (args[0] + s.to(args[0].dtype), *args[1:])

    @contextlib.contextmanager
    def sign_pass(self, x: torch.Tensor, ctx: SignContext) -> Iterator[None]:
        """Within: the attention call on ``x`` (B, T, d) gets the sign branch of ``ctx``."""
        self._pass = _SignPass(x, ctx)
        try:
            yield
            if self._pass is not None:
                raise RuntimeError(
                    f"layer {self.adapter.index}: the attention never called its output "
                    "projection, so the sign branch had nowhere to join (check LAYOUTS)"
                )
        finally:
            self._pass = None


class GatedSignAttention(nn.Module):
    """A decoder layer's self-attention with its gated sign branch beside it.

    Replaces the stock attention module on the layer and calls it unchanged; the state-dict
    keys of the stock module are kept (no ``attention.`` in them), so the LM's state dict is the
    stock one. The adapter is held as a plain attribute: its parameters belong to
    ``GatedLM.adapters``. ``fast_path``: the taps of :class:`FusedSignTaps` (None: the explicit
    sum)."""

    def __init__(
        self,
        attention: nn.Module,
        adapter: GatedLayerAdapter,
        fast_path: FusedSignTaps | None = None,
    ) -> None:
        super().__init__()
        self.attention = attention
        # not registered as a submodule: its parameters are GatedLM.adapters' (keys adapters.i.)
        object.__setattr__(self, "_adapter", adapter)
        self.fast_path = fast_path
        self.register_state_dict_post_hook(_drop_wrapper_prefix)
        self.register_load_state_dict_pre_hook(_add_wrapper_prefix)

    def __getattr__(self, name: str) -> Any:
        # The stock module's attributes (layer_idx, head_dim, config ...), for code that reads
        # them off the layer's attention.
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(super().__getattr__("attention"), name)

    # The stock attention's arguments and its (output, weights) tuple differ per family: they
    # pass through untouched, hence Any.
    def forward(self, hidden_states: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        # hidden_states: (B, T, d) the layer input after its pre-attention norm
        ctx: SignContext | None = kwargs.pop(SIGN_CONTEXT_KWARG, None)
        if ctx is None:
            return self.attention(hidden_states, *args, **kwargs)
        if self.fast_path is not None:
            with self.fast_path.sign_pass(hidden_states, ctx):
                return self.attention(hidden_states, *args, **kwargs)
        text, *rest = self.attention(hidden_states, *args, **kwargs)  # text (B, T, d)
        s = self._adapter.sign_heads(hidden_states, ctx)  # (B, T, H * hd)
        return (text + self._adapter.sign_output(s).to(text.dtype), *rest)


_WRAPPED = "attention."


def _drop_wrapper_prefix(
    module: nn.Module, state_dict: dict[str, Any], prefix: str, local_metadata: Any
) -> None:
    for key in [k for k in state_dict if k.startswith(prefix + _WRAPPED)]:
        state_dict[prefix + key[len(prefix + _WRAPPED) :]] = state_dict.pop(key)


def _add_wrapper_prefix(
    module: nn.Module, state_dict: dict[str, Any], prefix: str, *args: Any
) -> None:
    for key in [k for k in state_dict if k.startswith(prefix)]:
        state_dict[prefix + _WRAPPED + key[len(prefix) :]] = state_dict.pop(key)
