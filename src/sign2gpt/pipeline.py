"""One pipeline for every front door: a checkpoint folder or a recipe -> what a command needs.

``train``, ``evaluate``, ``extract-features``, ``translate`` and ``serve`` all start here:

- :meth:`Pipeline.from_checkpoint` loads a trained model folder: the model (a
  :class:`~sign2gpt.models.pgp_model.PGPModel` or a
  :class:`~sign2gpt.models.translation_model.TranslationModel`; it owns its preprocessing), its
  config, tokenizer and pseudo-gloss vocabulary;
- :meth:`Pipeline.for_training` builds the model a recipe trains: prototypes for stage 1, the
  stage-1 sign model for stage 2 (``train.init_from``), a frozen sign model for cached features;
- :meth:`Pipeline.loader` gives the batches of a split (frames from the prepared store, or
  cached features), with the stage's targets, under one rule for workers;
- :meth:`Pipeline.read_clip` turns a video file or frame folder into the model's input, as in
  evaluation; :class:`Translator` translates files one by one (``translate``, ``serve``).

Nothing here trains or scores; the front doors do that, and never import one another.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from transformers import PreTrainedTokenizerBase

from sign2gpt.config import Config, ConfigError, Modality
from sign2gpt.data.dataset import SignClipDataset, collate_clips, gloss_tokens
from sign2gpt.data.features import CachedFeatureDataset, collate_features
from sign2gpt.data.loader import ThreadLoader, make_loader
from sign2gpt.data.pose.keypoints import Keypoints
from sign2gpt.data.pose.store import KeypointStore
from sign2gpt.data.sampler import LengthBucketSampler
from sign2gpt.data.store import FrameStore
from sign2gpt.errors import CheckpointError, DataError, Sign2GPTError
from sign2gpt.models.checkpoint import VOCAB_FILE, load_checkpoint_tokenizer, read_trainable_weights
from sign2gpt.models.lm import DTYPES
from sign2gpt.models.pgp_head import (
    COOCCURRENCE_DIM,
    NEAR_DUPLICATE_COS,
    cooccurrence_prototypes,
    lm_embedding_prototypes,
    load_fasttext_prototypes,
    near_duplicate_prototypes,
)
from sign2gpt.models.pgp_model import PGPModel
from sign2gpt.models.stage import StageModel
from sign2gpt.models.stages import load_checkpoint, model_type
from sign2gpt.models.translation_model import TranslationModel
from sign2gpt.skeleton import Skeleton
from sign2gpt.text.pseudo_gloss import PseudoGlossVocab
from sign2gpt.text.tokenizer import TextFormat, encode_texts, load_tokenizer

log = logging.getLogger(__name__)

M = TypeVar("M", bound=StageModel)
Batch = dict[str, Any]
Loader = DataLoader | ThreadLoader
Quantize = Literal["int8"]

# Serialises the tokenizer calls of BatchCollator (ThreadLoader runs collate functions in
# threads); module-level, so that a collator still pickles for DataLoader worker processes.
_TOKENIZER_LOCK = threading.Lock()


class BatchCollator:
    """Packs a batch (frames or cached features) and adds what the stage trains on: multi-hot
    pseudo-gloss ``targets`` (B, V) from ``vocab``, or the text tensors of the gated LM from
    ``tokenizer``. Picklable (DataLoader workers) and thread-safe (ThreadLoader)."""

    def __init__(
        self,
        base: Callable[[list[dict[str, Any]]], Batch],
        vocab: PseudoGlossVocab | None = None,
        tokenizer: PreTrainedTokenizerBase | None = None,
        max_tokens: int = 64,
        text_format: TextFormat | None = None,
    ) -> None:
        self.base = base
        self.vocab = vocab
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        self.text_format = text_format

    def __call__(self, items: list[dict[str, Any]]) -> Batch:
        batch = self.base(items)
        if self.vocab is not None:
            targets = torch.zeros(len(items), len(self.vocab.vocab))
            for row, clip_id in enumerate(batch["ids"]):
                targets[row, self.vocab.indices(clip_id)] = 1.0
            batch["targets"] = targets  # (B, V) multi-hot
        if self.tokenizer is not None:
            # One thread at a time: a fast (Rust) tokenizer may change its truncation settings
            # inside a call, and fails ("Already borrowed") if another thread is in it then.
            with _TOKENIZER_LOCK:
                batch.update(
                    encode_texts(self.tokenizer, batch["texts"], self.max_tokens, self.text_format)
                )
        return batch


@dataclass
class Pipeline:
    """A model with everything around it; see the module docstring."""

    cfg: Config
    model: StageModel
    tokenizer: PreTrainedTokenizerBase | None = None
    vocab: PseudoGlossVocab | None = None
    folder: Path | None = None  # the checkpoint folder it was loaded from
    load_seconds: float = 0.0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    quantize: Quantize | None = None  # "int8": the LM's untapped Linears hold int8 weights

    # ---- building ---------------------------------------------------------------------
    @classmethod
    def from_checkpoint(
        cls,
        folder: str | Path,
        device: str = "cpu",
        dtype: str | None = None,
        quantize: Quantize | None = None,
    ) -> Pipeline:
        """A checkpoint folder, loaded for inference (eval mode) on ``device``.

        ``dtype`` (``float32``, ``bfloat16``; default the recipe's ``model.lm.dtype``): the LM's
        weights are read in it and, when it is not float32, the sign model runs under autocast
        in it (:meth:`autocast`). ``quantize="int8"``: the LM's untapped Linears get int8
        weights (CPU; :mod:`sign2gpt.models.quantize`)."""
        start = time.perf_counter()
        folder = Path(folder)
        model, cfg = load_checkpoint(folder, device=device, lm_dtype=dtype)
        if quantize == "int8":
            from sign2gpt.models.quantize import quantize_lm_int8

            if not isinstance(model, TranslationModel):
                raise Sign2GPTError(f"{folder}: a {model.STAGE} checkpoint has no LM to quantise")
            quantize_lm_int8(model.lm)
        tokenizer = (
            model.tokenizer
            if isinstance(model, TranslationModel)
            else load_checkpoint_tokenizer(folder)
        )
        vocab = (
            PseudoGlossVocab.load(folder / VOCAB_FILE) if (folder / VOCAB_FILE).is_file() else None
        )
        return cls(
            cfg,
            model,
            tokenizer,
            vocab,
            folder,
            time.perf_counter() - start,
            torch.device(device),
            quantize,
        )

    def autocast(self) -> contextlib.AbstractContextManager[object]:
        """Inference in the LM's dtype: autocast when it is not float32, else nothing."""
        dtype = DTYPES[self.cfg.model.lm.dtype]
        if dtype == torch.float32:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=dtype)

    @classmethod
    def for_training(cls, cfg: Config) -> Pipeline:
        """The model of ``cfg.train.stage`` as a recipe trains it, with its vocabulary and
        tokenizer; inputs the recipe names but that do not exist are reported here, before a
        run writes anything."""
        if model_type(cfg.train.stage) is PGPModel:
            return cls._stage_one(cfg)
        return cls._stage_two(cfg)

    @classmethod
    def _stage_one(cls, cfg: Config) -> Pipeline:
        if not cfg.data.pseudo_glosses:
            raise Sign2GPTError("data.pseudo_glosses is empty: run `sign2gpt pseudo-gloss` first")
        vocab = PseudoGlossVocab.load(cfg.data.pseudo_glosses)
        # Only prototypes made from the LM's input embeddings need the LM (and its tokenizer).
        tokenizer = lm_tokenizer(cfg) if cfg.model.pgp_head.prototypes == "lm" else None
        prototypes = build_prototypes(cfg, vocab, tokenizer)
        skeleton, glosses = sign_inputs(cfg)
        model = PGPModel.build(cfg.model, prototypes, skeleton=skeleton, glosses=glosses)
        return cls(cfg, model, tokenizer, vocab)

    @classmethod
    def _stage_two(cls, cfg: Config) -> Pipeline:
        tokenizer = lm_tokenizer(cfg)
        skeleton, glosses = sign_inputs(cfg)
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
        return cls(cfg, model, tokenizer)

    def expect(self, kind: type[M], why: str) -> M:
        """The model as ``kind``, or a :class:`CheckpointError` saying ``why`` it must be."""
        if not isinstance(self.model, kind):
            where = f"{self.folder}: " if self.folder else ""
            raise CheckpointError(f"{where}a {self.model.STAGE} model: {why}")
        return self.model

    # ---- data -------------------------------------------------------------------------
    @property
    def frames_per_step(self) -> int:
        """Stored frames per step of Z: the frame stride times the encoder's pools."""
        return self.cfg.data.frame_stride * self.model.sign.temporal_stride

    def collator(self) -> BatchCollator:
        """Batches with the targets of this model's stage (PGP: pseudo-glosses; translation:
        the text tensors)."""
        base = collate_features if self.cfg.data.features else collate_clips
        if isinstance(self.model, PGPModel):
            return BatchCollator(base, vocab=self.pseudo_gloss_vocab())
        model = self.expect(TranslationModel, "no text targets for this stage")
        return BatchCollator(
            base,
            tokenizer=self.tokenizer,
            max_tokens=self.cfg.data.max_text_tokens,
            text_format=model.text_format,
        )

    def pseudo_gloss_vocab(self) -> PseudoGlossVocab:
        if self.vocab is None:
            raise Sign2GPTError("this stage-1 model has no pseudo-gloss vocabulary")
        return self.vocab

    def dataset(self, split: str, train: bool, store: str | None = None) -> Dataset:
        """The clips of ``split``: cached features when ``data.features`` names a store (stage
        2), else what the model reads (frames, keypoints, glosses) from the prepared store
        (``store`` overrides ``data.store``)."""
        data = self.cfg.data
        seed = self.cfg.train.seed
        if data.features and isinstance(self.model, TranslationModel):
            return CachedFeatureDataset(data.features, split, train=train, seed=seed)
        path = store or data.store
        modality = self.model.sign.modality
        keypoints = (
            open_keypoints(path, self.model.sign.skeleton) if modality.reads_keypoints else None
        )
        glosses = None
        if self.model.sign.glosses is not None:
            glosses = {g: i + 1 for i, g in enumerate(self.model.sign.glosses)}
        frames_wanted = modality.reads_frames
        rows = (
            open_store(path, data.store_size) if frames_wanted or keypoints is None else keypoints
        )
        return SignClipDataset(
            rows,
            split,
            data,
            train=train,
            seed=seed,
            frames=frames_wanted,
            keypoints=keypoints,
            glosses=glosses,
        )

    def loader(
        self,
        split: str,
        train: bool = False,
        batch_size: int | None = None,
        num_replicas: int = 1,
        rank: int = 0,
        dataset: Dataset | None = None,
        batches: Sequence[Sequence[int]] | None = None,
        collate: Callable[[list[dict[str, Any]]], Batch] | None = None,
        in_training_run: bool = False,
    ) -> Loader:
        """Batches of ``split``, length-bucketed (shuffled per epoch in training, sharded over
        ``num_replicas``), or the given ``batches`` of dataset indices.

        Workers, one rule: a training run's loaders (``train``, or ``in_training_run`` for its
        dev passes) use ``data.loader`` with ``data.num_workers``; a single evaluation pass
        uses ``data.num_workers`` threads with ``data.loader: threads``, and loads in this
        process otherwise (no worker processes to start for one pass)."""
        data = self.cfg.data
        dataset = dataset if dataset is not None else self.dataset(split, train)
        if batches is None:
            batches = LengthBucketSampler(
                dataset.lengths,  # type: ignore[attr-defined]
                batch_size=batch_size or (data.batch_size if train else data.eval_batch_size),
                shuffle=train,
                seed=self.cfg.train.seed,
                num_replicas=num_replicas,
                rank=rank,
                drop_last=False,
            )
        repeated = train or in_training_run
        workers = data.num_workers if repeated or data.loader == "threads" else 0
        collate = collate if collate is not None else self.collator()
        return make_loader(dataset, batches, collate, data, num_workers=workers)

    def read_clip(self, source: str | Path) -> ClipInput:
        """A video file or frame folder (or, for a pose model, a keypoint file: ``.pose``,
        ``.npz``, the synthetic corpus's ``.json``) as the model's input: sampled and resized
        as in evaluation (docs/method.md#5-training-recipe). A pose model given a video runs
        the keypoint estimator on it (``make pose-env``)."""
        from sign2gpt.data.augment import eval_clip
        from sign2gpt.data.frames import read_clip
        from sign2gpt.data.pose.readers import is_keypoint_file, read_keypoints
        from sign2gpt.data.sampling import sample_indices

        data = self.cfg.data
        sign = self.model.sign
        modality = sign.modality
        if modality is Modality.GLOSS:
            raise DataError(
                f"{source}: this model reads gloss sequences, not video (the gloss-to-text "
                "ceiling): score it with `sign2gpt evaluate`"
            )
        keypoints_only = modality is Modality.POSE and is_keypoint_file(source)
        if is_keypoint_file(source) and not keypoints_only and Path(source).is_file():
            raise DataError(
                f"{source}: a keypoint file, and this model reads {modality.value}: give it a "
                "video or frame folder (a model of input pose reads keypoint files)"
            )
        if keypoints_only:
            kp = read_keypoints(source)
            decoded = len(kp.points)
        else:
            clip = read_clip(
                source,
                size=data.store_size,
                max_pixels=data.max_pixels,
                max_frame_bytes=data.max_frame_bytes,
            ).frames  # (T_all, H, W, 3)
            decoded = len(clip)
        indices = sample_indices(decoded, data, train=False, rng=None)
        out = ClipInput(None, decoded, indices)
        if modality.reads_frames:
            out.frames = eval_clip(clip[indices], data)
        if modality.reads_keypoints:
            if not keypoints_only:
                kp = estimate_source_keypoints(source)
            out.keypoints = model_keypoints(kp, sign.skeleton, source)[indices]
        if modality is Modality.POSE and not keypoints_only:
            out.pictures = clip[indices]  # what the estimator saw, for pictures
        return out


@dataclass
class ClipInput:
    """One clip read for the model."""

    frames: torch.Tensor | None  # (T, 3, S, S) uint8, the sampled frames (rgb, rgb+pose)
    decoded: int  # frames the file holds
    indices: np.ndarray  # (T,) which of them were sampled
    keypoints: torch.Tensor | None = None  # (T, K, 3) normalised (pose, rgb+pose)
    pictures: np.ndarray | None = None  # (T, H, W, 3) uint8 frames of a pose model's video

    @property
    def steps(self) -> int:
        return len(self.indices)


def estimate_source_keypoints(source: str | Path) -> Keypoints:
    """MediaPipe Holistic on a video file or frame folder (its own environment, ``make
    pose-env``), one line naming what is missing when it is not installed."""
    from sign2gpt.data.pose.estimate import estimate_keypoints
    from sign2gpt.data.pose.store import FOLDER_FPS

    fps = None if Path(source).is_file() else FOLDER_FPS
    return estimate_keypoints(source, fps=fps).keypoints


def model_keypoints(kp: Keypoints, skeleton: Skeleton | None, source: str | Path) -> torch.Tensor:
    """(T, K, 3) float32 keypoints in the model's skeleton, normalised to body units: the
    model's points picked by name from a layout that holds them (a full MediaPipe layout for a
    model of the reduced one)."""
    from sign2gpt.data.pose.transforms import normalise_points

    assert skeleton is not None
    points = kp.points
    if kp.skeleton.names != skeleton.names:
        try:
            _, idx = kp.skeleton.select(skeleton.names)
        except (KeyError, ValueError):
            raise DataError(
                f"{source}: keypoints of layout {kp.skeleton.name} ({kp.skeleton.num_points} "
                f"points) lack points of the model's {skeleton.name}"
            ) from None
        points = points[:, idx]
    normalised = normalise_points(points, skeleton.shoulders, kp.width, kp.height)
    return torch.from_numpy(np.ascontiguousarray(normalised, dtype=np.float32))


def open_keypoints(path: str, skeleton: Skeleton | None) -> KeypointStore:
    """The keypoints of the prepared store at ``path``, refused when they are of another
    skeleton than the model reads."""
    if not path:
        raise DataError("data.store is empty: name the prepared store (`sign2gpt prepare`)")
    store = KeypointStore(path)
    if skeleton is not None and store.skeleton.names != skeleton.names:
        raise DataError(
            f"{store.path}: keypoints of skeleton {store.skeleton.name} "
            f"({store.skeleton.num_points} points), the model reads {skeleton.name} "
            f"({skeleton.num_points} points)"
        )
    return store


def sign_inputs(cfg: Config) -> tuple[Skeleton | None, list[str] | None]:
    """What a new sign model of ``cfg`` needs beside its config: the skeleton of the store's
    keypoints (``pose``, ``rgb+pose``), the gloss vocabulary of the training split
    (``gloss``: signs of the ``gloss`` annotation, most frequent first)."""
    modality = cfg.model.input
    skeleton = open_keypoints(cfg.data.store, None).skeleton if modality.reads_keypoints else None
    if skeleton is not None:
        cfg.model.pose.skeleton = skeleton.name  # the config says what the model reads
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
    from sign2gpt.models.checkpoint import read_checkpoint_config

    before = read_checkpoint_config(cfg.train.init_from).model.input
    if before is not cfg.model.input:
        raise ConfigError(
            f"train.init_from {cfg.train.init_from}: a stage-1 model of input {before.value}, "
            f"this recipe's model.input is {cfg.model.input.value}"
        )


def open_store(path: str, store_size: int) -> FrameStore:
    """The prepared store at ``path``, refused at once when its frames are not the size the
    recipe expects (``data.store_size``): crops and rotations are drawn on that size."""
    if not path:
        raise DataError("data.store is empty: name the prepared store (`sign2gpt prepare`)")
    store = FrameStore(path)
    if store.size != store_size:
        raise DataError(
            f"{path}: frames stored at {store.size}x{store.size}, but the recipe expects "
            f"data.store_size {store_size} (run `sign2gpt prepare ... --size {store_size}` into "
            f"another folder, or set data.store_size={store.size})"
        )
    return store


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


def build_prototypes(
    cfg: Config, vocab: PseudoGlossVocab, tokenizer: PreTrainedTokenizerBase | None
) -> torch.Tensor:
    """The frozen (V, P) prototypes of ``model.pgp_head.prototypes``: the LM's input embeddings
    (``lm``), word vectors from the training sentences (``cooccurrence``) or a fastText file.
    Warns when some prototypes are near-identical: the head cannot tell those words apart."""
    head = cfg.model.pgp_head
    if head.prototypes == "lm":
        from sign2gpt.models.lm import load_lm

        if tokenizer is None:
            raise Sign2GPTError("prototypes from the LM's embeddings need its tokenizer")
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


# --------------------------------------------------------------------------------------------
# translating files one by one (`sign2gpt translate`, `sign2gpt serve`)


@dataclass
class Translation:
    """The result for one input file."""

    source: str
    text: str = ""
    num_frames: int = 0  # frames the model saw (after sampling)
    decoded_frames: int = 0  # frames the file holds
    seconds: float = 0.0  # reading + encoding + beam search
    error: str = ""
    heatmap: str = ""  # path of the localisation picture, when drawn
    pictures: np.ndarray | None = field(default=None, repr=False)  # (T, S, S, 3) uint8 seen
    indices: np.ndarray | None = field(default=None, repr=False)  # (T,) their frame numbers

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields (without the pictures)."""
        return {
            "source": self.source,
            "text": self.text,
            "num_frames": self.num_frames,
            "decoded_frames": self.decoded_frames,
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "heatmap": self.heatmap,
        }


class Translator:
    """A stage-2 model loaded once, translating many files; with a stage-1 pipeline beside it
    also the pseudo-gloss localisation map of each clip (the paper's Figure 4)."""

    def __init__(
        self,
        translation: Pipeline,
        heatmaps: Pipeline | None = None,
        num_beams: int | None = None,
    ) -> None:
        self.pipeline = translation
        self.model = translation.expect(
            TranslationModel,
            "it cannot translate; give a stage-2 checkpoint (and this one as --heatmap-checkpoint)",
        )
        self.heatmaps = heatmaps
        self.pgp = (
            heatmaps.expect(PGPModel, "the heatmap checkpoint must be a stage-1 model")
            if heatmaps is not None
            else None
        )
        if self.pgp is not None and self.pgp.sign.modality is not self.model.sign.modality:
            raise CheckpointError(
                f"{heatmaps.folder if heatmaps else ''}: the heatmap model reads "
                f"{self.pgp.sign.modality.value}, the translation model "
                f"{self.model.sign.modality.value}"
            )
        self.num_beams = num_beams or translation.cfg.train.num_beams

    @classmethod
    def from_checkpoints(
        cls,
        checkpoint: str | Path,
        device: str = "cpu",
        num_beams: int | None = None,
        heatmap_checkpoint: str | Path | None = None,
        dtype: str | None = None,
        quantize: Quantize | None = None,
    ) -> Translator:
        """``dtype`` and ``quantize``: see :meth:`Pipeline.from_checkpoint` (the stage-2 model)."""
        heatmaps = (
            Pipeline.from_checkpoint(heatmap_checkpoint, device) if heatmap_checkpoint else None
        )
        translation = Pipeline.from_checkpoint(checkpoint, device, dtype=dtype, quantize=quantize)
        return cls(translation, heatmaps, num_beams)

    @property
    def load_seconds(self) -> float:
        return self.pipeline.load_seconds + (self.heatmaps.load_seconds if self.heatmaps else 0.0)

    def describe(self) -> dict[str, object]:
        """What is loaded, for logs and the web page's health check."""
        cfg = self.pipeline.cfg
        return {
            "checkpoint": str(self.pipeline.folder),
            "heatmap_checkpoint": str(self.heatmaps.folder) if self.heatmaps else None,
            "language_model": cfg.model.lm.pretrained,
            "backbone": cfg.model.spatial.pretrained or cfg.model.spatial.backbone,
            "device": str(self.pipeline.device),
            "dtype": cfg.model.lm.dtype,
            "quantize": self.pipeline.quantize,
            "num_beams": self.num_beams,
            "language": cfg.data.lang,
        }

    @torch.no_grad()
    def translate(self, source: str | Path, heatmap_dir: str | Path | None = None) -> Translation:
        """One video file or frame folder; an unreadable input gives ``error``, not an
        exception."""
        result = Translation(str(source))
        start = time.perf_counter()
        try:
            clip = self.pipeline.read_clip(source)
        except DataError as exc:
            result.error = str(exc)
            return result
        result.decoded_frames, result.indices = clip.decoded, clip.indices
        batch = {"lengths": torch.tensor([clip.steps])}
        for key, value in (("frames", clip.frames), ("keypoints", clip.keypoints)):
            if value is not None:
                batch[key] = value
        device = self.pipeline.device
        train = self.pipeline.cfg.train
        with self.pipeline.autocast():
            z, mask = self.model.encode_batch(batch, device)
            result.text = self.model.translate(
                z, mask, num_beams=self.num_beams, max_new_tokens=train.max_new_tokens
            )[0]
        result.num_frames = clip.steps
        result.pictures = self._pictures(clip)
        if self.pgp is not None and heatmap_dir is not None:
            result.heatmap = str(self._heatmap(batch, result, Path(heatmap_dir)))
        result.seconds = time.perf_counter() - start
        return result

    def _pictures(self, clip: ClipInput) -> np.ndarray:
        """(T, H, W, 3) uint8: the frames the model saw, or its keypoints drawn."""
        from sign2gpt.metrics.plots import draw_keypoints

        sign = self.model.sign
        if clip.frames is not None:
            return sign.normalise.to_pictures(clip.frames)
        if clip.pictures is not None:
            return clip.pictures
        assert clip.keypoints is not None and sign.skeleton is not None
        return draw_keypoints(clip.keypoints.numpy(), sign.skeleton)

    def _heatmap(self, batch: dict[str, torch.Tensor], result: Translation, out: Path) -> Path:
        from sign2gpt.metrics.plots import plot_clip_localisation

        assert self.pgp is not None and self.heatmaps is not None
        vocab = self.heatmaps.pseudo_gloss_vocab().vocab
        z, mask = self.pgp.encode_batch(batch, self.pipeline.device)
        E = self.pgp.pseudo_glosses(z, mask).E[0].float().cpu().numpy()[:, : len(vocab)]
        name = Path(result.source).name or "clip"
        assert result.pictures is not None
        return plot_clip_localisation(
            E, vocab, result.pictures, f"{name}: {result.text}", out / f"{name}_heatmap.png"
        )
