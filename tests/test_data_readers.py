import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
from data_fixtures import (
    default_clips,
    malicious_pickle,
    video_frames,
    write_csl_daily,
    write_phoenix14t,
    write_video,
)

from sign2gpt.data.frames import read_clip, read_frame_folder
from sign2gpt.data.readers import read_dataset
from sign2gpt.data.safe_pickle import safe_load, safe_loads
from sign2gpt.errors import DataError


def test_phoenix14t_records(tmp_path: Path):
    clips = write_phoenix14t(tmp_path)
    records = read_dataset("phoenix14t", tmp_path)
    assert [r.id for r in records] == [c.name for c in clips]  # train, dev, test order
    assert [r.split for r in records] == ["train", "train", "train", "dev", "test"]
    by_id = {r.id: r for r in records}
    assert by_id["clip_b"].text == "regen im norden"
    assert by_id["clip_b"].signer == "Signer02"
    assert by_id["clip_b"].gloss == "NORD REGEN"
    assert Path(by_id["clip_d"].source) == (
        tmp_path / "features" / "fullFrame-210x260px" / "dev" / "clip_d"
    )
    assert by_id["clip_a"].start is None and not by_id["clip_a"].is_video


def test_frame_folder_repairs_broken_and_empty_frames(tmp_path: Path):
    write_phoenix14t(tmp_path)
    folder = tmp_path / "features" / "fullFrame-210x260px" / "train" / "clip_a"
    clip = read_frame_folder(folder)
    # clip_a: 9 frames, frame 2 truncated, frame 5 empty; red = 10 * frame number
    assert clip.frames.shape == (9, 26, 21, 3)
    assert clip.repaired == 2
    assert clip.frames[:, 0, 0, 0].tolist() == [0, 10, 10, 30, 40, 40, 60, 70, 80]
    # clip_d: the first frame is broken, so the next one stands in
    dev = read_frame_folder(tmp_path / "features" / "fullFrame-210x260px" / "dev" / "clip_d")
    assert dev.frames[:, 0, 0, 0].tolist() == [10, 10, 20, 30, 40]
    resized = read_frame_folder(folder, size=16)
    assert resized.frames.shape == (9, 16, 16, 3)


def test_phoenix_missing_column_and_folder_name_the_file(tmp_path: Path):
    write_phoenix14t(tmp_path)
    csv = tmp_path / "annotations" / "manual" / "PHOENIX-2014-T.dev.corpus.csv"
    text = csv.read_text()
    csv.write_text(text.replace("|translation", "|sentence"))
    with pytest.raises(DataError, match=r"PHOENIX-2014-T.dev.corpus.csv: missing column 'transl"):
        read_dataset("phoenix14t", tmp_path)
    csv.write_text(text)
    shutil.rmtree(tmp_path / "features" / "fullFrame-210x260px" / "test" / "clip_e")
    with pytest.raises(DataError, match=r"test/clip_e: frame folder missing"):
        read_dataset("phoenix14t", tmp_path)
    with pytest.raises(DataError, match=r"nowhere: dataset folder not found"):
        read_dataset("phoenix14t", tmp_path / "nowhere")
    with pytest.raises(DataError, match="unknown dataset 'phoenix'"):
        read_dataset("phoenix", tmp_path)


def test_csl_daily_records(tmp_path: Path):
    write_csl_daily(tmp_path, pickle_protocol=2)  # old protocol: sets/dicts via globals
    records = read_dataset("csl-daily", tmp_path)
    assert len(records) == 5
    by_id = {r.id: r for r in records}
    assert by_id["S0000_a"].text == "amtagsonne"  # joined label_char
    assert by_id["S0000_a"].signer == "1"
    assert by_id["S0000_d"].split == "dev"
    assert by_id["S0000_a"].gloss == "TAG SONNE"
    clip = read_clip(by_id["S0000_a"].source)
    assert clip.frames.shape == (9, 24, 24, 3) and clip.repaired == 2


def test_restricted_unpickler_refuses_code(tmp_path: Path):
    path = tmp_path / "sentence_label" / "csl2020ct_v2.pkl"
    write_csl_daily(tmp_path)
    path.write_bytes(malicious_pickle())
    with pytest.raises(DataError, match=r"csl2020ct_v2.pkl: refused to load.*(posix|os)\.system"):
        read_dataset("csl-daily", tmp_path)
    assert not (tmp_path / "pwned.txt").exists() and not Path("pwned.txt").exists()
    # plain data in every protocol loads, including sets and nested containers
    data = {"a": [1, 2.5, None, True], "b": ("x", b"y"), "c": {3, 4}, "d": frozenset({5})}
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert safe_loads(pickle.dumps(data, protocol=protocol)) == data
    with pytest.raises(DataError, match="refused to load"):
        safe_loads(pickle.dumps(np.zeros(2)))  # arrays are not plain data either
    with pytest.raises(DataError, match=r"missing\.pkl: file not found"):
        safe_load(tmp_path / "missing.pkl")
    (tmp_path / "junk.pkl").write_bytes(b"not a pickle")
    with pytest.raises(DataError, match=r"junk\.pkl: not a readable pickle"):
        safe_load(tmp_path / "junk.pkl")


def test_csl_daily_missing_split_and_folder(tmp_path: Path):
    write_csl_daily(tmp_path)
    split = tmp_path / "sentence_label" / "split_1.txt"
    split.write_text(split.read_text().replace("S0000_e|test\n", ""))
    with pytest.raises(DataError, match=r"split_1.txt: clip S0000_e .* has no split"):
        read_dataset("csl-daily", tmp_path)
    write_csl_daily(tmp_path)
    shutil.rmtree(tmp_path / "sentence" / "frames_512x512" / "S0000_b")
    with pytest.raises(DataError, match=r"S0000_b: frame folder missing"):
        read_dataset("csl-daily", tmp_path)


def _manifest_corpus(tmp_path: Path) -> Path:
    """Two whole videos, one cut from a longer video, one frame folder (copied from Phoenix)."""
    root = tmp_path / "mine"
    write_video(root / "videos" / "v0.mp4", video_frames(0, 10))
    write_video(root / "videos" / "v1.mp4", video_frames(1, 6))
    write_video(root / "videos" / "long.mp4", video_frames(2, 25))  # 1 s at 25 fps
    write_phoenix14t(tmp_path / "ph", default_clips()[:1])
    shutil.copytree(tmp_path / "ph/features/fullFrame-210x260px/train/clip_a", root / "f0")
    return root


MANIFEST_ROWS = [
    {"id": "v0", "video": "videos/v0.mp4", "signer": "s1", "split": "train", "text": "eins"},
    {"id": "v1", "video": "videos/v1.mp4", "signer": "s2", "split": "val", "text": "zwei"},
    {"id": "cut", "video": "videos/long.mp4", "start": 0.4, "end": 0.8, "text": "drei"},
    {"id": "f0", "frames": "f0", "signer": "s1", "split": "test", "text": "vier"},
]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl"])
def test_manifest_videos_and_frames(tmp_path: Path, fmt: str):
    root = _manifest_corpus(tmp_path)
    cols = ["id", "video", "frames", "start", "end", "signer", "split", "text"]
    if fmt == "jsonl":
        body = "\n".join(json.dumps(r) for r in MANIFEST_ROWS)
    else:
        sep = "," if fmt == "csv" else "\t"
        lines = [sep.join(cols)] + [
            sep.join(str(r.get(c, "")) for c in cols) for r in MANIFEST_ROWS
        ]
        body = "\n".join(lines)
    (root / f"manifest.{fmt}").write_text(body + "\n")
    records = read_dataset("manifest", root)
    assert [r.id for r in records] == ["v0", "v1", "cut", "f0"]
    assert [r.split for r in records] == ["train", "dev", "train", "test"]
    assert [r.text for r in records] == ["eins", "zwei", "drei", "vier"]
    assert records[2].start == pytest.approx(0.4) and records[2].end == pytest.approx(0.8)
    v0 = read_clip(records[0].source)
    assert v0.frames.shape == (10, 32, 32, 3)
    # the grey level encodes the frame number (10 per frame): decoded in order, none lost
    assert np.abs(v0.frames[:, 16, 16, 0].astype(int) - np.arange(10) * 10).max() <= 3
    cut = read_clip(records[2].source, records[2].start, records[2].end)
    assert len(cut.frames) == 10  # frames 10..19 of the 25 fps video
    assert np.abs(cut.frames[:, 16, 16, 0].astype(int) - np.arange(10, 20) * 10).max() <= 3
    assert read_clip(records[2].source, 0.4, 0.8, size=16).frames.shape == (10, 16, 16, 3)
    assert read_clip(records[3].source).repaired == 2


def test_manifest_errors_name_the_file(tmp_path: Path):
    root = _manifest_corpus(tmp_path)
    manifest = root / "manifest.csv"
    manifest.write_text("id,video,text\nv0,videos/v0.mp4,eins\nv9,videos/missing.mp4,x\n")
    with pytest.raises(DataError, match=r"missing.mp4: video file not found \(clip v9"):
        read_dataset("manifest", manifest)
    manifest.write_text("id,video,sentence\nv0,videos/v0.mp4,eins\n")
    with pytest.raises(DataError, match=r"manifest.csv: missing column 'text'"):
        read_dataset("manifest", root)
    manifest.write_text("id,clip,text\nv0,videos/v0.mp4,eins\n")
    with pytest.raises(DataError, match=r"manifest.csv: missing column 'video' or 'frames'"):
        read_dataset("manifest", root)
    manifest.write_text("id,frames,text\nf9,nothere,x\n")
    with pytest.raises(DataError, match=r"nothere: frame folder missing \(clip f9"):
        read_dataset("manifest", root)
    (root / "videos" / "bad.mp4").write_bytes(b"\x00\x01 this is not a video" * 50)
    with pytest.raises(DataError, match=r"bad.mp4: cannot read video"):
        read_clip(root / "videos" / "bad.mp4")
    manifest.unlink()
    with pytest.raises(DataError, match=r"expected one of manifest\.csv"):
        read_dataset("manifest", root)


def test_how2sign_clip_files_and_cut_videos(tmp_path: Path):
    root = tmp_path / "h2s"
    write_video(root / "train_raw_videos" / "raw_videos" / "vidA.mp4", video_frames(0, 25))
    write_video(root / "val_rgb_front_clips" / "raw_videos" / "sentB_1.mp4", video_frames(1, 8))
    header = (
        "VIDEO_ID\tVIDEO_NAME\tSENTENCE_ID\tSENTENCE_NAME\tSTART_REALIGNED\tEND_REALIGNED\tSENTENCE"
    )
    (root / "how2sign_realigned_train.csv").write_text(
        f"{header}\nA\tvidA\ts1\tvidA_0\t0.0\t0.4\tHello there.\n"
        "A\tvidA\ts2\tvidA_1\t0.4\t1.0\tHow are you?\n"
    )
    (root / "how2sign_realigned_val.csv").write_text(
        f"{header}\nB\tvidB\ts3\tsentB_1\t3.0\t4.0\tFine, thanks.\n"
    )
    records = read_dataset("how2sign", root)
    assert [(r.id, r.split, r.text) for r in records] == [
        ("vidA_0", "train", "Hello there."),
        ("vidA_1", "train", "How are you?"),
        ("sentB_1", "dev", "Fine, thanks."),
    ]
    assert (records[1].start, records[1].end) == (0.4, 1.0)
    assert records[2].start is None  # its own clip file: read whole
    assert len(read_clip(records[0].source, records[0].start, records[0].end).frames) == 10
    assert len(read_clip(records[1].source, records[1].start, records[1].end).frames) == 15
    assert len(read_clip(records[2].source).frames) == 8
    (root / "how2sign_realigned_test.csv").write_text(
        f"{header}\nC\tvidC\ts4\tvidC_0\t0\t1\tMissing.\n"
    )
    with pytest.raises(DataError, match=r"how2sign_realigned_test.csv: clip vidC_0: neither"):
        read_dataset("how2sign", root)


@pytest.mark.parametrize("codec", ["mpeg4", "libx264"])
def test_video_cut_by_time_with_both_codecs(tmp_path: Path, codec: str):
    import av

    if codec not in av.codecs_available:
        pytest.skip(f"{codec} not in this PyAV build")
    path = tmp_path / f"{codec}.mp4"
    write_video(path, video_frames(0, 50), codec=codec)  # 2 s at 25 fps
    clip = read_clip(path, 1.0, 1.4)  # seeks past the first key frame search
    levels = clip.frames[:, 16, 16, 0].astype(int)
    assert len(levels) == 10
    assert np.abs(levels - 10 * (np.arange(25, 35) % 26)).max() <= 4
    assert len(read_clip(path).frames) == 50
