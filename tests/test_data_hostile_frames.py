"""Hostile frame files: decompression bombs, links to devices, FIFOs, oversize files, and
videos too large to decode. Each is made here, from a few bytes."""

import json
import os
from pathlib import Path

import numpy as np
import pytest
from data_fixtures import (
    bmp_bomb,
    encode,
    frame_pixels,
    jpeg_with_size,
    png_bomb,
    png_with_size,
    run_python,
    video_frames,
    write_phoenix14t,
    write_video,
)

from sign2gpt.data.frames import (
    MAX_FRAME_BYTES,
    MAX_PIXELS,
    NoReadableFrames,
    decode_image,
    image_dimensions,
    read_clip,
    read_frame_bytes,
)
from sign2gpt.data.prepare import prepare_dataset
from sign2gpt.data.store import FrameStore
from sign2gpt.errors import DataError


def _frame_files(corpus: Path, split: str, clip: str) -> list[Path]:
    folder = corpus / "features" / "fullFrame-210x260px" / split / clip
    return sorted(folder.iterdir())


def test_image_size_comes_from_the_header_alone():
    frame = frame_pixels(1, 2, 26, 21)
    for fmt in ("PNG", "JPEG", "BMP", "WEBP", "GIF"):
        assert image_dimensions(encode(frame, fmt)) == (21, 26), fmt
    # bombs declare their size in a few bytes; none of these is decoded to find it
    assert image_dimensions(png_with_size(50000, 50000)) == (50000, 50000)
    assert image_dimensions(jpeg_with_size(8000, 6000)) == (8000, 6000)
    assert image_dimensions(bmp_bomb(8000, 6000)) == (8000, 6000)  # through Pillow's open
    assert image_dimensions(b"\x89PNG\r\n\x1a\n" + b"x" * 30) is None  # no IHDR: broken
    assert image_dimensions(b"not an image") is None


def test_the_pixel_limit_refuses_before_decoding_and_is_configurable():
    data = encode(frame_pixels(1, 2, 26, 21), "PNG")
    assert decode_image(data, max_pixels=26 * 21).shape == (26, 21, 3)  # at the limit: kept
    assert decode_image(data, max_pixels=26 * 21 - 1) is None  # one pixel over: refused
    for bomb in (png_with_size(50000, 50000), jpeg_with_size(8000, 6000), bmp_bomb(8000, 6000)):
        assert decode_image(bomb) is None
    # what the limit is for: 8K UHD frames pass, 48 megapixels do not
    assert 7680 * 4320 <= MAX_PIXELS < 8000 * 6000


def test_prepare_repairs_bomb_frames_from_a_neighbour(tmp_path: Path):
    corpus = tmp_path / "corpus"
    write_phoenix14t(corpus)
    b = _frame_files(corpus, "train", "clip_b")  # 6 frames, red = 10 * frame number
    b[2].write_bytes(png_with_size(50000, 50000))  # OpenCV: cv2.error, the run died on it
    b[4].write_bytes(png_bomb(7000, 7000))  # valid: 49 MP, would decode to 147 MB of RGB
    b[5].write_bytes(bmp_bomb(8000, 6000))  # valid, decoded by Pillow: 48 MP
    e = _frame_files(corpus, "test", "clip_e")
    e[0].write_bytes(jpeg_with_size(8000, 6000))  # the first frame: repaired from the next
    out = tmp_path / "store"
    summary = prepare_dataset("phoenix14t", corpus, out, size=32, workers=1, progress=False)
    # the fixture's own 3 broken frames, and the 4 bombs
    assert summary.frames_repaired == 3 + 4 and summary.clips_repaired == 4
    assert summary.clips_used == 4 and (out / "DONE").is_file()
    store = FrameStore(out)
    assert store.by_id["clip_b"]["repaired"] == 3 and store.by_id["clip_e"]["repaired"] == 1
    red = store.read_frames("clip_b")[:, 16, 16, 0].astype(int)
    assert np.abs(red - [0, 10, 10, 30, 30, 30]).max() <= 3  # 2 <- 1, 4 <- 3, 5 <- 3
    red = store.read_frames("clip_e")[:2, 16, 16, 0].astype(int)
    assert np.abs(red - [10, 10]).max() <= 3
    # the same folder read for `translate`: repaired, not a crash
    clip = read_clip(b[0].parent, size=32)
    assert clip.repaired == 3 and clip.frames.shape == (6, 32, 32, 3)


def test_a_png_bomb_costs_no_memory(tmp_path: Path):
    """The 20000 x 20000 PNG of the report (1.2 GB as BGR, as much again as RGB), in a fresh
    process so that its peak resident memory is this run's alone."""
    folder = tmp_path / "clip"
    folder.mkdir()
    for i in range(4):
        (folder / f"{i}.png").write_bytes(encode(frame_pixels(0, i, 26, 21), "PNG"))
    (folder / "1.png").write_bytes(png_bomb(20000, 20000))
    (folder / "2.png").write_bytes(png_with_size(50000, 50000))
    assert (folder / "1.png").stat().st_size < 100_000
    code = f"""
import json, resource
from sign2gpt.data.records import ClipRecord
from sign2gpt.data.prepare import prepare_store
record = ClipRecord("c", "train", "s", "text", {str(folder)!r})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
summary = prepare_store([record], {str(tmp_path / "store")!r}, size=32, workers=1,
                        progress=False)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"repaired": summary.frames_repaired, "used": summary.clips_used,
                   "grew_kb": after - before}}))
"""
    run = run_python(code, timeout=120)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["used"] == 1 and result["repaired"] == 2
    assert result["grew_kb"] < 64 * 1024, result  # decoding it would take over 1.2 GB


def test_limits_are_threaded_through_prepare_and_read_clip(tmp_path: Path):
    corpus = tmp_path / "corpus"
    write_phoenix14t(corpus)  # frames of 26 x 21 = 546 pixels
    kept = prepare_dataset(
        "phoenix14t", corpus, tmp_path / "a", size=32, workers=1, progress=False, max_pixels=546
    )
    assert kept.clips_used == 4 and kept.frames_repaired == 3
    refused = prepare_dataset(
        "phoenix14t", corpus, tmp_path / "b", size=32, workers=2, progress=False, max_pixels=545
    )
    assert refused.clips_used == 0 and len(refused.skipped) == 5  # every frame refused
    folder = _frame_files(corpus, "train", "clip_b")[0].parent
    largest = max(p.stat().st_size for p in folder.iterdir())
    assert read_clip(folder, max_frame_bytes=largest).repaired == 0
    with pytest.raises(NoReadableFrames, match="none of its 6 frames is readable"):
        read_clip(folder, max_frame_bytes=min(p.stat().st_size for p in folder.iterdir()) - 1)
    for bad in ({"max_pixels": 0}, {"max_frame_bytes": -1}, {"max_pixels": 1.5}):
        with pytest.raises(DataError, match="must be a positive whole number"):
            read_clip(folder, **bad)
        with pytest.raises(DataError, match="must be a positive whole number"):
            prepare_dataset("phoenix14t", corpus, tmp_path / "c", progress=False, **bad)
    assert not (tmp_path / "c").exists()  # refused before anything is written


def test_oversize_frame_file_is_refused_unread(tmp_path: Path):
    data = encode(frame_pixels(0, 3, 26, 21), "PNG")
    big = tmp_path / "big.png"
    with open(big, "wb") as f:  # a valid PNG with trailing bytes: decodable, but too large
        f.write(data)
        f.truncate(MAX_FRAME_BYTES + 1)  # sparse: costs no disk
    small = tmp_path / "small.png"
    small.write_bytes(data)
    assert read_frame_bytes(small) == data
    assert read_frame_bytes(big) is None
    assert read_frame_bytes(small, max_bytes=len(data)) == data
    assert read_frame_bytes(small, max_bytes=len(data) - 1) is None
    link = tmp_path / "link.png"
    link.symlink_to(small)  # links to real frames (a corpus laid out by symlinks) still work
    assert read_frame_bytes(link) == data


def test_special_files_as_frames_are_broken_frames_never_opened(tmp_path: Path):
    """A link to /dev/zero (read until memory runs out), a FIFO (waits forever), a folder and
    an oversize file among the frames of a clip; a FIFO and a device as a clip's video. Run in
    a child process with a timeout and a memory cap, so that this test cannot hang or eat the
    machine even if the guard regressed."""
    folder = tmp_path / "clip"
    folder.mkdir()
    for i in range(7):
        (folder / f"{i}.png").write_bytes(encode(frame_pixels(0, i, 26, 21), "PNG"))
    (folder / "1.png").unlink()
    (folder / "1.png").symlink_to("/dev/zero")
    (folder / "2.png").unlink()
    os.mkfifo(folder / "2.png")
    (folder / "4.png").unlink()
    (folder / "4.png").mkdir()
    with open(folder / "5.png", "ab") as f:
        f.truncate(MAX_FRAME_BYTES + 1)
    os.mkfifo(tmp_path / "fifo.mp4")
    (tmp_path / "zero.mp4").symlink_to("/dev/zero")
    code = f"""
import json
from sign2gpt.data.frames import read_clip
from sign2gpt.data.records import ClipRecord
from sign2gpt.data.prepare import prepare_store
from sign2gpt.errors import DataError
record = ClipRecord("c", "train", "s", "text", {str(folder)!r})
summary = prepare_store([record], {str(tmp_path / "store")!r}, size=32, workers=1,
                        progress=False)
result = {{"repaired": summary.frames_repaired, "frames": summary.frames_used}}
for name in ("fifo.mp4", "zero.mp4"):
    try:
        read_clip({str(tmp_path)!r} + "/" + name)
    except DataError as exc:
        result[name] = str(exc)
print(json.dumps(result))
"""
    run = run_python(code, timeout=60, memory_bytes=3 * 2**30)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["frames"] == 7 and result["repaired"] == 4
    assert result["fifo.mp4"] == f"{tmp_path / 'fifo.mp4'}: not a regular file (a FIFO)"
    assert result["zero.mp4"] == (
        f"{tmp_path / 'zero.mp4'}: not a regular file (a character device)"
    )
    from sign2gpt.data.store import FrameStore

    red = FrameStore(tmp_path / "store").read_frames("c")[:, 16, 16, 0].astype(int)
    assert np.abs(red - [0, 0, 0, 30, 30, 30, 60]).max() <= 3  # 1, 2 <- 0; 4, 5 <- 3


def test_video_over_the_pixel_limit_is_one_error(tmp_path: Path):
    path = tmp_path / "clip.mp4"
    write_video(path, video_frames(0, 6, 32, 48))
    assert read_clip(path, max_pixels=32 * 48).frames.shape == (6, 32, 48, 3)
    message = f"{path}: video frames are 48x32 = 1,536 pixels, over the limit of 1,535"
    with pytest.raises(DataError, match="^" + message + r" \(max_pixels\)$"):
        read_clip(path, max_pixels=32 * 48 - 1)
    with pytest.raises(DataError, match="video file not found"):
        read_clip(tmp_path / "missing.mp4")
