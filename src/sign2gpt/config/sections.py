"""The sections of a recipe, one dataclass each: ``data``, ``pseudo_gloss``, ``model`` (with its
parts), ``train`` and ``lm_pretrain``, gathered in :class:`Config`. The defaults are the paper's
Phoenix14T setting (docs/method.md#5-training-recipe)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal

from sign2gpt.config.fields import MAX_FRAME_BYTES, MAX_PIXELS, PAPER_POS, setting

# --------------------------------------------------------------------------------------------
# data


@dataclass
class AugmentConfig:
    """Clip-level augmentation (docs/method.md#5-training-recipe); one parameter draw per clip,
    not per frame."""

    rotation_degrees: float = setting(5.0, ge=0, le=180)
    rotation_p: float = setting(0.3, ge=0, le=1)
    crop_scale: tuple[float, float] = setting((0.875, 1.0), gt=0, le=1)
    crop_ratio: tuple[float, float] = setting((0.9, 1.1), gt=0)
    hflip_p: float = setting(0.5, ge=0, le=1)
    color_jitter_p: float = setting(0.3, ge=0, le=1)
    # The authors' recipes use ColorJitter(0.8 s, 0.8 s, 0.8 s, 0.2 s) with strength s = 0.2.
    brightness: float = setting(0.16, ge=0, le=1)
    contrast: float = setting(0.16, ge=0, le=1)
    saturation: float = setting(0.16, ge=0, le=1)
    hue: float = setting(0.04, ge=0, le=0.5)
    grayscale_p: float = setting(0.2, ge=0, le=1)
    # Rotation fills the corners by reflection (albumentations' default border, as the authors).
    rotation_padding: Literal["reflection", "zeros", "border"] = "reflection"


@dataclass
class PoseAugmentConfig:
    """Keypoint augmentation of a training clip (one draw per clip, like the frames').

    ``rotation_degrees``: uniform in +- (with probability ``rotation_p``); ``scale``: (low,
    high) factor; ``shift``: uniform in +-, body units; ``hflip_p``: mirror probability (with
    the left/right point swap; with ``rgb+pose`` the frames' flip decides instead, so both see
    the same side); ``drop_p``: the share of points dropped (marked missing) in each frame."""

    rotation_p: float = setting(0.5, ge=0, le=1)
    rotation_degrees: float = setting(10.0, ge=0, le=180)
    scale: tuple[float, float] = setting((0.9, 1.1), gt=0)
    shift: float = setting(0.1, ge=0)
    hflip_p: float = setting(0.5, ge=0, le=1)
    drop_p: float = setting(0.05, ge=0, le=1)


@dataclass
class DataConfig:
    dataset: str = "phoenix14t"  # phoenix14t | csl-daily | how2sign | manifest
    root: str = ""  # raw dataset folder (used by `prepare` and `pseudo-gloss`)
    store: str = ""  # prepared frame store made by `sign2gpt prepare`
    pseudo_glosses: str = ""  # JSON made by `sign2gpt pseudo-gloss`
    features: str = ""  # cached sign features (Sign(Z)2GPT); when set, frames are not read
    lang: Literal["de", "zh", "en"] = "de"
    frame_stride: int = setting(2, ge=1)  # every 2nd frame
    start_jitter: int = setting(3, ge=0)  # training: random start offset 0..3
    end_jitter: int = setting(4, ge=0)  # training: drop up to 4 frames at the end
    max_frames: int = setting(
        256, ge=0
    )  # sampled frames per clip (sorted random subset when longer)
    image_size: int = setting(224, ge=8)  # network input
    store_size: int = setting(256, ge=16)  # frames stored at 256x256 (`sign2gpt prepare --size`)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    pose_augment: PoseAugmentConfig = field(default_factory=PoseAugmentConfig)
    batch_size: int = setting(8, ge=1)
    eval_batch_size: int = setting(8, ge=1)
    # Who loads batches: "threads" (sign2gpt.data.loader.ThreadLoader: threads of the training
    # process writing into reused buffers; decoding and OpenCV release the GIL) or "processes"
    # (torch DataLoader workers, each batch handed over in fresh shared memory). Threads
    # delivered more frames/s on the 2-core test VM (benchmarks/RESULTS.md#data-throughput).
    loader: Literal["processes", "threads"] = "threads"
    num_workers: int = setting(2, ge=0)  # worker processes or threads (0: load in the main thread)
    max_text_tokens: int = setting(64, ge=2)
    # Input limits of every frame and video read (prepare, translate, serve): see MAX_PIXELS.
    max_pixels: int = setting(MAX_PIXELS, ge=1)
    max_frame_bytes: int = setting(MAX_FRAME_BYTES, ge=1)


@dataclass
class PseudoGlossConfig:
    """Pseudo-gloss extraction (docs/method.md#2-pseudo-glosses; `sign2gpt pseudo-gloss`)."""

    backend: str = "auto"  # auto (de/en: hanta, zh: jieba) | hanta | jieba | thulac | spacy
    spacy_model: str = ""  # backend spacy: pipeline name ("" = the paper's de_core_news_lg ...)
    pos: list[str] = field(default_factory=lambda: list(PAPER_POS))
    max_sentence_fraction: float = setting(
        0.4, gt=0, le=1
    )  # drop pseudo-glosses in >= 40 % of sentences


# --------------------------------------------------------------------------------------------
# model


@dataclass
class LoraConfig:
    rank: int = setting(4, ge=1)
    alpha: float = setting(4.0, gt=0)
    dropout: float = setting(0.1, ge=0, lt=1)


@dataclass
class SpatialConfig:
    """DINOv2 ViT backbone. ``pretrained`` (hub id or folder or .pth) wins over the sizes."""

    # "dinov2" (the paper); "resnet18": the paper's backbone ablation (ResNet18 instead of
    # DINOv2 on CSL-Daily; transformers' ResNet classes, `pretrained` e.g. microsoft/resnet-18,
    # its pooled 512-d output; frozen unless train_backbone, no adapters); "cnn": a small
    # convolutional frame encoder trained from scratch, for CPU-only runs with no pretrained
    # weights (the offline demo).
    backbone: Literal["dinov2", "resnet18", "cnn"] = "dinov2"
    cnn_channels: list[int] = setting(factory=lambda: [32, 64, 128], ge=1)
    pretrained: str = ""  # "" = random weights built from the sizes below (tests, summary)
    hidden_size: int = setting(384, ge=1)
    num_layers: int = setting(12, ge=1)
    num_heads: int = setting(6, ge=1)
    mlp_ratio: float = setting(4.0, gt=0)
    patch_size: int = setting(14, ge=1)
    pretrain_image_size: int = setting(
        518, ge=1
    )  # 37 x 37 patches + CLS = 1370 position embeddings
    layerscale_value: float = 1.0
    lora_blocks: list[int] = setting(factory=lambda: [9, 10, 11], ge=0)
    lora_targets: list[str] = field(default_factory=lambda: ["qkv", "proj", "fc1", "fc2"])
    lora: LoraConfig = field(default_factory=LoraConfig)
    out_dim: int = setting(512, ge=1)  # Linear(384 -> 512) + BatchNorm1d(512)
    # The backbone's input normalisation (v / 255 - mean) / std, applied by the model to the
    # uint8 frames: ImageNet's, as DINOv2 was trained with. It belongs to the backbone, so a
    # checkpoint carries it in its model section.
    mean: tuple[float, float, float] = setting((0.485, 0.456, 0.406), ge=0, le=1)
    std: tuple[float, float, float] = setting((0.229, 0.224, 0.225), gt=0)
    gradient_checkpointing: bool = False
    # The paper freezes DINOv2 (LoRA only). With no pretrained weights offline, the demo trains
    # its tiny random backbone fully instead; a documented deviation, off in every paper recipe.
    train_backbone: bool = False


@dataclass
class SignEncoderConfig:
    dim: int = setting(512, ge=1)
    num_blocks: int = setting(4, ge=1)
    num_heads: int = setting(8, ge=1)
    mlp_dim: int = setting(2048, ge=1)
    dropout: float = setting(0.1, ge=0, lt=1)
    drop_path: float = setting(0.1, ge=0, lt=1)  # rises linearly over the blocks
    layer_scale_init: float = setting(1e-5, ge=0)
    window: int = setting(7, ge=0)  # local attention: +-3 frames; 0 = global attention
    downsample_after: list[int] = setting(factory=lambda: [2], ge=1)  # avg-pool /2 after block 2
    rotary: bool = True
    input_pe: bool = True


@dataclass
class PGPHeadConfig:
    prototype_dim: int = setting(
        0, ge=0
    )  # 0 = the source's: LM width, fastText's 300, 128 for cooccurrence
    # "lm": the frozen LM's input embeddings (mean over a word's subwords); "cooccurrence": word
    # vectors of the pseudo-glosses from their co-occurrence in the training sentences (offline
    # stand-in for fastText); or the path of a fastText .vec / .bin file (the authors' choice).
    prototypes: str = "lm"
    dropout: float = setting(0.2, ge=0, lt=1)
    tau_init: float = setting(0.1, gt=0)
    tau_min: float = setting(0.01, gt=0)
    tau_max: float = setting(1.0, gt=0)
    learn_tau: bool = True
    loss_weight: float = setting(10.0, gt=0)


LMFamily = Literal["xglm", "llama", "qwen2", "qwen3", "mistral", "gemma2", "gemma3"]


@dataclass
class LMConfig:
    """Frozen decoder-only LM (XGLM-1.7B by default). A local folder's config.json wins over the
    sizes; a hub id is only read when weights are loaded, so the sizes build the architecture on
    the meta device (`sign2gpt summary`). The sizes of every family are in configs/lm/."""

    pretrained: str = ""  # hub id or local folder ("" = random, sizes below)
    # The architecture the sizes describe (docs/method.md#47-other-language-models): XGLM or the
    # Llama layout (grouped-query attention, RoPE, RMSNorm) of Llama 3.x, Qwen2.5 / Qwen3,
    # Mistral, Gemma 2 / 3.
    family: LMFamily = "xglm"
    vocab_size: int = setting(256008, ge=1)
    d_model: int = setting(2048, ge=1)  # hidden_size
    num_layers: int = setting(24, ge=1)
    attention_heads: int = setting(16, ge=1)
    ffn_dim: int = setting(8192, ge=1)  # intermediate_size
    max_position_embeddings: int = setting(2048, ge=1)
    # Llama-layout families only (XGLM has none of these):
    num_key_value_heads: int = setting(0, ge=0)  # 0 = attention_heads (no grouped queries)
    head_dim: int = setting(0, ge=0)  # 0 = d_model / attention_heads
    rope_theta: float = setting(10000.0, gt=0)
    rms_norm_eps: float = setting(1e-6, gt=0)
    tie_word_embeddings: bool = True  # output layer = input embeddings (counted once)
    # Text before every sentence, masked out of the loss and given at the start of decoding
    # (docs/method.md#45-text-format); "" = none, as in the paper.
    prompt: str = ""
    dtype: Literal["float32", "bfloat16", "float16"] = "bfloat16"
    self_attn_lora: LoraConfig = field(default_factory=LoraConfig)
    self_attn_lora_targets: list[str] = field(default_factory=lambda: ["q", "k", "v", "o"])
    adapter_lora: LoraConfig = field(default_factory=LoraConfig)  # q,k,v of the sign branch
    gate_init: float = setting(0.0, ge=0, le=1)
    # Recompute each decoder layer in the backward pass (saves activation memory at full size).
    gradient_checkpointing: bool = False
    # Deviation from the paper, for the offline stand-in LM: its own weights train in stage 2
    # too (the LoRA, adapters and gates still do) and are saved with the checkpoint. The paper
    # freezes XGLM, whose 1.7 B parameters hold the language; the 1.1 M-parameter stand-in
    # trained on the corpus's sentences is too small to be read through LoRA alone (the large
    # corpus's gloss-to-text ceiling: docs/large-corpus.md). Off in every paper recipe; on a
    # real LM it is full fine-tuning (memory: `sign2gpt summary`).
    train_weights: bool = False
    # How the sign heads join each layer's attention output
    # (docs/method.md#44-language-model-and-gated-fusion): False = the explicit sum
    # text + W_o s + LoRA_o(s); True = the fast path that reads W_q and W_o once per step (hooks
    # on those projections); the two agree up to float rounding.
    fused_sign_path: bool = False


@dataclass
class BridgeConfig:
    positional: Literal["sinusoidal", "none", "learned_zero", "learned_random"] = "sinusoidal"
    max_positions: int = setting(1024, ge=1)  # length of the learned PE table (learned_* only)


class Modality(enum.Enum):
    """What the sign model reads per time step (``model.input``)."""

    RGB = "rgb"  # video frames, through the spatial backbone (the paper)
    POSE = "pose"  # body, hand and face keypoints, through the pose encoder
    RGB_POSE = "rgb+pose"  # both, their per-frame features fused
    GLOSS = "gloss"  # the clip's gloss sequence: the gloss-to-text ceiling, no video at all

    @property
    def reads_frames(self) -> bool:
        return self in (Modality.RGB, Modality.RGB_POSE)

    @property
    def reads_keypoints(self) -> bool:
        return self in (Modality.POSE, Modality.RGB_POSE)


@dataclass
class PoseEncoderConfig:
    """The pose encoder (``model.input: pose`` or ``rgb+pose``): one MLP per point group.

    ``hidden_dim``: width of each group's MLP; ``layers``: Linear layers per group MLP (each
    followed by GELU); ``local_parts``: hands and face relative to their own centre;
    ``share_hands``: one MLP for both hands (the left mirrored); ``dropout`` after each group
    MLP layer. Its output size is ``model.spatial.out_dim``."""

    # The keypoint layout: set from the prepared store when training (its keypoints decide);
    # named here for `summary` (synth-22, mediapipe-holistic-reduced).
    skeleton: str = "mediapipe-holistic-reduced"
    hidden_dim: int = setting(128, ge=1)
    layers: int = setting(2, ge=1)
    local_parts: bool = True
    share_hands: bool = True
    dropout: float = setting(0.0, ge=0, lt=1)


@dataclass
class ModelConfig:
    input: Modality = Modality.RGB
    spatial: SpatialConfig = field(default_factory=SpatialConfig)
    pose: PoseEncoderConfig = field(default_factory=PoseEncoderConfig)
    sign_encoder: SignEncoderConfig = field(default_factory=SignEncoderConfig)
    pgp_head: PGPHeadConfig = field(default_factory=PGPHeadConfig)
    bridge: BridgeConfig = field(default_factory=BridgeConfig)
    lm: LMConfig = field(default_factory=LMConfig)


# --------------------------------------------------------------------------------------------
# training


@dataclass
class OptimConfig:
    lr: float = setting(3e-4, gt=0)
    weight_decay: float = setting(1e-3, ge=0)
    betas: tuple[float, float] = setting((0.9, 0.999), ge=0, lt=1)
    warmup_epochs: float = setting(5.0, ge=0)
    min_lr_ratio: float = setting(0.01, ge=0, le=1)  # warm-up from lr/100, cosine down to lr/100
    grad_clip: float = setting(1.0, ge=0)
    label_smoothing: float = setting(0.1, ge=0, lt=1)
    # Learning-rate multiplier of the zero-initialised gates of the sign branch. 1 = the paper.
    # A short run (the CPU demo: hundreds of steps, not the paper's tens of thousands) raises
    # it so the gates can open; the untrained model stays exactly the frozen LM either way.
    gate_lr_scale: float = setting(1.0, gt=0)


class Stage(str, enum.Enum):
    """Which model a run trains (``train.stage``): stage 1, pseudo-gloss pretraining, or stage
    2, translation. A ``str`` enum, so a recipe and a checkpoint say ``pgp`` / ``translate``."""

    PGP = "pgp"
    TRANSLATE = "translate"

    def __str__(self) -> str:
        return self.value


@dataclass
class TrainConfig:
    stage: Stage = Stage.TRANSLATE
    out_dir: str = "runs/default"
    init_from: str = ""  # stage-1 checkpoint folder (stage 2); "" = from scratch (no PGP)
    epochs: int = setting(100, ge=1)
    max_steps: int = setting(-1, ge=-1)
    precision: str = "bf16-mixed"  # falls back to 32 where bf16 is not supported
    strategy: Literal["auto", "ddp", "fsdp"] = "auto"
    devices: int | str = "auto"
    num_nodes: int = setting(1, ge=1)
    accelerator: str = "auto"
    val_every_epochs: int = setting(1, ge=1)
    log_every_steps: int = setting(10, ge=1)
    seed: int = setting(42, ge=0)
    resume: bool = True  # continue from out_dir/checkpoints/last.ckpt when it exists
    checkpoint_every_steps: int = setting(
        200, ge=1
    )  # last.ckpt is also written this often within an epoch
    # the C heap's free pages go back to the kernel this often (0: never): clips of varying
    # length fragment it, and without it a long stage-1 run holds twice the memory it uses
    release_memory_every_steps: int = setting(100, ge=0)
    num_beams: int = setting(4, ge=1)
    max_new_tokens: int = setting(64, ge=1)
    # Beam search never produces one token n-gram twice in a sentence (0: off, the paper's
    # decoding). A short stage 2 that has not learnt where its sentences end loops ("und
    # deutschland und deutschland ...") up to max_new_tokens; 3 stops that
    # (docs/evaluation.md#decoding).
    no_repeat_ngram_size: int = setting(0, ge=0)
    limit_val_batches: float = setting(1.0, gt=0)
    optim: OptimConfig = field(default_factory=OptimConfig)


@dataclass
class LMPretrainConfig:
    """The offline stand-in LM: tokenizer + small XGLM-architecture causal LM on the corpus.

    Reads the train (and dev, for perplexity) sentences of ``data.dataset`` under ``data.root``.
    """

    out_dir: str = "runs/lm"  # the folder `model.lm.pretrained` then names
    tokenizer: Literal["auto", "bpe", "char"] = "auto"  # auto: char for zh, BPE otherwise
    vocab_size: int = setting(
        2000, ge=5
    )  # upper bound, specials included; capped by what the corpus supports
    min_frequency: int = setting(2, ge=1)  # BPE: a merge needs a pair seen this often
    d_model: int = setting(256, ge=1)
    num_layers: int = setting(4, ge=1)
    attention_heads: int = setting(4, ge=1)
    ffn_dim: int = setting(1024, ge=1)
    dropout: float = setting(0.1, ge=0, lt=1)  # also the attention dropout (XGLM's defaults)
    max_tokens: int = setting(64, ge=2)  # `</s>` + sentence + `</s>`, cut at this length
    epochs: int = setting(30, ge=1)
    batch_size: int = setting(64, ge=1)
    lr: float = setting(1e-3, gt=0)
    weight_decay: float = setting(0.01, ge=0)  # not on biases, norms or embeddings
    warmup_ratio: float = setting(
        0.05, ge=0, le=1
    )  # linear warm-up over this share of the steps, then cosine to 0
    grad_clip: float = setting(1.0, ge=0)
    seed: int = setting(0, ge=0)
    # CPU threads while training (0 = torch's default). The matrices are tiny, so more threads
    # gain little, and on a busy machine they lose a lot
    # (benchmarks/RESULTS.md#stand-in-lm-pretraining-threads). Results are reproducible for a
    # given thread count.
    threads: int = setting(1, ge=0)


@dataclass
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    pseudo_gloss: PseudoGlossConfig = field(default_factory=PseudoGlossConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    lm_pretrain: LMPretrainConfig = field(default_factory=LMPretrainConfig)
