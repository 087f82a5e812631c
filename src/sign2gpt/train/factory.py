"""The model a recipe trains, built before a run writes anything.

Stage 1 (:class:`~sign2gpt.models.pgp_model.PGPModel`): the pseudo-gloss vocabulary, the frozen
prototypes of ``model.pgp_head.prototypes`` and the sign model. Stage 2
(:class:`~sign2gpt.models.translation_model.TranslationModel`): the LM's tokenizer, the sign
model taken from the stage-1 checkpoint ``train.init_from`` (frozen when it reads cached
features). What the recipe names but does not exist is reported here, as one line.
"""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path

from transformers import PreTrainedTokenizerBase

from sign2gpt.config import Config, ConfigError, Modality
from sign2gpt.data.dataset import gloss_tokens
from sign2gpt.errors import CheckpointError, DataError, Sign2GPTError
from sign2gpt.models.checkpoint import CheckpointFolder, read_trainable_weights
from sign2gpt.models.pgp_head import build_prototypes
from sign2gpt.models.pgp_model import PGPModel
from sign2gpt.models.stages import model_type
from sign2gpt.models.translation_model import TranslationModel
from sign2gpt.pipeline import Pipeline
from sign2gpt.pipeline.loaders import open_keypoints, open_store
from sign2gpt.skeleton import Skeleton
from sign2gpt.text.pseudo_gloss import PseudoGlossVocab
from sign2gpt.text.tokenizer import load_tokenizer


def pipeline_for_training(cfg: Config) -> Pipeline:
    """The model of ``cfg.train.stage`` as a recipe trains it, with its vocabulary and
    tokenizer. The pipeline's config is a copy of ``cfg`` that also names what the store
    decided (``model.pose.skeleton``); ``cfg`` itself is left as it was."""
    skeleton, glosses = sign_inputs(cfg)
    cfg = copy.deepcopy(cfg)
    if skeleton is not None:
        cfg.model.pose.skeleton = skeleton.name  # the saved config says what the model reads
    if model_type(cfg.train.stage) is PGPModel:
        return _stage_one(cfg, skeleton, glosses)
    return _stage_two(cfg, skeleton, glosses)


def _stage_one(cfg: Config, skeleton: Skeleton | None, glosses: list[str] | None) -> Pipeline:
    if not cfg.data.pseudo_glosses:
        raise Sign2GPTError("data.pseudo_glosses is empty: run `sign2gpt pseudo-gloss` first")
    vocab = PseudoGlossVocab.load(cfg.data.pseudo_glosses)
    # Only prototypes made from the LM's input embeddings need the LM (and its tokenizer).
    tokenizer = lm_tokenizer(cfg) if cfg.model.pgp_head.prototypes == "lm" else None
    prototypes = build_prototypes(cfg, vocab, tokenizer)
    model = PGPModel.build(cfg.model, prototypes, skeleton=skeleton, glosses=glosses)
    return Pipeline(cfg, model, tokenizer, vocab)


def _stage_two(cfg: Config, skeleton: Skeleton | None, glosses: list[str] | None) -> Pipeline:
    tokenizer = lm_tokenizer(cfg)
    model = TranslationModel.build(
        cfg.model, tokenizer=tokenizer, skeleton=skeleton, glosses=glosses
    )
    if cfg.train.init_from:
        check_same_input(cfg)
        model.load_sign_model(read_trainable_weights(cfg.train.init_from))
    if cfg.data.features:
        if not cfg.train.init_from:
            raise Sign2GPTError(
                "data.features needs train.init_from: the stage-1 checkpoint that made the "
                "features (its sign model is kept, frozen, so the result still reads video)"
            )
        # Sign(Z)2GPT: the sign model that produced the cached features stays frozen.
        model.sign.requires_grad_(False)
    return Pipeline(cfg, model, tokenizer)


def sign_inputs(cfg: Config) -> tuple[Skeleton | None, list[str] | None]:
    """What a new sign model of ``cfg`` needs beside its config: the skeleton of the store's
    keypoints (``pose``, ``rgb+pose``), the gloss vocabulary of the training split
    (``gloss``: signs of the ``gloss`` annotation, most frequent first)."""
    modality = cfg.model.input
    skeleton = open_keypoints(cfg.data.store, None).skeleton if modality.reads_keypoints else None
    glosses = None
    if modality is Modality.GLOSS:
        store = open_store(cfg.data.store, cfg.data.store_size)
        counts = Counter(
            g for row in store.split("train") for g in gloss_tokens(row.get("gloss", ""))
        )
        if not counts:
            raise DataError(
                f"{cfg.data.store}: no gloss annotation in the training split (model.input gloss "
                "reads it: Phoenix14T's orth, CSL-Daily's label_gloss)"
            )
        glosses = sorted(counts, key=lambda g: (-counts[g], g))
    return skeleton, glosses


def check_same_input(cfg: Config) -> None:
    """Stage 2 takes the stage-1 sign model only when both read the same input."""
    before = CheckpointFolder.open(cfg.train.init_from).config.model.input
    if before is not cfg.model.input:
        raise ConfigError(
            f"train.init_from {cfg.train.init_from}: a stage-1 model of input {before.value}, "
            f"this recipe's model.input is {cfg.model.input.value}"
        )


def lm_tokenizer(cfg: Config) -> PreTrainedTokenizerBase:
    """The tokenizer of the recipe's language model (``model.lm.pretrained``)."""
    source = cfg.model.lm.pretrained
    if not source:
        raise Sign2GPTError("model.lm.pretrained is empty: name the LM (hub id or folder)")
    if not Path(source).exists() and Path(source) == Path(cfg.lm_pretrain.out_dir):
        raise CheckpointError(
            f"{source}: folder not found (model.lm.pretrained): it is made by "
            "`sign2gpt lm-pretrain` with this recipe; run that first"
        )
    from sign2gpt.models.pretrained import resolve_source

    return load_tokenizer(resolve_source(source, "model.lm.pretrained"), "the LM's tokenizer")
