"""The spatial backbone: DINOv2 ViT per frame, frozen, LoRA in its top blocks
(docs/method.md#41-spatial-backbone).

frames (N, 3, S, S) -> Dinov2Model -> CLS after the final norm (N, 384) -> Linear -> BN1d (N, 512).

The frames are PACKED (every frame of every clip of the batch, no padding), so the BatchNorm
statistics are over all real frames of the batch.

The Hugging Face ``Dinov2Model`` is kept untouched: the adapters are registered here (in
``self.lora``) and act on its Linear layers through forward hooks, so the backbone's state-dict
keys stay those of a stock ``Dinov2Model`` (``vit.`` + stock key) and a stock checkpoint loads
with strict key checking. Hugging Face keeps q, k and v as three Linears; the adapter of the
original fused qkv projection is one :class:`FusedQKVLoRA` over the three (A shared, B split).

Weights come from (``SpatialConfig.pretrained``):
- "" : random, built from the sizes in the config (tests, summary); seeded, so a checkpoint
  that references a random backbone rebuilds the same one;
- a hub id or a local folder: ``Dinov2Model.from_pretrained``;
- an original DINOv2 ``.pth`` state dict (``dinov2_vits14_pretrain.pth``): keys mapped to
  Hugging Face names, the fused qkv split into q, k, v; missing or unexpected keys are an error.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from transformers import Dinov2Config, Dinov2Model, ResNetConfig, ResNetModel
from transformers.models.dinov2.modeling_dinov2 import Dinov2Layer

from sign2gpt.config import ConfigError, SpatialConfig
from sign2gpt.errors import CheckpointError
from sign2gpt.models.keys import check_keys
from sign2gpt.models.lora import FusedQKVLoRA, LoRA
from sign2gpt.models.pretrained import (
    enable_activation_checkpointing,
    load_pretrained,
    resolve_source,
    seeded_init,
)

LORA_TARGETS = ("qkv", "proj", "fc1", "fc2")
ORIGINAL_SUFFIXES = (".pth", ".pt")


def backbone_layer_classes() -> tuple[type[nn.Module], ...]:
    """The repeated block classes of the backbone (FSDP auto-wrap units)."""
    from transformers.models.resnet.modeling_resnet import ResNetStage

    return (Dinov2Layer, ResNetStage)


# --------------------------------------------------------------------------------------------
# building and loading the ViT


def dinov2_config(cfg: SpatialConfig) -> Dinov2Config:
    """The Hugging Face config of a DINOv2 ViT with the sizes of ``cfg``."""
    if cfg.hidden_size % cfg.num_heads:
        raise ConfigError(
            f"spatial.hidden_size {cfg.hidden_size} is not divisible by num_heads {cfg.num_heads}"
        )
    if not float(cfg.mlp_ratio).is_integer():
        raise ConfigError(f"spatial.mlp_ratio must be a whole number, got {cfg.mlp_ratio}")
    return Dinov2Config(
        hidden_size=cfg.hidden_size,
        num_hidden_layers=cfg.num_layers,
        num_attention_heads=cfg.num_heads,
        mlp_ratio=int(cfg.mlp_ratio),
        patch_size=cfg.patch_size,
        image_size=cfg.pretrain_image_size,
        layerscale_value=cfg.layerscale_value,
        use_mask_token=True,
    )


def random_dinov2(cfg: SpatialConfig) -> Dinov2Model:
    """Random weights from the sizes, the same ones on every call (fixed seed, own RNG state)."""
    with seeded_init():
        return Dinov2Model(dinov2_config(cfg))


def _remap_original_key(key: str) -> str | None:
    """Original DINOv2 name -> Hugging Face (v5) name; None for the fused qkv (split apart)."""
    key = re.sub(r"^blocks\.\d+\.(\d+)\.", r"blocks.\1.", key)  # block_chunks > 0 layout
    fixed = {
        "cls_token": "embeddings.cls_token",
        "mask_token": "embeddings.mask_token",
        "pos_embed": "embeddings.position_embeddings",
        "patch_embed.proj.weight": "embeddings.patch_embeddings.projection.weight",
        "patch_embed.proj.bias": "embeddings.patch_embeddings.projection.bias",
        "norm.weight": "layernorm.weight",
        "norm.bias": "layernorm.bias",
    }
    if key in fixed:
        return fixed[key]
    m = re.match(r"^blocks\.(\d+)\.(.+)$", key)
    if not m:
        return key  # unknown: reported as unexpected by the caller
    layer, rest = m.groups()
    block = {
        "norm1.weight": "norm1.weight",
        "norm1.bias": "norm1.bias",
        "norm2.weight": "norm2.weight",
        "norm2.bias": "norm2.bias",
        "attn.proj.weight": "attention.o_proj.weight",
        "attn.proj.bias": "attention.o_proj.bias",
        "ls1.gamma": "layer_scale1.lambda1",
        "ls2.gamma": "layer_scale2.lambda1",
        "mlp.fc1.weight": "mlp.fc1.weight",
        "mlp.fc1.bias": "mlp.fc1.bias",
        "mlp.fc2.weight": "mlp.fc2.weight",
        "mlp.fc2.bias": "mlp.fc2.bias",
    }
    if rest in block:
        return f"encoder.layer.{layer}.{block[rest]}"
    if rest.startswith("attn.qkv."):
        return None
    return key


def convert_original_state_dict(original: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """An original DINOv2 state dict in Hugging Face ``Dinov2Model`` (v5) names.

    The fused ``attn.qkv`` (3C x C) is split into q, k, v (rows in that order). Keys it does not
    know are passed through, so the strict check of the caller reports them.
    """
    out: dict[str, torch.Tensor] = {}
    for key, value in original.items():
        new = _remap_original_key(key)
        if new is not None:
            out[new] = value
            continue
        m = re.match(r"^blocks\.(?:\d+\.)?(\d+)\.attn\.qkv\.(weight|bias)$", key)
        if not m:
            out[key] = value
            continue
        layer, kind = m.groups()
        names = ("q_proj", "k_proj", "v_proj")
        for name, part in zip(names, value.chunk(3, dim=0)):  # rows: q, k, v
            out[f"encoder.layer.{layer}.attention.{name}.{kind}"] = part.clone()
    return out


def _adapt_key_names(converted: dict[str, torch.Tensor], model: nn.Module) -> dict[str, Any]:
    """Map v5 names to the model's when an older transformers names things the old way."""
    expected = set(model.state_dict())
    if any(".attention.q_proj." in k for k in expected):
        return converted
    old = {
        ".attention.q_proj.": ".attention.attention.query.",
        ".attention.k_proj.": ".attention.attention.key.",
        ".attention.v_proj.": ".attention.attention.value.",
        ".attention.o_proj.": ".attention.output.dense.",
    }
    renamed = {}
    for key, value in converted.items():
        for new, legacy in old.items():
            key = key.replace(new, legacy)
        renamed[key] = value
    return renamed


def _read_original(path: Path) -> dict[str, torch.Tensor]:
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(f"{path}: cannot read the DINOv2 state dict ({exc})") from None
    if isinstance(data, dict):
        for wrapper in ("model", "state_dict", "teacher"):
            if wrapper in data and isinstance(data[wrapper], dict) and "cls_token" not in data:
                data = data[wrapper]
                break
    if not isinstance(data, dict) or "cls_token" not in data:
        raise CheckpointError(f"{path}: not an original DINOv2 state dict (no cls_token)")
    return data


def config_from_original(original: dict[str, torch.Tensor], cfg: SpatialConfig) -> SpatialConfig:
    """The sizes of the original checkpoint (they win over the config's); heads from the config."""
    hidden = int(original["cls_token"].shape[-1])
    layers = {
        int(m.group(1)) for k in original if (m := re.match(r"^blocks\.(?:\d+\.)?(\d+)\.", k))
    }
    patch = int(original["patch_embed.proj.weight"].shape[-1])
    positions = int(original["pos_embed"].shape[1]) - 1
    side = round(positions**0.5)
    fc1 = [v for k, v in original.items() if k.endswith("mlp.fc1.weight")]
    mlp_ratio = fc1[0].shape[0] / hidden if fc1 else cfg.mlp_ratio
    # Head count is not stored in the weights; DINOv2 uses 64-channel heads throughout.
    heads = cfg.num_heads if hidden == cfg.hidden_size else max(1, hidden // 64)
    return replace(
        cfg,
        hidden_size=hidden,
        num_layers=len(layers),
        num_heads=heads,
        mlp_ratio=mlp_ratio,
        patch_size=patch,
        pretrain_image_size=side * patch,
    )


def load_original_dinov2(path: str | Path, cfg: SpatialConfig) -> Dinov2Model:
    """A ``Dinov2Model`` with the weights of an original DINOv2 ``.pth`` (strict key check)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: DINOv2 checkpoint not found")
    original = _read_original(path)
    if any(k.startswith("register_tokens") for k in original):
        raise CheckpointError(
            f"{path}: DINOv2 with register tokens is not supported (use a model without registers)"
        )
    if any(".mlp.w12." in k for k in original):
        raise CheckpointError(f"{path}: SwiGLU DINOv2 (ViT-g) is not supported by this backbone")
    absent = [k for k in ("pos_embed", "patch_embed.proj.weight") if k not in original]
    if absent:
        raise CheckpointError(f"{path}: not an original DINOv2 state dict (no {absent[0]})")
    sizes = config_from_original(original, cfg)
    with torch.device("meta"):  # shapes only: every weight comes from the file (assign below)
        model = Dinov2Model(dinov2_config(sizes))
    converted = _adapt_key_names(convert_original_state_dict(original), model)
    check_keys(model.state_dict(), converted, str(path), "DINOv2")
    model.load_state_dict(converted, strict=True, assign=True)
    return model


def load_dinov2(cfg: SpatialConfig, load_weights: bool = True) -> Dinov2Model:
    """The ViT of ``cfg``: random from the sizes, or pretrained (hub id, folder, original .pth)."""
    source = cfg.pretrained
    if not source or not load_weights:
        return random_dinov2(cfg)
    if source.endswith(ORIGINAL_SUFFIXES):
        return load_original_dinov2(source, cfg)
    source = resolve_source(source, "model.spatial.pretrained")
    return load_pretrained(Dinov2Model, source, torch.float32, "DINOv2")


# --------------------------------------------------------------------------------------------
# the backbone


def _block_linears(layer: nn.Module) -> dict[str, nn.Linear]:
    """The adaptable Linears of a Dinov2 block, under either transformers naming."""
    attn = layer.attention
    if hasattr(attn, "q_proj"):  # transformers >= 5
        q, k, v, o = attn.q_proj, attn.k_proj, attn.v_proj, attn.o_proj
    else:  # transformers 4.x
        q, k, v = attn.attention.query, attn.attention.key, attn.attention.value
        o = attn.output.dense
    mlp = layer.mlp
    found: dict[str, nn.Linear] = {"q": q, "k": k, "v": v, "proj": o}
    if hasattr(mlp, "fc1"):
        found["fc1"], found["fc2"] = mlp.fc1, mlp.fc2
    return found


class SpatialBackbone(nn.Module):
    """Per-frame features: (N, 3, S, S) normalised frames -> (N, out_dim)."""

    def __init__(self, cfg: SpatialConfig, vit: Dinov2Model) -> None:
        super().__init__()
        self.cfg = cfg
        self.vit = vit
        self.hidden_size = int(vit.config.hidden_size)
        self.out_dim = cfg.out_dim
        # Frozen (the paper) or, as the offline demo's documented deviation, trained entirely.
        self.vit.requires_grad_(cfg.train_backbone)
        if self.vit.embeddings.mask_token is not None:
            # Only masked-image pretraining reads it: a trainable but unused parameter would
            # stall DDP's gradient reduction (find_unused_parameters=False).
            self.vit.embeddings.mask_token.requires_grad_(False)

        unknown = sorted(set(cfg.lora_targets) - set(LORA_TARGETS))
        if unknown:
            raise ConfigError(f"spatial.lora_targets: unknown {unknown} (known: {LORA_TARGETS})")
        layers = self.vit.encoder.layer
        bad = [i for i in cfg.lora_blocks if not 0 <= i < len(layers)]
        if bad:
            raise ConfigError(f"spatial.lora_blocks {bad}: the ViT has blocks 0..{len(layers) - 1}")

        # Adapters live here (not inside the ViT) so the ViT's keys stay stock; keys like
        # lora.block9_qkv.lora_A. Created on the ViT's device (meta for the parameter table).
        device = next(self.vit.parameters()).device
        self.lora = nn.ModuleDict()
        self._lora_handles: list[Any] = []
        for i in sorted(set(cfg.lora_blocks)):
            linears = _block_linears(layers[i])
            for target in cfg.lora_targets:
                name = f"block{i}_{target}"
                if target == "qkv":
                    q, k, v = linears["q"], linears["k"], linears["v"]
                    adapter = FusedQKVLoRA(
                        q.in_features,
                        (q.out_features, k.out_features, v.out_features),
                        cfg.lora,
                        device=device,
                    )
                    self._lora_handles += adapter.attach(q, k, v)
                else:
                    if target not in linears:
                        raise ConfigError(f"spatial.lora_targets: block {i} has no {target}")
                    lin = linears[target]
                    adapter = LoRA(lin.in_features, lin.out_features, cfg.lora, device=device)
                    self._lora_handles.append(adapter.attach(lin))
                self.lora[name] = adapter

        self.proj = nn.Linear(self.hidden_size, cfg.out_dim, device=device)
        self.bn = nn.BatchNorm1d(cfg.out_dim, device=device)
        if cfg.gradient_checkpointing:
            self.enable_gradient_checkpointing()

    def enable_gradient_checkpointing(self) -> None:
        """Recompute each ViT block in the backward pass."""
        enable_activation_checkpointing(self.vit)

    def features(self, frames: torch.Tensor) -> torch.Tensor:
        """CLS token after the ViT's final norm: (N, 3, S, S) -> (N, hidden)."""
        out = self.vit(pixel_values=frames)
        return out.last_hidden_state[:, 0]  # (N, hidden)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        # frames: (N, 3, S, S), S a multiple of the patch size (224 = 16 x 14; the 37 x 37
        # position table of 518 px is interpolated by Dinov2Embeddings).
        cls = self.features(frames)  # (N, hidden)
        return self.bn(self.proj(cls))  # (N, out_dim), BN over all frames of the batch


class ConvSpatialBackbone(nn.Module):
    """``backbone: cnn``: per-frame features from a small CNN trained from scratch.

    (N, 3, S, S) -> stride-2 conv blocks (conv 3x3, BatchNorm, GELU) -> a 4 x 4 map (3 blocks
    on 32 px frames; other sizes are average-pooled to 4 x 4) -> flatten (the map keeps where
    the hands are) -> Linear -> BatchNorm1d -> (N, out_dim).
    With no pretrained DINOv2 offline, a ViT learned from scratch on the CPU demo's budget
    barely moved (dev pseudo-gloss F1 about 0 after 4 epochs) while this learned (docs/demo.md).
    """

    def __init__(self, cfg: SpatialConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.out_dim = cfg.out_dim
        channels = [3, *cfg.cnn_channels]
        blocks: list[nn.Module] = []
        for c_in, c_out in itertools.pairwise(channels):
            blocks += [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1, bias=False)]
            blocks += [nn.BatchNorm2d(c_out), nn.GELU()]
        self.cnn = nn.Sequential(*blocks)
        # channels-last convolutions are faster on CPU (oneDNN) and on GPU (cuDNN):
        # benchmarks/RESULTS.md#backbone-cost-resnet18-against-the-demo-cnn
        self.cnn.to(memory_format=torch.channels_last)
        self.hidden_size = channels[-1] * 16
        self.proj = nn.Linear(self.hidden_size, cfg.out_dim)
        self.bn = nn.BatchNorm1d(cfg.out_dim)

    def features(self, frames: torch.Tensor) -> torch.Tensor:
        x = self.cnn(frames.contiguous(memory_format=torch.channels_last))  # (N, C, s, s)
        if x.shape[-2:] != (4, 4):  # an identity pool still costs a copy: only when needed
            x = F.adaptive_avg_pool2d(x, 4)
        return x.flatten(1)  # (N, C * 4 * 4), channel-major as before

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.bn(self.proj(self.features(frames)))  # (N, out_dim)


def resnet18_config() -> ResNetConfig:
    """ResNet18 as torchvision and microsoft/resnet-18 define it: a 7x7 stem of 64 channels,
    four stages of two basic blocks (64, 128, 256, 512 channels), average-pooled to 512."""
    return ResNetConfig(
        embedding_size=64,
        hidden_sizes=[64, 128, 256, 512],
        depths=[2, 2, 2, 2],
        layer_type="basic",
        hidden_act="relu",
        downsample_in_first_stage=False,
    )


def load_resnet18(cfg: SpatialConfig, load_weights: bool = True) -> ResNetModel:
    """The ResNet18 of ``cfg``: random (seeded) without ``pretrained``, else a hub id or folder
    holding a ``ResNetModel`` or a ``ResNetForImageClassification`` (its classifier dropped)."""
    if not cfg.pretrained or not load_weights:
        with seeded_init():
            return ResNetModel(resnet18_config())
    source = resolve_source(cfg.pretrained, "model.spatial.pretrained")
    from transformers import AutoConfig, ResNetForImageClassification

    architectures = getattr(AutoConfig.from_pretrained(source), "architectures", None) or []
    if "ResNetForImageClassification" in architectures:
        classifier = load_pretrained(
            ResNetForImageClassification, source, torch.float32, "ResNet18"
        )
        return classifier.resnet
    return load_pretrained(ResNetModel, source, torch.float32, "ResNet18")


class ResNetSpatialBackbone(nn.Module):
    """``backbone: resnet18``: per-frame features from ResNet18's pooled 512-d output.

    (N, 3, S, S) -> ResNet18 -> global average pool (N, 512) -> Linear -> BatchNorm1d
    (N, out_dim). Frozen unless ``train_backbone`` (its convolutions have no adapters); a frozen
    ResNet also keeps its BatchNorm statistics (eval mode whatever the model's mode)."""

    def __init__(self, cfg: SpatialConfig, resnet: ResNetModel) -> None:
        super().__init__()
        self.cfg = cfg
        self.out_dim = cfg.out_dim
        self.resnet = resnet
        self.resnet.requires_grad_(cfg.train_backbone)
        self.resnet.to(memory_format=torch.channels_last)
        device = next(self.resnet.parameters()).device
        self.hidden_size = int(resnet.config.hidden_sizes[-1])
        self.proj = nn.Linear(self.hidden_size, cfg.out_dim, device=device)
        self.bn = nn.BatchNorm1d(cfg.out_dim, device=device)

    def train(self, mode: bool = True) -> ResNetSpatialBackbone:
        super().train(mode)
        if not self.cfg.train_backbone:
            self.resnet.eval()  # frozen weights, frozen running statistics
        return self

    def features(self, frames: torch.Tensor) -> torch.Tensor:
        x = frames.contiguous(memory_format=torch.channels_last)
        return self.resnet(pixel_values=x).pooler_output.flatten(1)  # (N, 512)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.bn(self.proj(self.features(frames)))  # (N, out_dim)


SpatialPart = SpatialBackbone | ResNetSpatialBackbone | ConvSpatialBackbone


def build_spatial(cfg: SpatialConfig, load_weights: bool = True) -> SpatialPart:
    """The spatial backbone of ``cfg``.

    ``load_weights=False`` builds the architecture from the sizes in ``cfg`` even when
    ``cfg.pretrained`` names weights: what the parameter table does on the meta device.
    """
    if cfg.backbone == "cnn":
        return ConvSpatialBackbone(cfg)
    if cfg.backbone == "resnet18":
        return ResNetSpatialBackbone(cfg, load_resnet18(cfg, load_weights=load_weights))
    return SpatialBackbone(cfg, load_dinov2(cfg, load_weights=load_weights))
