"""Wiring of one training stage: config -> model, data, Lightning trainer -> checkpoint folder.

Layout of ``train.out_dir``::

    config.yaml          the resolved config of this run
    checkpoints/         Lightning checkpoints (trainable weights + optimiser), last.ckpt resumes
    best/                the best model by the dev metric, as a self-describing folder
    logs/                csv/version_N/metrics.csv and tensorboard/version_N/, one per start
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import LearningRateMonitor, ModelCheckpoint, TQDMProgressBar
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger

from sign2gpt.config import Config, save_config
from sign2gpt.errors import Sign2GPTError
from sign2gpt.text.pseudo_gloss import PseudoGlossVocab
from sign2gpt.train.datamodule import SignDataModule
from sign2gpt.train.modules import PGPModule, Sign2GPTModule, TranslationModule

log = logging.getLogger(__name__)


def resolve_precision(precision: str, accelerator: str) -> str:
    """bf16 where the device supports it, else full precision (never silently fp16)."""
    if not precision.startswith("bf16"):
        return precision
    wants_gpu = accelerator in ("gpu", "cuda") or (
        accelerator == "auto" and torch.cuda.is_available()
    )
    if wants_gpu and torch.cuda.is_available() and not torch.cuda.is_bf16_supported():
        log.warning("bf16 is not supported on this GPU: training in 32-bit")
        return "32-true"
    return precision


def build_strategy(cfg: Config) -> Any:
    strategy = cfg.train.strategy
    if strategy == "fsdp":
        from lightning.pytorch.strategies import FSDPStrategy

        from sign2gpt.models.gated_lm import decoder_layer_classes
        from sign2gpt.models.spatial import backbone_layer_classes

        # Frozen and trainable parameters share blocks: flat parameters must keep the
        # original ones (use_orig_params) so requires_grad survives the wrapping.
        return FSDPStrategy(
            auto_wrap_policy=set(decoder_layer_classes()) | set(backbone_layer_classes()),
            use_orig_params=True,
            state_dict_type="full",
        )
    if strategy == "ddp":
        from lightning.pytorch.strategies import DDPStrategy

        # Frozen parameters and the unused PGP head would otherwise stall gradient reduction.
        return DDPStrategy(find_unused_parameters=False, static_graph=False)
    return "auto"


def load_tokenizer(cfg: Config) -> Any:
    from transformers import AutoTokenizer

    source = cfg.model.lm.pretrained
    if not source:
        raise Sign2GPTError("model.lm.pretrained is empty: name the LM (hub id or folder)")
    try:
        return AutoTokenizer.from_pretrained(source)
    except (OSError, ValueError) as exc:
        raise Sign2GPTError(f"{source}: cannot load the tokenizer ({exc})") from None


def build_stage_model(cfg: Config, stage: str) -> tuple[torch.nn.Module, Any, Any]:
    """The model of ``stage`` plus the pseudo-gloss vocabulary and the tokenizer it uses."""
    from sign2gpt.models.sign2gpt import build_sign2gpt
    from sign2gpt.text.pseudo_gloss import PseudoGlossVocab

    tokenizer = load_tokenizer(cfg)
    if stage == "pgp":
        if not cfg.data.pseudo_glosses:
            raise Sign2GPTError("data.pseudo_glosses is empty: run `sign2gpt pseudo-gloss` first")
        vocab = PseudoGlossVocab.load(cfg.data.pseudo_glosses)
        prototypes = build_prototypes(cfg, vocab, tokenizer)
        model = build_sign2gpt(
            cfg.model,
            stage="pgp",
            prototypes=prototypes,
            num_pseudo_glosses=len(vocab.vocab),
            data=cfg.data,
        )
        return model, vocab, tokenizer
    model = build_sign2gpt(cfg.model, stage="translate", tokenizer=tokenizer, data=cfg.data)
    if cfg.train.init_from:
        from sign2gpt.models.checkpoint import read_trainable_weights

        model.load_stage1(read_trainable_weights(cfg.train.init_from))
    if cfg.data.features:
        if not cfg.train.init_from:
            raise Sign2GPTError(
                "data.features needs train.init_from: the stage-1 checkpoint that made the "
                "features (its sign model is kept, frozen, so the result still reads video)"
            )
        # Sign(Z)2GPT: the sign model that produced the cached features stays frozen.
        model.spatial.requires_grad_(False)
        model.sign_encoder.requires_grad_(False)
    return model, None, tokenizer


def feature_datamodule(cfg: Config, tokenizer: Any) -> SignDataModule:
    """Stage 2 on cached features: no frame is read, no backbone or encoder runs."""
    from sign2gpt.data.features import CachedFeatureDataset, collate_features

    datasets = {
        split: CachedFeatureDataset(
            cfg.data.features, split, train=split == "train", seed=cfg.train.seed
        )
        for split in ("train", "dev")
    }
    return SignDataModule(
        cfg, "translate", tokenizer=tokenizer, datasets=datasets, base_collate=collate_features
    )


def build_prototypes(cfg: Config, vocab: PseudoGlossVocab, tokenizer: Any) -> torch.Tensor:
    """The frozen (V, P) prototypes of ``model.pgp_head.prototypes``: the LM's input embeddings
    (``lm``), word vectors from the training sentences (``cooccurrence``) or a fastText file.
    Warns when some prototypes are near-identical: the head cannot tell those words apart."""
    from sign2gpt.models.pgp_head import (
        COOCCURRENCE_DIM,
        NEAR_DUPLICATE_COS,
        cooccurrence_prototypes,
        lm_embedding_prototypes,
        load_fasttext_prototypes,
        near_duplicate_prototypes,
    )

    head = cfg.model.pgp_head
    if head.prototypes == "lm":
        from sign2gpt.models.gated_lm import load_lm

        lm = load_lm(cfg.model.lm, device="cpu")
        with torch.no_grad():
            prototypes = lm_embedding_prototypes(lm.get_input_embeddings(), tokenizer, vocab.vocab)
        prototypes = prototypes.float()
    elif head.prototypes == "cooccurrence":
        train = [vocab.clips[c] for c, split in vocab.splits.items() if split == "train"]
        prototypes = cooccurrence_prototypes(
            train, vocab.vocab, head.prototype_dim or COOCCURRENCE_DIM
        )
    else:
        prototypes = load_fasttext_prototypes(head.prototypes, vocab.vocab)
    pairs = near_duplicate_prototypes(prototypes, vocab.vocab)
    if pairs:
        shown = ", ".join(f"{a}/{b} {c:.3f}" for a, b, c in pairs[:5])
        log.warning(
            "%d pairs of pseudo-glosses have near-identical prototypes (cos >= %.2f; %s): the "
            "PGP head cannot tell them apart. fastText vectors or "
            "model.pgp_head.prototypes=cooccurrence give each word its own direction.",
            len(pairs),
            NEAR_DUPLICATE_COS,
            shown,
        )
    return prototypes


def make_trainer(
    cfg: Config, module: Sign2GPTModule, out_dir: Path, callbacks: list | None = None
) -> L.Trainer:
    train = cfg.train
    best = ModelCheckpoint(
        dirpath=out_dir / "checkpoints",
        filename="best-{epoch}",
        monitor=module.monitor,
        mode="max",
        save_top_k=1,
    )
    # last.ckpt every `checkpoint_every_steps` steps: a killed run loses at most that many.
    periodic = ModelCheckpoint(
        dirpath=out_dir / "checkpoints",
        save_top_k=0,
        save_last=True,
        every_n_train_steps=max(1, train.checkpoint_every_steps),
    )
    # A new version_N folder per (re)start: a resumed run never overwrites the earlier logs.
    loggers = [
        CSVLogger(out_dir / "logs", name="csv"),
        TensorBoardLogger(out_dir / "logs", name="tensorboard"),
    ]
    return L.Trainer(
        accelerator=train.accelerator,
        devices=train.devices,
        num_nodes=train.num_nodes,
        strategy=build_strategy(cfg),
        precision=resolve_precision(train.precision, train.accelerator),
        max_epochs=train.epochs,
        max_steps=train.max_steps,
        gradient_clip_val=train.optim.grad_clip,
        check_val_every_n_epoch=train.val_every_epochs,
        log_every_n_steps=train.log_every_steps,
        limit_val_batches=train.limit_val_batches,
        callbacks=[
            best,
            periodic,
            LearningRateMonitor("step"),
            TQDMProgressBar(refresh_rate=5),
            *(callbacks or []),
        ],
        logger=loggers,
        use_distributed_sampler=False,  # LengthBucketSampler shards by itself
        num_sanity_val_steps=0,
        enable_model_summary=False,
        default_root_dir=out_dir,
    )


def run_stage(
    cfg: Config,
    stage: str,
    datamodule: L.LightningDataModule | None = None,
    model: torch.nn.Module | None = None,
    callbacks: list | None = None,
) -> Path:
    """Train one stage; returns the folder of the best checkpoint (``out_dir/best``)."""
    from sign2gpt.models.checkpoint import save_checkpoint

    if stage not in ("pgp", "translate"):
        raise Sign2GPTError(f"unknown stage {stage!r}")
    cfg.train.stage = stage  # type: ignore[assignment]
    L.seed_everything(cfg.train.seed, workers=True, verbose=False)
    out_dir = Path(cfg.train.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_config(cfg, out_dir / "config.yaml")

    built_model, vocab, tokenizer = build_stage_model(cfg, stage)
    model = model or built_model
    module = (PGPModule if stage == "pgp" else TranslationModule)(model, cfg)

    best_dir = out_dir / "best"

    def export_best(metrics: dict[str, float]) -> None:
        save_checkpoint(best_dir, model, cfg, tokenizer=tokenizer, vocab=vocab, metrics=metrics)

    module.export_best = export_best
    if datamodule is None and cfg.data.features and stage == "translate":
        datamodule = feature_datamodule(cfg, tokenizer)
    datamodule = datamodule or SignDataModule(cfg, stage, vocab=vocab, tokenizer=tokenizer)
    trainer = make_trainer(cfg, module, out_dir, callbacks)
    last = out_dir / "checkpoints" / "last.ckpt"
    ckpt_path = str(last) if cfg.train.resume and last.is_file() else None
    if ckpt_path:
        print(f"resuming from {last}")
    with warnings.catch_warnings():
        # Lightning warns that few workers are used and that a small dataset logs rarely.
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        warnings.filterwarnings("ignore", message=".*log_every_n_steps.*")
        # The frozen backbone / LM stay in eval mode on purpose (no dropout in frozen parts).
        warnings.filterwarnings("ignore", message=".*module\\(s\\) in eval mode.*")
        warnings.filterwarnings("ignore", message=".*treespec, LeafSpec.*")
        trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path)
    if not best_dir.is_dir():
        # No validation ran (e.g. max_steps reached first): export what we have.
        export_best({module.monitor: float("nan"), "step": trainer.global_step})
    return best_dir
