"""The tiny configurations every test builds on, in one place (fixtures made from them are in
conftest.py): an XGLM-architecture LM and an XGLM-like tokenizer trained here, saved with
save_pretrained to a temporary folder and loaded back (nothing is downloaded); tiny spatial,
sign-encoder, data and model configs; the tiny recipe of the command-line tests."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import torch
from transformers import PreTrainedTokenizerFast, XGLMConfig, XGLMForCausalLM

from sign2gpt.config import (
    DataConfig,
    LMConfig,
    LMPretrainConfig,
    LoraConfig,
    ModelConfig,
    SignEncoderConfig,
    SpatialConfig,
)
from sign2gpt.text.tokenizer import train_tokenizer

SENTENCES = [
    "am tag scheint die sonne im norden",
    "im süden regnet es am abend",
    "morgen gibt es viel wind an der küste",
    "in der nacht wird es kalt im osten",
    "am tag ist es im westen freundlich und warm",
    "am abend regnet es im norden und im süden",
]

D_LM = 32
LAYERS = 2
HEADS = 4


def make_tokenizer() -> PreTrainedTokenizerFast:
    return train_tokenizer(SENTENCES, vocab_size=120, kind="bpe", min_frequency=2)


def save_tiny_lm(folder: Path, dropout: float = 0.0, seed: int = 0) -> Path:
    """A random tiny XGLM + tokenizer saved to ``folder`` (what ``lm-pretrain`` writes)."""
    tokenizer = make_tokenizer()
    config = XGLMConfig(
        vocab_size=len(tokenizer),
        d_model=D_LM,
        num_layers=LAYERS,
        attention_heads=HEADS,
        ffn_dim=64,
        max_position_embeddings=128,
        dropout=dropout,
        attention_dropout=dropout,
    )
    torch.manual_seed(seed)
    model = XGLMForCausalLM(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def lm_config(folder: Path | str = "", lora_dropout: float = 0.0) -> LMConfig:
    lora = LoraConfig(rank=4, alpha=4.0, dropout=lora_dropout)
    return LMConfig(
        pretrained=str(folder),
        vocab_size=120,
        d_model=D_LM,
        num_layers=LAYERS,
        attention_heads=HEADS,
        ffn_dim=64,
        max_position_embeddings=128,
        dtype="float32",
        self_attn_lora=lora,
        adapter_lora=lora,
    )


# A ViT of 2 blocks on 16 px frames (2 x 2 patches of 8 px), LoRA in its last block.
SPATIAL = SpatialConfig(
    hidden_size=32,
    num_layers=2,
    num_heads=2,
    patch_size=8,
    pretrain_image_size=32,
    lora_blocks=[1],
    lora=LoraConfig(rank=4, alpha=4.0, dropout=0.1),
    out_dim=16,
)

# Four blocks, layer-scale 1 (not 1e-5) so that far-away influence is visible in float32.
SIGN_ENCODER = SignEncoderConfig(
    dim=32,
    num_blocks=4,
    num_heads=4,
    mlp_dim=64,
    dropout=0.0,
    drop_path=0.1,
    layer_scale_init=1.0,
    window=7,
    downsample_after=[2],
)

# Frames stored at 32 px, cropped to 24; at most 8 sampled frames per clip.
DATA = DataConfig(image_size=24, store_size=32, max_frames=8)

# The stand-in LM of the lm-pretrain tests: one layer, trained in about a second.
LM_PRETRAIN_SETTINGS = dict(
    vocab_size=200,
    d_model=32,
    num_layers=1,
    attention_heads=2,
    ffn_dim=64,
    epochs=30,
    batch_size=8,
    lr=1e-2,
    dropout=0.0,
    seed=3,
)
LM_PRETRAIN = LMPretrainConfig(**LM_PRETRAIN_SETTINGS)


def model_config(lm_folder: Path | str = "") -> ModelConfig:
    """Every part tiny and deterministic: 16 px frames, 16-d sign features, 32-d LM."""
    return ModelConfig(
        spatial=replace(SPATIAL, lora=LoraConfig(dropout=0.0)),
        sign_encoder=SignEncoderConfig(
            dim=16,
            num_blocks=2,
            num_heads=2,
            mlp_dim=32,
            dropout=0.0,
            drop_path=0.0,
            downsample_after=[1],
        ),
        lm=lm_config(lm_folder),
    )


def tiny_recipe(base: Path) -> str:
    """The recipe of the command-line tests: the demo recipe (``base``) shrunk to seconds."""
    return f"""\
base: {base}
data:
  store_size: 48
  image_size: 32
  batch_size: 8
  eval_batch_size: 16
  num_workers: 0
model:
  spatial:
    hidden_size: 32
    num_layers: 2
    num_heads: 2
    patch_size: 16
    pretrain_image_size: 32
    lora_blocks: [1]
    out_dim: 32
  sign_encoder: {{dim: 32, num_blocks: 2, num_heads: 2, mlp_dim: 64}}
train:
  epochs: 1
  num_beams: 2
  max_new_tokens: 12
lm_pretrain: {{d_model: 32, num_layers: 1, attention_heads: 2, ffn_dim: 64, epochs: 2}}
"""


def randomise_(module: torch.nn.Module, seed: int = 0, std: float = 0.3) -> None:
    """Give every trainable parameter a random value (LoRA B is 0 at init, gates 0)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            if p.requires_grad:
                p.copy_(torch.randn(p.shape, generator=g) * std)


def run_ok(*argv: str) -> None:
    """Run a `sign2gpt` command in this process; it must succeed."""
    from sign2gpt.cli import main

    assert main(list(argv)) == 0, argv


# ---- tiny LMs of every supported family ---------------------------------------------------
# The special tokens of each family's tokenizer as published (Hugging Face tokenizer_config.json):
# (tokens in id order, bos, eos, pad); None = the tokenizer has no such token.
FAMILY_SPECIALS: dict[str, tuple[list[str], str | None, str, str | None]] = {
    "xglm": (["<s>", "<pad>", "</s>", "<unk>"], "<s>", "</s>", "<pad>"),
    "llama": (
        ["<|begin_of_text|>", "<|end_of_text|>"],
        "<|begin_of_text|>",
        "<|end_of_text|>",
        None,
    ),
    "qwen2": (
        ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        None,
        "<|endoftext|>",
        "<|endoftext|>",
    ),
    "qwen3": (
        ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        None,
        "<|endoftext|>",
        "<|endoftext|>",
    ),
    "mistral": (["<unk>", "<s>", "</s>"], "<s>", "</s>", None),
    "gemma2": (["<pad>", "<eos>", "<bos>", "<unk>"], "<bos>", "<eos>", "<pad>"),
    "gemma3": (["<pad>", "<eos>", "<bos>", "<unk>"], "<bos>", "<eos>", "<pad>"),
}
FAMILIES = list(FAMILY_SPECIALS)


def make_family_tokenizer(family: str) -> PreTrainedTokenizerFast:
    """A BPE tokenizer trained on SENTENCES with the special tokens of ``family``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    specials, bos, eos, pad = FAMILY_SPECIALS[family]
    tok = Tokenizer(models.BPE(unk_token="<unk>" if "<unk>" in specials else None))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=100, special_tokens=specials, show_progress=False)
    tok.train_from_iterator(SENTENCES, trainer)
    kwargs = {"bos_token": bos, "eos_token": eos, "pad_token": pad}
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, **{k: v for k, v in kwargs.items() if v is not None}
    )


def family_lm_config(family: str, vocab_size: int = 100, **overrides: object) -> LMConfig:
    """A random LM of ``family``: 2 layers of width 32, 4 query heads sharing 2 key-value heads
    (grouped-query attention; XGLM has none), untied output layer for Llama and Mistral."""
    settings: dict[str, object] = dict(family=family, vocab_size=vocab_size)
    if family != "xglm":
        settings.update(num_key_value_heads=2, rope_theta=10000.0, rms_norm_eps=1e-6)
        settings["tie_word_embeddings"] = family not in ("llama", "mistral")
    if family in ("qwen3", "gemma2", "gemma3"):
        settings["head_dim"] = 16  # wider than d_model / heads, as Qwen3 and Gemma publish
    settings.update(overrides)
    return replace(lm_config(), **settings)  # type: ignore[arg-type]
