import json
from pathlib import Path

import numpy as np
import pytest
from data_fixtures import write_phoenix14t

import sign2gpt.data.prepare as prepare_mod
from sign2gpt.cli import main
from sign2gpt.data.frames import read_frame_folder
from sign2gpt.data.prepare import prepare_dataset, prepare_store
from sign2gpt.data.readers import read_dataset
from sign2gpt.data.store import FrameStore
from sign2gpt.errors import DataError


def _tree(path: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


def test_prepare_counts_repairs_and_reads_back(tmp_path: Path):
    write_phoenix14t(tmp_path / "corpus")
    out = tmp_path / "store"
    summary = prepare_dataset(
        "phoenix14t", tmp_path / "corpus", out, size=32, workers=2, progress=False
    )
    # clip_c has no readable frame: skipped and listed; 3 frames repaired in clip_a and clip_d
    assert summary.clips_total == 5 and summary.clips_used == 4
    assert [s["id"] for s in summary.skipped] == ["clip_c"]
    assert "none of its 4 frames is readable" in summary.skipped[0]["reason"]
    assert summary.frames_used == 9 + 6 + 5 + 7
    assert summary.frames_repaired == 3 and summary.clips_repaired == 2
    assert summary.splits == {"train": 2, "dev": 1, "test": 1}
    text = summary.format()
    assert "prepared 4 of 5 clips" in text and "clip_c:" in text and "repaired 3" in text

    store = FrameStore(out)
    assert [c["id"] for c in store.clips] == ["clip_a", "clip_b", "clip_d", "clip_e"]
    row = store.by_id["clip_a"]
    assert (row["split"], row["signer"], row["text"]) == ("train", "Signer01", "am tag sonne")
    assert row["num_frames"] == 9 and row["repaired"] == 2
    assert store.splits == {"train": 2, "dev": 1, "test": 1}
    assert store.stats["frames_repaired"] == 3
    frames = store.read_frames("clip_a", [0, 2, 5, 8])
    assert frames.shape == (4, 32, 32, 3) and frames.dtype == np.uint8
    # red = 10 * frame number; broken frame 2 -> frame 1, empty frame 5 -> frame 4
    assert np.abs(frames[:, 16, 16, 0].astype(int) - [0, 10, 40, 80]).max() <= 3
    # the stored frames are the stretched originals up to JPEG loss
    folder = Path(read_dataset("phoenix14t", tmp_path / "corpus")[0].source)
    reference = read_frame_folder(folder, size=32).frames
    assert np.abs(store.read_frames("clip_a").astype(int) - reference).mean() < 2.0
    with pytest.raises(DataError, match="no clip 'clip_c'"):
        store.read_frames("clip_c", [0])
    with pytest.raises(DataError, match="frame index out of range"):
        store.read_frames("clip_b", [6])


def test_prepare_is_idempotent(tmp_path: Path):
    write_phoenix14t(tmp_path / "corpus")
    out = tmp_path / "store"
    prepare_dataset("phoenix14t", tmp_path / "corpus", out, size=32, workers=1, progress=False)
    before = _tree(out)
    again = prepare_dataset(
        "phoenix14t", tmp_path / "corpus", out, size=32, workers=1, progress=False
    )
    assert again.made_now == 0 and again.done_before == 4
    assert _tree(out) == before  # nothing rewritten
    with pytest.raises(DataError, match=r"meta.json: this store was made with size 32, not 48"):
        prepare_dataset("phoenix14t", tmp_path / "corpus", out, size=48, progress=False)


def test_resume_after_interruption(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    write_phoenix14t(tmp_path / "corpus")
    records = read_dataset("phoenix14t", tmp_path / "corpus")
    reference = tmp_path / "reference"
    prepare_store(records, reference, size=32, workers=1, progress=False)

    # 1. a run killed after two clips: an exception out of the third clip
    real = prepare_mod._prepare_one
    calls = {"n": 0}

    def dying(task):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(prepare_mod, "_prepare_one", dying)
    out = tmp_path / "store"
    with pytest.raises(KeyboardInterrupt):
        prepare_store(records, out, size=32, workers=1, progress=False)
    monkeypatch.setattr(prepare_mod, "_prepare_one", real)
    assert not (out / "DONE").exists()
    with pytest.raises(DataError, match="store is incomplete"):
        FrameStore(out)
    assert len(FrameStore(out, require_complete=False).clips) == 2

    # 2. what a kill in the middle of writing leaves: a temporary clip file, a cut index line,
    #    and a clip file whose index row never got written
    (out / "clips" / "clip_d-0123456789.s2f.tmp-999").write_bytes(b"half a clip")
    index = out / "index.jsonl"
    rows = index.read_text().splitlines()
    index.write_text(rows[0] + "\n" + rows[1][: len(rows[1]) // 2])
    summary = prepare_store(records, out, size=32, workers=2, progress=False)
    assert summary.done_before == 1 and summary.made_now == 3 and summary.clips_used == 4
    assert not list((out / "clips").glob("*.tmp*"))
    assert (out / "DONE").exists()
    lines = index.read_text().splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == [
        "clip_a",
        "clip_b",
        "clip_d",
        "clip_e",
    ]
    store, ref = FrameStore(out), FrameStore(reference)
    assert [c["id"] for c in store.clips] == [c["id"] for c in ref.clips]
    for clip in ref.clips:
        assert np.array_equal(store.read_frames(clip["id"]), ref.read_frames(clip["id"]))
    assert json.loads((out / "DONE").read_text())["frames_repaired"] == 3

    # 3. a clip file damaged after the fact (wrong size) is redone
    damaged = out / store.by_id["clip_e"]["file"]
    damaged.write_bytes(damaged.read_bytes()[:-5])
    again = prepare_store(records, out, size=32, workers=1, progress=False)
    assert again.made_now == 1
    assert np.array_equal(FrameStore(out).read_frames("clip_e"), ref.read_frames("clip_e"))


def test_corrected_annotations_update_the_index_without_redecoding(tmp_path: Path):
    write_phoenix14t(tmp_path / "corpus")
    out = tmp_path / "store"
    prepare_dataset("phoenix14t", tmp_path / "corpus", out, size=32, workers=1, progress=False)
    csv = tmp_path / "corpus/annotations/manual/PHOENIX-2014-T.test.corpus.csv"
    csv.write_text(csv.read_text().replace("nebel am abend", "nebel am morgen"))
    summary = prepare_dataset("phoenix14t", tmp_path / "corpus", out, size=32, progress=False)
    assert summary.made_now == 0
    assert FrameStore(out).by_id["clip_e"]["text"] == "nebel am morgen"


def test_cli_prepare_prints_summary_and_one_line_errors(tmp_path: Path, capsys):
    write_phoenix14t(tmp_path / "corpus")
    out = tmp_path / "store"
    argv = [
        "prepare",
        "--dataset",
        "phoenix14t",
        "--root",
        str(tmp_path / "corpus"),
        "--out",
        str(out),
        "--size",
        "32",
        "--workers",
        "1",
        "--quiet",
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "prepared 4 of 5 clips" in printed and "clip_c:" in printed
    assert FrameStore(out).size == 32
    argv[4] = str(tmp_path / "missing")
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"sign2gpt prepare: error: {tmp_path / 'missing'}: dataset folder not found"]


def test_clip_file_holds_one_jpeg_per_frame(tmp_path: Path):
    from sign2gpt.data.clip_file import clip_file_jpegs

    write_phoenix14t(tmp_path / "corpus")
    prepare_dataset("phoenix14t", tmp_path / "corpus", tmp_path / "s", size=32, progress=False)
    store = FrameStore(tmp_path / "s")
    jpegs = clip_file_jpegs(store.path / store.by_id["clip_b"]["file"])
    assert len(jpegs) == 6 and all(j[:2] == b"\xff\xd8" and j[-2:] == b"\xff\xd9" for j in jpegs)
    assert sum(map(len, jpegs)) < store.by_id["clip_b"]["bytes"]


def test_frames_are_stored_with_4_2_0_chroma_and_old_stores_are_not_mixed(tmp_path: Path):
    import simplejpeg

    from sign2gpt.data.clip_file import clip_file_jpegs

    write_phoenix14t(tmp_path / "corpus")
    out = tmp_path / "s"
    prepare_dataset("phoenix14t", tmp_path / "corpus", out, size=32, workers=1, progress=False)
    store = FrameStore(out)
    for jpeg in clip_file_jpegs(store.path / store.by_id["clip_b"]["file"]):
        assert simplejpeg.decode_jpeg_header(jpeg)[3] == "420"
    meta = json.loads((out / "meta.json").read_text())
    assert meta["chroma"] == "4:2:0"
    # a store from before meta.json named its chroma holds 4:4:4 JPEGs: not extended with 4:2:0
    del meta["chroma"]
    (out / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(DataError, match="made with chroma '4:4:4', not '4:2:0'"):
        prepare_dataset("phoenix14t", tmp_path / "corpus", out, size=32, progress=False)


def test_png_frames_decode_like_pillow_and_cut_files_quietly(tmp_path: Path, capfd):
    import io

    from PIL import Image

    from sign2gpt.data.frames import decode_image

    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (26, 21, 3), dtype=np.uint8)
    for mode in ("RGB", "L", "P", "RGBA"):
        buf = io.BytesIO()
        Image.fromarray(rgb).convert(mode).save(buf, format="PNG")
        data = buf.getvalue()
        expected = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        assert np.array_equal(decode_image(data), expected), mode  # OpenCV's libpng path
        out = np.empty_like(expected)
        assert decode_image(data, out=out) is out and np.array_equal(out, expected)
        # a cut file (the usual broken frame) is refused, without libpng's error print
        assert decode_image(data[: len(data) // 2]) is None
    assert decode_image(b"\x89PNG\r\n\x1a\n" + b"x" * 50) is None
    assert "libpng" not in capfd.readouterr().err
