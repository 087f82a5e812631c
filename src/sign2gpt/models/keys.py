"""Strict key checking, written once: every weight file the toolkit loads (a checkpoint's
trainable weights, a stock LM, an original DINOv2 ``.pth``) must hold exactly the keys of the
model it fills, with their shapes; anything else is one :class:`CheckpointError` naming the
file and the first keys of each kind."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import torch

from sign2gpt.errors import CheckpointError


def raise_on_mismatch(
    source: str,
    what: str,
    missing: Iterable[str] = (),
    unexpected: Iterable[str] = (),
    reshaped: Iterable[str] = (),
) -> None:
    """A :class:`CheckpointError` ``"<source>: weights do not match <what>: ..."`` when any of
    the three lists is not empty."""
    problems = [
        f"{len(items)} {kind} (e.g. {', '.join(items[:2])})"
        for kind, items in (
            ("missing", sorted(missing)),
            ("unexpected", sorted(unexpected)),
            ("with another shape", sorted(reshaped)),
        )
        if items
    ]
    if problems:
        raise CheckpointError(f"{source}: weights do not match {what}: {'; '.join(problems)}")


def check_keys(
    own: Mapping[str, torch.Tensor],
    given: Mapping[str, torch.Tensor],
    source: str,
    what: str = "the model",
) -> None:
    """``given`` must have every key of ``own``, no other, each with its shape."""
    raise_on_mismatch(
        source,
        what,
        missing=set(own) - set(given),
        unexpected=set(given) - set(own),
        reshaped=(
            f"{k} {tuple(given[k].shape)} vs {tuple(own[k].shape)}"
            for k in set(own) & set(given)
            if tuple(own[k].shape) != tuple(given[k].shape)
        ),
    )


@torch.no_grad()
def copy_checked(
    own: Mapping[str, torch.Tensor],
    given: Mapping[str, torch.Tensor],
    source: str,
    what: str = "the model",
) -> None:
    """:func:`check_keys`, then each given tensor copied into the model's own (its device and
    dtype)."""
    check_keys(own, given, source, what)
    for key, target in own.items():
        target.copy_(given[key].to(device=target.device, dtype=target.dtype))
