"""Parameter table of a recipe's model, built on PyTorch's meta device (no weights, no download).

Sizes come from the config; where ``pretrained`` names a local model folder, its
``config.json`` is read instead (a hub id is never contacted). The paper's Table 1b for the
Phoenix14T recipe (docs/method.md#46-parameter-table):

| component | parameters | trainable |
|---|---|---|
| spatial | 22,328,448 | 271,872 |
| sign encoder | 12,613,632 | 12,613,632 |
| decoder (LM + gated branches + LoRA + bridge Linear) | 1,736,710,528 | 3,803,520 |
| total | 1,771,652,608 | 16,689,024 |
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from torch import nn

from sign2gpt.config import Config, Modality, ModelConfig, SpatialConfig, Stage
from sign2gpt.models.lm import local_lm_config
from sign2gpt.models.memory import (
    Device,
    MemoryEstimate,
    estimate_training_memory,
    largest_batch,
)
from sign2gpt.models.pgp_model import PGPModel
from sign2gpt.models.stage_model import StageModel
from sign2gpt.models.stages import model_type
from sign2gpt.models.translation_model import TranslationModel
from sign2gpt.skeleton import Skeleton

DECODER = "decoder (LM + gated branches + LoRA + bridge Linear)"
NAMES = ("spatial", "sign encoder", "PGP head", DECODER, "total")


@dataclass(frozen=True)
class ParameterRow:
    component: str
    parameters: int
    trainable: int


def _count(modules: Iterable[nn.Module]) -> tuple[int, int]:
    """(all, trainable) parameters; a parameter shared by two places (tied weights) counts once."""
    seen: dict[int, nn.Parameter] = {}
    for module in modules:
        for p in module.parameters():
            seen[id(p)] = p
    total = sum(p.numel() for p in seen.values())
    trainable = sum(p.numel() for p in seen.values() if p.requires_grad)
    return total, trainable


def local_spatial_sizes(cfg: SpatialConfig) -> SpatialConfig:
    """``cfg`` with the ViT sizes of a local DINOv2 folder's config.json, if it names one."""
    source = cfg.pretrained
    if not source or not (Path(source) / "config.json").is_file():
        return cfg
    from transformers import AutoConfig

    vit = AutoConfig.from_pretrained(source)
    return dataclasses.replace(
        cfg,
        hidden_size=vit.hidden_size,
        num_layers=vit.num_hidden_layers,
        num_heads=vit.num_attention_heads,
        mlp_ratio=float(vit.mlp_ratio),
        patch_size=vit.patch_size,
        pretrain_image_size=vit.image_size,
        layerscale_value=vit.layerscale_value,
    )


def size_sources(cfg: ModelConfig) -> list[str]:
    """Where the sizes of the pretrained parts come from, one line each (for the printout)."""
    lines = []
    for part, source in (("spatial", cfg.spatial.pretrained), ("lm", cfg.lm.pretrained)):
        if source and (Path(source) / "config.json").is_file():
            lines.append(f"{part}: sizes read from {Path(source) / 'config.json'}")
        elif source:
            lines.append(f"{part}: sizes from model.{part} in the config ({source} not read)")
        else:
            lines.append(f"{part}: sizes from model.{part} in the config (random weights)")
    if not (cfg.lm.pretrained and (Path(cfg.lm.pretrained) / "config.json").is_file()):
        lines[-1] += f", family {cfg.lm.family}"
    return lines


def build_on_meta(
    cfg: ModelConfig, stage: Stage, skeleton: Skeleton | None = None, glosses: int = 0
) -> StageModel:
    """The model of ``stage`` on the meta device: shapes only (no weights, no download)."""
    cfg = dataclasses.replace(cfg, spatial=local_spatial_sizes(cfg.spatial))
    local_lm_config(cfg.lm.pretrained)  # a broken local config.json is reported here
    return model_type(stage).on_meta(cfg, skeleton, glosses)


def parameter_table(
    cfg: ModelConfig,
    stage: Stage = Stage.TRANSLATE,
    skeleton: Skeleton | None = None,
    glosses: int = 0,
) -> list[ParameterRow]:
    """Rows spatial (or the pose encoder, or both with their fusion), sign encoder, PGP head
    (stage ``pgp``) or decoder (stage ``translate``), total. The PGP head's count does not
    depend on the vocabulary (prototypes are a buffer)."""
    model = build_on_meta(cfg, stage, skeleton, glosses)
    sign = model.sign
    first = {
        Modality.RGB: "spatial",
        Modality.POSE: "pose encoder",
        Modality.RGB_POSE: "spatial",
        Modality.GLOSS: "gloss embedding",
    }[sign.modality]
    parts: list[tuple[str, list[nn.Module]]] = [(first, [sign.step_encoder])]
    if sign.pose is not None and sign.fusion is not None:
        parts.append(("pose encoder + fusion", [sign.pose, sign.fusion]))
    parts.append(("sign encoder", [sign.encoder]))
    if isinstance(model, PGPModel):
        parts.append(("PGP head", [model.pgp_head]))
    if isinstance(model, TranslationModel):
        parts.append((DECODER, [model.lm, model.bridge]))
    rows = [ParameterRow(name, *_count(modules)) for name, modules in parts]
    rows.append(ParameterRow("total", *_count([model])))
    return rows


def format_table(rows: list[ParameterRow]) -> str:
    """Aligned text table with thousands separators."""
    header = ("component", "parameters", "trainable")
    cells = [header] + [(r.component, f"{r.parameters:,}", f"{r.trainable:,}") for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(3)]
    lines = []
    for n, (name, total, trainable) in enumerate(cells):
        lines.append(
            f"{name:<{widths[0]}}  {total:>{widths[1]}}  {trainable:>{widths[2]}}".rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


@dataclass(frozen=True)
class MemoryPlan:
    """The estimated training memory of a recipe at one batch shape, and what fits a GPU."""

    batch: int
    frames: int
    tokens: int
    checkpointing: str  # "spatial on, LM off" ...
    cpu: MemoryEstimate
    gpu: MemoryEstimate
    gpu_memory: float
    largest_gpu_batch: int


def memory_plan(
    cfg: Config, stage: Stage, batch: int, frames: int, tokens: int, gpu_memory: float
) -> MemoryPlan:
    """Estimates (:mod:`sign2gpt.models.memory`) for ``batch`` clips on the CPU and a GPU, and
    the largest batch whose GPU estimate fits ``gpu_memory`` bytes."""
    model = build_on_meta(cfg.model, stage)
    sized = model.cfg  # the sizes actually built (local config.json files read)
    size = cfg.data.image_size

    def estimate(b: int, device: Device) -> MemoryEstimate:
        return estimate_training_memory(model, sized, size, b, frames, tokens, device)

    on = {True: "on", False: "off"}
    return MemoryPlan(
        batch=batch,
        frames=frames,
        tokens=tokens,
        checkpointing=(
            f"spatial {on[sized.spatial.gradient_checkpointing]}, "
            f"LM {on[sized.lm.gradient_checkpointing]}"
        ),
        cpu=estimate(batch, "cpu"),
        gpu=estimate(batch, "cuda"),
        gpu_memory=gpu_memory,
        largest_gpu_batch=largest_batch(estimate(1, "cuda"), gpu_memory),
    )


def format_memory(plan: MemoryPlan) -> str:
    """The memory plan as text (GB = 10^9 bytes)."""
    e, g = plan.cpu, plan.gpu
    rows = [
        ("frozen weights (+ buffers)", e.frozen_weights),
        ("trainable weights + gradients + AdamW moments", e.trainable_state),
        (f"activations, frames ({plan.batch} x {plan.frames})", e.activations_frames),
        (f"activations, text tokens ({plan.batch} x {plan.tokens})", e.activations_tokens),
        (f"total on a CPU (incl. {e.runtime / 1e9:.1f} GB for the process)", e.total),
        (f"total on a GPU (incl. {g.runtime / 1e9:.1f} GB CUDA context; unverified)", g.total),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [
        f"estimated training memory, batch {plan.batch} x {plan.frames} frames x {plan.tokens} "
        f"tokens, bf16 autocast, gradient checkpointing {plan.checkpointing}:"
    ]
    lines += [f"  {name:<{width}}  {value / 1e9:7.2f} GB" for name, value in rows]
    lines.append(
        f"largest batch of {plan.frames} frames x {plan.tokens} tokens that fits "
        f"{plan.gpu_memory / 1e9:.1f} GB of GPU memory: {plan.largest_gpu_batch} "
        "(GPU figures unverified until benchmarks/gpu_check.sh runs on one)"
    )
    return "\n".join(lines)
