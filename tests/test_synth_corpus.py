"""The rendered synthetic corpus, read back with minimal readers written here (not the
project's): layouts, determinism, splits, bad frames, keypoints against the pixels."""

import json
import pickle
import re
from pathlib import Path

import pytest
from PIL import Image

from sign2gpt.errors import DataError
from sign2gpt.synth import PRESETS, generate_corpus
from sign2gpt.synth.clip import ClipJob, render_clip
from sign2gpt.synth.signers import SIGNERS

PHOENIX_FRAMES = "features/fullFrame-210x260px"


@pytest.fixture(scope="module")
def phoenix(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("phoenix")
    generate_corpus(out, preset="tiny", fmt="phoenix14t", seed=0, workers=2, progress=False)
    return out


@pytest.fixture(scope="module")
def csl(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("csl")
    generate_corpus(out, preset="tiny", fmt="csl-daily", seed=3, workers=1, progress=False)
    return out


def read_phoenix_csv(root: Path, split: str) -> list[dict]:
    path = root / f"annotations/manual/PHOENIX-2014-T.{split}.corpus.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "name|video|start|end|speaker|orth|translation"
    rows = []
    for line in lines[1:]:
        fields = line.split("|")
        assert len(fields) == 7, line
        rows.append(dict(zip(lines[0].split("|"), fields)))
    return rows


def load_frame(path: Path) -> Image.Image | None:
    """The frame, or None for an empty or truncated file."""
    if path.stat().st_size == 0:
        return None
    try:
        with Image.open(path) as im:
            return im.convert("RGB")
    except OSError:
        return None


def groundtruth(root: Path, split: str, name: str) -> dict:
    return json.loads((root / "groundtruth" / split / f"{name}.json").read_text("utf-8"))


def test_phoenix_layout_parses_back(phoenix: Path):
    manifest = json.loads((phoenix / "groundtruth/manifest.json").read_text("utf-8"))
    assert manifest["counts"] == {"train": 20, "dev": 5, "test": 5}
    total = 0
    for split in ("train", "dev", "test"):
        rows = read_phoenix_csv(phoenix, split)
        assert len(rows) == manifest["counts"][split]
        for row in rows:
            name = row["name"]
            assert re.fullmatch(r"\d\d[A-Z][a-z]+_\d{4}_[A-Z][a-z]+day_(tagesschau|heute)-\d", name)
            assert row["video"] == f"{name}/1/*.png"
            assert (row["start"], row["end"]) == ("-1", "-1")
            assert re.fullmatch(r"Signer0[1-9]", row["speaker"])
            assert row["translation"] == row["translation"].lower()
            assert not row["translation"].endswith((".", " "))
            assert row["orth"] == row["orth"].upper()
            gt = groundtruth(phoenix, split, name)
            assert gt["text"] == row["translation"] and gt["signer"] == row["speaker"]
            assert " ".join(g["gloss"] for g in gt["glosses"]) == row["orth"]
            files = sorted((phoenix / PHOENIX_FRAMES / split / name).iterdir())
            n = gt["num_frames"]
            assert [f.name for f in files] == [f"images{i:04d}.png" for i in range(1, n + 1)]
            assert len(gt["keypoints"]) == n and len(gt["frame_gloss"]) == n
            good = next(
                f for i, f in enumerate(files) if i not in gt["broken_frames"] + gt["empty_frames"]
            )
            assert load_frame(good).size == PRESETS["tiny"].size
            total += n
    assert manifest["frames"]["total"] == total


def test_csl_layout_parses_back(csl: Path):
    with open(csl / "sentence_label/csl2020ct_v2.pkl", "rb") as fh:
        data = pickle.load(fh)
    assert set(data) == {"info", "gloss_map", "char_map", "word_map", "postag_map"}
    split_lines = (csl / "sentence_label/split_1.txt").read_text("utf-8").splitlines()
    assert split_lines[0] == "name|split"
    split_of = dict(line.split("|") for line in split_lines[1:])
    assert sorted(set(split_of.values())) == ["dev", "test", "train"]
    assert len(data["info"]) == len(split_of) == 30
    for rec in data["info"]:
        assert {
            "name",
            "length",
            "label_gloss",
            "label_char",
            "label_word",
            "label_postag",
            "signer",
        } <= set(rec)
        assert re.fullmatch(r"S\d{6}_P\d{4}_T\d\d", rec["name"])
        assert isinstance(rec["signer"], int) and 0 <= rec["signer"] <= 9
        assert "".join(rec["label_char"]) == "".join(rec["label_word"])
        assert all(len(c) == 1 for c in rec["label_char"])
        assert len(rec["label_postag"]) == len(rec["label_word"])
        assert set(rec["label_gloss"]) <= set(data["gloss_map"])
        assert set(rec["label_char"]) <= set(data["char_map"])
        gt = groundtruth(csl, split_of[rec["name"]], rec["name"])
        assert gt["text"] == "".join(rec["label_char"])
        assert [g["gloss"] for g in gt["glosses"]] == rec["label_gloss"]
        frames = sorted((csl / "sentence/frames_512x512" / rec["name"]).iterdir())
        assert [f.name for f in frames] == [f"{i:06d}.jpg" for i in range(rec["length"])]


def _all_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_same_seed_gives_identical_files_whatever_the_worker_count(phoenix: Path, tmp_path):
    again = tmp_path / "again"
    generate_corpus(again, preset="tiny", fmt="phoenix14t", seed=0, workers=1, progress=False)
    a, b = _all_files(phoenix), _all_files(again)
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []  # annotations, ground truth and frames
    other = tmp_path / "other"
    generate_corpus(other, preset="tiny", fmt="phoenix14t", seed=1, workers=1, progress=False)
    csv = "annotations/manual/PHOENIX-2014-T.train.corpus.csv"
    assert (other / csv).read_bytes() != (phoenix / csv).read_bytes()
    with pytest.raises(DataError, match="not empty"):
        generate_corpus(other, preset="tiny", seed=1, workers=1, progress=False)


def test_dev_and_test_sentences_never_occur_in_train(phoenix: Path, csl: Path):
    train = {r["translation"] for r in read_phoenix_csv(phoenix, "train")}
    train_words = {w for t in train for w in t.split()}
    for split in ("dev", "test"):
        for r in read_phoenix_csv(phoenix, split):
            assert r["translation"] not in train
            assert set(r["translation"].split()) <= train_words  # new combinations
    with open(csl / "sentence_label/csl2020ct_v2.pkl", "rb") as fh:
        info = pickle.load(fh)["info"]
    split_of = dict(
        line.split("|") for line in (csl / "sentence_label/split_1.txt").read_text().split()[1:]
    )
    texts = {
        s: {"".join(r["label_char"]) for r in info if split_of[r["name"]] == s}
        for s in ("train", "dev", "test")
    }
    assert not (texts["dev"] | texts["test"]) & texts["train"]


def test_broken_frame_share_is_what_the_manifest_says(phoenix: Path):
    manifest = json.loads((phoenix / "groundtruth/manifest.json").read_text("utf-8"))
    bad = []
    for path in sorted((phoenix / PHOENIX_FRAMES).rglob("*.png")):
        if load_frame(path) is None:
            kind = "empty" if path.stat().st_size == 0 else "truncated"
            bad.append({"path": path.relative_to(phoenix).as_posix(), "kind": kind})
    assert bad == manifest["bad_frames"]
    f = manifest["frames"]
    assert f["truncated"] + f["empty"] == len(bad) > 0
    assert manifest["bad_frame_share"] == pytest.approx(len(bad) / f["total"], abs=1e-6)
    # the tiny preset asks for 3 % bad frames
    assert 0.01 < manifest["bad_frame_share"] < 0.06
    gt_bad = 0
    for p in (phoenix / "groundtruth").glob("*/*.json"):
        gt = json.loads(p.read_text("utf-8"))
        gt_bad += len(gt["broken_frames"]) + len(gt["empty_frames"])
    assert gt_bad == len(bad)


def _close(pixel, colour, tol=30) -> bool:
    return sum(abs(a - b) for a, b in zip(pixel, colour)) <= tol


def _is_hand(pixel, gt) -> bool:
    return _close(pixel, gt["colours"]["skin"]) or _close(pixel, gt["colours"]["finger"])


def test_keypoints_and_spans_agree_with_the_pixels(phoenix: Path):
    checked = 0
    for row in read_phoenix_csv(phoenix, "train")[:8]:
        gt = groundtruth(phoenix, "train", row["name"])
        names = gt["keypoint_names"]
        dom = "left" if gt["left_handed"] else "right"
        kp = {i: dict(zip(names, pts)) for i, pts in enumerate(gt["keypoints"])}
        bad = set(gt["broken_frames"]) | set(gt["empty_frames"])
        folder = phoenix / PHOENIX_FRAMES / "train" / row["name"]
        # spans: frame_gloss agrees with the spans; clips start and end at rest
        for gi, g in enumerate(gt["glosses"]):
            assert all(gt["frame_gloss"][f] == gi for f in range(g["start"], g["end"]))
        assert gt["frame_gloss"][0] == gt["frame_gloss"][-1] == -1
        for f in (0, gt["num_frames"] - 1):
            for side in ("right", "left"):  # both hands rest below the shoulders
                assert kp[f][f"{side}_palm"][1] > kp[f][f"{side}_shoulder"][1] + 10
        for f in [0] + [(g["start"] + g["end"]) // 2 for g in gt["glosses"]]:
            if f in bad:
                continue
            img = Image.open(folder / f"images{f + 1:04d}.png").convert("RGB")
            x, y = kp[f][f"{dom}_palm"]
            assert _is_hand(img.getpixel((int(x), int(y))), gt), (row["name"], f)
            if f == 0:  # at rest the face is free: the nose pixel is skin
                nx, ny = kp[f]["nose"]
                assert _close(img.getpixel((int(nx), int(ny))), gt["colours"]["skin"])
            checked += 1
        # during a sign the dominant hand moves away from rest
        mid = (gt["glosses"][0]["start"] + gt["glosses"][0]["end"]) // 2
        rest = kp[0][f"{dom}_palm"]
        assert (
            abs(kp[mid][f"{dom}_palm"][0] - rest[0]) + abs(kp[mid][f"{dom}_palm"][1] - rest[1]) > 2
        )
    assert checked >= 20


def _job(tmp: Path, signer: int, glosses: tuple[str, ...]) -> ClipJob:
    p = PRESETS["tiny"]
    return ClipJob(
        index=0,
        name=f"clip{signer}",
        split="train",
        signer=signer,
        glosses=glosses,
        markers=("",) * len(glosses),
        frame_dir=str(tmp / f"clip{signer}"),
        frame_pattern="images{:04d}.png",
        first_index=1,
        image_format="PNG",
        seed="test",
        lang="de",
        size=(64, 64),
        timing=p.timing,
        broken_share=0.0,
        empty_share=0.0,
        supersample=2,
        text="",
        romanised=(),
        romanised_text="",
        gt_path=str(tmp / f"clip{signer}.json"),
    )


@pytest.mark.parametrize("signer", [0, 4])  # Signer01 right-handed, Signer05 left-handed
def test_hand_checked_signs_land_where_the_lexicon_puts_them(tmp_path: Path, signer: int):
    # OST ends with the dominant hand far out to the signer's dominant side; NORD above the head
    render_clip(_job(tmp_path, signer, ("OST", "NORD")))
    gt = json.loads((tmp_path / f"clip{signer}.json").read_text("utf-8"))
    left = SIGNERS[signer].left_handed
    assert gt["left_handed"] == left
    dom = "left" if left else "right"
    kp = [dict(zip(gt["keypoint_names"], pts)) for pts in gt["keypoints"]]
    ost, nord = gt["glosses"]
    end_ost = kp[ost["end"] - 1]
    side = end_ost[f"{dom}_palm"][0] - end_ost["nose"][0]
    # a right hand appears on the image left (the signer faces the camera)
    assert (side > 12) if left else (side < -12)
    end_nord = kp[nord["end"] - 1]
    assert end_nord[f"{dom}_palm"][1] < end_nord["nose"][1] - 8
    for f, pts in ((ost["end"] - 1, end_ost), (nord["end"] - 1, end_nord)):
        img = Image.open(tmp_path / f"clip{signer}" / f"images{f + 1:04d}.png").convert("RGB")
        x, y = pts[f"{dom}_palm"]
        assert _is_hand(img.getpixel((int(x), int(y))), gt)


def test_signer_independent_split_holds_signers_out(tmp_path: Path):
    m = generate_corpus(
        tmp_path, preset="tiny", seed=0, signer_independent=True, workers=1, progress=False
    )
    assert m["held_out_signers"] == ["Signer08", "Signer09"]
    train = {r["speaker"] for r in read_phoenix_csv(tmp_path, "train")}
    held = {r["speaker"] for s in ("dev", "test") for r in read_phoenix_csv(tmp_path, s)}
    assert held <= set(m["held_out_signers"]) and not train & held
