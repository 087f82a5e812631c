"""`sign2gpt synth` on the command line and the contact-sheet preview."""

import json
from pathlib import Path

import pytest
from PIL import Image

from sign2gpt.cli import main
from sign2gpt.errors import DataError
from sign2gpt.synth import render_preview


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "corpus"
    assert main(["synth", "--out", str(out), "--preset", "tiny", "--workers", "1"]) == 0
    return out


def test_cli_renders_a_corpus_and_refuses_to_overwrite(corpus: Path, capsys):
    manifest = json.loads((corpus / "groundtruth/manifest.json").read_text("utf-8"))
    assert manifest["preset"] == "tiny" and manifest["format"] == "phoenix14t"
    assert (corpus / "annotations/manual/PHOENIX-2014-T.dev.corpus.csv").is_file()
    capsys.readouterr()
    assert main(["synth", "--out", str(corpus), "--preset", "tiny", "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not empty" in err[0] and "--overwrite" in err[0]


def test_preview_draws_frames_timeline_and_bad_frames(corpus: Path, tmp_path: Path, capsys):
    gts = [json.loads(p.read_text("utf-8")) for p in (corpus / "groundtruth").glob("*/*.json")]
    # a clip with a bad frame, so that the sheet has to draw one
    gt = next(g for g in gts if g["broken_frames"] or g["empty_frames"])
    clip = corpus / "features/fullFrame-210x260px" / gt["split"] / gt["name"]
    out = tmp_path / "sheet.png"
    assert main(["synth", "--preview", str(clip), "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    sheet = Image.open(out).convert("RGB")
    w, h = sheet.size
    assert w >= 8 * 48 * 3 and h > 48 * 3  # frames are enlarged to be readable
    colours = {c for _, c in sheet.getcolors(maxcolors=1 << 20)}
    assert any(abs(c[0] - 220) < 10 and c[1] < 60 and c[2] < 60 for c in colours)  # bad frame


def test_preview_of_a_real_style_folder_without_ground_truth(tmp_path: Path):
    clip = tmp_path / "some_clip"
    clip.mkdir()
    for i in range(5):
        Image.new("RGB", (32, 40), (i * 40, 0, 0)).save(clip / f"images{i + 1:04d}.png")
    out = render_preview(clip, tmp_path / "p.png")
    assert Image.open(out).size[0] >= 5 * 32


def test_preview_errors_name_the_folder(tmp_path: Path, capsys):
    with pytest.raises(DataError, match=r"no \.png or \.jpg frames"):
        render_preview(tmp_path, tmp_path / "x.png")
    assert main(["synth", "--preview", str(tmp_path / "missing"), "--out", "x.png"]) == 2
    err = capsys.readouterr().err
    assert "missing: not a folder of frames" in err
