"""sign2gpt lm-pretrain: the offline stand-in for the frozen pretrained LM."""

from __future__ import annotations

import argparse

from sign2gpt.cli._common import Command, add_config_arguments, config_from_args

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
    from sign2gpt.train.lm_pretrain import run_lm_pretrain

    report = run_lm_pretrain(config_from_args(args))
    dev = report["dev_perplexity"]
    dev_text = f", dev {dev:.2f} (untrained {report['initial_dev_perplexity']:.1f})" if dev else ""
    print(
        f"language model: {report['out_dir']}\n"
        f"  {report['parameters']:,} parameters, {report['tokenizer']} tokenizer of "
        f"{report['vocab_size']} tokens, {report['train_sentences']} sentences, "
        f"{report['epochs']} epochs in {report['train_time_s']:.1f} s\n"
        f"  perplexity: train {report['train_perplexity']:.2f} "
        f"(untrained {report['initial_train_perplexity']:.1f}){dev_text}"
    )
    return 0


COMMANDS = [Command(NAME, HELP, DESCRIPTION, add_arguments, run)]
