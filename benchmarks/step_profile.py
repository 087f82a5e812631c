"""Where the seconds of one training step go at the large corpus's shapes: a stage-1 (PGP) step
of ``configs/large/pretrain.yaml`` and a stage-2 end-to-end step of
``configs/large/translate.yaml``, one process, one thread, through the toolkit's own data path,
models and optimiser.

    .venv/bin/python benchmarks/step_profile.py [--scale 0.01] [--warmup 1] [--steps 6]
        [--stages pgp translate] [--bf16-steps 2] [--dir DIR]

The data: a slice of the large preset (``sign2gpt.synth.generate.generate_corpus`` with
``preset="large"``, ``scale=--scale``: 71 training clips at 0.01, with the preset's sentences
and clip lengths, about 150 frames) rendered and prepared here at 64 px (``prepare_dataset``),
so the batches are the recipe's: 16 clips chosen by the recipe's length-bucketing sampler,
every 2nd frame, the training augmentation on the 64 px frames, 32 px network input. The large
corpus itself (8,257 clips) takes about 25 minutes of two cores to render; its batches are of
the same shapes. Pseudo-glosses: each clip's signs (the store's gloss column, lower-cased), the
vocabulary padded with unused entries to the large corpus's 2,116, so the PGP head has its
shape (V = 2,116; the padding only adds columns that are never positive). The LM: the stand-in
of ``configs/large/lm.yaml`` (128 wide, 3 layers, 4 heads, ffn 512) with random weights, and
its BPE tokenizer trained on the large preset's 7,096 training sentences, as ``lm-pretrain``
trains both; saved as ``lm-pretrain`` saves them and loaded by the recipe
(``model.lm.pretrained``).

What runs: both models built by ``pipeline_for_training`` (what ``sign2gpt train`` trains),
set to training mode; each step is what ``ThreadLoader`` and Lightning's loop do with them,
in the calling thread: ``dataset.__getitems__`` (sampling, reading and decoding, augmentation
into a reused buffer), the pipeline's collator, the stage model's ``forward`` (the loss), the
backward pass, gradient clipping (``train.optim.grad_clip``), the recipe's AdamW
(``build_adamw``) and warm-up / cosine schedule, ``zero_grad``. The forward parts are timed by
forward hooks on the model's own modules (``sign.normalise``, ``sign.step_encoder``: the CNN,
``sign.encoder``, ``pgp_head`` or ``bridge`` and ``lm``); reading + JPEG decoding by a timing
wrapper around the frame store the dataset reads. Not included: Lightning's own bookkeeping
(logging, callbacks) and the overlap of a loader thread with the model (``data.num_workers: 1``
in the recipe), which hides the data parts behind the model's on a second free core.

Printed per stage: seconds per step (wall and CPU, ``time.process_time``) of each part,
averaged over ``--steps`` batches after ``--warmup`` untimed steps on the largest of them,
and each part's share. Why the largest: in trial runs a batch larger than any before took
0.3-0.6 s longer than the same batch run again, while a smaller new batch did not (most likely
the heap growing to fit it, its fresh pages faulted in): a cost of a run's first steps, and of
the steps after each release of free memory (``train.release_memory_every_steps``), not of
every step.
Then, side by side on the same batches and the same model:

- decoded frames kept in memory (a frame source written here: the toolkit has no such option)
  against JPEG decoding on every read: the data parts of each batch loaded both ways, in turns
  first and second, the frames checked equal (the model step on them is the same computation,
  so the step beside is the base's model step plus the cached data parts); what a cache of
  decoded frames would save;
- bf16 autocast (``torch.autocast("cpu", torch.bfloat16)`` around the forward, what Lightning's
  ``train.precision: bf16-mixed`` runs; on a CPU without bf16 arithmetic the toolkit trains in
  float32 instead, ``resolve_precision``): ``--bf16-steps`` whole steps, each right after the
  float32 step on the same batch.

The machine is shared: the load average at the start and the end is printed, and CPU seconds
beside wall seconds (a part's CPU time is what it costs this process, whatever else runs).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from cpu_bf16 import cpu_flags
from torch import nn
from torch.utils.hooks import RemovableHandle

from sign2gpt.config import Config, load_config
from sign2gpt.data.dataset import SignClipDataset
from sign2gpt.data.loader import BatchBufferPool, tune_allocator
from sign2gpt.data.prepare import prepare_dataset
from sign2gpt.data.sampler import LengthBucketSampler
from sign2gpt.data.store import FrameStore
from sign2gpt.models.pgp_model import PGPModel
from sign2gpt.pipeline import Pipeline
from sign2gpt.synth.generate import generate_corpus
from sign2gpt.synth.grammar_de_large import sample_corpus
from sign2gpt.text.pseudo_gloss import PseudoGlossVocab
from sign2gpt.text.tokenizer import train_tokenizer
from sign2gpt.train.factory import pipeline_for_training
from sign2gpt.train.lm_pretrain import build_lm
from sign2gpt.train.optim import build_adamw
from sign2gpt.train.schedule import warmup_cosine

RECIPES = Path(__file__).resolve().parent.parent / "configs" / "large"
STAGE_RECIPES = {"pgp": "pretrain.yaml", "translate": "translate.yaml"}
LARGE_PSEUDO_GLOSSES = 2116  # the large corpus's vocabulary (docs/large-corpus.md)
LARGE_TRAIN_CLIPS = 7096
READ = "read + JPEG decode"
# the variants; FP32: the base's steps on the batches that bf16 ran too
BASE, CACHED, BF16, FP32 = "JPEG decode", "decoded frames", "bf16 autocast", "float32"
ITEMS = "items"  # dataset.__getitems__ in all: sampling, reading, augmentation
# the printed rows, in step order; "augmentation" and "rest of forward" are differences
DATA_ROWS = (READ, "sampling + augmentation", "collation")
MODEL_ROWS = {
    "pgp": ("normalisation", "spatial CNN", "sign encoder", "PGP head + loss"),
    "translate": ("normalisation", "spatial CNN", "sign encoder", "bridge", "gated LM + loss"),
}
# The backward pass split where the gradient of each module's output arrives (a tensor hook):
# the CPU autograd engine runs in the calling thread, in the reverse order of the forward, so
# the time between two arrivals is the backward of the module in between (normalisation has
# none: its uint8 input needs no gradient).
BACKWARD_OF = {
    "pgp": ("spatial CNN", "sign encoder", "PGP head + loss"),
    "translate": ("spatial CNN", "sign encoder", "bridge", "gated LM + loss"),
}
TAIL_ROWS = ("rest of forward", "optimiser step")
HOOKED = {
    "normalisation": "sign.normalise",
    "spatial CNN": "sign.step_encoder",
    "sign encoder": "sign.encoder",
    "PGP head + loss": "pgp_head",
    "bridge": "bridge",
    "gated LM + loss": "lm",
}


# ---- timing -------------------------------------------------------------------------------
class PartTimer:
    """Wall and CPU seconds per (variant, part), summed over the steps since ``reset``; the
    hooks and spans write to the variants that the running step counts for (``variants``)."""

    def __init__(self) -> None:
        self.variants: tuple[str, ...] = ("",)
        self.wall: defaultdict[tuple[str, str], float] = defaultdict(float)
        self.cpu: defaultdict[tuple[str, str], float] = defaultdict(float)
        self.steps: Counter[str] = Counter()
        self._open: dict[str, tuple[float, float]] = {}
        self._arrived: dict[str, tuple[float, float]] = {}  # (wall, CPU) clock per module

    def reset(self) -> None:
        self.wall.clear()
        self.cpu.clear()
        self.steps.clear()

    def add(self, name: str, wall0: float, cpu0: float) -> None:
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        for variant in self.variants:
            self.wall[variant, name] += wall
            self.cpu[variant, name] += cpu

    @contextlib.contextmanager
    def span(self, name: str) -> Iterator[None]:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.add(name, wall0, cpu0)

    def hook(self, module: nn.Module, name: str) -> list[RemovableHandle]:
        """Times every forward call of ``module`` (its submodules included) as ``name``."""

        def before(mod: nn.Module, args: tuple[Any, ...]) -> None:
            self._open[name] = (time.perf_counter(), time.process_time())

        def after(mod: nn.Module, args: tuple[Any, ...], out: Any) -> None:
            self.add(name, *self._open.pop(name))
            first = out[0] if isinstance(out, tuple) else out  # sign encoder: (Z, mask)
            if isinstance(first, torch.Tensor) and first.requires_grad:
                first.register_hook(partial(self._grad_arrived, name))

        return [module.register_forward_pre_hook(before), module.register_forward_hook(after)]

    def _grad_arrived(self, name: str, grad: torch.Tensor) -> None:
        self._arrived[name] = (time.perf_counter(), time.process_time())

    def backward(self, loss: torch.Tensor, order: Sequence[str]) -> None:
        """``loss.backward()``, split into the backward of each module of ``order`` (forward
        order; the last one's output is the loss): from the arrival of the gradient of its
        output (the backward's start, for the last) to that of the module before it (the
        backward's end, for the first)."""
        self._arrived.clear()
        start = (time.perf_counter(), time.process_time())
        loss.backward()
        end = (time.perf_counter(), time.process_time())
        marks = [end, *(self._arrived[n] for n in order[:-1]), start]
        for k, name in enumerate(order):
            for variant in self.variants:
                self.wall[variant, f"backward: {name}"] += marks[k][0] - marks[k + 1][0]
                self.cpu[variant, f"backward: {name}"] += marks[k][1] - marks[k + 1][1]

    def rows(self, stage: str, variant: str) -> dict[str, tuple[float, float]]:
        """(wall, CPU) seconds per step of each printed row of ``variant``; the differences
        are the parts that the hooks and the wrapper do not cover."""
        n = max(self.steps[variant], 1)

        def get(name: str) -> tuple[float, float]:
            return self.wall[variant, name] / n, self.cpu[variant, name] / n

        def minus(a: tuple[float, float], *bs: tuple[float, float]) -> tuple[float, float]:
            return a[0] - sum(b[0] for b in bs), a[1] - sum(b[1] for b in bs)

        hooked = [get(r) for r in MODEL_ROWS[stage]]
        out = {
            READ: get(READ),
            "sampling + augmentation": minus(get(ITEMS), get(READ)),
            "collation": get("collation"),
        }
        out.update(zip(MODEL_ROWS[stage], hooked))
        out["rest of forward"] = minus(get("forward"), *hooked)
        for name in BACKWARD_OF[stage]:
            out[f"backward: {name}"] = get(f"backward: {name}")
        out["optimiser step"] = get("optimiser step")
        return out


class TimedSource:
    """The dataset's frame source read through, each read (a chunk of up to 16 frames of one
    clip: one file read + JPEG decoding) timed as :data:`READ`."""

    def __init__(self, inner: Any, timer: PartTimer) -> None:
        self.inner = inner
        self.clips = inner.clips
        self.timer = timer

    def read_frames(self, clip_id: str, indices: Sequence[int]) -> np.ndarray:
        with self.timer.span(READ):
            return self.inner.read_frames(clip_id, indices)  # (n, 64, 64, 3) uint8


class DecodedFrames:
    """Every clip of a store decoded once and kept in memory, read by index: what a cache of
    decoded frames would give the dataset (not a toolkit option; 64 px frames are 12 KB each,
    so the 1.04 M frames of the large corpus's 7,096 training clips would take 12.8 GB)."""

    def __init__(self, store: FrameStore) -> None:
        self.clips = store.clips
        # (n, 64, 64, 3) uint8 per clip
        self.frames = {row["id"]: store.read_frames(row["id"]) for row in store.clips}

    def read_frames(self, clip_id: str, indices: Sequence[int]) -> np.ndarray:
        # a fancy-index copy: the dataset transforms a chunk it owns, as after decoding
        return self.frames[clip_id][np.asarray(indices, dtype=np.int64)]

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.frames.values())


# ---- the data and the LM, made here -------------------------------------------------------
def make_store(work: Path, scale: float) -> Path:
    """A slice of the large preset, rendered and prepared at 64 px (kept in ``work``)."""
    corpus, store = work / "corpus", work / "store"
    if not (store / "DONE").is_file():
        generate_corpus(corpus, preset="large", seed=0, workers=1, progress=False, scale=scale)
        prepare_dataset("phoenix14t", corpus, store, size=64, workers=1, progress=False)
    return store


def write_pseudo_glosses(store: Path, path: Path, size: int) -> None:
    """Each clip's signs as its pseudo-glosses, the vocabulary padded to ``size`` entries."""
    rows = FrameStore(store).clips
    clips = {r["id"]: [g.lower() for g in r.get("gloss", "").split()] for r in rows}
    train = [r["id"] for r in rows if r["split"] == "train"]
    counts = Counter(g for c in train for g in clips[c])
    sentences = Counter(g for c in train for g in set(clips[c]))
    vocab = sorted(counts, key=lambda g: (-counts[g], g))
    vocab += [f"unused-{i:04d}" for i in range(size - len(vocab))]
    PseudoGlossVocab(
        vocab=vocab,
        counts={g: counts.get(g, 0) for g in vocab},
        sentence_counts={g: sentences.get(g, 0) for g in vocab},
        clips=clips,
        splits={r["id"]: r["split"] for r in rows},
        lang="de",
        backend={"name": "the store's gloss column (benchmarks/step_profile.py)"},
        pos=[],
        max_sentence_fraction=1.0,
    ).save(path)


def write_lm(folder: Path) -> None:
    """The large recipe's stand-in LM with random weights and its tokenizer, saved as
    ``lm-pretrain`` saves them."""
    if (folder / "config.json").is_file():
        return
    cfg = load_config(RECIPES / "lm.yaml").lm_pretrain
    sentences = sample_corpus(seed=0).train  # the large preset's 7,096 training sentences
    tokenizer = train_tokenizer(sentences, cfg.vocab_size, "bpe", cfg.min_frequency)
    torch.manual_seed(cfg.seed)
    model = build_lm(cfg, len(tokenizer))
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def stage_config(stage: str, work: Path) -> Config:
    """The stage's large recipe, pointed at what was made here; stage 2 from scratch (the
    no-PGP run's recipe: the same step as from a stage-1 checkpoint)."""
    return load_config(
        RECIPES / STAGE_RECIPES[stage],
        [
            f"data.store={work / 'store'}",
            f"data.root={work / 'corpus'}",
            f"data.pseudo_glosses={work / 'pseudo_glosses.json'}",
            f"model.lm.pretrained={work / 'lm'}",
            "train.init_from=",
            "data.num_workers=0",
        ],
    )


# ---- one stage, as a training run holds it ------------------------------------------------
@dataclass
class StageRun:
    """One stage's model, dataset, collator and optimiser, as a training run holds them, and
    the batches (epoch, dataset indices) its sampler gives."""

    stage: str
    cfg: Config
    pipe: Pipeline
    dataset: SignClipDataset
    collate: Callable[[list[dict[str, Any]]], dict[str, Any]]
    optimiser: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    batches: list[tuple[int, list[int]]]
    pool: BatchBufferPool = field(default_factory=BatchBufferPool)
    frames: list[int] = field(default_factory=list)  # frames per batch, timed steps
    tokens: list[int] = field(default_factory=list)  # text tokens per batch (stage 2)


def build_run(stage: str, work: Path, timer: PartTimer, n_batches: int) -> StageRun:
    cfg = stage_config(stage, work)
    torch.manual_seed(cfg.train.seed)
    pipe = pipeline_for_training(cfg)
    model = pipe.model.train()
    dataset = pipe.dataset("train", train=True)
    assert isinstance(dataset, SignClipDataset)
    sampler = LengthBucketSampler(dataset.lengths, cfg.data.batch_size, True, cfg.train.seed)
    batches: list[tuple[int, list[int]]] = []
    for epoch in range(1000):
        if len(batches) >= n_batches:
            break
        sampler.set_epoch(epoch)
        # full batches only: the large corpus's epoch has one short batch in 444
        batches += [(epoch, list(b)) for b in sampler if len(b) == cfg.data.batch_size]
    optim = cfg.train.optim
    optimiser = build_adamw(
        model, optim.lr, optim.weight_decay, tuple(optim.betas), optim.gate_lr_scale
    )
    # the large run's schedule: 444 steps an epoch (Lightning's estimated_stepping_batches)
    total = math.ceil(LARGE_TRAIN_CLIPS / cfg.data.batch_size) * cfg.train.epochs
    warmup = round(total * optim.warmup_epochs / cfg.train.epochs)
    scheduler = warmup_cosine(optimiser, total, warmup, optim.min_lr_ratio)
    for row, name in HOOKED.items():
        if row in MODEL_ROWS[stage]:
            timer.hook(model.get_submodule(name), row)
    return StageRun(stage, cfg, pipe, dataset, pipe.collator(), optimiser, scheduler, batches)


def stage_loss(run: StageRun, batch: dict[str, Any]) -> torch.Tensor:
    """What the stage's Lightning ``training_step`` returns."""
    model = run.pipe.model
    if isinstance(model, PGPModel):
        loss = model(batch).loss
        assert loss is not None
        return loss
    return model(batch, label_smoothing=run.cfg.train.optim.label_smoothing)


def load_batch(run: StageRun, timer: PartTimer, source: Any, batch_at: int) -> dict[str, Any]:
    """Batch ``batch_at`` as the ThreadLoader makes it, with the dataset reading ``source``."""
    epoch, indices = run.batches[batch_at]
    run.dataset.set_epoch(epoch)  # the augmentation draws: the same batch, the same frames
    run.dataset.source = TimedSource(source, timer)
    with timer.span(ITEMS):
        items = run.dataset.__getitems__(indices, buffer_pool=run.pool)
    with timer.span("collation"):
        return run.collate(items)


def model_step(run: StageRun, timer: PartTimer, batch: dict[str, Any], bf16: bool) -> None:
    """Forward (the loss), backward and the optimiser on ``batch``, as Lightning's loop."""
    # Lightning's bf16-mixed: autocast around the training step, the backward outside it
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16)
    with timer.span("forward"), autocast:
        loss = stage_loss(run, batch)
    timer.backward(loss, BACKWARD_OF[run.stage])
    with timer.span("optimiser step"):
        clip = run.cfg.train.optim.grad_clip
        if clip > 0:  # Lightning's gradient_clip_val, by the norm
            params = [p for g in run.optimiser.param_groups for p in g["params"]]
            torch.nn.utils.clip_grad_norm_(params, clip)
        run.optimiser.step()
        run.scheduler.step()
        run.optimiser.zero_grad(set_to_none=True)


def timed(
    timer: PartTimer, variants: tuple[str, ...], fn: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """``fn()`` with its parts counted as one step of each of ``variants``."""
    timer.variants = variants
    out = fn()
    timer.steps.update(variants)
    return out


def profile_stage(
    run: StageRun,
    timer: PartTimer,
    sources: dict[str, Any],
    steps: int,
    bf16_steps: int,
    warmup: int,
) -> None:
    """Timed steps on batches 0..steps-1 after ``warmup`` untimed ones on the largest of them.

    Per batch: the full step from the JPEG store (:data:`BASE`); the same batch loaded from
    decoded frames (data parts only: the model step on it is the same computation, and its
    frames are checked to be equal), in turns before or after it; in the first ``bf16_steps``
    batches also a full step under bf16 autocast. The warm-up is on the largest batches: a
    batch larger than any before is slower the first time (the module docstring), a cost of a
    run's first steps, not of every step."""

    def base(i: int) -> dict[str, Any]:
        batch = load_batch(run, timer, sources[BASE], i)
        model_step(run, timer, batch, bf16=False)
        return batch

    def cached(i: int) -> dict[str, Any]:
        return load_batch(run, timer, sources[CACHED], i)

    def bf16(i: int) -> dict[str, Any]:
        model_step(run, timer, load_batch(run, timer, sources[BASE], i), bf16=True)
        return {}

    frames = [sum(run.dataset.lengths[j] for j in run.batches[i][1]) for i in range(steps)]
    largest = sorted(range(steps), key=lambda i: -frames[i])[:warmup]
    for i in largest:
        base(i)
        cached(i)
        if bf16_steps:
            bf16(i)
    timer.reset()
    for i in range(steps):
        # the float32 steps of the bf16 batches also count apart, to compare like with like
        base_counts = (BASE, FP32) if i < bf16_steps else (BASE,)
        order = [(base_counts, base), ((CACHED,), cached)]
        (counts_a, a), (counts_b, b) = order if i % 2 == 0 else order[::-1]
        one = timed(timer, counts_a, partial(a, i))
        two = timed(timer, counts_b, partial(b, i))
        if not torch.equal(one["frames"], two["frames"]):
            raise AssertionError(f"batch {i}: decoded frames differ from the JPEG store's")
        batch = one if a is base else two
        run.frames.append(int(batch["frames"].shape[0]))  # (N, 3, 32, 32): N frames in all
        if "attention_mask" in batch:
            run.tokens.append(int(batch["attention_mask"].sum()))  # (B, L) text tokens
        del one, two, batch  # their buffers go back to the pool
        if i < bf16_steps:
            timed(timer, (BF16,), partial(bf16, i))


# ---- printing -----------------------------------------------------------------------------
def print_profile(run: StageRun, timer: PartTimer, variant: str) -> float:
    """The split of one stage's step; returns its wall seconds."""
    rows = timer.rows(run.stage, variant)
    wall = sum(w for w, _ in rows.values())
    cpu = sum(c for _, c in rows.values())
    title = {"pgp": "stage 1 (PGP)", "translate": "stage 2 end to end"}[run.stage]
    model = run.pipe.model
    if isinstance(model, PGPModel):
        what = f"V = {model.num_pseudo_glosses:,} pseudo-glosses"
    else:
        lm = model.lm.config
        what = (
            f"{np.mean(run.tokens):.0f} text tokens; LM {lm.d_model} wide, {lm.num_layers} "
            f"layers, vocabulary {lm.vocab_size:,}"
        )
    print(
        f"\n{title}, configs/large/{STAGE_RECIPES[run.stage]}: {timer.steps[variant]} steps "
        f"after the warm-up; batches of {run.cfg.data.batch_size} clips, "
        f"{np.mean(run.frames):.0f} frames at {run.cfg.data.image_size} px on average; {what}"
    )
    print(f"  {'part':26s} {'wall s':>8s} {'share':>7s} {'CPU s':>8s} {'share':>7s}")
    for name, (w, c) in rows.items():
        print(f"  {name:26s} {w:8.3f} {w / wall:7.1%} {c:8.3f} {c / cpu:7.1%}")
    print(f"  {'step':26s} {wall:8.3f} {1:7.1%} {cpu:8.3f} {1:7.1%}")
    return wall


def print_side_by_side(run: StageRun, timer: PartTimer, base: str, other: str) -> None:
    """Per-step seconds of ``other`` beside ``base`` (the same batches), with the ratio.
    :data:`CACHED` runs the data parts only: its model rows are the base's."""
    a, b = timer.rows(run.stage, base), timer.rows(run.stage, other)
    model_rows = (
        *MODEL_ROWS[run.stage],
        *(f"backward: {name}" for name in BACKWARD_OF[run.stage]),
        *TAIL_ROWS,
    )
    if other == CACHED:
        b.update({name: a[name] for name in model_rows})
    what = "data parts measured, model step the same" if other == CACHED else "whole steps"
    print(
        f"  side by side, {timer.steps[other]} steps each ({what}): {base} -> {other}; "
        "s per step, ratio = before / after"
    )
    lines = [(name, (name,)) for name in a if max(a[name][0], b[name][0]) >= 0.01]
    lines += [
        ("data (read, augment, collate)", DATA_ROWS),
        ("model (forward, backward, optimiser)", model_rows),
        ("step", tuple(a)),
    ]
    for label, names in lines:
        wa, ca = (sum(a[n][k] for n in names) for k in (0, 1))
        wb, cb = (sum(b[n][k] for n in names) for k in (0, 1))
        print(
            f"    {label:38s} wall {wa:7.3f} -> {wb:7.3f} ({wa / wb:5.2f}x)   "
            f"CPU {ca:7.3f} -> {cb:7.3f} ({ca / cb:5.2f}x)"
        )


def print_machine(work: Path, scale: float) -> None:
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs "
        f"({cpu_flags()}); torch {torch.__version__}, {torch.get_num_threads()} thread; "
        f"Python {platform.python_version()}"
    )
    store = FrameStore(work / "store")
    lengths = [int(r["num_frames"]) for r in store.split("train")]
    print(
        f"data: the large preset at scale {scale:g}: {len(lengths)} training clips of "
        f"{np.mean(lengths):.0f} frames on average ({min(lengths)}..{max(lengths)}), stored at "
        f"{store.size} px"
    )
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


# ---- main ---------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=0.01,
        help="share of the large preset rendered (0.01: 71 training clips, about 15 s)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="untimed steps first, on the largest of the timed batches (at most --steps)",
    )
    parser.add_argument("--steps", type=int, default=6, help="timed steps (batches) per stage")
    parser.add_argument(
        "--stages", nargs="+", choices=list(STAGE_RECIPES), default=list(STAGE_RECIPES)
    )
    parser.add_argument(
        "--bf16-steps",
        type=int,
        default=2,
        help="timed bf16-autocast steps per stage, on the first of the timed batches (0: "
        "skipped); each takes several float32 steps' time on a CPU without bf16 arithmetic",
    )
    parser.add_argument(
        "--dir", help="work folder, kept and reused (default: a temporary one, removed)"
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if not 0 <= args.warmup <= args.steps or args.bf16_steps > args.steps:
        print("step_profile.py: need 0 <= --warmup <= --steps and --bf16-steps <= --steps")
        return 2
    # one thread: what one training process gets on the 2-core machine with a loader thread
    torch.set_num_threads(1)
    tune_allocator()  # as the ThreadLoader does in a training process
    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="s2g-step-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        make_store(work, args.scale)
        write_pseudo_glosses(work / "store", work / "pseudo_glosses.json", LARGE_PSEUDO_GLOSSES)
        write_lm(work / "lm")
        print(f"setup (render, prepare, LM, pseudo-glosses): {time.perf_counter() - t0:.0f} s")
        print_machine(work, args.scale)
        store = FrameStore(work / "store")
        decoded = DecodedFrames(store)
        print(f"decoded frames in memory: {decoded.nbytes / 1e6:.0f} MB for {len(store)} clips")
        sources = {BASE: store, CACHED: decoded}
        for stage in args.stages:
            timer = PartTimer()
            run = build_run(stage, work, timer, args.steps)
            profile_stage(run, timer, sources, args.steps, args.bf16_steps, args.warmup)
            print_profile(run, timer, BASE)
            print_side_by_side(run, timer, BASE, CACHED)
            if args.bf16_steps:
                print_side_by_side(run, timer, FP32, BF16)
        print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
