"""Video files, decoded by PyAV: whole or between two times, every frame charged to the budget
and checked against the pixel limit before it is converted, broken packets dropped and counted;
with ``sample``, the packets counted first and only the frames the model will see kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sign2gpt.config import MAX_PIXELS
from sign2gpt.data.frames.base import ClipFrames, NoReadableFrames, Sample, WorkBudget
from sign2gpt.errors import DataError
from sign2gpt.io import check_readable

VIDEO_EXTS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".ts")


def is_video_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_EXTS


def read_video(
    path: str | Path,
    start: float | None = None,
    end: float | None = None,
    size: int | None = None,
    *,
    max_pixels: int = MAX_PIXELS,
    budget: WorkBudget | None = None,
    sample: Sample | None = None,
) -> ClipFrames:
    """Frames of a video file between ``start`` and ``end`` seconds (whole video when None).
    A path that is not a regular file (a FIFO would block, a device never end) and a stream
    larger than ``max_pixels`` raise DataError before any decoding.

    ``sample`` (whole videos only): the packets are counted first (no decoding), and only the
    frames ``sample(count)`` are kept; should fewer frames decode than there were packets (a
    broken packet), the video is decoded once more with the frames ``sample`` picks of those."""
    path = check_readable(path, DataError, "video file")
    if sample is None:
        frames, _, dropped = _decode_video(path, start, end, size, max_pixels, budget, None)
        return ClipFrames(np.stack(frames), dropped=dropped)
    if start is not None or end is not None:
        raise ValueError("sample reads whole videos only (no start or end)")
    total = count_video_packets(path)
    indices = np.asarray(sample(total), dtype=np.int64)
    frames, decoded, dropped = _decode_video(path, None, None, size, max_pixels, budget, indices)
    if decoded != total:
        total = decoded
        indices = np.asarray(sample(total), dtype=np.int64)
        frames, _, dropped = _decode_video(path, None, None, size, max_pixels, budget, indices)
    return ClipFrames(np.stack(frames), dropped=dropped, indices=indices, total=total)


def _open_video(path: Path):  # -> (av container, its first video stream)
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read video ({exc.__class__.__name__})") from None
    if not container.streams.video:
        container.close()
        raise DataError(f"{path}: no video stream")
    stream = container.streams.video[0]
    if stream.codec_context is None:  # e.g. an SVG: FFmpeg finds a stream it cannot decode
        container.close()
        raise DataError(
            f"{path}: cannot read video (no decoder for its {container.format.name} stream)"
        )
    return container, stream


def count_video_packets(path: str | Path) -> int:
    """Packets of a video's first video stream, read from the container without decoding (one
    per frame for every codec FFmpeg muxes into the containers this toolkit reads)."""
    import av

    container, stream = _open_video(Path(path))
    count = 0
    with container:
        try:
            count = sum(1 for packet in container.demux(stream) if packet.size)
        except av.error.FFmpegError as exc:
            raise DataError(f"{path}: cannot read video ({exc.__class__.__name__})") from None
    if count == 0:
        raise NoReadableFrames(f"{path}: no readable frame")
    return count


def _decode_video(
    path: Path,
    start: float | None,
    end: float | None,
    size: int | None,
    max_pixels: int,
    budget: WorkBudget | None,
    keep: np.ndarray | None,
) -> tuple[list[np.ndarray], int, int]:
    """(frames kept, frames decoded, packets dropped); ``keep``: sorted indices of the decoded
    frames to convert and keep (None: all)."""
    import av

    container, stream = _open_video(path)
    frames: list[np.ndarray] = []
    dropped = decoded_count = 0
    wanted = 0  # the next position in keep
    with container:
        _check_video_pixels(path, stream.width or 0, stream.height or 0, max_pixels)
        stream.thread_type = "AUTO"
        base = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
        if start:
            try:
                container.seek(int((start + base) / stream.time_base), stream=stream)
            except av.error.FFmpegError:
                container.seek(0, stream=stream)
        done = False
        try:
            for packet in container.demux(stream):
                try:
                    decoded = packet.decode()
                except av.error.InvalidDataError:
                    dropped += 1
                    continue
                for frame in decoded:
                    # a stream may change size midway; no frame above the limit is converted
                    _check_video_pixels(path, frame.width, frame.height, max_pixels)
                    t = (float(frame.time) - base) if frame.time is not None else None
                    if t is not None and start is not None and t < start - 1e-6:
                        continue
                    if t is not None and end is not None and t >= end - 1e-6:
                        done = True
                        break
                    if budget is not None:
                        budget.charge(path, frame.width, frame.height)
                    index, decoded_count = decoded_count, decoded_count + 1
                    if keep is not None:
                        if wanted >= len(keep) or keep[wanted] != index:
                            continue
                        wanted += 1
                    if size is not None:
                        frame = frame.reformat(
                            width=size, height=size, format="rgb24", interpolation="BICUBIC"
                        )
                        frames.append(frame.to_ndarray())
                    else:
                        frames.append(frame.to_ndarray(format="rgb24"))
                if done:
                    break
        except av.error.FFmpegError as exc:
            raise DataError(f"{path}: cannot read video ({exc.__class__.__name__})") from None
    if not decoded_count:
        span = "" if start is None and end is None else f" between {start} s and {end} s"
        raise NoReadableFrames(f"{path}: no readable frame{span}")
    return frames, decoded_count, dropped


def _check_video_pixels(path: Path, width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise DataError(
            f"{path}: video frames are {width}x{height} = {width * height:,} pixels, over the "
            f"limit of {max_pixels:,} (max_pixels)"
        )
