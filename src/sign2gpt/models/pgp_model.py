"""Stage 1, pseudo-gloss pretraining (docs/method.md#3-stage-1-pseudo-gloss-pretraining):
the sign model and the prototype head.

frames -> SignModel -> Z (B, T', D) -> PGPHead -> yhat (B, V), localisation map E (B, T', V+1)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch

from sign2gpt.config import ModelConfig, Stage
from sign2gpt.errors import CheckpointError
from sign2gpt.models.checkpoint import CheckpointFolder
from sign2gpt.models.lm import local_lm_config
from sign2gpt.models.pgp_head import COOCCURRENCE_DIM, PGPHead, PGPOutput
from sign2gpt.models.sign_model import SignModel, build_sign_model
from sign2gpt.models.stage_model import StageModel
from sign2gpt.skeleton import Skeleton

FASTTEXT_DIM = 300


class PGPModel(StageModel):
    """``.sign`` (the sign model) and ``.pgp_head`` (frozen prototypes, learned projection)."""

    STAGE = Stage.PGP

    def __init__(self, cfg: ModelConfig, sign: SignModel, pgp_head: PGPHead) -> None:
        super().__init__(cfg, sign)
        self.pgp_head = pgp_head

    @property
    def num_pseudo_glosses(self) -> int:
        return self.pgp_head.num_pseudo_glosses

    def pseudo_glosses(
        self, z: torch.Tensor, mask: torch.Tensor, targets: torch.Tensor | None = None
    ) -> PGPOutput:
        """The head on sign features Z (B, T', D), mask (B, T'); with multi-hot ``targets``
        (B, V) also the loss."""
        return self.pgp_head(z, mask, targets)

    def forward(self, batch: Mapping[str, object]) -> PGPOutput:
        """A batch of the pipeline's loaders -> the head's output (with the loss when the
        batch carries multi-hot ``targets`` (B, V))."""
        z, mask = self.encode_batch(batch)  # (B, T', D), (B, T')
        targets = batch.get("targets")
        assert targets is None or isinstance(targets, torch.Tensor)
        return self.pseudo_glosses(z, mask, targets)

    @classmethod
    def rebuild(cls, folder: CheckpointFolder) -> PGPModel:
        prototypes = folder.weights.get("pgp_head.prototypes")
        if prototypes is None:
            raise CheckpointError(f"{folder.path}: no pgp_head.prototypes (not a stage-1 model)")
        skeleton, glosses = folder.sign_inputs()
        return cls.build(
            folder.config.model, prototypes=prototypes, skeleton=skeleton, glosses=glosses
        )

    @classmethod
    def on_meta(
        cls, cfg: ModelConfig, skeleton: Skeleton | None = None, glosses: int = 0
    ) -> PGPModel:
        gloss_names = [str(i) for i in range(glosses)] if glosses else None
        return cls.build(
            cfg, num_pseudo_glosses=1, meta=True, skeleton=skeleton, glosses=gloss_names
        )

    @classmethod
    def build(
        cls,
        cfg: ModelConfig,
        prototypes: torch.Tensor | None = None,
        num_pseudo_glosses: int = 0,
        load_weights: bool = True,
        meta: bool = False,
        skeleton: Skeleton | None = None,
        glosses: Sequence[str] | None = None,
    ) -> PGPModel:
        """The stage-1 model of ``cfg`` with the frozen ``prototypes`` (V, P); without them,
        zeros of shape (``num_pseudo_glosses``, P) stand in, to be overwritten by a checkpoint
        (or to count parameters: the prototypes are a buffer)."""
        if prototypes is None:
            if num_pseudo_glosses < 1:
                raise ValueError("stage 1 needs prototypes or num_pseudo_glosses >= 1")
            prototypes = torch.zeros(num_pseudo_glosses, prototype_dim(cfg))
        elif num_pseudo_glosses and num_pseudo_glosses != prototypes.shape[0]:
            raise ValueError(
                f"{prototypes.shape[0]} prototypes for {num_pseudo_glosses} pseudo-glosses"
            )
        sign = build_sign_model(cfg, load_weights, meta, skeleton, glosses)
        if meta:
            prototypes = prototypes.to("meta")
        head = PGPHead(cfg.pgp_head, cfg.sign_encoder.dim, prototypes)
        return cls(cfg, sign, head)


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
