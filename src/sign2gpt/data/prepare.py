"""Writing the prepared frame store (``sign2gpt prepare``; the layout is that of
:mod:`sign2gpt.data.store`): decode, resize and JPEG-encode every clip in worker processes.

Robustness: a clip file is written to a temporary name and renamed when complete; its index row
is appended only after that. A later run drops a cut last index line, re-checks every listed
file's size, removes temporary files and does only what is missing. ``DONE`` is written last.
A write that fails (a read-only folder, a full disk) stops the run with one DataError line
naming the folder, leaving no temporary file and no ``DONE``; a finished store is only read by
a later run with nothing to do, so that run succeeds in a read-only folder.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sign2gpt.data.clip_file import VERSION, clip_filename, write_clip_file
from sign2gpt.data.frames import (
    MAX_FRAME_BYTES,
    MAX_PIXELS,
    NoReadableFrames,
    check_limits,
    encode_jpeg,
    read_clip,
)
from sign2gpt.data.records import ClipRecord
from sign2gpt.data.store import CLIPS, DONE, FORMAT, INDEX, META, read_index
from sign2gpt.errors import DataError
from sign2gpt.io import os_reason

TaskT = TypeVar("TaskT")
ResultT = TypeVar("ResultT")

CHROMA = "4:2:0"  # JPEG chroma subsampling (sign2gpt.data.frames.encode_jpeg)
# settings of stores made before meta.json named them (for resuming those)
_LEGACY_META = {"chroma": "4:4:4"}


@dataclass
class PrepareSummary:
    out: str
    size: int
    quality: int
    clips_total: int = 0
    clips_used: int = 0
    made_now: int = 0
    done_before: int = 0
    frames_used: int = 0
    frames_repaired: int = 0
    clips_repaired: int = 0
    packets_dropped: int = 0
    bytes: int = 0
    splits: dict[str, int] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def format(self) -> str:
        splits = ", ".join(f"{k} {v}" for k, v in sorted(self.splits.items()))
        lines = [
            f"prepared {self.clips_used} of {self.clips_total} clips ({splits}), "
            f"{self.frames_used:,} frames as {self.size}x{self.size} JPEG q{self.quality}, "
            f"{self.bytes / 1e6:.1f} MB in {self.out}",
            f"  this run made {self.made_now} clips; {self.done_before} were done before",
            f"  repaired {self.frames_repaired} broken or empty frames in {self.clips_repaired} "
            f"clips (replaced by the nearest readable frame); dropped {self.packets_dropped} "
            "undecodable video packets",
            f"  skipped {len(self.skipped)} clips with no readable frame"
            + (":" if self.skipped else ""),
        ]
        lines += [f"    {s['id']}: {s['reason']}" for s in self.skipped]
        return "\n".join(lines)


@dataclass(frozen=True)
class _Task:
    """One clip for a worker process."""

    record: dict[str, Any]
    order: int
    out: str
    size: int
    quality: int
    max_pixels: int = MAX_PIXELS
    max_frame_bytes: int = MAX_FRAME_BYTES


def _write_error(out: Path, exc: OSError) -> DataError:
    """One line naming the store folder, the reason and the file being written."""
    where = ""
    if exc.filename:
        name = Path(os.fsdecode(exc.filename))
        if name != out:
            where = f" ({name.relative_to(out) if name.is_relative_to(out) else name})"
    return DataError(f"{out}: cannot write the store: {os_reason(exc)}{where}")


@contextmanager
def _writing(out: Path) -> Iterator[None]:
    """Turns a failed write into the store (read-only folder, full disk) into a DataError."""
    try:
        yield
    except OSError as exc:
        raise _write_error(out, exc) from None


def _write_text(path: Path, text: str) -> None:
    """Write a small file atomically (temporary file + rename); no temporary left on failure."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _prepare_one(task: _Task) -> dict[str, Any]:
    """Decode, resize, encode and write one clip (runs in a worker process)."""
    record = task.record
    try:
        clip = read_clip(
            record["source"],
            record["start"],
            record["end"],
            task.size,
            max_pixels=task.max_pixels,
            max_frame_bytes=task.max_frame_bytes,
        )
    except NoReadableFrames as exc:
        return {"skipped": {"id": record["id"], "reason": str(exc)}}
    except OSError as exc:  # a read, not a write into the store: name the source
        raise DataError(f"{record['source']}: cannot read ({os_reason(exc)})") from None
    jpegs = [encode_jpeg(frame, task.quality) for frame in clip.frames]
    name = f"{CLIPS}/{clip_filename(record['id'])}"
    height, width = clip.frames.shape[1:3]
    out = Path(task.out)
    with _writing(out):
        nbytes = write_clip_file(out / name, jpegs, height, width)
    row = {k: record[k] for k in ("id", "split", "signer", "text", "gloss")}
    row.update(
        num_frames=len(jpegs),
        height=int(height),
        width=int(width),
        file=name,
        bytes=nbytes,
        repaired=clip.repaired,
        dropped=clip.dropped,
        order=task.order,
        source=record["source"],
        start=record["start"],
        end=record["end"],
    )
    return {"row": row}


def _open_meta(out: Path, meta: dict[str, Any]) -> None:
    path = out / META
    if path.is_file():
        old = json.loads(path.read_text(encoding="utf-8"))
        for key in ("format", "version", "size", "quality", "chroma"):
            made = old.get(key, _LEGACY_META.get(key))
            if made != meta.get(key):
                raise DataError(
                    f"{path}: this store was made with {key} {made!r}, not "
                    f"{meta.get(key)!r}; use another --out folder or delete this one"
                )
        return
    _write_text(path, json.dumps(meta, indent=2) + "\n")


def _resume_state(out: Path, records: list[ClipRecord]) -> dict[str, dict[str, Any]]:
    """Rows of clips that are really done; rewrites the index without a cut line, stale rows
    or rows whose file is missing or of the wrong size; removes temporary and orphan files."""
    rows, cut = read_index(out)
    wanted = {r.id: (order, r) for order, r in enumerate(records)}
    done: dict[str, dict[str, Any]] = {}
    changed = cut
    for row in rows:
        order, record = wanted.get(row.get("id"), (0, None))
        path = out / str(row.get("file", ""))
        if record is None or not path.is_file() or path.stat().st_size != row.get("bytes"):
            changed = True
            continue
        # Annotations may have been corrected since: the frames stay, the labels follow.
        fresh = {k: getattr(record, k) for k in ("split", "signer", "text", "gloss")}
        fresh["order"] = order
        if any(row.get(k) != v for k, v in fresh.items()):
            row.update(fresh)
            changed = True
        done[row["id"]] = row
    if changed:
        _write_text(
            out / INDEX, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in done.values())
        )
    keep = {Path(r["file"]).name for r in done.values()}
    for path in (out / CLIPS).iterdir():
        if ".tmp" in path.name or (path.suffix == ".s2f" and path.name not in keep):
            path.unlink()
    return done


def pool_map(
    fn: Callable[[TaskT], ResultT], tasks: Sequence[TaskT], workers: int
) -> Iterator[ResultT]:
    """``fn`` over ``tasks`` in ``workers`` processes, results as they finish (in this process
    when one worker or one task). ``fn`` must be a module-level function (it is pickled)."""
    if workers <= 1 or len(tasks) <= 1:
        yield from map(fn, tasks)
        return
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    with mp.get_context(method).Pool(workers) as pool:
        yield from pool.imap_unordered(fn, tasks, chunksize=1)


def prepare_store(
    records: list[ClipRecord],
    out: str | Path,
    size: int = 256,
    quality: int = 90,
    workers: int | None = None,
    dataset: str = "",
    root: str = "",
    progress: bool = True,
    *,
    max_pixels: int = MAX_PIXELS,
    max_frame_bytes: int = MAX_FRAME_BYTES,
) -> PrepareSummary:
    """Write (or finish) the prepared store of ``records`` in ``out``; see the module doc.

    ``max_pixels`` / ``max_frame_bytes``: frames above them are refused as broken (repaired
    from a neighbour), videos above ``max_pixels`` stop the run (see
    :data:`sign2gpt.config.MAX_PIXELS` and :data:`~sign2gpt.config.MAX_FRAME_BYTES`).
    """
    out = Path(out)
    if size < 16:
        raise DataError(f"--size {size}: too small (frames are stored at size x size)")
    if not 1 <= quality <= 100:
        raise DataError(f"--quality {quality}: must be 1..100")
    check_limits(max_pixels, max_frame_bytes)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "size": size,
        "quality": quality,
        "chroma": CHROMA,
        "dataset": dataset,
        "root": root,
        "resize": "stretched to size x size, PIL bicubic (aspect not kept)",
    }
    with _writing(out):
        (out / CLIPS).mkdir(parents=True, exist_ok=True)
        _open_meta(out, meta)
        done = _resume_state(out, records)
    summary = PrepareSummary(str(out), size, quality, clips_total=len(records))
    summary.done_before = len(done)
    pending = [
        _Task(r.to_dict(), order, str(out), size, quality, max_pixels, max_frame_bytes)
        for order, r in enumerate(records)
        if r.id not in done
    ]
    if workers is None:
        workers = os.cpu_count() or 1
    retried = _skipped_before(out)
    if any(t.record["id"] not in retried for t in pending):
        with _writing(out):
            (out / DONE).unlink(missing_ok=True)  # clips to add: the store is not done
    # (clips DONE lists as skipped are tried again; DONE goes only if one now reads)
    _make_clips(pending, workers, out, done, summary, progress)
    summary.skipped.sort(key=lambda s: s["id"])
    for row in done.values():
        summary.clips_used += 1
        summary.frames_used += int(row["num_frames"])
        summary.frames_repaired += int(row.get("repaired", 0))
        summary.clips_repaired += int(row.get("repaired", 0) > 0)
        summary.packets_dropped += int(row.get("dropped", 0))
        summary.bytes += int(row["bytes"])
    summary.splits = dict(Counter(row["split"] for row in done.values()))
    # What the store holds (not what this run did), so that a re-run leaves DONE unchanged.
    stats = {k: v for k, v in summary.to_dict().items() if k not in ("made_now", "done_before")}
    text = json.dumps(stats, indent=2, ensure_ascii=False) + "\n"
    done_path = out / DONE
    if not done_path.is_file() or done_path.read_text(encoding="utf-8") != text:
        with _writing(out):
            _write_text(done_path, text)
    return summary


def _skipped_before(out: Path) -> set[str]:
    """Ids of the clips the store's DONE lists as skipped (no readable frame)."""
    try:
        stats = json.loads((out / DONE).read_text(encoding="utf-8"))
        return {str(s["id"]) for s in stats.get("skipped", [])}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return set()


def _make_clips(
    pending: list[_Task],
    workers: int,
    out: Path,
    done: dict[str, dict[str, Any]],
    summary: PrepareSummary,
    progress: bool,
) -> None:
    """Run the pending clips through the workers, appending each finished clip's index row.

    The store is touched only when a clip is made: a run whose pending clips are all skipped
    again (no readable frame) changes nothing, and so succeeds in a read-only folder."""
    from sign2gpt.io import progress_bar

    with ExitStack() as stack:
        index = None
        results = pool_map(_prepare_one, pending, workers)
        bar = progress_bar(
            results, total=len(pending), desc="prepare", unit="clip", disable=not progress
        )
        for result in bar:
            if "skipped" in result:
                summary.skipped.append(result["skipped"])
                continue
            row = result["row"]
            with _writing(out):  # (a worker's own writes fail as a DataError already)
                if index is None:  # the store changes from here on: not done until DONE
                    (out / DONE).unlink(missing_ok=True)
                    index = stack.enter_context(open(out / INDEX, "a", encoding="utf-8"))
                # The clip file is complete (renamed into place) before its row is written.
                index.write(json.dumps(row, ensure_ascii=False) + "\n")
                index.flush()
            done[row["id"]] = row
            summary.made_now += 1
        if index is not None:
            with _writing(out):
                os.fsync(index.fileno())


def corpus_records(dataset: str, root: str | Path) -> list[ClipRecord]:
    """Every clip of corpus ``dataset`` under ``root``; none at all is an error."""
    from sign2gpt.data.readers import read_dataset

    records = read_dataset(dataset, root)
    if not records:
        raise DataError(f"{root}: the {dataset} annotations list no clips")
    return records


def prepare_dataset(
    dataset: str,
    root: str | Path,
    out: str | Path,
    size: int = 256,
    quality: int = 90,
    workers: int | None = None,
    progress: bool = True,
    *,
    max_pixels: int = MAX_PIXELS,
    max_frame_bytes: int = MAX_FRAME_BYTES,
) -> PrepareSummary:
    """``sign2gpt prepare``: read corpus ``dataset`` under ``root`` and write its store (limits
    as :func:`prepare_store`)."""
    records = corpus_records(dataset, root)
    return prepare_store(
        records,
        out,
        size,
        quality,
        workers,
        dataset,
        str(root),
        progress,
        max_pixels=max_pixels,
        max_frame_bytes=max_frame_bytes,
    )
