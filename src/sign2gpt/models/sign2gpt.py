"""The whole model: frames -> normalisation -> spatial backbone -> sign encoder -> PGP head
(stage 1) or bridge + gated LM (stage 2). See SPEC section 1 for the picture.

Frames come from the data pipeline as uint8 (0..255); the model normalises them on its own
device with ``data.mean`` / ``data.std`` (:class:`~sign2gpt.models.preprocess.FrameNormalise`,
given to :func:`build_sign2gpt` from the run's data config). Float frames are taken as already
normalised.

What is saved. The frozen pretrained models (the DINOv2 ViT under ``spatial.vit.`` and the LM
under ``lm.lm.``) are referenced by name or path in the config and rebuilt from there; everything
else (LoRA, projections, BatchNorm statistics, sign encoder, PGP head with its prototypes,
bridge, gates and adapters) is the model's *trainable state dict*, what a checkpoint stores.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

from sign2gpt.config import ConfigError, DataConfig, ModelConfig
from sign2gpt.errors import CheckpointError, Sign2GPTError
from sign2gpt.models.bridge import Bridge
from sign2gpt.models.gated_lm import GatedLM, load_lm, local_lm_config
from sign2gpt.models.pgp_head import COOCCURRENCE_DIM, PGPHead, PGPOutput
from sign2gpt.models.preprocess import FrameNormalise
from sign2gpt.models.sign_encoder import SignEncoder, build_sign_encoder
from sign2gpt.models.spatial import ConvSpatialBackbone, SpatialBackbone, build_spatial

STAGES = ("pgp", "translate")
SIGN_PREFIXES = ("spatial.", "sign_encoder.")  # what stage 2 takes from a stage-1 model
FASTTEXT_DIM = 300


class Sign2GPT(nn.Module):
    """Stage 1 (``pgp``): ``.spatial``, ``.sign_encoder``, ``.pgp_head``.
    Stage 2 (``translate``): ``.spatial``, ``.sign_encoder``, ``.bridge``, ``.lm`` (a GatedLM).
    Both: ``.normalise`` (uint8 frames -> normalised float; default: ImageNet mean / std)."""

    def __init__(
        self,
        cfg: ModelConfig,
        stage: str,
        spatial: SpatialBackbone | ConvSpatialBackbone,
        sign_encoder: SignEncoder,
        pgp_head: PGPHead | None = None,
        bridge: Bridge | None = None,
        lm: GatedLM | None = None,
        tokenizer: Any = None,
        normalise: FrameNormalise | None = None,
    ) -> None:
        super().__init__()
        if stage not in STAGES:
            raise ConfigError(f"unknown stage {stage!r} (pgp | translate)")
        if stage == "pgp" and pgp_head is None:
            raise ValueError("stage pgp needs a PGP head")
        if stage == "translate" and (bridge is None or lm is None):
            raise ValueError("stage translate needs a bridge and a language model")
        self.cfg = cfg
        self.stage = stage
        self.normalise = normalise if normalise is not None else FrameNormalise()
        self.spatial = spatial
        self.sign_encoder = sign_encoder
        self.pgp_head = pgp_head
        self.bridge = bridge
        self.lm = lm
        self.tokenizer = tokenizer  # plain attribute: decodes the generated ids
        self.num_pseudo_glosses = pgp_head.num_pseudo_glosses if pgp_head is not None else 0

    # ---- forward pieces -----------------------------------------------------------------
    def encode(
        self, frames: torch.Tensor, lengths: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Packed frames (sum T_i, 3, S, S) + lengths (B,) -> Z (B, T', D), mask (B, T').

        ``frames``: uint8 0..255 as the data pipeline delivers them (normalised here, on the
        frames' device), or float frames already normalised."""
        sizes = [int(n) for n in lengths.tolist()]
        if sum(sizes) != frames.shape[0]:
            raise ValueError(f"lengths sum to {sum(sizes)} but {frames.shape[0]} frames were given")
        x = self.normalise(frames)  # (N, 3, S, S) float
        feats = self.spatial(x)  # (N, D): BatchNorm over every real frame of the batch
        x = pad_sequence(list(feats.split(sizes)), batch_first=True)  # (B, T, D)
        steps = torch.arange(x.shape[1], device=x.device)
        mask = steps[None, :] < torch.as_tensor(sizes, device=x.device)[:, None]  # (B, T)
        return self.sign_encoder(x, mask)

    def pgp(
        self, z: torch.Tensor, mask: torch.Tensor, targets: torch.Tensor | None = None
    ) -> PGPOutput:
        if self.pgp_head is None:
            raise Sign2GPTError("this is a stage-2 model: it has no PGP head")
        return self.pgp_head(z, mask, targets)

    def _translation_parts(self) -> tuple[Bridge, GatedLM]:
        if self.bridge is None or self.lm is None:
            raise Sign2GPTError("this is a stage-1 (PGP) model: it cannot translate")
        return self.bridge, self.lm

    def translation_loss(
        self,
        z: torch.Tensor,
        mask: torch.Tensor,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        labels: torch.Tensor,
        label_smoothing: float = 0.0,
    ) -> torch.Tensor:
        """Mean cross-entropy of the (already shifted) ``labels``, EOS included, -100 ignored."""
        bridge, lm = self._translation_parts()
        out = lm(input_ids, attention_mask, bridge(z), mask, labels, label_smoothing)
        assert out.loss is not None
        return out.loss

    def special_ids(self) -> tuple[int, int, int]:
        """(start, eos, pad): the text format starts with ``</s>`` (SPEC section 4)."""
        _, lm = self._translation_parts()
        start, eos, pad = lm.special_ids()
        tok = self.tokenizer
        if tok is not None and tok.eos_token_id is not None:
            start = eos = int(tok.eos_token_id)
            pad = int(tok.pad_token_id) if tok.pad_token_id is not None else eos
        return start, eos, pad

    @torch.no_grad()
    def generate_ids(
        self, z: torch.Tensor, mask: torch.Tensor, num_beams: int = 4, max_new_tokens: int = 64
    ) -> torch.Tensor:
        """Beam search: generated ids (B, L) after the start token."""
        bridge, lm = self._translation_parts()
        start, eos, pad = self.special_ids()
        return lm.generate(
            bridge(z),
            mask,
            num_beams=num_beams,
            max_new_tokens=max_new_tokens,
            start_token_id=start,
            eos_token_id=eos,
            pad_token_id=pad,
        )

    def decode(self, ids: list[int]) -> str:
        """Text of one generated row, cut at the first ``</s>``."""
        if self.tokenizer is None:
            raise Sign2GPTError("the model has no tokenizer to decode with")
        _, eos, _ = self.special_ids()
        if eos in ids:
            ids = ids[: ids.index(eos)]
        return self.tokenizer.decode(ids, skip_special_tokens=True).strip()

    def translate(
        self, z: torch.Tensor, mask: torch.Tensor, num_beams: int = 4, max_new_tokens: int = 64
    ) -> list[str]:
        """Sentences for the sign features Z (B, T', D) with mask (B, T')."""
        ids = self.generate_ids(z, mask, num_beams=num_beams, max_new_tokens=max_new_tokens)
        return [self.decode(row) for row in ids.tolist()]

    # ---- what is saved ------------------------------------------------------------------
    def frozen_prefixes(self) -> tuple[str, ...]:
        """State-dict prefixes of the frozen pretrained models (rebuilt, never saved)."""
        prefixes = []
        if not self.cfg.spatial.train_backbone:
            prefixes.append("spatial.vit.")
        if self.lm is not None:
            prefixes.append("lm.lm.")
        return tuple(prefixes)

    def trainable_state_dict(self) -> dict[str, torch.Tensor]:
        """Every parameter and persistent buffer outside the frozen pretrained models
        (LoRA, projections, BatchNorm statistics, encoder, PGP head and prototypes, bridge, gated
        branches), as tensors sharing storage with the model."""
        frozen = self.frozen_prefixes()
        return {k: v for k, v in self.state_dict().items() if not k.startswith(frozen)}

    def load_trainable_state_dict(
        self, state_dict: dict[str, torch.Tensor], source: str = "state dict"
    ) -> None:
        """Strict: every trainable key present with its shape, no unknown key."""
        own = self.trainable_state_dict()
        _check_keys(own, state_dict, source)
        _copy_into(own, state_dict)

    def load_stage1(
        self, state_dict: dict[str, torch.Tensor], source: str = "stage-1 weights"
    ) -> None:
        """Take the spatial and sign-encoder weights of a stage-1 (PGP) model; its PGP head is
        dropped. Every trainable spatial / sign-encoder key of this model must be there."""
        unknown = sorted(k for k in state_dict if not k.startswith((*SIGN_PREFIXES, "pgp_head.")))
        if unknown:
            raise CheckpointError(
                f"{source}: not a stage-1 state dict ({len(unknown)} keys outside spatial, "
                f"sign encoder and PGP head, e.g. {unknown[:2]})"
            )
        given = {k: v for k, v in state_dict.items() if k.startswith(SIGN_PREFIXES)}
        frozen = self.frozen_prefixes()
        trained_frozen = sorted(k for k in given if k.startswith(frozen))
        if trained_frozen:
            raise CheckpointError(
                f"{source}: the stage-1 model trained its backbone ({trained_frozen[0]} ...) but "
                "this config freezes it: set model.spatial.train_backbone: true for stage 2 too"
            )
        own = {k: v for k, v in self.trainable_state_dict().items() if k.startswith(SIGN_PREFIXES)}
        _check_keys(own, given, source)
        _copy_into(own, given)


def _check_keys(own: dict[str, torch.Tensor], given: dict[str, torch.Tensor], source: str) -> None:
    missing = sorted(set(own) - set(given))
    unexpected = sorted(set(given) - set(own))
    shapes = sorted(
        f"{k} {tuple(given[k].shape)} vs {tuple(own[k].shape)}"
        for k in set(own) & set(given)
        if tuple(own[k].shape) != tuple(given[k].shape)
    )
    problems = [
        f"{len(items)} {what} (e.g. {', '.join(items[:2])})"
        for what, items in (
            ("missing", missing),
            ("unexpected", unexpected),
            ("with another shape", shapes),
        )
        if items
    ]
    if problems:
        raise CheckpointError(f"{source}: weights do not match the model: {'; '.join(problems)}")


@torch.no_grad()
def _copy_into(own: dict[str, torch.Tensor], given: dict[str, torch.Tensor]) -> None:
    for key, target in own.items():
        target.copy_(given[key].to(device=target.device, dtype=target.dtype))


def prototype_dim(cfg: ModelConfig) -> int:
    """P of the PGP prototypes when no prototypes are at hand (placeholder / summary)."""
    if cfg.pgp_head.prototype_dim:
        return cfg.pgp_head.prototype_dim
    if cfg.pgp_head.prototypes == "cooccurrence":
        return COOCCURRENCE_DIM
    if cfg.pgp_head.prototypes != "lm":
        return FASTTEXT_DIM
    local = local_lm_config(cfg.lm.pretrained)
    return int(local.hidden_size) if local is not None else cfg.lm.d_model


def build_sign2gpt(
    cfg: ModelConfig,
    stage: str,
    prototypes: torch.Tensor | None = None,
    num_pseudo_glosses: int = 0,
    tokenizer: Any = None,
    device: str | torch.device = "cpu",
    load_weights: bool = True,
    data: DataConfig | None = None,
) -> Sign2GPT:
    """The model of ``stage`` (``pgp`` or ``translate``) built from ``cfg``.

    ``data``: the run's data config, whose ``mean`` / ``std`` the model normalises its uint8
    input frames with (None: the defaults, ImageNet's, as DINOv2 expects).

    Stage 1 takes the frozen ``prototypes`` (V, P); without them, zeros of shape
    (``num_pseudo_glosses``, P) stand in, to be overwritten by a checkpoint. Stage 2 loads the
    frozen LM (``cfg.lm.pretrained``) and keeps ``tokenizer`` for decoding. ``device="meta"``
    builds the architecture only (no weights read or downloaded): the parameter table.
    """
    if stage not in STAGES:
        raise ConfigError(f"unknown stage {stage!r} (pgp | translate)")
    if cfg.spatial.out_dim != cfg.sign_encoder.dim:
        raise ConfigError(
            f"model.spatial.out_dim {cfg.spatial.out_dim} must equal "
            f"model.sign_encoder.dim {cfg.sign_encoder.dim}"
        )
    device = torch.device(device)
    meta = device.type == "meta"
    load_weights = load_weights and not meta
    context = torch.device("meta") if meta else contextlib.nullcontext()
    pgp_head = bridge = lm = None
    with context:
        spatial = build_spatial(cfg.spatial, load_weights=load_weights)
        encoder = build_sign_encoder(cfg.sign_encoder)
        if stage == "pgp":
            if prototypes is None:
                if num_pseudo_glosses < 1:
                    raise ValueError("stage pgp needs prototypes or num_pseudo_glosses >= 1")
                prototypes = torch.zeros(num_pseudo_glosses, prototype_dim(cfg))
            elif num_pseudo_glosses and num_pseudo_glosses != prototypes.shape[0]:
                raise ValueError(
                    f"{prototypes.shape[0]} prototypes for {num_pseudo_glosses} pseudo-glosses"
                )
            pgp_head = PGPHead(cfg.pgp_head, cfg.sign_encoder.dim, prototypes)
        else:
            frozen = load_lm(cfg.lm, device="meta" if meta else "cpu", load_weights=load_weights)
            lm = GatedLM(frozen, cfg.lm)
            bridge = Bridge(cfg.bridge, cfg.sign_encoder.dim, lm.d_model)
    normalise = FrameNormalise.from_config(data if data is not None else DataConfig())
    model = Sign2GPT(cfg, stage, spatial, encoder, pgp_head, bridge, lm, tokenizer, normalise)
    if not meta:
        model.to(device)
    return model
