"""What the decoder side of stage 2 can learn: dev cross-entropy of the gloss-to-text ceiling on
cached stage-1 features after each epoch, with more or fewer of the parts trained.

    .venv/bin/python benchmarks/stage2_capacity.py --lt LT [--epochs 2] [--only frozen-lm ...]

``LT`` is the folder that ``benchmarks/large_text_only.py`` and the gloss-input runs of
benchmarks/RESULTS.md ("Gloss to text at scale") fill: ``corpus``, ``store``, ``pg.json``, the
stand-in LM ``lm``, the stage-1 checkpoint ``pgp_gloss/best`` and its features
``features_gloss``. Each variant builds the model of ``configs/large/translate_features.yaml``
(``model.input=gloss``) with ``pipeline_for_training``, as ``sign2gpt train`` does, and trains it
with the recipe's optimiser (``build_adamw``: the gates at ``gate_lr_scale`` times the rate),
its warm-up and cosine schedule (``warmup_cosine``), label smoothing and gradient clipping, in
a plain loop (no Lightning, no validation decoding: the figure is the dev cross-entropy per
target token, without smoothing, the quantity the decoder lowers). Variants:

- ``frozen-lm``: the LM frozen, as the paper has it: self-attention and adapter LoRA, the
  gates and the bridge train;
- ``gates-1x``, ``gates-1x-lr5e-3``: the gates at the base rate (and a higher base rate);
- ``no-self-attention-lora``: only the sign branch's adapters, the gates and the bridge;
- ``lm-feed-forward``: those and the LM's feed-forward weights (``fc1``, ``fc2``);
- ``lm-weights``: those and all of the LM (``model.lm.train_weights=true``, what
  ``configs/large`` trains).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass

import torch

from sign2gpt.config import load_config
from sign2gpt.models.translation_model import TranslationModel
from sign2gpt.pipeline import Pipeline
from sign2gpt.train.factory import pipeline_for_training
from sign2gpt.train.optim import build_adamw
from sign2gpt.train.schedule import warmup_cosine


@dataclass(frozen=True)
class Variant:
    overrides: tuple[str, ...] = ()
    also_train: tuple[str, ...] = ()  # LM parameters whose names hold one of these train too


FROZEN = "model.lm.train_weights=false"  # the recipe trains the stand-in's weights: not here
VARIANTS = {
    "frozen-lm": Variant((FROZEN,)),
    "gates-1x": Variant((FROZEN, "train.optim.gate_lr_scale=1")),
    "gates-1x-lr5e-3": Variant((FROZEN, "train.optim.gate_lr_scale=1", "train.optim.lr=5e-3")),
    "no-self-attention-lora": Variant((FROZEN, "model.lm.self_attn_lora_targets=[]")),
    "lm-feed-forward": Variant((FROZEN,), also_train=(".fc1.", ".fc2.")),
    "lm-weights": Variant(("model.lm.train_weights=true",)),  # configs/large as it is
}


def build(lt: str, variant: Variant, seed: int) -> Pipeline:
    cfg = load_config(
        "configs/large/translate_features.yaml",
        [
            f"data.root={lt}/corpus",
            f"data.store={lt}/store",
            f"data.pseudo_glosses={lt}/pg.json",
            f"model.lm.pretrained={lt}/lm",
            "model.input=gloss",
            "model.sign_encoder.downsample_after=[]",
            f"train.init_from={lt}/pgp_gloss/best",
            f"data.features={lt}/features_gloss",
            f"train.seed={seed}",
            *variant.overrides,
        ],
    )
    torch.manual_seed(seed)
    pipeline = pipeline_for_training(cfg)
    model = pipeline.expect(TranslationModel, "this benchmark trains stage 2")
    for name, param in model.lm.lm.named_parameters():
        if any(part in name for part in variant.also_train):
            param.requires_grad_(True)
    return pipeline


@torch.no_grad()
def dev_cross_entropy(pipeline: Pipeline, model: TranslationModel) -> float:
    """Mean cross-entropy per target token on the dev split, no label smoothing."""
    model.eval()
    total = tokens = 0.0
    for batch in pipeline.loader("dev", batch_size=64):
        count = int((batch["labels"] != -100).sum())
        total += float(model(batch, label_smoothing=0.0)) * count
        tokens += count
    model.train()
    return total / tokens


def run_variant(lt: str, name: str, epochs: int, seed: int) -> None:
    pipeline = build(lt, VARIANTS[name], seed)
    model = pipeline.expect(TranslationModel, "this benchmark trains stage 2")
    optim = pipeline.cfg.train.optim
    trained = [p for p in model.parameters() if p.requires_grad]
    optimizer = build_adamw(
        model, optim.lr, optim.weight_decay, tuple(optim.betas), optim.gate_lr_scale
    )
    loader = pipeline.loader("train", train=True)
    total = epochs * len(loader)
    warmup = round(len(loader) * optim.warmup_epochs)
    schedule = warmup_cosine(optimizer, total, warmup, optim.min_lr_ratio)
    curve = [dev_cross_entropy(pipeline, model)]
    start = time.process_time()
    model.train()
    for epoch in range(epochs):
        sampler = getattr(loader, "batch_sampler", None)
        if hasattr(sampler, "set_epoch"):  # the length-bucketing sampler reshuffles per epoch
            sampler.set_epoch(epoch)
        for batch in loader:
            loss = model(batch, label_smoothing=optim.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trained, optim.grad_clip)
            optimizer.step()
            schedule.step()
        curve.append(dev_cross_entropy(pipeline, model))
    seconds = time.process_time() - start
    shown = " / ".join(f"{x:.3f}" for x in curve)
    print(
        f"{name:24s} trained {sum(p.numel() for p in trained):>9,}  "
        f"dev NLL before / after each epoch {shown}  ({seconds:.0f} CPU s)",
        flush=True,
    )
    assert all(math.isfinite(x) for x in curve)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lt", required=True, help="the text-only large corpus folder (LT)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42, help="the recipe's train.seed")
    parser.add_argument("--only", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for name in args.only:
        run_variant(args.lt, name, args.epochs, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
