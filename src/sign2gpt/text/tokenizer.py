"""Tokenizer helpers: the XGLM text format, loading a tokenizer, and an offline-trained
XGLM-like tokenizer.

The real recipes use XGLM's own SentencePiece tokenizer (``facebook/xglm-1.7B``). Offline, the
stand-in LM gets a tokenizer trained here with the ``tokenizers`` library that behaves like
XGLM's where it matters:

- special tokens ``<s>`` 0, ``<pad>`` 1, ``</s>`` 2, ``<unk>`` 3 (XGLM's ids);
- SentencePiece-style word boundaries (a Metaspace ``▁`` pre-tokenizer and decoder), so
  ``decode(encode(s), skip_special_tokens=True) == s`` for single-spaced text;
- like ``XGLMTokenizer``, ``tokenizer(text)`` prepends ``</s>`` (XGLM starts every text with
  ``</s>``); :func:`encode_sentence` builds the full text format explicitly
  (docs/method.md#45-text-format) and works the same with either tokenizer.

Models: BPE for space-separated languages; ``char`` (one token per character, the usual choice
for Chinese) is BPE with no merges, so both reload as one ``PreTrainedTokenizerFast``.
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerBase, PreTrainedTokenizerFast

from sign2gpt.errors import CheckpointError, DataError, Sign2GPTError

BOS_TOKEN, PAD_TOKEN, EOS_TOKEN, UNK_TOKEN = "<s>", "<pad>", "</s>", "<unk>"
SPECIAL_TOKENS = [BOS_TOKEN, PAD_TOKEN, EOS_TOKEN, UNK_TOKEN]  # ids 0, 1, 2, 3 as in XGLM
BOS_ID, PAD_ID, EOS_ID, UNK_ID = 0, 1, 2, 3
METASPACE = "▁"
MAX_TEXT_TOKENS = 64  # `</s>` + sentence + `</s>`, at most 64 tokens
IGNORE_INDEX = -100  # label of a position the loss skips (padding), as torch's cross_entropy

# Always in a BPE vocabulary, so words the corpus never spelled (a capitalised lemma, a digit)
# become known subwords rather than <unk>.
_BASE_ALPHABET = list(string.ascii_letters + string.digits + string.punctuation + "äöüßÄÖÜ")

TokenizerKind = Literal["auto", "bpe", "char"]


def resolve_kind(kind: str, lang: str) -> Literal["bpe", "char"]:
    """``auto`` -> ``char`` for Chinese, ``bpe`` otherwise."""
    if kind == "auto":
        return "char" if lang == "zh" else "bpe"
    if kind not in ("bpe", "char"):
        raise ValueError(f"unknown tokenizer kind {kind!r} (auto | bpe | char)")
    return kind  # type: ignore[return-value]


def train_tokenizer(
    sentences: Sequence[str],
    vocab_size: int,
    kind: Literal["bpe", "char"] = "bpe",
    min_frequency: int = 2,
) -> PreTrainedTokenizerFast:
    """Train an XGLM-like tokenizer on ``sentences``.

    ``vocab_size`` counts the 4 special tokens and is an upper bound: BPE stops when no pair
    occurs ``min_frequency`` times; ``char`` keeps the most frequent characters up to it.
    Deterministic: the same sentences give the same vocabulary.
    """
    sentences = [s for s in sentences if s.strip()]
    if not sentences:
        raise DataError("no non-empty training sentences to train a tokenizer on")
    n_special = len(SPECIAL_TOKENS)
    if vocab_size <= n_special:
        raise ValueError(f"vocab_size must exceed the {n_special} special tokens, got {vocab_size}")

    if kind == "char":
        # The most frequent characters (ties by code point, so the vocabulary is reproducible),
        # as a BPE model without merges.
        counts = Counter(ch for s in sentences for ch in s.replace(" ", METASPACE))
        ranked = sorted(counts, key=lambda ch: (-counts[ch], ch))[: vocab_size - n_special]
        vocab = {t: i for i, t in enumerate([*SPECIAL_TOKENS, *ranked])}
        tok = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token=UNK_TOKEN))
        tok.add_special_tokens(SPECIAL_TOKENS)
    elif kind == "bpe":
        tok = Tokenizer(models.BPE(unk_token=UNK_TOKEN))
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            min_frequency=min_frequency,
            special_tokens=SPECIAL_TOKENS,
            initial_alphabet=[METASPACE, *_BASE_ALPHABET],
            show_progress=False,
        )
    else:
        raise ValueError(f"unknown tokenizer kind {kind!r} (bpe | char)")
    # "always" prepends ▁ to every word like SentencePiece; character-level Chinese has no
    # words, so a ▁ before each sentence would only waste a token there.
    scheme = "never" if kind == "char" else "always"
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme=scheme)
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme=scheme)
    if kind == "bpe":
        tok.train_from_iterator(sentences, trainer)
    for i, special in enumerate(SPECIAL_TOKENS):
        assert tok.token_to_id(special) == i, "special tokens must keep XGLM's ids"
    # XGLMTokenizer: single text -> `</s> A`, pair -> `</s> A </s> </s> B`.
    tok.post_processor = processors.TemplateProcessing(
        single=f"{EOS_TOKEN} $A",
        pair=f"{EOS_TOKEN} $A {EOS_TOKEN} {EOS_TOKEN} $B",
        special_tokens=[(EOS_TOKEN, EOS_ID)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=BOS_TOKEN,
        eos_token=EOS_TOKEN,
        unk_token=UNK_TOKEN,
        pad_token=PAD_TOKEN,
        model_max_length=2048,  # XGLM's max_position_embeddings
    )


@dataclass(frozen=True)
class TextFormat:
    """Where a sentence starts and ends for one LM (docs/method.md#45-text-format):
    ``start`` + ``prompt`` + sentence + ``end``; ``pad`` fills batches (never a label)."""

    start_id: int
    end_id: int
    pad_id: int
    prompt_ids: tuple[int, ...] = ()

    @property
    def prefix(self) -> list[int]:
        """What decoding starts from: the start token and the prompt."""
        return [self.start_id, *self.prompt_ids]


# Model types whose text starts with their end token, not their BOS: XGLM was trained on
# `</s>`-separated documents (its tokenizer prepends `</s>`; `<s>` is never used).
END_TOKEN_STARTS = frozenset({"xglm"})


def text_format(
    tokenizer: PreTrainedTokenizerBase, model_type: str = "xglm", prompt: str = ""
) -> TextFormat:
    """The text format of an LM from its tokenizer's special tokens and its ``model_type``:

    - start: ``</s>`` for XGLM; else the tokenizer's BOS (Llama 3 ``<|begin_of_text|>``,
      Mistral ``<s>``, Gemma ``<bos>``), or its end token where it has no BOS (Qwen2.5 / Qwen3:
      ``<|endoftext|>``, the separator of their pretraining documents);
    - end: the tokenizer's EOS (Qwen instruct models: ``<|im_end|>``);
    - pad: the tokenizer's pad token, else the end token (masked out of the loss either way);
    - prompt: its tokens, without special tokens, between the start and the sentence.
    """
    end = tokenizer.eos_token_id
    if end is None:
        raise Sign2GPTError(
            f"the tokenizer of this {model_type} model defines no end-of-sequence token"
        )
    bos = getattr(tokenizer, "bos_token_id", None)
    start = end if model_type in END_TOKEN_STARTS or bos is None else bos
    pad = getattr(tokenizer, "pad_token_id", None)
    pad = end if pad is None else pad
    prompt_ids: tuple[int, ...] = ()
    if prompt:
        prompt_ids = tuple(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    return TextFormat(int(start), int(end), int(pad), prompt_ids)


def xglm_format(tokenizer: PreTrainedTokenizerBase) -> TextFormat:
    """``</s>`` + sentence + ``</s>`` (the stand-in LM, and the default)."""
    return text_format(tokenizer, "xglm")


def encode_sentence(
    tokenizer: PreTrainedTokenizerBase,
    text: str,
    max_tokens: int = MAX_TEXT_TOKENS,
    fmt: TextFormat | None = None,
) -> list[int]:
    """The text format (docs/method.md#45-text-format): start + prompt + sentence + end (XGLM:
    ``</s>`` + sentence + ``</s>``); at most ``max_tokens`` ids besides the prompt's.

    A sentence too long is cut at ``max_tokens`` (losing its end token), so a model is never
    taught to stop in the middle of a sentence.
    """
    fmt = fmt or xglm_format(tokenizer)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    cut = max_tokens + len(fmt.prompt_ids)
    return ([*fmt.prefix, *ids, fmt.end_id])[:cut]


def encode_texts(
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    max_tokens: int = MAX_TEXT_TOKENS,
    fmt: TextFormat | None = None,
) -> dict[str, torch.Tensor]:
    """A batch in the text format: ``input_ids`` and ``attention_mask`` (B, L) hold all tokens
    but the last, ``labels`` (B, L) all but the first (the input shifted by one, as the loss
    reads it); the prompt's and the padding's positions are labelled :data:`IGNORE_INDEX`."""
    fmt = fmt or xglm_format(tokenizer)
    rows = [encode_sentence(tokenizer, text, max_tokens, fmt) for text in texts]
    width = max(len(r) for r in rows) - 1
    skip = len(fmt.prompt_ids)  # labels 0..P-1 would be the prompt's own tokens
    input_ids = torch.full((len(rows), width), fmt.pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE_INDEX, dtype=torch.long)
    attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        n = len(row) - 1
        input_ids[i, :n] = torch.tensor(row[:-1])
        labels[i, skip:n] = torch.tensor(row[1 + skip :])
        attention_mask[i, :n] = 1
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


TOKENIZER_CONFIG_FILE = "tokenizer_config.json"  # written by every save_pretrained


def load_tokenizer(source: str | Path, what: str = "the tokenizer") -> PreTrainedTokenizerBase:
    """``AutoTokenizer.from_pretrained(source)`` (a local folder or a hub id); a folder without
    tokenizer files, or one that cannot be read, is a :class:`CheckpointError` naming it."""
    from transformers import AutoTokenizer

    path = Path(source)
    if path.is_dir() and not (path / TOKENIZER_CONFIG_FILE).is_file():
        raise CheckpointError(f"{path / TOKENIZER_CONFIG_FILE}: missing ({what})")
    try:
        return AutoTokenizer.from_pretrained(str(source))
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{source}: cannot load {what} ({exc})") from None
