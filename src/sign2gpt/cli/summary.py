"""sign2gpt summary: the parameter table of a recipe's model, built on the meta device."""

from __future__ import annotations

import argparse

from sign2gpt.cli._common import Command, add_config_arguments, config_from_args
from sign2gpt.config import Stage

NAME = "summary"
HELP = "parameter table of a recipe's model (meta device: no weights, no download)"
DESCRIPTION = """\
Builds the model of a recipe on PyTorch's meta device, so nothing is allocated, read or
downloaded, and prints parameters and trainable parameters per component (spatial backbone,
sign encoder, PGP head or decoder, total). Sizes come from the config; a `pretrained` that names
a local model folder has its config.json read instead; a hub id is never contacted.
The stage is the recipe's train.stage unless --stage says otherwise.

Then the estimated memory of one training step (bf16 autocast) for --batch clips of --frames
frames (entering the ViT, after data.frame_stride) and --tokens text tokens: frozen weights,
trainable weights + gradients + AdamW moments, activations per frame and per token (measured
on the paper's sizes by benchmarks/full_size.py, scaled to the recipe's), and the largest batch
that fits --gpu-memory. Gradient checkpointing as in the recipe (model.spatial /
model.lm.gradient_checkpointing=true to see it on). The CPU figures were checked against
measured peaks; the GPU figures are unverified until benchmarks/gpu_check.sh confirms them.

example: sign2gpt summary --config configs/phoenix14t/translate.yaml --batch 8 --frames 128
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument(
        "--stage",
        type=Stage,
        choices=list(Stage),
        help="model of this stage (default: train.stage)",
    )
    parser.add_argument("--batch", type=int, default=None, help="default: data.batch_size")
    parser.add_argument("--frames", type=int, default=128, help="frames per clip into the ViT")
    parser.add_argument("--tokens", type=int, default=24, help="text tokens per clip")
    parser.add_argument("--gpu-memory", default="24GB", help="e.g. 24GB, 80GB, 40GiB")


def run(args: argparse.Namespace) -> int:
    from sign2gpt.config import Modality
    from sign2gpt.errors import Sign2GPTError
    from sign2gpt.models.memory import parse_bytes
    from sign2gpt.models.summary import (
        format_memory,
        format_table,
        memory_plan,
        parameter_table,
        size_sources,
    )

    cfg = config_from_args(args)
    stage = args.stage or cfg.train.stage
    batch = args.batch or cfg.data.batch_size
    if min(batch, args.frames, args.tokens) < 1:
        raise Sign2GPTError("--batch, --frames and --tokens must be at least 1")
    try:
        gpu_memory = parse_bytes(args.gpu_memory)
    except ValueError as exc:
        raise Sign2GPTError(f"--gpu-memory: {exc}") from None
    modality = cfg.model.input
    skeleton, glosses = None, 0
    if modality.reads_keypoints:
        from sign2gpt.data.pose.skeletons import known_skeleton

        try:
            skeleton = known_skeleton(cfg.model.pose.skeleton)
        except ValueError as exc:
            raise Sign2GPTError(f"model.pose.skeleton: {exc}") from None
    if modality is Modality.GLOSS:
        from sign2gpt.train.factory import sign_inputs

        glosses = len(sign_inputs(cfg)[1] or [])  # the training split's gloss vocabulary
    print(f"{args.config} (stage {stage}, input {modality.value})")
    print(format_table(parameter_table(cfg.model, stage, skeleton, glosses)))
    for line in size_sources(cfg.model):
        print(line)
    print()
    if modality is not Modality.RGB or cfg.model.spatial.backbone != "dinov2":
        # the per-frame activation bytes were measured on DINOv2 over frames
        print(
            f"no memory estimate for input {modality.value} with backbone "
            f"{cfg.model.spatial.backbone}: it is measured for frames through DINOv2"
        )
        return 0
    plan = memory_plan(cfg, stage, batch, args.frames, args.tokens, gpu_memory)
    print(format_memory(plan))
    return 0


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
