"""Generate a synthetic corpus: sentences, splits, signers, rendered frames, ground truth.

``generate_grammar_corpus`` (and ``sentences``, for the large preset and a user's own text)
write, under ``out``:
- the dataset in the layout of the real one (``writers.py``): Phoenix14T or CSL-Daily;
- ``groundtruth/<split>/<name>.json`` per clip: sentence, glosses with frame spans and markers,
  per-frame 2D keypoints (pixels of the stored frames), broken and empty frame indices, signer;
- ``groundtruth/lexicon.json``: the sign of every gloss (its phonological features);
- ``groundtruth/manifest.json``: preset, seed, counts, the exact list of bad frame files, signers.

Every file except the frame images is byte-identical for the same arguments (the images are
deterministic too: no timestamps in them). Clips are rendered in worker processes
(:mod:`sign2gpt.synth.clip`); each clip draws from its own random stream, so the worker count
does not change the output.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import shutil
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from sign2gpt.data.pose.skeletons import SYNTH_POINT_NAMES
from sign2gpt.errors import DataError
from sign2gpt.io import progress_bar
from sign2gpt.synth import grammar_de, grammar_zh
from sign2gpt.synth.clip import FPS, ClipJob, lexicon_for, render_clip
from sign2gpt.synth.lexicon import Sign
from sign2gpt.synth.motion import Timing
from sign2gpt.synth.signers import SIGNERS, Signer, signers_for
from sign2gpt.synth.utterance import Utterance
from sign2gpt.synth.writers import LAYOUTS, Layout

SPLITS = ("train", "dev", "test")
VERSION = 1


@dataclass(frozen=True)
class Preset:
    name: str
    counts: tuple[int, int, int]  # train, dev, test clips
    size: tuple[int, int]  # stored frame width, height (folder names stay the datasets')
    timing: Timing
    broken_share: float  # share of frames written as truncated image files
    empty_share: float  # share of frames written as 0-byte files
    supersample: int = 2


PRESETS: dict[str, Preset] = {
    "tiny": Preset("tiny", (20, 5, 5), (48, 48), Timing((8, 9), (2, 3), (2, 3)), 0.02, 0.01),
    "demo": Preset(
        "demo", (2000, 150, 150), (64, 64), Timing((8, 12), (3, 4), (2, 4)), 0.004, 0.002
    ),
    # Phoenix14T's size: sentences from grammar_de_large, signed by the rules of signing.py
    "large": Preset(
        "large", (7096, 519, 642), (64, 64), Timing((8, 12), (3, 4), (2, 4)), 0.004, 0.002
    ),
}


# ---------------------------------------------------------------------------------------------
# sentences and splits


def _sample_splits(
    lang: str, counts: tuple[int, int, int], rng: random.Random
) -> tuple[dict[str, list[Utterance]], int]:
    """Train sentences (duplicates allowed, as in Phoenix14T) and dev/test sentences that never
    occur verbatim in train; dev/test prefer sentences whose words and glosses all occur in
    train (new combinations of known words). Returns the splits and how many dev/test sentences
    had to contain a word unseen in train (0 for the demo preset; the tiny one is too small)."""
    sample = grammar_de.sample_sentence if lang == "de" else grammar_zh.sample_sentence
    n_train, n_dev, n_test = counts
    train = [sample(rng) for _ in range(n_train)]
    seen_text = {u.text for u in train}
    seen_tokens = {w for u in train for w in u.words} | {g for u in train for g in u.glosses}
    held: list[Utterance] = []
    fallback: list[Utterance] = []
    held_text: set[str] = set()
    need = n_dev + n_test
    tries = 0
    while len(held) < need and tries < 500 * need:
        tries += 1
        u = sample(rng)
        if u.text in seen_text or u.text in held_text:
            continue
        if all(t in seen_tokens for t in (*u.words, *u.glosses)):
            held.append(u)
            held_text.add(u.text)
        elif len(fallback) < need and u.text not in {f.text for f in fallback}:
            fallback.append(u)
    unseen = 0
    for u in fallback:
        if len(held) >= need:
            break
        held.append(u)
        unseen += 1
    if len(held) < need:  # pragma: no cover - the grammars have thousands of sentences
        raise DataError(f"could not find {need} dev/test sentences unseen in train")
    return {"train": train, "dev": held[:n_dev], "test": held[n_dev:]}, unseen


SIGNER_WEIGHTS = (16, 14, 12, 12, 11, 10, 9, 9, 8, 8)  # uneven, as real corpora


def _assign_signers(n: int, pool: list[Signer], rng: random.Random) -> list[int]:
    weights = [SIGNER_WEIGHTS[s.id - 1] for s in pool]
    return [rng.choices(pool, weights=weights)[0].id - 1 for _ in range(n)]


def _iter_results(jobs: list[ClipJob], workers: int) -> Iterator[dict]:
    if workers <= 1 or len(jobs) < 8:
        for job in jobs:
            yield render_clip(job)
        return
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ctx.Pool(workers) as pool:
        yield from pool.imap(render_clip, jobs, chunksize=4)


def _pretty_json_bytes(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def prepare_out(out: Path, layout: Layout, overwrite: bool) -> None:
    ours = [*layout.top_dirs, "groundtruth"]
    if out.exists() and not out.is_dir():
        raise DataError(f"{out}: exists and is not a folder")
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise DataError(
                f"{out}: folder exists and is not empty; pass overwrite (--overwrite) to replace "
                "a corpus there"
            )
        for name in ours:
            if (out / name).is_dir():
                shutil.rmtree(out / name)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"{out}: cannot create the folder ({exc.strerror or exc})") from None


def generate_grammar_corpus(
    out: Path | str,
    preset: str,
    fmt: str,
    seed: int,
    signer_independent: bool,
    workers: int,
    overwrite: bool,
    progress: bool,
) -> dict:
    """A grammar preset (tiny, demo) rendered into ``out``; its manifest (also written to
    ``out/groundtruth/manifest.json``)."""
    p = PRESETS[preset]
    layout = LAYOUTS[fmt]
    out = Path(out)
    prepare_out(out, layout, overwrite)
    lang = layout.lang
    rng = random.Random(f"sign2gpt-synth/{seed}/{fmt}/{preset}")
    splits, unseen = _sample_splits(lang, p.counts, rng)

    plan = plan_corpus(out, layout, p, preset, seed, signer_independent, splits, rng)
    lexicon_for(lang)  # build once before forking
    info = {
        "train_unique": len({u.text for u in splits["train"]}),
        "dev_test_with_unseen_words": unseen,
    }
    return render_and_write(plan, lexicon_for(lang), info, workers, progress)


@dataclass
class CorpusPlan:
    """Every clip of a corpus, ready to render: its job and its utterance."""

    out: Path
    layout: Layout
    preset: Preset
    preset_name: str
    seed: int
    signer_independent: bool
    signers: list[Signer]
    held_out: list[Signer]
    jobs: list[ClipJob]
    records: list[tuple[ClipJob, Utterance]]


def plan_corpus(
    out: Path,
    layout: Layout,
    p: Preset,
    preset: str,
    seed: int,
    signer_independent: bool,
    splits: dict[str, list[Utterance]],
    rng: random.Random,
    lexicon: dict[str, Sign] | None = None,
) -> CorpusPlan:
    """Signers, names, frame folders and random streams of every clip. ``lexicon``: the signs
    of a corpus made from sentences (carried by each job); None = the grammar's lexicon."""
    fmt, lang = layout.name, layout.lang
    signers = list(signers_for(fmt))
    held_out = signers[-2:] if signer_independent else []
    pools = {
        "train": [s for s in signers if s not in held_out],
        "dev": held_out or signers,
        "test": held_out or signers,
    }
    jobs: list[ClipJob] = []
    records: list[tuple[ClipJob, Utterance]] = []
    names = layout.namer()
    for split in SPLITS:
        utts = splits[split]
        who = _assign_signers(len(utts), pools[split], rng)
        for u, signer_idx in zip(utts, who):
            index = len(jobs)
            name = names(u, signer_idx, split)
            frame_dir, pattern, first, image_format = layout.frames(out, split, name)
            romanised_text = ""
            if lang == "zh" and lexicon is None:
                romanised_text = " ".join(grammar_zh.LEXICON[w][0] for w in u.words)
            job = ClipJob(
                index=index,
                name=name,
                split=split,
                signer=signer_idx,
                glosses=u.glosses,
                markers=u.markers,
                frame_dir=str(frame_dir),
                frame_pattern=pattern,
                first_index=first,
                image_format=image_format,
                seed=f"sign2gpt-synth/{seed}/{fmt}/{preset}/clip/{index}",
                lang=lang,
                size=p.size,
                timing=p.timing,
                broken_share=p.broken_share,
                empty_share=p.empty_share,
                supersample=p.supersample,
                text=u.text,
                romanised=u.romanised,
                romanised_text=romanised_text,
                gt_path=str(out / "groundtruth" / split / f"{name}.json"),
                signs=tuple(lexicon[g] for g in u.glosses) if lexicon is not None else (),
            )
            jobs.append(job)
            records.append((job, u))
    return CorpusPlan(out, layout, p, preset, seed, signer_independent, signers, held_out, jobs,
                      records)  # fmt: skip


def render_and_write(
    plan: CorpusPlan,
    lexicon: dict[str, Sign],
    sentences_info: dict,
    workers: int,
    progress: bool,
    extra: dict | None = None,
) -> dict:
    """Render every clip, write the annotations, the lexicon and the manifest; return it.
    ``extra`` adds keys at the end of the manifest (corpora made from sentences)."""
    out, layout, p, preset = plan.out, plan.layout, plan.preset, plan.preset_name
    jobs, records, signers = plan.jobs, plan.records, plan.signers
    fmt, lang = layout.name, layout.lang
    gt_root = out / "groundtruth"
    results: list[dict] = []
    bar = progress_bar(
        _iter_results(jobs, workers),
        total=len(jobs),
        desc=f"synth {preset}/{fmt}",
        unit="clip",
        file=sys.stderr,
        disable=not progress,
    )
    try:
        results.extend(bar)
        layout.write_annotations(out, [(job, u, gt) for (job, u), gt in zip(records, results)])
        (gt_root / "lexicon.json").write_bytes(
            _pretty_json_bytes({g: s.to_json() for g, s in sorted(lexicon.items())})
        )
    except OSError as exc:
        raise DataError(f"{out}: cannot write the corpus ({exc.strerror or exc})") from None
    total = sum(r["num_frames"] for r in results)
    bad = []
    for (job, _), r in zip(records, results):
        for kind, key in (("truncated", "broken_frames"), ("empty", "empty_frames")):
            for i in r[key]:
                path = Path(job.frame_dir) / job.frame_pattern.format(i + job.first_index)
                bad.append({"path": path.relative_to(out).as_posix(), "kind": kind})
    bad.sort(key=lambda b: b["path"])
    n_trunc = sum(b["kind"] == "truncated" for b in bad)
    words = {w for _, u in records for w in u.words}
    used = {s.id - 1 for s in signers}
    manifest = {
        "generator": "sign2gpt.synth",
        "version": VERSION,
        "format": fmt,
        "preset": preset,
        "seed": plan.seed,
        "lang": lang,
        "signer_independent": plan.signer_independent,
        "frame_size": list(p.size),
        "fps": FPS,
        "timing": asdict(p.timing),
        "counts": {s: sum(1 for j, _ in records if j.split == s) for s in SPLITS},
        "sentences": sentences_info,
        "frames": {"total": total, "truncated": n_trunc, "empty": len(bad) - n_trunc},
        "bad_frame_share": round(len(bad) / total, 6) if total else 0.0,
        "bad_frames": bad,
        "glosses": len({g for _, u in records for g in u.glosses}),
        "lexicon_glosses": len(lexicon),
        "word_forms": len(words),
        "signers": [
            {
                **s.to_json(),
                "clips": {
                    sp: sum(1 for j, _ in records if j.split == sp and j.signer == s.id - 1)
                    for sp in SPLITS
                },
            }
            for s in SIGNERS
            if s.id - 1 in used
        ],
        "held_out_signers": [s.name for s in plan.held_out],
        "example_clip": Path(jobs[0].frame_dir).relative_to(out).as_posix(),
        "keypoint_names": list(SYNTH_POINT_NAMES),
        "conventions": {
            "frame_index": "0-based position in the clip's sorted frame files",
            "span": "glosses[].start inclusive, glosses[].end exclusive (frame indices)",
            "keypoints": "pixels of the stored frame, x right, y down; per frame, in "
            "keypoint_names order; points of a hand hidden behind the other are still given",
            "frame_gloss": "index into glosses of the sign shown by each frame, -1 = transition "
            "or rest",
        },
        **(extra or {}),
    }
    try:
        (gt_root / "manifest.json").write_bytes(_pretty_json_bytes(manifest))
    except OSError as exc:
        raise DataError(f"{gt_root}: cannot write the manifest ({exc.strerror or exc})") from None
    return manifest
