"""Low-rank adapters (LoRA) for frozen Linear layers.

Two shapes of the same idea, delta(x) = (alpha / r) * B @ A @ dropout(x), with A ~ N(0, 0.02)
and B = 0 so that an adapted model starts exactly equal to the frozen one
(docs/method.md#41-spatial-backbone):

- :class:`LoRA`: the adapter alone. ``attach(linear)`` adds it to a Linear with a forward hook,
  so the Linear and its state-dict keys stay untouched (the adapter's own parameters live in
  whichever module owns the LoRA).
- :class:`FusedQKVLoRA`: ONE adapter over a fused qkv projection (384 -> 1152 in DINOv2) for a
  model that keeps q, k and v as three Linears (Hugging Face's Dinov2): A (r x in) is shared,
  B (3 out x r) is split three ways, and one dropout mask is drawn per input, exactly like the
  original fused layer.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.hooks import RemovableHandle

from sign2gpt.config import LoraConfig

LORA_A_STD = 0.02  # the authors' init of A (B starts at zero)


def _init_lora(a: nn.Parameter, b: nn.Parameter) -> None:
    nn.init.normal_(a, mean=0.0, std=LORA_A_STD)
    nn.init.zeros_(b)


def _as_input(x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``x`` in the adapter's dtype; under autocast as it is: the matmuls run in the autocast
    dtype anyway, and a float32 copy of the activations would only be cast back (measured: it
    brought DINOv2 with LoRA under bf16 autocast to about the stock forward's time,
    benchmarks/RESULTS.md#ratios-to-the-limit-before-and-after)."""
    if torch.is_autocast_enabled(x.device.type):
        return x
    return x.to(dtype)


class LoRA(nn.Module):
    """The low-rank update of one Linear: (..., in) -> (..., out)."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        cfg: LoraConfig,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        if cfg.rank < 1:
            raise ValueError(f"LoRA rank must be >= 1, got {cfg.rank}")
        self.in_features = in_features
        self.out_features = out_features
        self.rank = cfg.rank
        self.scaling = cfg.alpha / cfg.rank
        self.dropout = nn.Dropout(cfg.dropout)
        self.lora_A = nn.Parameter(torch.empty(cfg.rank, in_features, device=device))  # (r, in)
        self.lora_B = nn.Parameter(torch.empty(out_features, cfg.rank, device=device))  # (out, r)
        _init_lora(self.lora_A, self.lora_B)

    def forward(self, x: torch.Tensor, base: torch.Tensor | None = None) -> torch.Tensor:
        """The update (..., out) of ``x`` (..., in); with ``base``, ``base`` + the update in
        ``base``'s dtype, the scaling folded into the addition (one kernel fewer)."""
        x = _as_input(x, self.lora_A.dtype)
        h = F.linear(self.dropout(x), self.lora_A)  # (..., r)
        if base is None:
            return F.linear(h, self.lora_B) * self.scaling  # (..., out)
        return torch.add(base, F.linear(h, self.lora_B).to(base.dtype), alpha=self.scaling)

    def attach(self, linear: nn.Linear) -> RemovableHandle:
        """Add this adapter's output to ``linear``'s with a forward hook (keys unchanged)."""
        if (linear.in_features, linear.out_features) != (self.in_features, self.out_features):
            raise ValueError(
                f"LoRA {self.in_features}->{self.out_features} does not fit "
                f"Linear {linear.in_features}->{linear.out_features}"
            )
        return linear.register_forward_hook(self._hook)

    def _hook(
        self, module: nn.Module, args: tuple[torch.Tensor, ...], output: torch.Tensor
    ) -> torch.Tensor:
        return self(args[0], base=output)

    def extra_repr(self) -> str:
        return f"{self.in_features}->{self.out_features}, rank={self.rank}, scaling={self.scaling}"


class FusedQKVLoRA(nn.Module):
    """One adapter over q, k and v: A (r x in) shared, B ((q+k+v) x r) split three ways.

    ``forward(x)`` gives the fused delta (..., q+k+v), as a LoRA on the original fused qkv Linear
    would. ``attach(q, k, v)`` applies it to three separate Linears with forward hooks; the low-
    rank projection A @ dropout(x) is computed once per input tensor and shared by the three
    hooks (same dropout mask for q, k and v), whatever order the model calls them in.
    """

    def __init__(
        self,
        in_features: int,
        out_features: Sequence[int],
        cfg: LoraConfig,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        if len(out_features) != 3:
            raise ValueError(f"FusedQKVLoRA needs three output sizes, got {list(out_features)}")
        if cfg.rank < 1:
            raise ValueError(f"LoRA rank must be >= 1, got {cfg.rank}")
        self.in_features = in_features
        self.out_features = tuple(int(n) for n in out_features)
        self.rank = cfg.rank
        self.scaling = cfg.alpha / cfg.rank
        self.dropout = nn.Dropout(cfg.dropout)
        total = sum(self.out_features)
        self.lora_A = nn.Parameter(torch.empty(cfg.rank, in_features, device=device))  # (r, in)
        self.lora_B = nn.Parameter(torch.empty(total, cfg.rank, device=device))  # (3 out, r)
        _init_lora(self.lora_A, self.lora_B)
        # (weak ref to the input, its low-rank projection, parts served); never saved.
        self._cache: tuple[weakref.ref, torch.Tensor, set[int]] | None = None

    def _low_rank(self, x: torch.Tensor) -> torch.Tensor:
        """A @ dropout(x): (..., in) -> (..., r), once per input tensor."""
        return F.linear(self.dropout(_as_input(x, self.lora_A.dtype)), self.lora_A)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self._low_rank(x)  # (..., r)
        return F.linear(h, self.lora_B) * self.scaling  # (..., q+k+v)

    def b_parts(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """B split into its q, k and v rows: ((q, r), (k, r), (v, r))."""
        q, k, v = torch.split(self.lora_B, self.out_features, dim=0)
        return q, k, v

    def attach(self, q: nn.Linear, k: nn.Linear, v: nn.Linear) -> list[RemovableHandle]:
        handles = []
        for part, linear in enumerate((q, k, v)):
            if (linear.in_features, linear.out_features) != (
                self.in_features,
                self.out_features[part],
            ):
                raise ValueError(
                    f"FusedQKVLoRA part {part} ({self.in_features}->{self.out_features[part]}) "
                    f"does not fit Linear {linear.in_features}->{linear.out_features}"
                )
            # A partial of a bound method (not a closure) so deepcopy/pickle follow the module.
            handles.append(linear.register_forward_hook(functools.partial(self._hook, part)))
        return handles

    def _shared(self, x: torch.Tensor, part: int) -> torch.Tensor:
        cache = self._cache
        if cache is not None and cache[0]() is x and part not in cache[2]:
            h = cache[1]
        else:
            # New input (or a part asked twice: recompute, e.g. activation checkpointing).
            h = self._low_rank(x)
            cache = (weakref.ref(x), h, set())
        cache[2].add(part)
        # Drop the reference once q, k and v are served: nothing is held between steps.
        self._cache = None if len(cache[2]) == 3 else cache
        return h

    def _hook(
        self, part: int, module: nn.Module, args: tuple[torch.Tensor, ...], output: torch.Tensor
    ) -> torch.Tensor:
        h = self._shared(args[0], part)  # (..., r)
        delta = F.linear(h, self.b_parts()[part]).to(output.dtype)  # (..., out_part)
        return torch.add(output, delta, alpha=self.scaling)

    def extra_repr(self) -> str:
        return (
            f"{self.in_features}->{'+'.join(map(str, self.out_features))}, rank={self.rank}, "
            f"scaling={self.scaling}"
        )
