"""The offline stand-in for the frozen pretrained LLM (docs/model.md, the offline stand-in).

With no model hub, the embedded default pre-trains a small causal LM of XGLM's architecture on
the corpus's spoken training sentences, then stages 1 and 2 use it exactly like XGLM-1.7B: frozen,
loaded by ``XGLMForCausalLM.from_pretrained(folder)`` and ``AutoTokenizer.from_pretrained(folder)``.
Real recipes name ``facebook/xglm-1.7B`` and never run this.

One run: train a tokenizer (:mod:`sign2gpt.text.tokenizer`), train the LM on the text format
(docs/method.md#45-text-format: ``</s>`` + sentence + ``</s>``) with AdamW and a warm-up + cosine
schedule on the CPU, and write the folder: ``config.json``, ``generation_config.json``,
``model.safetensors``, ``tokenizer.json``, ``tokenizer_config.json`` and
``lm_pretrain_report.json``. Deterministic for a seed on a given machine and thread count.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import (
    XGLMConfig,
    XGLMForCausalLM,
    get_cosine_schedule_with_warmup,
)

from sign2gpt.config import Config, LMPretrainConfig, to_dict
from sign2gpt.errors import DataError, Sign2GPTError
from sign2gpt.io import progress_bar, umask_mode
from sign2gpt.text.tokenizer import (
    BOS_ID,
    EOS_ID,
    IGNORE_INDEX,
    PAD_ID,
    encode_sentence,
    resolve_kind,
    train_tokenizer,
)
from sign2gpt.train.optim import param_groups

REPORT_NAME = "lm_pretrain_report.json"


def build_lm(cfg: LMPretrainConfig, vocab_size: int) -> XGLMForCausalLM:
    """A randomly initialised XGLM-architecture causal LM of the sizes in ``cfg``.

    Everything not sized here is XGLM's: sinusoidal positions, scaled embeddings, GELU, pre-LN,
    tied input/output embeddings, ``<s>`` 0 / ``<pad>`` 1 / ``</s>`` 2 with ``</s>`` as the
    decoder start token.
    """
    if cfg.d_model % cfg.attention_heads:
        raise Sign2GPTError(
            f"lm_pretrain.d_model {cfg.d_model} is not divisible by "
            f"lm_pretrain.attention_heads {cfg.attention_heads}"
        )
    config = XGLMConfig(
        vocab_size=vocab_size,
        max_position_embeddings=2048,
        d_model=cfg.d_model,
        ffn_dim=cfg.ffn_dim,
        num_layers=cfg.num_layers,
        attention_heads=cfg.attention_heads,
        activation_function="gelu",
        dropout=cfg.dropout,
        attention_dropout=cfg.dropout,
        activation_dropout=0.0,
        layerdrop=0.0,
        init_std=0.02,
        scale_embedding=True,
        use_cache=True,
        pad_token_id=PAD_ID,
        bos_token_id=BOS_ID,
        eos_token_id=EOS_ID,
        decoder_start_token_id=EOS_ID,
        tie_word_embeddings=True,
    )
    return XGLMForCausalLM(config)


def _pad(seqs: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Right-padded ``input_ids``, ``attention_mask`` and ``labels`` (pad -> -100), all (B, L).

    XGLM counts positions 0.. from the left, so right padding leaves every real token's position
    unchanged; its loss shifts the labels by one itself.
    """
    length = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), length), PAD_ID, dtype=torch.long)
    mask = torch.zeros((len(seqs), length), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
        mask[i, : len(s)] = 1
    labels = ids.masked_fill(mask == 0, IGNORE_INDEX)
    return ids, mask, labels


@torch.inference_mode()
def perplexity(
    model: XGLMForCausalLM, sequences: Sequence[Sequence[int]], batch_size: int = 64
) -> float:
    """exp(mean negative log-likelihood) over every predicted token: the sentence tokens and
    the closing ``</s>`` (the opening ``</s>`` is context, never a target)."""
    seqs = sorted((s for s in sequences if len(s) > 1), key=len)  # less padding
    if not seqs:
        return float("nan")
    was_training = model.training
    model.eval()
    total_nll, total_tokens = 0.0, 0
    for start in range(0, len(seqs), batch_size):
        ids, mask, labels = _pad(seqs[start : start + batch_size])
        logits = model(input_ids=ids, attention_mask=mask).logits  # (B, L, V)
        targets = labels[:, 1:]  # token t+1 is predicted from positions <= t
        nll = nn.functional.cross_entropy(
            logits[:, :-1].flatten(0, 1).float(),
            targets.flatten(),
            ignore_index=IGNORE_INDEX,
            reduction="sum",
        )
        total_nll += float(nll)
        total_tokens += int((targets != IGNORE_INDEX).sum())
    model.train(was_training)
    return math.exp(total_nll / total_tokens)


def pretrain_lm(
    train_sentences: Sequence[str],
    cfg: LMPretrainConfig,
    dev_sentences: Sequence[str] = (),
    lang: str = "de",
    out_dir: str | Path | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Train tokenizer + LM on ``train_sentences`` and save both to ``out_dir`` (default
    ``cfg.out_dir``). Returns the report also written as ``lm_pretrain_report.json``:
    perplexities before and after training (train, and dev when given), sizes and timings."""
    t0 = time.perf_counter()
    out = Path(out_dir if out_dir is not None else cfg.out_dir)
    train_sentences = [s.strip() for s in train_sentences if s.strip()]
    dev_sentences = [s.strip() for s in dev_sentences if s.strip()]
    if not train_sentences:
        raise DataError("no training sentences for the language model")
    if cfg.epochs < 1 or cfg.batch_size < 1:
        raise Sign2GPTError("lm_pretrain.epochs and lm_pretrain.batch_size must be at least 1")

    threads_before = torch.get_num_threads()
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    try:
        return _pretrain(train_sentences, dev_sentences, cfg, lang, out, progress, t0)
    finally:
        torch.set_num_threads(threads_before)


def _pretrain(
    train_sentences: list[str],
    dev_sentences: list[str],
    cfg: LMPretrainConfig,
    lang: str,
    out: Path,
    progress: bool,
    t0: float,
) -> dict[str, Any]:
    kind = resolve_kind(cfg.tokenizer, lang)
    tokenizer = train_tokenizer(train_sentences, cfg.vocab_size, kind, cfg.min_frequency)
    train_ids = [encode_sentence(tokenizer, s, cfg.max_tokens) for s in train_sentences]
    dev_ids = [encode_sentence(tokenizer, s, cfg.max_tokens) for s in dev_sentences]

    torch.manual_seed(cfg.seed)  # weights and dropout masks
    model = build_lm(cfg, len(tokenizer))
    shuffle = torch.Generator().manual_seed(cfg.seed)  # batch order, separate from dropout
    init_train_ppl = perplexity(model, train_ids)
    init_dev_ppl = perplexity(model, dev_ids) if dev_ids else None

    steps_per_epoch = math.ceil(len(train_ids) / cfg.batch_size)
    total_steps = steps_per_epoch * cfg.epochs
    optimizer = torch.optim.AdamW(
        param_groups(model, cfg.weight_decay), lr=cfg.lr, betas=(0.9, 0.98), eps=1e-8
    )
    scheduler = get_cosine_schedule_with_warmup(
        optimizer, round(cfg.warmup_ratio * total_steps), total_steps
    )
    model.train()
    t_train = time.perf_counter()
    bar = progress_bar(total=total_steps, desc="lm-pretrain", unit="step", disable=not progress)
    loss_ema = None
    for epoch in range(cfg.epochs):
        order = torch.randperm(len(train_ids), generator=shuffle).tolist()
        for start in range(0, len(order), cfg.batch_size):
            ids, mask, labels = _pad([train_ids[i] for i in order[start : start + cfg.batch_size]])
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip > 0:
                nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
            scheduler.step()
            value = loss.detach().item()
            loss_ema = value if loss_ema is None else 0.9 * loss_ema + 0.1 * value
            bar.update(1)
            # refresh=False: the postfix waits for the bar's own redraw (sparse into a log file)
            bar.set_postfix(epoch=epoch + 1, loss=f"{loss_ema:.3f}", refresh=False)
    bar.close()
    train_time = time.perf_counter() - t_train

    train_ppl = perplexity(model, train_ids)
    dev_ppl = perplexity(model, dev_ids) if dev_ids else None
    model.eval()
    try:
        out.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(out)  # config.json + model.safetensors (+ generation_config.json)
        tokenizer.save_pretrained(out)
        for weights in out.glob("*.safetensors"):  # safetensors writes 0600 whatever the umask
            os.chmod(weights, umask_mode())
    except OSError as exc:
        raise Sign2GPTError(f"{out}: cannot write the language model ({exc.strerror})") from None

    report: dict[str, Any] = {
        "out_dir": str(out),
        "lang": lang,
        "tokenizer": kind,
        "vocab_size": len(tokenizer),
        "parameters": sum(p.numel() for p in model.parameters()),
        "train_sentences": len(train_ids),
        "dev_sentences": len(dev_ids),
        "train_tokens": sum(len(s) - 1 for s in train_ids),  # predicted tokens per epoch
        "train_truncated": sum(len(s) >= cfg.max_tokens for s in train_ids),
        "epochs": cfg.epochs,
        "steps": total_steps,
        "initial_train_perplexity": init_train_ppl,
        "initial_dev_perplexity": init_dev_ppl,
        "train_perplexity": train_ppl,
        "dev_perplexity": dev_ppl,
        "train_time_s": round(train_time, 2),
        "total_time_s": round(time.perf_counter() - t0, 2),
        "torch_threads": torch.get_num_threads(),
        "config": to_dict(cfg),
    }
    (out / REPORT_NAME).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def run_lm_pretrain(cfg: Config, progress: bool = True) -> dict[str, Any]:
    """``sign2gpt lm-pretrain``: the train/dev sentences of ``cfg.data.dataset`` under
    ``cfg.data.root`` -> :func:`pretrain_lm` into ``cfg.lm_pretrain.out_dir``."""
    from sign2gpt.data.readers import read_dataset

    if not cfg.data.root:
        raise DataError("data.root is not set: name the dataset folder to read sentences from")
    records = read_dataset(cfg.data.dataset, cfg.data.root)
    train = [r.text for r in records if r.split == "train"]
    dev = [r.text for r in records if r.split == "dev"]
    if not any(t.strip() for t in train):
        raise DataError(f"{cfg.data.root}: no training sentences in the {cfg.data.dataset} corpus")
    return pretrain_lm(train, cfg.lm_pretrain, dev, lang=cfg.data.lang, progress=progress)
