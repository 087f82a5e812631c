"""What a client uploaded, checked against the server's limits and laid out for the model.

An upload is one video file, one zip of frames, or several image files (a frame folder sent
from the page), and for a pose model a keypoint file. Two steps, so that the line for the model
can refuse an upload before any work is done for it: :func:`save_upload` (while the request is
read) only writes the files under the request's own folder (which the app deletes afterwards)
and tells their kind from names and magic bytes; :func:`open_upload` (on the model's worker,
in turn) unpacks a zip, reads a video's container and the frames' headers, and refuses what
breaks a limit before anything is decoded. Every refusal is an :class:`UploadError` whose
message names the file as the client called it, with the HTTP status to answer.
"""

from __future__ import annotations

import enum
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sign2gpt.data.frames import IMAGE_EXTS, VIDEO_EXTS, frame_file_pixels, list_frame_files
from sign2gpt.errors import DataError, Sign2GPTError

MB = 1024 * 1024
ZIP_EXPANSION = 4  # a zip may unpack to this many times the upload limit (PNG/JPEG barely shrink)
_ZIP_MAGIC = b"PK\x03\x04"
_COPY_CHUNK = 1 << 20
KEYPOINT_EXTS = (".pose", ".npz")


@dataclass
class ServeLimits:
    """What one server accepts; every field is a ``sign2gpt serve`` flag."""

    max_upload_bytes: int = 200 * MB  # the file(s) of one upload together
    max_seconds: float = 60.0  # clip length of a video (frame folders have no frame rate)
    max_frames: int = 1500  # frames of a clip, before the model's sampling
    # The work one clip may make, whatever its kind: pixels of all its frames (from their
    # headers before decoding, and as they are decoded: 40 s of 1080p at 25 fps is 2,074 MP)
    # and seconds of decoding.
    max_megapixels: float = 2000.0
    max_decode_seconds: float = 30.0
    max_waiting: int = 8  # uploads in line (being received or waiting for the model); more: 503
    keep_results: int = 50  # pictures of the latest results kept for the page's history
    body_timeout: float = 30.0  # seconds an upload may send nothing before it is dropped (408)


class UploadError(Sign2GPTError):
    """An upload the server refuses, with the HTTP status to answer: 400 (unreadable, wrong
    kind), 413 (over a limit); the app adds 403, 408, 503 (the line is full) and 500 (a bug)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class UploadKind(enum.Enum):
    VIDEO = "video"
    ZIP = "zip"  # of frames
    FRAMES = "frames"  # image files, in a folder already
    KEYPOINTS = "keypoints"  # .pose / .npz, for a pose model


@dataclass
class Upload:
    """What :func:`save_upload` wrote: ``path`` (a file, or the folder of frames), its kind and
    the client's name for it."""

    path: Path
    name: str
    kind: UploadKind


@dataclass
class Clip:
    source: Path  # the video file, frame folder or keypoint file to translate
    name: str  # the client's name for it
    probed_frames: int  # video packets, image files or keypoint frames, counted before decoding
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
    model_input: str = "rgb",
) -> Upload:
    """Write the uploaded ``parts`` (client file name, stream) under ``job_dir`` and tell what
    they are, or raise :class:`UploadError`; nothing is unpacked or parsed here. ``clip_name``
    names a clip sent as several frames (the folder they came from); a video or zip is named by
    its file. ``model_input``: what the model reads (``pose`` takes keypoint files, any other
    model refuses them unread)."""
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
        _check_frame_count(label, len(saved), limits)
        return Upload(incoming, label, UploadKind.FRAMES)

    name, path, size = saved[0]
    suffix = path.suffix.lower()
    if size == 0:
        raise UploadError(f"{name}: empty file")
    with path.open("rb") as f:
        magic = f.read(4)
    if suffix in KEYPOINT_EXTS:  # for a pose model: keypoints instead of video (.npz is a zip)
        if model_input != "pose":
            raise UploadError(
                f"{name}: a keypoint file, and this server's model reads {model_input}: send a "
                "video, a zip of frames or the frames themselves"
            )
        return Upload(path, name, UploadKind.KEYPOINTS)
    if suffix == ".zip" or magic == _ZIP_MAGIC:
        return Upload(path, name, UploadKind.ZIP)
    if suffix in IMAGE_EXTS:
        frames = job_dir / "frames" / safe_name(Path(name).stem, "frames")
        frames.mkdir(parents=True)
        path.rename(frames / name)
        return Upload(frames, name, UploadKind.FRAMES)
    if suffix and suffix not in VIDEO_EXTS:
        raise UploadError(
            f"{name}: not a video, a zip of frames or an image; send mp4, webm, mov, avi (or "
            f"another video file), a zip of png/jpg frames, or the frames themselves"
        )
    return Upload(path, name, UploadKind.VIDEO)


def open_upload(upload: Upload, limits: ServeLimits, max_frame_bytes: int) -> Clip:
    """The clip to translate from a saved upload: a zip unpacked, a video's container read, the
    frames' headers added up, a keypoint file's declared frames counted; over a limit:
    :class:`UploadError` 413, before any frame is decoded."""
    name, path = upload.name, upload.path
    if upload.kind is UploadKind.KEYPOINTS:
        return _keypoint_clip(path, name, limits)
    if upload.kind is UploadKind.VIDEO:
        count, seconds, pixels = probe_video(path, name, limits)
        _check_pixels(name, pixels * count, limits)
        return Clip(path, name, count, seconds)
    folder = path
    if upload.kind is UploadKind.ZIP:
        folder = path.parent.parent / "frames" / safe_name(Path(name).stem, "frames")
        _unzip_frames(path, name, folder, limits)
        path.unlink()
    files = list_frame_files(folder)
    _check_frame_count(name, len(files), limits)
    _check_pixels(name, sum(frame_file_pixels(f, max_frame_bytes) for f in files), limits)
    return Clip(folder, name, len(files), None)


def _check_frame_count(name: str, count: int, limits: ServeLimits) -> None:
    if count > limits.max_frames:
        raise UploadError(
            f"{name}: {count} frames, more than this server's limit of {limits.max_frames} "
            "(--max-frames)",
            status=413,
        )


def _check_pixels(name: str, pixels: int, limits: ServeLimits) -> None:
    if pixels > limits.max_megapixels * 1e6:
        raise UploadError(
            f"{name}: its frames hold {pixels / 1e6:,.0f} megapixels, more than this server's "
            f"budget of {limits.max_megapixels:,g} per clip (--max-megapixels)",
            status=413,
        )


def _keypoint_clip(path: Path, name: str, limits: ServeLimits) -> Clip:
    """A ``.pose`` / ``.npz`` keypoint file, checked readable and within the frame limit (an
    .npz from its headers, before its arrays are loaded)."""
    from sign2gpt.data.pose.readers import read_keypoints

    try:
        kp = read_keypoints(path, max_frames=limits.max_frames)
    except DataError as exc:
        message = str(exc).split(": ", 1)[-1]
        if "more than the limit of" in message:
            raise UploadError(f"{name}: {message} (--max-frames)", status=413) from None
        raise UploadError(f"{name}: {message}") from None
    return Clip(path, name, kp.num_frames, kp.num_frames / kp.fps)


def _unzip_frames(path: Path, name: str, out: Path, limits: ServeLimits) -> None:
    """Extract the image files of a zip, flattened into ``out``."""
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


def probe_video(path: Path, name: str, limits: ServeLimits) -> tuple[int, float, int]:
    """(packets, seconds, pixels of a frame) of the video stream, read from the container
    without decoding, so a clip over the limits is refused before the expensive part."""
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise UploadError(f"{name}: not a readable video ({_reason(exc)})") from None
    with container:
        if not container.streams.video:
            raise UploadError(f"{name}: the file has no video stream")
        stream = container.streams.video[0]
        if stream.codec_context is None:  # an SVG named .mp4: a stream FFmpeg cannot decode
            raise UploadError(f"{name}: not a readable video (no decoder for its stream)")
        pixels = (stream.width or 0) * (stream.height or 0)
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
    return count, seconds, pixels


def _reason(exc: BaseException) -> str:
    """An FFmpeg error's own words (e.g. 'Invalid data found when processing input')."""
    text = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
    return text.split(": '")[0].strip()


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
