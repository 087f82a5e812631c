"""Stage 2, translation (docs/method.md#1-pipeline): the sign model, the bridge and the gated LM.

frames -> SignModel -> Z (B, T', D) -> Bridge -> sign memory (B, T', d_lm) -> GatedLM
-> logits (teacher forcing) or beam search -> sentence
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from transformers import PreTrainedTokenizerBase

from sign2gpt.config import ConfigError, ModelConfig, Stage, TrainConfig
from sign2gpt.errors import CheckpointError, Sign2GPTError
from sign2gpt.models.bridge import Bridge
from sign2gpt.models.checkpoint import CheckpointFolder
from sign2gpt.models.keys import copy_checked
from sign2gpt.models.lm import GatedLM, load_lm
from sign2gpt.models.sign_model import SignModel, build_sign_model
from sign2gpt.models.stage_model import StageModel
from sign2gpt.skeleton import Skeleton
from sign2gpt.text.tokenizer import TextFormat, load_tokenizer, text_format


@dataclass(frozen=True)
class BeamSearch:
    """How a sentence is decoded: ``train.num_beams``, ``train.max_new_tokens`` and
    ``train.no_repeat_ngram_size`` of a recipe (:meth:`of`), or given by hand."""

    num_beams: int = 4
    max_new_tokens: int = 64
    no_repeat_ngram_size: int = 0  # 0: off

    def __post_init__(self) -> None:
        for name, low in (("num_beams", 1), ("max_new_tokens", 1), ("no_repeat_ngram_size", 0)):
            if getattr(self, name) < low:
                raise ConfigError(
                    f"beam search: {name} must be >= {low}, got {getattr(self, name)}"
                )

    @classmethod
    def of(
        cls,
        train: TrainConfig,
        num_beams: int | None = None,
        no_repeat_ngram_size: int | None = None,
    ) -> BeamSearch:
        """The recipe's decoding, with the beams or the n-gram rule given (not None) instead."""
        return cls(
            num_beams=train.num_beams if num_beams is None else num_beams,
            max_new_tokens=train.max_new_tokens,
            no_repeat_ngram_size=(
                train.no_repeat_ngram_size if no_repeat_ngram_size is None else no_repeat_ngram_size
            ),
        )


class TranslationModel(StageModel):
    """``.sign``, ``.bridge``, ``.lm`` (a :class:`GatedLM`); ``.tokenizer`` decodes."""

    STAGE = Stage.TRANSLATE

    def __init__(
        self,
        cfg: ModelConfig,
        sign: SignModel,
        bridge: Bridge,
        lm: GatedLM,
        tokenizer: PreTrainedTokenizerBase | None = None,
    ) -> None:
        super().__init__(cfg, sign)
        self.bridge = bridge
        self.lm = lm
        self.tokenizer = tokenizer  # a plain attribute: decodes the generated ids

    def frozen_prefixes(self) -> tuple[str, ...]:
        lm = () if self.cfg.lm.train_weights else ("lm.lm.",)
        return (*super().frozen_prefixes(), *lm)

    def loss(
        self,
        z: torch.Tensor,
        mask: torch.Tensor,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        labels: torch.Tensor,
        label_smoothing: float = 0.0,
    ) -> torch.Tensor:
        """Mean cross-entropy of the (already shifted) ``labels``, EOS included, -100 ignored."""
        out = self.lm(input_ids, attention_mask, self.bridge(z), mask, labels, label_smoothing)
        assert out.loss is not None
        return out.loss

    def forward(self, batch: Mapping[str, object], label_smoothing: float = 0.0) -> torch.Tensor:
        """A batch of the pipeline's loaders (sign inputs or cached features, and the text
        tensors of :func:`sign2gpt.text.tokenizer.encode_texts`) -> the training loss."""
        z, mask = self.encode_batch(batch)  # (B, T', D), (B, T')
        text = {k: batch[k] for k in ("input_ids", "attention_mask", "labels")}
        assert all(isinstance(v, torch.Tensor) for v in text.values())
        return self.loss(z, mask, **text, label_smoothing=label_smoothing)  # type: ignore[arg-type]

    @property
    def text_format(self) -> TextFormat:
        """Start, end and pad tokens and the prompt of this LM (docs/method.md#45-text-format):
        from the tokenizer and the frozen LM's ``model_type``; from the LM's config alone when
        there is no tokenizer (tests)."""
        if self.tokenizer is None:
            start, eos, pad = self.lm.special_ids()
            return TextFormat(start, eos, pad)
        model_type = str(getattr(self.lm.config, "model_type", "xglm"))
        return text_format(self.tokenizer, model_type, self.cfg.lm.prompt)

    def special_ids(self) -> tuple[int, int, int]:
        """(start, end, pad) of :attr:`text_format`."""
        fmt = self.text_format
        return fmt.start_id, fmt.end_id, fmt.pad_id

    @torch.no_grad()
    def generate_ids(
        self, z: torch.Tensor, mask: torch.Tensor, search: BeamSearch = BeamSearch()
    ) -> torch.Tensor:
        """Beam search: generated ids (B, L) after the start token and the prompt."""
        fmt = self.text_format
        return self.lm.generate(
            self.bridge(z),
            mask,
            num_beams=search.num_beams,
            max_new_tokens=search.max_new_tokens,
            no_repeat_ngram_size=search.no_repeat_ngram_size,
            eos_token_id=fmt.end_id,
            pad_token_id=fmt.pad_id,
            prefix_ids=fmt.prefix,
        )

    def decode(self, ids: list[int]) -> str:
        """Text of one generated row, cut at the first end token."""
        if self.tokenizer is None:
            raise Sign2GPTError("the model has no tokenizer to decode with")
        _, eos, _ = self.special_ids()
        if eos in ids:
            ids = ids[: ids.index(eos)]
        return self.tokenizer.decode(ids, skip_special_tokens=True).strip()

    def translate(
        self, z: torch.Tensor, mask: torch.Tensor, search: BeamSearch = BeamSearch()
    ) -> list[str]:
        """Sentences for the sign features Z (B, T', D) with mask (B, T')."""
        ids = self.generate_ids(z, mask, search)
        return [self.decode(row) for row in ids.tolist()]

    def load_sign_model(
        self, state_dict: dict[str, torch.Tensor], source: str = "stage-1 weights"
    ) -> None:
        """Take the sign model (spatial part and encoder) of a stage-1 trainable state dict;
        its PGP head is dropped. Every trainable key of this model's sign model must be there."""
        unknown = sorted(k for k in state_dict if not k.startswith(("sign.", "pgp_head.")))
        if unknown:
            raise CheckpointError(
                f"{source}: not a stage-1 state dict ({len(unknown)} keys outside the sign model "
                f"and the PGP head, e.g. {unknown[:2]})"
            )
        given = {k: v for k, v in state_dict.items() if k.startswith("sign.")}
        frozen = self.frozen_prefixes()
        trained_frozen = sorted(k for k in given if k.startswith(frozen))
        if trained_frozen:
            raise CheckpointError(
                f"{source}: the stage-1 model trained its backbone ({trained_frozen[0]} ...) but "
                "this config freezes it: set model.spatial.train_backbone: true for stage 2 too"
            )
        own = {k: v for k, v in self.trainable_state_dict().items() if k.startswith("sign.")}
        copy_checked(own, given, source)

    @classmethod
    def rebuild(cls, folder: CheckpointFolder) -> TranslationModel:
        tokenizer = load_tokenizer(folder.path, "the checkpoint's tokenizer")
        skeleton, glosses = folder.sign_inputs()
        return cls.build(
            folder.config.model, tokenizer=tokenizer, skeleton=skeleton, glosses=glosses
        )

    @classmethod
    def on_meta(
        cls, cfg: ModelConfig, skeleton: Skeleton | None = None, glosses: int = 0
    ) -> TranslationModel:
        gloss_names = [str(i) for i in range(glosses)] if glosses else None
        return cls.build(cfg, meta=True, skeleton=skeleton, glosses=gloss_names)

    @classmethod
    def build(
        cls,
        cfg: ModelConfig,
        tokenizer: PreTrainedTokenizerBase | None = None,
        load_weights: bool = True,
        meta: bool = False,
        skeleton: Skeleton | None = None,
        glosses: Sequence[str] | None = None,
    ) -> TranslationModel:
        """The stage-2 model of ``cfg``: the frozen LM from ``model.lm.pretrained`` (``meta``:
        the architecture only, nothing read or downloaded), ``tokenizer`` kept for decoding."""
        sign = build_sign_model(cfg, load_weights, meta, skeleton, glosses)
        frozen = load_lm(cfg.lm, device="meta" if meta else "cpu", load_weights=load_weights)
        lm = GatedLM(frozen, cfg.lm)
        with torch.device("meta") if meta else contextlib.nullcontext():
            bridge = Bridge(cfg.bridge, cfg.sign_encoder.dim, lm.d_model)
        return cls(cfg, sign, bridge, lm, tokenizer)
