"""The frozen language model with a zero-gated sign branch and LoRA in every layer
(docs/method.md#44-language-model-and-gated-fusion).

:class:`GatedLM` wraps a Hugging Face ``*ForCausalLM`` (kept with its classes and stock
state-dict keys, so a stock checkpoint loads with strict key checking): each layer's attention
becomes a :class:`~sign2gpt.models.lm.fusion.GatedSignAttention`, and every trainable tensor
lives in :attr:`GatedLM.adapters` (one :class:`~sign2gpt.models.lm.sign_branch.GatedLayerAdapter`
per layer, keys ``adapters.<i>.…``).

The sign memory reaches every ``GatedSignAttention`` as the keyword argument ``sign_context``
(transformers >= 5 passes ``**kwargs`` from the ``*ForCausalLM`` down to every attention module,
also inside activation checkpointing); ``generate`` cannot carry extra keywords, so during
:meth:`GatedLM.generate` one forward pre-hook on the LM adds it to every step.

Generation. :meth:`GatedLM.generate` runs Hugging Face beam search on the frozen model. The sign
keys/values are computed once per layer on the first step and kept in the
:class:`~sign2gpt.models.lm.sign_branch.SignContext` (expanded to the beams; every beam of a clip
shares them, so the beam reordering of the cache never needs to touch them); the self-attention
cache only ever holds the text tokens. This avoids the trap of passing ``encoder_hidden_states``
to XGLM, whose cross-attention cache shares the self-attention one.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
import transformers
from torch import nn
from torch.utils.hooks import RemovableHandle
from transformers import GenerationConfig, PretrainedConfig, PreTrainedModel

from sign2gpt.config import ConfigError, LMConfig
from sign2gpt.models.lm.families import attr_path, layout_of
from sign2gpt.models.lm.fusion import FusedSignTaps, GatedSignAttention
from sign2gpt.models.lm.sign_branch import (
    SIGN_CONTEXT_KWARG,
    FrozenAttentionParts,
    GatedLayerAdapter,
    SignContext,
)
from sign2gpt.models.pretrained import enable_activation_checkpointing
from sign2gpt.text.tokenizer import IGNORE_INDEX


@dataclass
class GatedLMOutput:
    loss: torch.Tensor | None  # () mean cross-entropy over labelled positions
    logits: torch.Tensor  # (B, T, vocab)


def _inject_sign_context(
    ctx: SignContext, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    kwargs[SIGN_CONTEXT_KWARG] = ctx
    return args, kwargs


def _float_or_none(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


class GatedLM(nn.Module):
    """A frozen causal LM (``self.lm``, stock keys) + per-layer trainable parts (``adapters``).

    ``cfg.fused_sign_path`` picks how the sign heads join each layer (see
    :mod:`sign2gpt.models.lm.fusion`): the explicit sum (False) or the fast path's taps (True)."""

    def __init__(self, lm: PreTrainedModel, cfg: LMConfig) -> None:
        super().__init__()
        if int(transformers.__version__.split(".")[0]) < 5:
            raise ConfigError(
                f"the gated LM needs transformers >= 5 (installed {transformers.__version__}): "
                "it relies on keyword arguments reaching every attention module"
            )
        self.cfg = cfg
        self.layout = layout_of(lm)
        self.lm = lm
        self.lm.requires_grad_(cfg.train_weights)
        config = lm.config
        layers = attr_path(lm, self.layout.layers)
        first = getattr(layers[0], self.layout.attention)
        q_proj = getattr(first, self.layout.q)
        k_proj = getattr(first, self.layout.k)
        num_heads = int(getattr(config, "num_attention_heads", 0) or config.attention_heads)
        head_dim = q_proj.out_features // num_heads
        num_kv_heads = k_proj.out_features // head_dim
        if num_heads % num_kv_heads:
            raise ConfigError(f"{num_heads} query heads cannot share {num_kv_heads} key heads")
        self.d_model = q_proj.in_features
        device = q_proj.weight.device
        dropout = float(getattr(config, "attention_dropout", 0.0) or 0.0)

        self.adapters = nn.ModuleList()
        self._wrappers: list[GatedSignAttention] = []  # held by the LM's layers, listed here
        self._handles: list[RemovableHandle] = []
        for i, layer in enumerate(layers):
            attention = getattr(layer, self.layout.attention)
            parts = self._frozen_parts(layer, attention)
            adapter = GatedLayerAdapter(
                i, parts, cfg, num_heads, num_kv_heads, head_dim, dropout, device=device
            )
            self.adapters.append(adapter)
            taps = FusedSignTaps(adapter) if cfg.fused_sign_path else None
            wrapper = GatedSignAttention(attention, adapter, taps)
            setattr(layer, self.layout.attention, wrapper)
            self._wrappers.append(wrapper)
        self._bind()
        if cfg.gradient_checkpointing:
            self.enable_gradient_checkpointing()

    def _frozen_parts(self, layer: nn.Module, attention: nn.Module) -> FrozenAttentionParts:
        layout = self.layout
        return FrozenAttentionParts(
            norm=getattr(layer, layout.norm),
            q=getattr(attention, layout.q),
            k=getattr(attention, layout.k),
            v=getattr(attention, layout.v),
            o=getattr(attention, layout.o),
            dtype=self.lm.dtype,
            q_norm=getattr(attention, layout.q_norm) if layout.q_norm else None,
            k_norm=getattr(attention, layout.k_norm) if layout.k_norm else None,
            # the stock attention's own scale (XGLM multiplies its queries by it instead)
            scale=_float_or_none(getattr(attention, "scaling", None)),
            softcap=_float_or_none(getattr(attention, "attn_logit_softcapping", None)),
        )

    def _bind(self) -> None:
        """Point every adapter at its layer's current frozen modules and hook the LoRA (and the
        fast path's taps) onto them."""
        layers = attr_path(self.lm, self.layout.layers)
        for layer, wrapper, adapter in zip(layers, self._wrappers, self.adapters):
            parts = self._frozen_parts(layer, wrapper.attention)
            self._handles += adapter.bind(parts)
            if wrapper.fast_path is not None:
                self._handles += wrapper.fast_path.attach(parts)

    @contextlib.contextmanager
    def frozen_modules_replaceable(self) -> Iterator[None]:
        """Within: the LM's frozen Linears may be swapped for other modules (int8 ones); the
        LoRA and the fast path's taps are hooked onto whatever is there on leaving."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
        try:
            yield
        finally:
            self._bind()

    def merge_lora(self) -> None:
        """Add the self-attention LoRA of every layer into its frozen q, k, v and output
        weights, for inference: the text stream then runs without LoRA hooks, and the sign
        branch takes the LoRA back off its q, k, v (see
        :meth:`~sign2gpt.models.lm.sign_branch.GatedLayerAdapter.merge_lora`). The saved
        trainable state is unchanged (the LM's weights are never saved)."""
        with self.frozen_modules_replaceable():
            for adapter in self.adapters:
                adapter.merge_lora()

    @property
    def config(self) -> PretrainedConfig:
        return self.lm.config

    @torch.no_grad()
    def gate_values(self) -> torch.Tensor:
        """(layers, heads) float32: every gate as the branch uses it (clamped to [0, 1])."""
        return torch.stack([a.gate.detach().float().clamp(0.0, 1.0) for a in self.adapters])

    def enable_gradient_checkpointing(self) -> None:
        """Recompute each decoder layer in the backward pass."""
        enable_activation_checkpointing(self.lm)

    def sign_context(
        self,
        sign_memory: torch.Tensor,
        sign_mask: torch.Tensor | None = None,
        expand: int = 1,
        cache: bool = False,
    ) -> SignContext:
        # sign_memory: (B, S, d_lm); sign_mask: (B, S), True/1 = valid (None: all valid)
        if sign_memory.shape[-1] != self.d_model:
            raise ValueError(
                f"sign memory has {sign_memory.shape[-1]} channels, the LM {self.d_model}"
            )
        if sign_mask is None:
            sign_mask = torch.ones(
                sign_memory.shape[:2], dtype=torch.bool, device=sign_memory.device
            )
        return SignContext(sign_memory, sign_mask.bool(), expand=expand, cache=cache)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        sign_memory: torch.Tensor | None = None,
        sign_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        label_smoothing: float = 0.0,
    ) -> GatedLMOutput:
        """Teacher-forced logits (B, T, vocab) and, with ``labels``, the mean cross-entropy.

        ``labels`` are ALREADY aligned with the logits (``labels[:, t]`` is the target of position
        t, i.e. the input shifted by one; -100 = ignored), as :func:`encode_texts` makes them.
        Without ``sign_memory`` this is the LM with its self-attention LoRA only.
        """
        kwargs: dict[str, Any] = {}
        if sign_memory is not None:
            kwargs[SIGN_CONTEXT_KWARG] = self.sign_context(sign_memory, sign_mask)
        out = self.lm(input_ids=input_ids, attention_mask=attention_mask, use_cache=False, **kwargs)
        logits = out.logits  # (B, T, V)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(
                logits.float().reshape(-1, logits.shape[-1]),
                labels.reshape(-1),
                ignore_index=IGNORE_INDEX,
                label_smoothing=label_smoothing,
            )
        return GatedLMOutput(loss=loss, logits=logits)

    def special_ids(self) -> tuple[int, int, int]:
        """(start, eos, pad) token ids from the LM config (XGLM: 2, 2, 1), for a model without
        a tokenizer; :func:`sign2gpt.text.tokenizer.text_format` is what the recipes use."""
        config = self.lm.config
        eos = config.eos_token_id
        eos = eos[0] if isinstance(eos, (list, tuple)) else eos
        start = getattr(config, "decoder_start_token_id", None)
        if start is None:
            start = config.bos_token_id if config.bos_token_id is not None else eos
        pad = config.pad_token_id if config.pad_token_id is not None else eos
        if eos is None or start is None:
            raise ConfigError(
                f"the {config.model_type} config names no end-of-sequence token: give the LM a "
                "tokenizer (or eos_token_id)"
            )
        return int(start), int(eos), int(pad)

    @torch.no_grad()
    def generate(
        self,
        sign_memory: torch.Tensor,
        sign_mask: torch.Tensor | None = None,
        num_beams: int = 4,
        max_new_tokens: int = 64,
        length_penalty: float = 1.0,
        no_repeat_ngram_size: int = 0,
        use_cache: bool = True,
        start_token_id: int | None = None,
        eos_token_id: int | None = None,
        pad_token_id: int | None = None,
        prefix_ids: Sequence[int] | None = None,
    ) -> torch.LongTensor:
        """Beam search (greedy for ``num_beams=1``) from the start token (or from ``prefix_ids``:
        the start token and a prompt, the same for every clip), conditioned on the sign memory;
        returns the generated ids (B, L) without the prefix, padded with ``pad_token_id`` after
        each sequence's end token. ``no_repeat_ngram_size`` > 0: no token n-gram of that size
        twice in a row's ids, prefix included (Hugging Face's rule)."""
        given = (start_token_id if not prefix_ids else 0, eos_token_id, pad_token_id)
        if any(x is None for x in given):
            defaults = self.special_ids()
            given = tuple(d if x is None else x for x, d in zip(given, defaults))
        start, eos, pad = given
        prefix = list(prefix_ids) if prefix_ids else [start]
        B = sign_memory.shape[0]
        ctx = self.sign_context(sign_memory, sign_mask, expand=num_beams, cache=use_cache)
        input_ids = torch.tensor([prefix], dtype=torch.long, device=sign_memory.device)
        input_ids = input_ids.expand(B, -1).contiguous()  # (B, P)
        generation = GenerationConfig(
            num_beams=num_beams,
            num_return_sequences=1,
            max_new_tokens=max_new_tokens,
            min_new_tokens=0,
            do_sample=False,
            length_penalty=length_penalty,
            early_stopping=False,
            no_repeat_ngram_size=no_repeat_ngram_size,
            repetition_penalty=1.0,
            use_cache=use_cache,
            bos_token_id=prefix[0],
            decoder_start_token_id=prefix[0],
            eos_token_id=eos,
            pad_token_id=pad,
        )
        # `generate` passes no extra keyword to the model: this hook adds the sign memory to
        # every step's forward call.
        hook: Callable[..., Any] = functools.partial(_inject_sign_context, ctx)
        handle = self.lm.register_forward_pre_hook(hook, with_kwargs=True)
        try:
            out = self.lm.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                generation_config=generation,
            )
        finally:
            handle.remove()
        return out[:, len(prefix) :]
