"""What a client uploaded, checked against the server's limits and laid out for the model.

An upload is one video file, one zip of frames, or several image files (a frame folder sent
from the page). :func:`save_upload` writes it under the request's own folder (which the app
deletes afterwards), refuses what breaks a limit before anything is decoded, and returns the
video file or frame folder to translate. Every refusal is an :class:`UploadError` whose message
names the file as the client called it, with the HTTP status to answer.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sign2gpt.data.frames import IMAGE_EXTS, VIDEO_EXTS
from sign2gpt.errors import Sign2GPTError

MB = 1024 * 1024
ZIP_EXPANSION = 4  # a zip may unpack to this many times the upload limit (PNG/JPEG barely shrink)
_ZIP_MAGIC = b"PK\x03\x04"
_COPY_CHUNK = 1 << 20


@dataclass
class ServeLimits:
    """What one server accepts; every field is a ``sign2gpt serve`` flag."""

    max_upload_bytes: int = 200 * MB  # the file(s) of one upload together
    max_seconds: float = 60.0  # clip length of a video (frame folders have no frame rate)
    max_frames: int = 1500  # frames of a clip, before the model's sampling
    max_waiting: int = 8  # uploads waiting for the model behind the one it runs; more get 503
    keep_results: int = 50  # pictures of the latest results kept for the page's history


class UploadError(Sign2GPTError):
    """An upload the server refuses, with the HTTP status to answer: 400 (unreadable, wrong
    kind), 413 (over a limit); the app adds 503 (the line is full) and 500 (a bug)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Clip:
    source: Path  # the video file or frame folder to translate
    name: str  # the client's name for it
    num_frames: int  # video packets or image files, counted before decoding
    seconds: float | None  # a video's length; None for frames


def safe_name(name: str | None, fallback: str = "upload") -> str:
    """A client's file name reduced to a plain file name (no folders, no odd characters)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^\w.\- ]", "_", base).strip(" .")[:100]
    return base or fallback


class _OverBudget(Exception):
    pass


def _copy_limited(stream: BinaryIO, dest: Path, budget: int) -> int:
    """Copy ``stream`` to ``dest``; returns the bytes written, _OverBudget past ``budget``."""
    written = 0
    with dest.open("wb") as out:
        while chunk := stream.read(_COPY_CHUNK):
            written += len(chunk)
            if written > budget:
                raise _OverBudget
            out.write(chunk)
    return written


def too_big(limit: int) -> str:
    return f"the upload is larger than this server's limit of {limit / MB:g} MB (--max-upload-mb)"


def save_upload(
    parts: list[tuple[str | None, BinaryIO]],
    job_dir: Path,
    limits: ServeLimits,
    clip_name: str | None = None,
) -> Clip:
    """Write the uploaded ``parts`` (client file name, stream) under ``job_dir``; return the
    clip to translate, or raise :class:`UploadError`. ``clip_name`` names a clip sent as
    several frames (the folder they came from); a video or zip is named by its file."""
    if not parts:
        raise UploadError("no file in the upload (send it as the multipart form field `file`)")
    several = len(parts) > 1
    label = safe_name(clip_name, "frames")
    # the folder's name is the clip's name in the heatmap's title
    incoming = job_dir / "frames" / label if several else job_dir / "upload"
    incoming.mkdir(parents=True)
    budget = limits.max_upload_bytes
    saved: list[tuple[str, Path, int]] = []
    for client_name, stream in parts:
        name = safe_name(client_name)
        dest = incoming / name
        if dest.exists():
            raise UploadError(f"{name}: sent twice (frames need distinct file names)")
        try:
            size = _copy_limited(stream, dest, budget)
        except _OverBudget:
            raise UploadError(f"{name}: {too_big(limits.max_upload_bytes)}", status=413) from None
        budget -= size
        saved.append((name, dest, size))

    if several:
        odd = [n for n, _, _ in saved if Path(n).suffix.lower() not in IMAGE_EXTS]
        if odd:
            raise UploadError(
                f"{odd[0]}: several files were sent, so all must be image frames "
                f"({', '.join(IMAGE_EXTS)}); send a video or a zip on its own"
            )
        return _frame_folder(incoming, label, len(saved), limits)

    name, path, size = saved[0]
    suffix = path.suffix.lower()
    if size == 0:
        raise UploadError(f"{name}: empty file")
    with path.open("rb") as f:
        magic = f.read(4)
    frames = job_dir / "frames" / safe_name(Path(name).stem, "frames")
    if suffix in KEYPOINT_EXTS:  # for a pose model: keypoints instead of video (.npz is a zip)
        return _keypoint_clip(path, name, limits)
    if suffix == ".zip" or magic == _ZIP_MAGIC:
        count = _unzip_frames(path, name, frames, limits)
        path.unlink()
        return _frame_folder(frames, name, count, limits)
    if suffix in IMAGE_EXTS:
        frames.mkdir(parents=True)
        path.rename(frames / name)
        return _frame_folder(frames, name, 1, limits)
    if suffix and suffix not in VIDEO_EXTS:
        raise UploadError(
            f"{name}: not a video, a zip of frames or an image; send mp4, webm, mov, avi (or "
            f"another video file), a zip of png/jpg frames, or the frames themselves"
        )
    num_frames, seconds = probe_video(path, name, limits)
    return Clip(path, name, num_frames, seconds)


KEYPOINT_EXTS = (".pose", ".npz")


def _keypoint_clip(path: Path, name: str, limits: ServeLimits) -> Clip:
    """A ``.pose`` / ``.npz`` keypoint file, checked readable and within the frame limit."""
    from sign2gpt.data.pose.readers import read_keypoints
    from sign2gpt.errors import DataError

    try:
        kp = read_keypoints(path)
    except DataError as exc:
        raise UploadError(f"{name}: {str(exc).split(': ', 1)[-1]}") from None
    count = len(kp.points)
    if count > limits.max_frames:
        raise UploadError(
            f"{name}: {count} frames, more than this server's limit of {limits.max_frames} "
            "(--max-frames)",
            status=413,
        )
    return Clip(path, name, count, count / kp.fps if kp.fps > 0 else None)


def _frame_folder(folder: Path, name: str, count: int, limits: ServeLimits) -> Clip:
    if count > limits.max_frames:
        raise UploadError(
            f"{name}: {count} frames, more than this server's limit of {limits.max_frames} "
            "(--max-frames)",
            status=413,
        )
    return Clip(folder, name, count, None)


def _unzip_frames(path: Path, name: str, out: Path, limits: ServeLimits) -> int:
    """Extract the image files of a zip, flattened into ``out``; returns their number."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UploadError(f"{name}: not a readable zip file ({exc})") from None
    with archive:
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and Path(info.filename).suffix.lower() in IMAGE_EXTS
            and not any(p.startswith((".", "__MACOSX")) for p in Path(info.filename).parts)
        ]
        if not members:
            raise UploadError(f"{name}: the zip holds no image frames ({', '.join(IMAGE_EXTS)})")
        if len(members) > limits.max_frames:
            raise UploadError(
                f"{name}: {len(members)} frames, more than this server's limit of "
                f"{limits.max_frames} (--max-frames)",
                status=413,
            )
        out.mkdir(parents=True)
        budget = ZIP_EXPANSION * limits.max_upload_bytes  # sizes in the zip's index can lie
        for info in members:
            dest = out / safe_name(info.filename, "frame")
            if dest.exists():
                raise UploadError(f"{name}: two frames named {dest.name} (in different folders)")
            try:
                with archive.open(info) as stream:
                    budget -= _copy_limited(stream, dest, budget)
            except _OverBudget:
                raise UploadError(
                    f"{name}: unpacks to more than {ZIP_EXPANSION} x the upload limit", status=413
                ) from None
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
                raise UploadError(f"{name}: broken zip entry {info.filename} ({exc})") from None
    return len(members)


def probe_video(path: Path, name: str, limits: ServeLimits) -> tuple[int, float]:
    """(packets, seconds) of the video stream, read from the container without decoding, so
    a clip over the limits is refused before the expensive part."""
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise UploadError(f"{name}: not a readable video ({_reason(exc)})") from None
    with container:
        if not container.streams.video:
            raise UploadError(f"{name}: the file has no video stream")
        stream = container.streams.video[0]
        listed = stream.frames  # the container's index (mp4, avi); 0 where it has none (webm)
        base = stream.time_base
        count, first, last = 0, None, None
        try:
            for packet in container.demux(stream):
                if packet.size == 0:  # the demuxer's flush packet
                    continue
                count += 1
                if packet.pts is not None and base is not None:
                    t = float((packet.pts + (packet.duration or 0)) * base)
                    start = float(packet.pts * base)
                    first = start if first is None else min(first, start)
                    last = t if last is None else max(last, t)
                if count > limits.max_frames:
                    raise UploadError(
                        f"{name}: more than this server's limit of {limits.max_frames} frames "
                        "(--max-frames)",
                        status=413,
                    )
                if first is not None and last is not None and last - first > limits.max_seconds:
                    raise UploadError(
                        f"{name}: longer than this server's limit of {limits.max_seconds:g} s "
                        "(--max-seconds)",
                        status=413,
                    )
        except av.error.FFmpegError as exc:
            raise UploadError(f"{name}: not a readable video ({_reason(exc)})") from None
    if count == 0:
        raise UploadError(f"{name}: the video stream has no frames")
    if listed and count < listed:
        raise UploadError(
            f"{name}: truncated or damaged: {count} of the {listed} frames its index lists "
            "can be read"
        )
    seconds = (last - first) if first is not None and last is not None else 0.0
    return count, seconds


def _reason(exc: BaseException) -> str:
    """An FFmpeg error's own words (e.g. 'Invalid data found when processing input')."""
    text = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
    return text.split(": '")[0].strip()


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
