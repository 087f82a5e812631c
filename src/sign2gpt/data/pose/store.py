"""The keypoints of a prepared store (``sign2gpt prepare --pose SOURCE``): one (T, K, 3) array per
clip, beside the store's frames or alone.

Layout, inside the store folder::

    keypoints/meta.json     format, version, where the keypoints came from, the skeleton
    keypoints/index.jsonl   one row per finished clip: id, split, signer, text, gloss,
                            num_frames, width, height, fps, file, order
    keypoints/clips/*.npy   (T, K, 3) float16: x, y in pixels of the source frame, confidence;
                            a missing point (a hand out of view) is NaN, NaN, 0
    keypoints/DONE          written when every clip is done

Sources (:class:`PoseSource`): the synthetic corpus's ground truth (``groundtruth``: a perfect
estimator), keypoint files of the user's (a folder holding ``<clip id>.pose`` or ``.npz``), or
MediaPipe Holistic run on each clip (``estimate``: ``make pose-env`` first). Like the frames,
every clip file lands whole (temporary name, then rename) before its index row, so a killed
run resumes with what is done; a finished store is only read.
"""

from __future__ import annotations

import enum
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sign2gpt.data.clip_file import clip_filename
from sign2gpt.data.pose.keypoints import Keypoints
from sign2gpt.data.prepare import pool_map
from sign2gpt.data.records import ClipRecord
from sign2gpt.data.store import read_index
from sign2gpt.errors import DataError
from sign2gpt.io import os_reason
from sign2gpt.skeleton import Skeleton

FORMAT = "sign2gpt-keypoint-store"
VERSION = 1
FOLDER = "keypoints"
META = "meta.json"
INDEX = "index.jsonl"
DONE = "DONE"
CLIPS = "clips"
FOLDER_FPS = 25.0  # the frame rate a frame folder is taken to have (Phoenix14T's)


class PoseKind(enum.Enum):
    GROUNDTRUTH = "groundtruth"
    ESTIMATE = "estimate"
    FILES = "files"


@dataclass(frozen=True)
class PoseSource:
    """Where the keypoints of ``prepare --pose`` come from: ``groundtruth``, ``estimate`` or a
    folder of ``<clip id>.pose`` / ``.npz`` files."""

    kind: PoseKind
    folder: Path | None = None

    @classmethod
    def parse(cls, text: str) -> PoseSource:
        if text in (PoseKind.GROUNDTRUTH.value, PoseKind.ESTIMATE.value):
            return cls(PoseKind(text))
        folder = Path(text)
        if not folder.is_dir():
            raise DataError(
                f"--pose {text}: not 'groundtruth', 'estimate' or a folder of keypoint files"
            )
        return cls(PoseKind.FILES, folder)

    def describe(self) -> str:
        return str(self.folder) if self.kind is PoseKind.FILES else self.kind.value


def keypoints_of(record: ClipRecord, source: PoseSource, root: Path) -> Keypoints:
    """The keypoints of one clip, from ``source`` (``root``: the corpus folder)."""
    from sign2gpt.data.pose.readers import read_keypoints

    if source.kind is PoseKind.GROUNDTRUTH:
        path = root / "groundtruth" / record.split / f"{record.id}.json"
        if not path.is_file():
            raise DataError(
                f"{path}: no ground truth for clip {record.id} (only `sign2gpt synth` corpora "
                "have it: use --pose estimate or a folder of keypoint files)"
            )
        return read_keypoints(path)
    if source.kind is PoseKind.FILES:
        assert source.folder is not None
        for suffix in (".pose", ".npz"):
            path = source.folder / f"{record.id}{suffix}"
            if path.is_file():
                return read_keypoints(path)
        raise DataError(f"{source.folder}: no {record.id}.pose or {record.id}.npz")
    from sign2gpt.data.frames import is_video_file, read_clip
    from sign2gpt.data.pose.estimate import estimate_frames, video_fps

    fps = video_fps(record.source) if is_video_file(record.source) else FOLDER_FPS
    frames = read_clip(record.source, record.start, record.end).frames
    return estimate_frames(frames, fps).keypoints


@dataclass
class KeypointSummary:
    out: str
    source: str
    clips_total: int = 0
    clips_done: int = 0
    made_now: int = 0
    frames: int = 0
    missing_share: float = 0.0  # of all (frame, point) pairs
    skipped: list[dict[str, str]] = field(default_factory=list)

    def format(self) -> str:
        lines = [
            f"keypoints of {self.clips_done} of {self.clips_total} clips ({self.frames:,} frames, "
            f"{100 * self.missing_share:.1f} % of the points missing) from {self.source} in "
            f"{self.out}",
            f"  this run made {self.made_now}; skipped {len(self.skipped)}"
            + (":" if self.skipped else ""),
        ]
        lines += [f"    {s['id']}: {s['reason']}" for s in self.skipped]
        return "\n".join(lines)


_Task = tuple[ClipRecord, int, str, PoseSource, str]


def _prepare_one(task: _Task) -> dict[str, Any]:
    """Read one clip's keypoints and write its file (runs in a worker process)."""
    record, order, out, source, root = task
    try:
        kp = keypoints_of(record, source, Path(root))
    except DataError as exc:
        return {"skipped": {"id": record.id, "reason": str(exc)}}
    name = f"{CLIPS}/{clip_filename(record.id).replace('.s2f', '.npy')}"
    path = Path(out) / name
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        np.save(f, kp.points.astype(np.float16), allow_pickle=False)
    os.replace(tmp, path)
    missing = float((kp.points[..., 2] <= 0).mean()) if kp.points.size else 0.0
    row = {
        "id": record.id,
        "split": record.split,
        "signer": record.signer,
        "text": record.text,
        "gloss": record.gloss,
        "num_frames": int(kp.points.shape[0]),
        "width": int(kp.width),
        "height": int(kp.height),
        "fps": float(kp.fps),
        "missing": missing,
        "file": name,
        "order": order,
    }
    return {"row": row, "skeleton": kp.skeleton.to_dict()}


def _done_rows(folder: Path, records: list[ClipRecord]) -> dict[str, dict[str, Any]]:
    """Rows of clips whose file is there, in the records' current labels."""
    rows, _ = read_index(folder)
    wanted = {r.id: (order, r) for order, r in enumerate(records)}
    done = {}
    for row in rows:
        order, record = wanted.get(row.get("id"), (0, None))
        if record is not None and (folder / str(row.get("file", ""))).is_file():
            row.update(split=record.split, signer=record.signer, text=record.text, order=order)
            done[row["id"]] = row
    return done


def prepare_keypoints(
    records: list[ClipRecord],
    store: str | Path,
    source: PoseSource,
    root: str | Path,
    workers: int = 1,
    progress: bool = True,
) -> KeypointSummary:
    """Write (or finish) the keypoints of ``records`` into ``store/keypoints``."""
    from sign2gpt.io import progress_bar

    folder = Path(store) / FOLDER
    summary = KeypointSummary(str(folder), source.describe(), clips_total=len(records))
    meta_path = folder / META
    meta: dict[str, Any] = {}
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("source") != source.describe():
            raise DataError(
                f"{meta_path}: keypoints from {meta.get('source')!r}, not {source.describe()!r}; "
                "use another --out or delete its keypoints folder"
            )
    done = _done_rows(folder, records) if folder.is_dir() else {}
    pending = [
        (r, order, str(folder), source, str(root))
        for order, r in enumerate(records)
        if r.id not in done
    ]
    try:
        if pending:
            (folder / CLIPS).mkdir(parents=True, exist_ok=True)
            (folder / DONE).unlink(missing_ok=True)
            with open(folder / INDEX, "a", encoding="utf-8") as index:
                bar = progress_bar(
                    pool_map(_prepare_one, pending, workers),
                    total=len(pending),
                    desc="keypoints",
                    unit="clip",
                    disable=not progress,
                )
                for result in bar:
                    if "skipped" in result:
                        summary.skipped.append(result["skipped"])
                        continue
                    skeleton = result["skeleton"]
                    if meta and meta.get("skeleton") != skeleton:
                        raise DataError(
                            f"{result['row']['id']}: its keypoints are of skeleton "
                            f"{skeleton['name']}, the store's of {meta['skeleton']['name']}"
                        )
                    if not meta:
                        meta = {
                            "format": FORMAT,
                            "version": VERSION,
                            "source": source.describe(),
                            "skeleton": skeleton,
                        }
                        tmp = meta_path.with_suffix(".tmp")
                        tmp.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
                        os.replace(tmp, meta_path)
                    index.write(json.dumps(result["row"], ensure_ascii=False) + "\n")
                    index.flush()
                    done[result["row"]["id"]] = result["row"]
                    summary.made_now += 1
        if not done:
            raise DataError(f"{folder}: no clip has keypoints (source {source.describe()})")
        summary.clips_done = len(done)
        summary.frames = sum(int(r["num_frames"]) for r in done.values())
        summary.missing_share = sum(
            r["missing"] * int(r["num_frames"]) for r in done.values()
        ) / max(1, summary.frames)
        if pending or not (folder / DONE).is_file():
            stats = {"clips": summary.clips_done, "frames": summary.frames}
            (folder / DONE).write_text(json.dumps(stats) + "\n", encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{folder}: cannot write the keypoints ({os_reason(exc)})") from None
    return summary


class KeypointStore:
    """The keypoints of a prepared store: ``clips`` (index rows in corpus order), ``skeleton``,
    ``read(clip_id)`` -> (T, K, 3) float32 in pixels (missing points NaN, NaN, 0)."""

    def __init__(self, store: str | Path) -> None:
        self.path = Path(store) / FOLDER
        meta_path = self.path / META
        if not meta_path.is_file():
            raise DataError(
                f"{self.path}: no keypoints in this store (run `sign2gpt prepare ... --pose "
                "SOURCE`)"
            )
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("version") != VERSION:
            raise DataError(f"{meta_path}: not a sign2gpt keypoint store of version {VERSION}")
        if not (self.path / DONE).is_file():
            raise DataError(f"{self.path}: keypoints incomplete (run `sign2gpt prepare` again)")
        self.meta = meta
        self.skeleton = Skeleton.from_dict(meta["skeleton"])
        rows, _ = read_index(self.path)
        self.clips: list[dict[str, Any]] = sorted(rows, key=lambda r: r.get("order", 0))
        self.by_id = {r["id"]: r for r in self.clips}

    def row(self, clip_id: str) -> dict[str, Any]:
        try:
            return self.by_id[clip_id]
        except KeyError:
            raise DataError(f"{self.path}: no keypoints of clip {clip_id!r}") from None

    def read(self, clip_id: str) -> np.ndarray:
        path = self.path / self.row(clip_id)["file"]
        try:
            return np.load(path, allow_pickle=False).astype(np.float32)  # (T, K, 3)
        except (OSError, ValueError) as exc:
            raise DataError(f"{path}: unreadable keypoints ({exc.__class__.__name__})") from None
