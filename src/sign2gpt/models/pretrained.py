"""Loading the frozen pretrained models (DINOv2, the LM), once for every part that needs one.

- :func:`resolve_source` says at once what a ``pretrained`` name is: an existing local folder, a
  model in the local Hugging Face cache, or a hub id to download; a missing local folder, or a
  hub id with no network, is one :class:`CheckpointError` line instead of a minute of retries.
- :func:`load_pretrained` is ``from_pretrained`` that fails on missing, unexpected or mismatched
  weights (strict loading), naming the source.
- :func:`seeded_init` builds a model with random weights that are the same on every call, so a
  checkpoint that references a random model (tests, the parameter table) rebuilds it.
- :func:`enable_activation_checkpointing` recomputes each block of a Hugging Face model in the
  backward pass.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import torch
from transformers import PreTrainedModel

from sign2gpt.errors import CheckpointError
from sign2gpt.models.keys import raise_on_mismatch

RANDOM_INIT_SEED = 0
HUB_HOST = ("huggingface.co", 443)
# owner/name or name: what the Hugging Face hub accepts as a repository id
_HUB_ID = re.compile(r"^(?:[A-Za-z0-9][\w.-]*/)?[A-Za-z0-9][\w.-]*$")

M = TypeVar("M", bound=PreTrainedModel)


def looks_like_hub_id(source: str) -> bool:
    """``facebook/xglm-1.7B`` yes; ``./lm``, ``/models/lm``, ``a/b/c`` or ``demo_out/lm`` when
    ``demo_out`` is a local folder: no."""
    if not _HUB_ID.match(source) or source.startswith((".", "~")):
        return False
    owner = source.split("/")[0] if "/" in source else ""
    return not (owner and Path(owner).is_dir())


def _offline() -> bool:
    return any(
        os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _hub_reachable(timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection(HUB_HOST, timeout=timeout):
            return True
    except OSError:
        return False


def _in_cache(source: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - a dependency of transformers
        return False
    found = try_to_load_from_cache(source, "config.json")
    return isinstance(found, str)


def resolve_source(source: str, key: str, hint: str = "") -> str:
    """``source`` if it can be loaded from here, else a :class:`CheckpointError` naming ``key``
    (the config key that names it) and, with ``hint``, the step that makes it.

    A hub id is tried in the local cache first (as ``HF_HUB_OFFLINE`` does); it is downloaded
    only when it is not cached and the hub answers within two seconds."""
    path = Path(source)
    if path.exists():
        if path.is_dir() and not (path / "config.json").is_file():
            raise CheckpointError(f"{source}: no config.json in this folder ({key})")
        return source
    if not looks_like_hub_id(source):
        extra = f"; {hint}" if hint else ""
        raise CheckpointError(f"{source}: folder not found ({key}){extra}")
    if _in_cache(source):
        return source
    if _offline() or not _hub_reachable():
        why = "offline mode is on" if _offline() else "the Hugging Face hub cannot be reached"
        extra = f"; {hint}" if hint else ""
        raise CheckpointError(
            f"{source}: not a local folder and not in the Hugging Face cache, and {why} "
            f"({key}: name a local folder, or download the model where there is a network)"
            f"{extra}"
        )
    return source


def load_pretrained(cls: type[M], source: str, dtype: torch.dtype, what: str) -> M:
    """``cls.from_pretrained(source)`` in ``dtype``; missing, unexpected or mismatched weights
    are a :class:`CheckpointError`. Tables a model rebuilds as non-persistent buffers (XGLM's
    sinusoidal positions, stored by old checkpoints) are not counted as unexpected."""
    try:
        model, info = cls.from_pretrained(source, dtype=dtype, output_loading_info=True)
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{source}: cannot load {what} ({exc})") from None
    buffers = {name for name, _ in model.named_buffers()}
    raise_on_mismatch(
        source,
        what,
        missing=info.get("missing_keys") or [],
        unexpected=(k for k in info.get("unexpected_keys") or [] if k not in buffers),
        reshaped=(str(x) for x in info.get("mismatched_keys") or []),
    )
    return model


@contextlib.contextmanager
def seeded_init(seed: int = RANDOM_INIT_SEED) -> Iterator[None]:
    """Random initialisation from ``seed``, leaving the caller's random state as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def enable_activation_checkpointing(model: PreTrainedModel) -> None:
    """Recompute each block in the backward pass; non-reentrant, so blocks whose inputs need no
    gradient (a frozen model with adapters) still pass gradients to their adapters."""
    kwargs = {"use_reentrant": False}
    if hasattr(model, "activation_checkpointing_enable"):
        model.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
    else:  # transformers 4.x
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)
