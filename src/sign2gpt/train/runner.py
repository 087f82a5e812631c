"""One training stage: recipe -> pipeline, Lightning trainer -> checkpoint folder.

``train.out_dir`` is a run folder (:mod:`sign2gpt.runs` has its layout).

What a re-run does:
- a finished run (``DONE``) is left as it is and says so, unless asked to continue
  (``resume="continue"``: on from its last checkpoint, e.g. with more epochs) or to start over
  (``resume="overwrite"``);
- an unfinished run resumes from ``checkpoints/last.ckpt`` (written every
  ``train.checkpoint_every_steps`` steps and at the end), read with weights-only loading: a
  crafted file cannot run code, it is refused with one line;
- an unfinished run that stopped before its first checkpoint starts over, says so, and drops
  the ``best/`` it left behind.
Only rank 0 writes files and prints.
"""

from __future__ import annotations

import json
import logging
import pickle
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import lightning as L
import torch
from lightning.pytorch.callbacks import (
    Callback,
    Checkpoint,
    LearningRateMonitor,
    ModelCheckpoint,
    TQDMProgressBar,
)
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
from lightning.pytorch.strategies import Strategy
from lightning.pytorch.utilities import rank_zero_only

from sign2gpt.config import Config, save_config
from sign2gpt.data.loader import release_free_memory
from sign2gpt.errors import CheckpointError, Sign2GPTError
from sign2gpt.io import writable_folder
from sign2gpt.models.checkpoint import METRICS_FILE
from sign2gpt.runs import RunFolder
from sign2gpt.train.datamodule import SignDataModule
from sign2gpt.train.factory import pipeline_for_training
from sign2gpt.train.gates import GATES_FILE, GateLog
from sign2gpt.train.modules import StageModule, lightning_module

log = logging.getLogger(__name__)

Resume = Literal["auto", "continue", "overwrite"]


def cpu_has_bf16() -> bool:
    """Whether this CPU computes in bf16 (AVX512-BF16 or AMX tiles). Without them torch's bf16
    autocast converts to float32 and back around every matmul: 18x slower than float32 at the
    large recipe's shapes on an AVX2 CPU (benchmarks/cpu_bf16.py)."""
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in probes)


def resolve_precision(precision: str, accelerator: str) -> str:
    """bf16 where the device computes in it, else full precision (never silently fp16)."""
    if not precision.startswith("bf16"):
        return precision
    wants_gpu = accelerator in ("gpu", "cuda") or (
        accelerator == "auto" and torch.cuda.is_available()
    )
    if wants_gpu and torch.cuda.is_available():
        if not torch.cuda.is_bf16_supported():
            log.warning("bf16 is not supported on this GPU: training in 32-bit")
            return "32-true"
        return precision
    if not cpu_has_bf16():
        log.warning("this CPU has no bf16 arithmetic (AVX512-BF16 or AMX): training in 32-bit")
        return "32-true"
    return precision


def build_strategy(cfg: Config) -> Strategy | str:
    """The distributed strategy of ``train.strategy``; FSDP needs GPUs (said before anything
    is written)."""
    strategy = cfg.train.strategy
    if strategy == "fsdp":
        from lightning.pytorch.strategies import FSDPStrategy

        from sign2gpt.models.lm import decoder_layer_classes
        from sign2gpt.models.spatial import backbone_layer_classes

        # Frozen and trainable parameters share blocks: flat parameters must keep the
        # original ones (use_orig_params) so requires_grad survives the wrapping.
        return FSDPStrategy(
            auto_wrap_policy=set(decoder_layer_classes()) | set(backbone_layer_classes()),
            use_orig_params=True,
            state_dict_type="full",
        )
    if strategy == "ddp":
        from lightning.pytorch.strategies import DDPStrategy

        # No search for unused parameters after each forward: DDP reduces only parameters that
        # require grad (the frozen ones are outside it), stage 2 holds no PGP head, and every
        # trainable parameter takes part in each loss (the ViT's unused mask token is frozen).
        # A trainable parameter left out of the loss would fail the next step, loudly.
        return DDPStrategy(find_unused_parameters=False, static_graph=False)
    return "auto"


def check_devices(cfg: Config) -> None:
    """Settings this machine cannot run, as one line before anything is written."""
    train = cfg.train
    cpu = train.accelerator == "cpu" or not torch.cuda.is_available()
    if train.strategy == "fsdp" and cpu:
        raise Sign2GPTError(
            "train.strategy=fsdp needs CUDA GPUs (none here, or train.accelerator=cpu): use "
            "train.strategy=ddp or auto"
        )


class EpochLines(Callback):
    """One line per epoch instead of a progress bar when stderr is not a terminal (a log file,
    a pipe, CI): a bar's carriage-return updates would fill the file with thousands of them."""

    def __init__(self) -> None:
        self.start = 0.0
        self.validated = False

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.start, self.validated = time.perf_counter(), False

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.validated = True

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        # the dev metrics only in the epochs that computed them (callback_metrics keeps old ones)
        prefixes = ("train/loss", "val/") if self.validated else ("train/loss",)
        shown = ", ".join(
            f"{k} {float(v):.4g}"
            for k, v in sorted(trainer.callback_metrics.items())
            if k.startswith(prefixes) and v.numel() == 1
        )
        epochs = trainer.max_epochs if trainer.max_epochs and trainer.max_epochs > 0 else "?"
        seconds = time.perf_counter() - self.start
        print(
            f"epoch {trainer.current_epoch + 1}/{epochs} in {seconds:.0f} s: {shown}",
            file=sys.stderr,
        )


class ReleaseMemory(Callback):
    """Every ``every`` training steps and after each validation, the C heap's free pages go back
    to the kernel (:func:`sign2gpt.data.loader.release_free_memory`): the peak memory of a run
    stays near what it uses instead of growing with the heap's fragments."""

    def __init__(self, every: int) -> None:
        self.every = every

    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, *args: object
    ) -> None:
        if trainer.global_step % self.every == 0:
            release_free_memory()

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        release_free_memory()


class FinalCheckpoint(Checkpoint):
    """Writes ``last.ckpt`` once more when training ends: Lightning writes a final one only
    when no periodic one was written, so a resumed finished run would otherwise redo its tail.
    A ``Checkpoint`` so that Lightning runs it after the periodic ``ModelCheckpoint``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        trainer.save_checkpoint(self.path)


def make_trainer(
    cfg: Config,
    module: StageModule,
    out_dir: Path,
    callbacks: Sequence[Callback] = (),
    verbose: bool = False,
) -> L.Trainer:
    train = cfg.train
    folder = RunFolder(out_dir)
    # Lightning's notices (devices, tips, limit_val_batches) only with -v: its import sets its
    # loggers to INFO, so this is done here, after the import, not at the command line.
    for name in ("lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)
    # last.ckpt every `checkpoint_every_steps` steps: a killed run loses at most that many.
    periodic = ModelCheckpoint(
        dirpath=folder.checkpoints,
        save_top_k=0,
        save_last=True,
        every_n_train_steps=train.checkpoint_every_steps,
        enable_version_counter=False,  # one last.ckpt, overwritten: never last-v1.ckpt
    )
    every = train.release_memory_every_steps
    release = [ReleaseMemory(every)] if every else []
    # A new version_N folder per (re)start: a resumed run never overwrites the earlier logs.
    loggers = [
        CSVLogger(folder.logs, name="csv"),
        TensorBoardLogger(folder.logs, name="tensorboard"),
    ]
    return L.Trainer(
        accelerator=train.accelerator,
        devices=train.devices,
        num_nodes=train.num_nodes,
        strategy=build_strategy(cfg),
        precision=resolve_precision(train.precision, train.accelerator),
        max_epochs=train.epochs,
        max_steps=train.max_steps,
        gradient_clip_val=train.optim.grad_clip,
        check_val_every_n_epoch=train.val_every_epochs,
        log_every_n_steps=train.log_every_steps,
        limit_val_batches=train.limit_val_batches,
        callbacks=[
            periodic,
            FinalCheckpoint(folder.last),
            LearningRateMonitor("step"),
            TQDMProgressBar(refresh_rate=5) if sys.stderr.isatty() else EpochLines(),
            # stage 2: how the zero-initialised gates open (logs/gates.csv, `sign2gpt report`)
            GateLog(folder.logs / GATES_FILE, train.log_every_steps),
            *release,
            *callbacks,
        ],
        logger=loggers,
        use_distributed_sampler=False,  # LengthBucketSampler shards by itself
        num_sanity_val_steps=0,
        enable_model_summary=verbose,
        enable_progress_bar=sys.stderr.isatty(),
        default_root_dir=out_dir,
    )


def _say(message: str) -> None:
    if rank_zero_only.rank == 0:
        print(message, flush=True)


def run_training(
    cfg: Config,
    resume: Resume = "auto",
    callbacks: Sequence[Callback] = (),
    verbose: bool = False,
) -> Path:
    """Train the stage ``cfg.train.stage`` names; returns the best checkpoint folder
    (``out_dir/best``). See the module docstring for what a re-run does."""
    check_devices(cfg)
    out_dir = Path(cfg.train.out_dir)
    folder = RunFolder(out_dir)
    if folder.finished and resume == "auto":
        _say(
            f"{out_dir}: finished already ({folder.summary()}); nothing to do "
            "(--continue trains on from its last checkpoint, --overwrite starts over)"
        )
        return folder.best
    L.seed_everything(cfg.train.seed, workers=True, verbose=False)
    pipeline = pipeline_for_training(cfg)  # fails on a bad input before anything is written
    cfg = pipeline.cfg  # with what the store decided (the skeleton a pose model reads)
    module = lightning_module(pipeline.model, cfg)
    datamodule = SignDataModule(pipeline)
    for split in ("train", "dev"):  # opened now: a wrong store is refused before any write
        datamodule.dataset(split)

    ckpt_path = _prepare_folder(folder, cfg, resume)
    metrics_seen: dict[str, float] = {}

    def export_best(metrics: dict[str, float]) -> None:
        metrics_seen.update(metrics)
        pipeline.model.save(
            folder.best, cfg, tokenizer=pipeline.tokenizer, vocab=pipeline.vocab, metrics=metrics
        )

    module.export_best = export_best
    trainer = make_trainer(cfg, module, out_dir, callbacks, verbose)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # Lightning warns that few workers are used and that a small dataset logs rarely.
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        warnings.filterwarnings("ignore", message=".*log_every_n_steps.*")
        # The frozen backbone / LM stay in eval mode on purpose (no dropout in frozen parts).
        warnings.filterwarnings("ignore", message=".*module\\(s\\) in eval mode.*")
        warnings.filterwarnings("ignore", message=".*treespec, LeafSpec.*")
        warnings.filterwarnings("ignore", message=".*`ckpt_path`, callbacks used to create.*")
        try:
            trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path, weights_only=True)
        except pickle.UnpicklingError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
            raise CheckpointError(
                f"{ckpt_path}: refused (weights-only loading allows tensors and plain values, "
                f"and this file holds more: {reason}); delete it or use --overwrite"
            ) from None
    if trainer.is_global_zero:
        if not folder.best.is_dir():
            # No validation ran (e.g. max_steps reached first): export what we have.
            export_best({module.monitor: float("nan"), "step": trainer.global_step})
        notes = module.run_notes()
        for note in notes:  # said loudly: in the log, in best/metrics.json and in DONE
            log.warning("%s: %s", out_dir, note)
        _add_notes(folder.best / METRICS_FILE, notes)
        info = {
            module.monitor: _best_score(folder.best, module.monitor),
            "epochs": trainer.current_epoch,
            "steps": trainer.global_step,
            "seconds": round(time.perf_counter() - start, 1),
            "warnings": notes,
        }
        folder.done.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return folder.best


def _add_notes(metrics_file: Path, notes: list[str]) -> None:
    """The run's warnings into the best checkpoint's metrics.json (``warnings``)."""
    try:
        metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    metrics["warnings"] = notes
    metrics_file.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n", "utf-8")


def _best_score(best: Path, monitor: str) -> float | None:
    try:
        return json.loads((best / METRICS_FILE).read_text()).get(monitor)
    except (OSError, ValueError):
        return None


def _prepare_folder(folder: RunFolder, cfg: Config, resume: Resume) -> str | None:
    """Make the run folder ready; the checkpoint to resume from, if any."""
    out_dir = folder.out_dir
    if resume == "overwrite" and rank_zero_only.rank == 0:
        folder.clear()
    resuming = cfg.train.resume and resume != "overwrite" and folder.last.is_file()
    if rank_zero_only.rank == 0:
        writable_folder(out_dir, Sign2GPTError, "run folder (train.out_dir)")
        folder.done.unlink(missing_ok=True)
        had_checkpoint = folder.last.is_file()
        if not resuming and resume != "overwrite" and folder.drop_stale():
            why = (
                "train.resume is false"
                if had_checkpoint
                else "no checkpoint to resume from: the earlier run stopped before its first one"
            )
            _say(f"{out_dir}: {why}; starting over")
        save_config(cfg, folder.config)
    if resuming:
        _say(f"resuming from {folder.last}")
        return str(folder.last)
    return None
