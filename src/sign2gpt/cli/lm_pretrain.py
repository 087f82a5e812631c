"""sign2gpt lm-pretrain: the offline stand-in for the frozen pretrained LM."""

from __future__ import annotations

import argparse

from sign2gpt.cli._common import Command, add_config_arguments

NAME = "lm-pretrain"
HELP = "train the offline stand-in LM (tokenizer + small XGLM) on the corpus's sentences"
DESCRIPTION = """\
Trains a tokenizer (BPE, or one token per character for Chinese) and a small causal LM of
XGLM's architecture on the training sentences of data.dataset under data.root, on the CPU.
This is the stand-in for the frozen pretrained XGLM when no model hub can be reached; real
recipes name facebook/xglm-1.7B instead and never run it.

Writes lm_pretrain.out_dir/: config.json, generation_config.json, model.safetensors,
tokenizer.json, tokenizer_config.json (XGLMForCausalLM / AutoTokenizer .from_pretrained load
it) and
lm_pretrain_report.json (train/dev perplexity before and after, sizes, time). Point
model.lm.pretrained at the folder.

example: sign2gpt lm-pretrain --config configs/demo/lm.yaml lm_pretrain.out_dir=runs/lm
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from sign2gpt.workflow.steps import pretrain_lm

    pretrain_lm(args.config, args.overrides)
    return 0


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
