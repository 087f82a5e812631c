"""Each step of the method as one typed function: the work of one ``sign2gpt`` subcommand and
the lines it prints. The subcommand parses its arguments and calls the function; ``demo`` and
``ablate`` call the same functions through a :class:`~sign2gpt.workflow.chain.StepChain`.

A step that trains or evaluates loads its recipe with its overrides itself
(:func:`sign2gpt.config.load_config`), once; no step writes into a config it was given. The
heavy libraries (torch, Lightning) are imported when a step runs, so ``sign2gpt --help`` and
``synth`` start fast.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sign2gpt.config import DataConfig, PseudoGlossConfig, Stage, load_config
from sign2gpt.errors import Sign2GPTError
from sign2gpt.runs import eval_folder

if TYPE_CHECKING:
    from sign2gpt.data.pose.store import PoseSource
    from sign2gpt.synth.sentences import SentenceFile
    from sign2gpt.text.pseudo_gloss import PseudoGlossVocab
    from sign2gpt.train.runner import Resume

STAGE_NAMES: dict[Stage, str] = {Stage.PGP: "stage-1", Stage.TRANSLATE: "translation"}


def synth_corpus(
    out: Path,
    preset: str = "demo",
    fmt: str | None = None,
    seed: int = 0,
    signer_independent: bool = False,
    workers: int = 2,
    overwrite: bool = False,
    sentences: SentenceFile | None = None,
) -> dict[str, Any]:
    """Render the synthetic corpus of ``preset`` (or of a user's ``sentences``) into ``out``;
    returns its manifest."""
    from sign2gpt.synth import generate_corpus
    from sign2gpt.synth.generate import describe_corpus
    from sign2gpt.synth.sentences import generate_from_file

    start = time.perf_counter()
    if sentences is not None:
        manifest = generate_from_file(
            sentences, out, fmt, seed, signer_independent, workers, overwrite
        )
    else:
        manifest = generate_corpus(
            out, preset, fmt or "phoenix14t", seed, signer_independent, workers, overwrite
        )
    seconds = time.perf_counter() - start
    print(describe_corpus(manifest, out))
    print(
        f"rendered in {seconds:.1f} s with {workers} worker(s); ground truth in "
        f"{out / 'groundtruth'}"
    )
    return manifest


def prepare_corpus(
    dataset: str,
    root: str | Path,
    out: Path,
    data: DataConfig,
    workers: int,
    quality: int = 90,
    pose: PoseSource | None = None,
    frames: bool = True,
    progress: bool = True,
) -> None:
    """The prepared store of a corpus in ``out``: its frames at ``data.store_size`` (within
    ``data.max_pixels`` / ``data.max_frame_bytes``) unless ``frames`` is False, and its
    keypoints from ``pose``. Resumable: what is stored already is kept."""
    from sign2gpt.data.pose.store import prepare_keypoints
    from sign2gpt.data.prepare import corpus_records, prepare_store

    if not frames and pose is None:
        raise Sign2GPTError("--no-frames stores keypoints only: give --pose SOURCE too")
    records = corpus_records(dataset, root)
    if frames:
        summary = prepare_store(
            records,
            out,
            data.store_size,
            quality,
            workers,
            dataset,
            str(root),
            progress,
            max_pixels=data.max_pixels,
            max_frame_bytes=data.max_frame_bytes,
        )
        print(summary.format())
    if pose is not None:
        estimators = workers if pose.describe() != "estimate" else 1  # one pose estimator
        keypoints = prepare_keypoints(records, out, pose, root, estimators, progress)
        print(keypoints.format())


def make_pseudo_glosses(
    dataset: str,
    root: str | Path,
    out: Path,
    lang: str | None = None,
    settings: PseudoGlossConfig | None = None,
    progress: bool = True,
) -> PseudoGlossVocab:
    """The pseudo-gloss file of a corpus, written to ``out``; ``lang`` defaults to the
    dataset's."""
    from sign2gpt.text.pseudo_gloss import build_from_dataset, format_summary

    start = time.perf_counter()
    vocab = build_from_dataset(dataset, root, lang, settings, progress=progress)
    vocab.save(out)
    print(format_summary(vocab))
    seconds = time.perf_counter() - start
    print(f"wrote {out} ({len(vocab.clips)} clips) in {seconds:.1f} s")
    return vocab


def pretrain_lm(recipe: str | Path, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """The offline stand-in LM of ``recipe`` (its ``lm_pretrain`` settings); returns its
    report."""
    from sign2gpt.train.lm_pretrain import run_lm_pretrain

    report = run_lm_pretrain(load_config(recipe, list(overrides)))
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
    return report


def train_stage(
    recipe: str | Path,
    overrides: Sequence[str] = (),
    stage: Stage = Stage.TRANSLATE,
    resume: Resume = "auto",
    verbose: bool = False,
) -> Path:
    """Train ``stage`` with ``recipe`` and ``overrides`` (the stage wins over the recipe's
    ``train.stage``); returns the best checkpoint folder. A finished run is left as it is."""
    from lightning.pytorch.utilities import rank_zero_only

    from sign2gpt.train.runner import run_training

    cfg = load_config(recipe, [*overrides, f"train.stage={stage.value}"])
    best = run_training(cfg, resume=resume, verbose=verbose)
    if rank_zero_only.rank == 0:  # one line, not one per process
        print(f"best {STAGE_NAMES[stage]} checkpoint: {best}")
    return best


def extract_sign_features(
    checkpoint: Path,
    out: Path,
    views: int = 0,
    splits: tuple[str, ...] = ("train", "dev", "test"),
    store: str | None = None,
    batch_size: int | None = None,
    device: str = "cpu",
) -> dict[str, int]:
    """Cache Z of the stage-1 ``checkpoint`` in the feature store ``out`` (resumable); the clip
    views computed now, per ``split/view``."""
    from sign2gpt.infer.features import extract_features

    counts = extract_features(
        checkpoint,
        out,
        views=views,
        splits=splits,
        store=store,
        batch_size=batch_size,
        device=device,
    )
    for key, n in counts.items():
        print(f"{key}: {n} clip views extracted")
    print(f"feature store: {out}")
    return counts


def evaluate_on_split(
    checkpoint: Path,
    split: str = "test",
    out: Path | None = None,
    store: str | None = None,
    batch_size: int | None = None,
    num_beams: int | None = None,
    heatmaps: int = 3,
    device: str = "cpu",
    bleurt: str | None = None,
    no_repeat_ngram_size: int | None = None,
) -> dict[str, Any]:
    """Score ``checkpoint`` on ``split`` into ``out`` (default :func:`sign2gpt.runs.eval_folder`
    of the checkpoint, where :meth:`sign2gpt.runs.RunFolder.scores` finds them); the metrics."""
    from sign2gpt.evaluate.runner import evaluate_checkpoint
    from sign2gpt.metrics.tables import format_metrics

    result = evaluate_checkpoint(
        checkpoint,
        split=split,
        out_dir=out,
        store=store,
        batch_size=batch_size,
        num_beams=num_beams,
        heatmaps=heatmaps,
        device=device,
        bleurt=bleurt,
        no_repeat_ngram_size=no_repeat_ngram_size,
    )
    print(f"loaded {checkpoint} in {result['load_seconds']:.1f} s")
    print(format_metrics(result))
    print(f"written to {out or eval_folder(checkpoint)}/")
    return result
