"""What both stage models share: the sign model, and which weights are theirs to save.

The two stages are two types, :class:`~sign2gpt.models.pgp_model.PGPModel` (stage 1) and
:class:`~sign2gpt.models.translation_model.TranslationModel` (stage 2), each built around a
:class:`~sign2gpt.models.sign_model.SignModel`. The stage's name (``pgp`` / ``translate``, what a
recipe's ``train.stage`` says) is the class attribute ``STAGE``: the one place where the string
meets the type.

What is saved. The frozen pretrained models (the DINOv2 ViT under ``sign.step_encoder.vit.``, the LM
under ``lm.lm.``, unless ``model.spatial.train_backbone`` / ``model.lm.train_weights`` train them)
are referenced by name or path in the config and rebuilt from there;
everything else (LoRA, projections, BatchNorm statistics, sign encoder, PGP head with its
prototypes, bridge, gates and adapters) is the model's *trainable state dict*, what a
checkpoint stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, TypeVar

import torch
from torch import nn

from sign2gpt.config import Config, ModelConfig, Stage
from sign2gpt.models.checkpoint import CheckpointFolder, restore, save_checkpoint
from sign2gpt.models.keys import copy_checked
from sign2gpt.models.sign_model import SignModel
from sign2gpt.skeleton import Skeleton

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

    from sign2gpt.text.pseudo_gloss import PseudoGlossVocab

S = TypeVar("S", bound="StageModel")


class StageModel(nn.Module):
    """A sign model with a stage's head; see the module docstring."""

    STAGE: ClassVar[Stage]

    def __init__(self, cfg: ModelConfig, sign: SignModel) -> None:
        super().__init__()
        self.cfg = cfg
        self.sign = sign

    def encode(
        self,
        frames: torch.Tensor | None,
        lengths: torch.Tensor,
        keypoints: torch.Tensor | None = None,
        glosses: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Packed inputs (sum T_i, ...: frames (N, 3, S, S), keypoints (N, K, 3) or gloss ids
        (N,), as the model reads) + lengths (B,) -> Z (B, T', D), mask (B, T')."""
        return self.sign(frames, lengths, keypoints, glosses)

    # ---- what is saved ------------------------------------------------------------------
    def frozen_prefixes(self) -> tuple[str, ...]:
        """State-dict prefixes of the frozen pretrained models (rebuilt, never saved)."""
        return tuple("sign." + p for p in self.sign.frozen_prefixes())

    def trainable_state_dict(self) -> dict[str, torch.Tensor]:
        """Every parameter and persistent buffer outside the frozen pretrained models, as
        tensors sharing storage with the model; a tied weight once, under its first key (an
        LM trained with ``model.lm.train_weights`` whose output layer is its input embeddings:
        a safetensors file holds no two names for one tensor)."""
        frozen = self.frozen_prefixes()
        every = {name for name, _ in self.named_parameters(remove_duplicate=False)}
        tied = every - {name for name, _ in self.named_parameters()}  # the later names
        return {
            k: v for k, v in self.state_dict().items() if not k.startswith(frozen) and k not in tied
        }

    def load_trainable_state_dict(
        self, state_dict: dict[str, torch.Tensor], source: str = "state dict"
    ) -> None:
        """Strict: every trainable key present with its shape, no unknown key."""
        copy_checked(self.trainable_state_dict(), state_dict, source)

    def save(
        self,
        folder: str | Path,
        cfg: Config,
        tokenizer: PreTrainedTokenizerBase | None = None,
        vocab: PseudoGlossVocab | None = None,
        metrics: dict[str, object] | None = None,
    ) -> Path:
        """Write this model as a checkpoint folder (see :mod:`sign2gpt.models.checkpoint`)."""
        return save_checkpoint(folder, self, cfg, tokenizer, vocab, metrics)

    @classmethod
    def rebuild(cls: type[S], folder: CheckpointFolder) -> S:
        """The architecture of a checkpoint folder, ready for its weights (what else the
        folder holds that the model needs: the tokenizer, the prototypes' shape)."""
        raise NotImplementedError

    @classmethod
    def on_meta(
        cls: type[S], cfg: ModelConfig, skeleton: Skeleton | None = None, glosses: int = 0
    ) -> S:
        """The architecture of ``cfg`` on the meta device (shapes only: the parameter table);
        ``skeleton`` / ``glosses`` (a vocabulary size) for keypoint / gloss inputs."""
        raise NotImplementedError

    def encode_batch(
        self, batch: Mapping[str, object], device: torch.device | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Z (B, T', D) and its mask (B, T') of a batch from the pipeline's loaders: the cached
        features it carries (Sign(Z)2GPT), else :meth:`encode` of whatever inputs it holds;
        moved to ``device`` first when given."""

        def on(key: str) -> torch.Tensor | None:
            value = batch.get(key)
            if value is None:
                return None
            assert isinstance(value, torch.Tensor), key
            return value.to(device) if device is not None else value

        features = on("features")
        if features is not None:
            mask = on("feature_mask")
            assert mask is not None
            return features, mask
        lengths = on("lengths")
        assert lengths is not None
        return self.encode(on("frames"), lengths, on("keypoints"), on("glosses"))

    @classmethod
    def from_checkpoint(cls: type[S], folder: str | Path, device: str = "cpu") -> S:
        """The model of a checkpoint folder, in eval mode on ``device``; a folder of the other
        stage is a :class:`CheckpointError`."""
        return restore(cls, CheckpointFolder.open(folder), device)[0]
