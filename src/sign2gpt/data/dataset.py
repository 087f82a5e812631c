"""The training / evaluation dataset over a prepared store, and the packing collate.

Frames are delivered as uint8 (0..255, after sampling and augmentation), not normalised: the
model normalises them on its own device (``sign2gpt.models.preprocess.FrameNormalise``), so a
DataLoader worker writes and hands over a quarter of the bytes of float frames (and a GPU
receives a quarter of them).

Determinism: a training item draws its frames and augmentation from a generator seeded by
(seed, epoch, index), so results do not depend on the number of DataLoader workers or on which
worker gets the item; call ``set_epoch`` each epoch (the training module does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from torch.utils.data import Dataset, get_worker_info

from sign2gpt.config import DataConfig
from sign2gpt.data.augment import ClipAugment, draw_augment, new_frames, transform_frames
from sign2gpt.data.frames import list_frame_files, read_clip, read_frame_files, resize_frame
from sign2gpt.data.loader import BatchBufferPool, tune_allocator
from sign2gpt.data.pose.store import KeypointStore
from sign2gpt.data.pose.transforms import apply_pose_augment, draw_pose_augment, normalise_points
from sign2gpt.data.records import ClipRecord
from sign2gpt.data.sampling import num_sampled, sample_indices
from sign2gpt.data.store import FrameStore
from sign2gpt.errors import DataError

CHUNK_FRAMES = 16


class FrameSource(Protocol):
    """What the dataset reads from: a :class:`FrameStore` or a :class:`FolderSource`."""

    clips: list[dict[str, Any]]

    def read_frames(self, clip_id: str, indices: Sequence[int]) -> np.ndarray: ...


class FolderSource:
    """Frames straight from a corpus' frame folders or videos, without a prepared store
    (inference on a folder, and the baseline of ``benchmarks/data_throughput.py``).

    Frame folders are read frame by frame (broken frames replaced by the nearest readable one);
    a video is decoded whole on each read. ``size`` stretches frames to size x size as the
    store does; None keeps them (the transforms resize anyway)."""

    def __init__(self, records: Sequence[ClipRecord], size: int | None = None) -> None:
        self.size = size
        self.records = {r.id: r for r in records}
        self._files: dict[str, list[Path]] = {}
        self.clips: list[dict[str, Any]] = []
        for r in records:
            if r.is_video:
                num = len(read_clip(r.source, r.start, r.end, size).frames)
            else:
                self._files[r.id] = list_frame_files(r.source)
                num = len(self._files[r.id])
            if num == 0:
                raise DataError(f"{r.source}: no frames (clip {r.id})")
            row = {k: getattr(r, k) for k in ("id", "split", "signer", "text", "gloss")}
            self.clips.append({**row, "num_frames": num})

    def read_frames(self, clip_id: str, indices: Sequence[int]) -> np.ndarray:
        record = self.records[clip_id]
        if clip_id in self._files:
            frames = read_frame_files(self._files[clip_id], indices)
            if self.size is not None:
                frames = np.stack([resize_frame(f, self.size) for f in frames])
            return frames
        clip = read_clip(record.source, record.start, record.end, self.size)
        return clip.frames[np.asarray(indices, dtype=np.int64)]


class ClipRows(Protocol):
    """Where a dataset takes its clips from: a frame store or source, or a keypoint store."""

    clips: list[dict[str, Any]]


class SignClipDataset(Dataset):
    """Clips of one split, with what the model reads (``data`` as the model's input says):

    - ``frames`` (T, 3, S, S) uint8 (0..255, channels-last memory; S = cfg.image_size),
      sampled and augmented per docs/method.md#5-training-recipe; the model normalises them;
    - ``keypoints`` (T, K, 3) float32 from a :class:`KeypointStore`: normalised to body units
      (``sign2gpt.data.pose.transforms``), the same frames sampled, augmented per clip
      (``data.pose_augment``; mirrored together with the frames when both are read);
    - ``glosses`` (L,) int64: the clip's gloss sequence (the ``gloss`` column the readers keep)
      as indices into ``glosses`` (0 = not in it): the input of the gloss-to-text ceiling.

    ``clips``: a prepared store folder, or an open FrameStore / FolderSource / KeypointStore,
    whose index rows (id, split, signer, text, gloss, num_frames) are the clips; ``frames``:
    read frames from it. ``lengths`` are the evaluation lengths, for length-bucketed
    batching."""

    def __init__(
        self,
        clips: str | Path | ClipRows,
        split: str,
        cfg: DataConfig,
        train: bool,
        seed: int = 0,
        *,
        frames: bool = True,
        keypoints: KeypointStore | None = None,
        glosses: Mapping[str, int] | None = None,
    ) -> None:
        self.source: ClipRows = FrameStore(clips) if isinstance(clips, (str, Path)) else clips
        self.read_frames = frames
        self.keypoints = keypoints
        self.glosses = glosses
        if not (frames or keypoints is not None or glosses is not None):
            raise ValueError("a dataset must read frames, keypoints or glosses")
        self.split = split
        self.cfg = cfg
        self.train = train
        self.seed = int(seed)
        self.epoch = 0
        self.clips = [row for row in self.source.clips if row["split"] == split]
        if not self.clips:
            found = sorted({row["split"] for row in self.source.clips})
            where = getattr(self.source, "path", "the frame source")
            raise DataError(f"{where}: no clips in split {split!r} (found: {', '.join(found)})")
        if keypoints is not None:
            self._check_keypoints(keypoints)
        self.ids: list[str] = [row["id"] for row in self.clips]
        if glosses is not None:
            self.lengths = [max(1, len(gloss_tokens(r.get("gloss", "")))) for r in self.clips]
        else:
            self.lengths = [num_sampled(int(r["num_frames"]), cfg) for r in self.clips]

    def _check_keypoints(self, keypoints: KeypointStore) -> None:
        for row in self.clips:
            kp = keypoints.row(row["id"])
            if self.read_frames and int(kp["num_frames"]) != int(row["num_frames"]):
                raise DataError(
                    f"{keypoints.path}: clip {row['id']} has keypoints of {kp['num_frames']} "
                    f"frames but {row['num_frames']} frames in {getattr(self.source, 'path', '')}"
                )

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.clips)

    def _plan(self, index: int) -> tuple[dict[str, Any], np.ndarray, ClipAugment | None]:
        """Which frames of clip ``index`` and which augmentation (one draw per clip)."""
        row = self.clips[index]
        if not self.train:
            return row, sample_indices(int(row["num_frames"]), self.cfg, False), None
        rng = np.random.default_rng([self.seed, self.epoch, index])
        idx = sample_indices(int(row["num_frames"]), self.cfg, True, rng)
        return row, idx, draw_augment(self.cfg.augment, rng, self.cfg.store_size)

    def _fill(
        self, row: dict[str, Any], idx: np.ndarray, params: ClipAugment | None, out: torch.Tensor
    ) -> None:
        # Decode and transform a few frames at a time: the intermediate buffers stay small
        # (cache-sized, reused by the allocator) whatever the clip length.
        for c in range(0, len(idx), CHUNK_FRAMES):
            part = self.source.read_frames(row["id"], idx[c : c + CHUNK_FRAMES])  # type: ignore[attr-defined]
            transform_frames(part, params, self.cfg, out=out[c : c + CHUNK_FRAMES])

    def _keypoints(
        self, index: int, row: dict[str, Any], idx: np.ndarray, params: ClipAugment | None
    ) -> torch.Tensor:
        """(T, K, 3) float32: the clip normalised (whole, for its median fallbacks), sampled,
        augmented in training (its own draw; the mirror follows the frames' flip when both are
        read)."""
        assert self.keypoints is not None
        kp_row = self.keypoints.row(row["id"])
        skeleton = self.keypoints.skeleton
        points = normalise_points(
            self.keypoints.read(row["id"]), skeleton.shoulders, kp_row["width"], kp_row["height"]
        )[idx]  # (T, K, 3)
        if self.train:
            draw = draw_pose_augment(
                self.cfg.pose_augment, np.random.default_rng([self.seed, self.epoch, index, 1])
            )
            if params is not None and self.read_frames:
                draw = replace(draw, flip=params.flip)
            points = apply_pose_augment(points, draw, skeleton.mirror)
        return torch.from_numpy(np.ascontiguousarray(points, dtype=np.float32))

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.__getitems__([index])[0]

    def __getitems__(
        self, indices: list[int], buffer_pool: BatchBufferPool | None = None
    ) -> list[dict[str, Any]]:
        """A batch of items whose frames are consecutive views of one packed tensor, so
        :func:`collate_clips` needs no copy. The packed tensor comes from ``buffer_pool`` (a
        reused buffer, :class:`~sign2gpt.data.loader.ThreadLoader`) when given, else from
        shared memory inside a DataLoader worker, else it is a fresh tensor."""
        if get_worker_info() is not None:
            tune_allocator()  # once per worker process
        plans = [self._plan(int(i)) for i in indices]
        packed = None
        if self.read_frames:
            size = self.cfg.image_size
            total = sum(len(idx) for _, idx, _ in plans)
            if buffer_pool is not None:
                packed = buffer_pool.take(total, size)  # (total, 3, S, S)
            else:
                packed = _frames_buffer(total, size)
        items, pos = [], 0
        for i, (row, idx, params) in zip(indices, plans):
            item: dict[str, Any] = {"id": row["id"], "text": row["text"], "signer": row["signer"]}
            if packed is not None:
                frames = packed[pos : pos + len(idx)]  # (T, 3, S, S)
                self._fill(row, idx, params, frames)
                pos += len(idx)
                item["frames"] = frames
            if self.keypoints is not None:
                item["keypoints"] = self._keypoints(int(i), row, idx, params)
            if self.glosses is not None:
                ids = [self.glosses.get(g, 0) for g in gloss_tokens(row.get("gloss", ""))]
                item["glosses"] = torch.tensor(ids or [0], dtype=torch.long)  # (L,)
            items.append(item)
        return items


def gloss_tokens(gloss: str) -> list[str]:
    """The signs of a clip's gloss annotation (whitespace-separated, as Phoenix14T's ``orth``)."""
    return gloss.split()


def _frames_buffer(total: int, size: int) -> torch.Tensor:
    """(total, 3, size, size) uint8 in channels-last memory (as :func:`new_frames`), in shared
    memory when in a DataLoader worker: written once there, the batch reaches the main process
    without a copy."""
    if get_worker_info() is None:
        return new_frames(total, size)
    storage = torch.UntypedStorage._new_shared(total * size * size * 3)
    hwc = torch.empty(0, dtype=torch.uint8).set_(storage, 0, (total, size, size, 3))
    return hwc.permute(0, 3, 1, 2)


def _packed_base(frames: list[torch.Tensor]) -> torch.Tensor | None:
    """The packed (N, 3, S, S) tensor when ``frames`` are its consecutive slices covering all
    of it (each frame's memory in the same layout as the packed tensor's)."""
    base = frames[0]._base
    if base is None or base.dim() != 4 or not base.is_contiguous():
        return None
    # the packed tensor as the items see it: the base itself or its channels-last view
    packed = base if base.shape[1:] == frames[0].shape[1:] else base.permute(0, 3, 1, 2)
    if packed.shape[1:] != frames[0].shape[1:]:
        return None
    ptr = packed.data_ptr()
    for f in frames:
        if f._base is not base or f.data_ptr() != ptr or f.stride() != packed.stride():
            return None
        ptr += f.numel() * f.element_size()
    return packed if ptr == packed.data_ptr() + packed.numel() * packed.element_size() else None


def collate_clips(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Pack a batch along time, no padding: ``frames`` (sum T_i, 3, S, S) uint8,
    ``keypoints`` (sum T_i, K, 3), ``glosses`` (sum L_i,), as the items hold them; ``lengths``
    (B,), ``ids``, ``texts``, ``signers``."""
    first = items[0]
    batch: dict[str, Any] = {
        "ids": [item["id"] for item in items],
        "texts": [item["text"] for item in items],
        "signers": [item["signer"] for item in items],
    }
    if "frames" in first:
        frames = [item["frames"] for item in items]
        packed = _packed_base(frames)  # items from SignClipDataset.__getitems__: already packed
        batch["frames"] = packed if packed is not None else torch.cat(frames, dim=0)
    for key in ("keypoints", "glosses"):
        if key in first:
            batch[key] = torch.cat([item[key] for item in items], dim=0)
    steps = next(k for k in ("frames", "keypoints", "glosses") if k in first)
    batch["lengths"] = torch.tensor([item[steps].shape[0] for item in items], dtype=torch.long)
    return batch
