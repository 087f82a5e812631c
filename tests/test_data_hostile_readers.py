"""Annotation mistakes that used to pass quietly or with a vague message: unknown splits,
empty translations, duplicate clips, a Phoenix CSV with the wrong delimiter."""

import json
import logging
from pathlib import Path

import pytest
from data_fixtures import default_clips, write_csl_daily, write_phoenix14t

from sign2gpt.data.readers import read_dataset
from sign2gpt.data.records import normalise_split
from sign2gpt.errors import DataError


def _frames_manifest(tmp_path: Path, rows: list[dict], fmt: str = "csv") -> Path:
    """A manifest of frame-folder clips (all on one Phoenix-style folder)."""
    write_phoenix14t(tmp_path / "ph", default_clips()[:1])
    root = tmp_path / "mine"
    root.mkdir()
    (root / "f0").symlink_to(tmp_path / "ph/features/fullFrame-210x260px/train/clip_a")
    if fmt == "jsonl":
        body = "".join(json.dumps({"frames": "f0", "text": "x", **r}) + "\n" for r in rows)
    else:
        body = "id,frames,split,text\n" + "".join(
            f"{r['id']},f0,{r.get('split', '')},{r.get('text', 'x')}\n" for r in rows
        )
    path = root / f"manifest.{fmt}"
    path.write_text(body)
    return path


def test_splits_and_their_aliases():
    for name, split in [("train", "train"), ("DEV", "dev"), (" test ", "test")]:
        assert normalise_split(name, "here") == split
    for alias in ("val", "valid", "Validation"):
        assert normalise_split(alias, "here") == "dev"
    with pytest.raises(DataError, match=r"^f.csv: line 3: unknown split 'trian' \(allowed"):
        normalise_split("trian", "f.csv: line 3")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_manifest_with_an_unknown_split_names_the_file_and_line(tmp_path: Path, fmt: str):
    rows = [
        {"id": "a", "split": "train"},
        {"id": "b", "split": "valid"},
        {"id": "c"},  # no split: train
        {"id": "d", "split": "trian"},
    ]
    path = _frames_manifest(tmp_path, rows, fmt)
    line = 5 if fmt == "csv" else 4  # the CSV's header is line 1
    with pytest.raises(DataError, match=rf"^{path}: line {line}: unknown split 'trian'"):
        read_dataset("manifest", path)
    path.write_text(path.read_text().replace("trian", "test"))
    assert [r.split for r in read_dataset("manifest", path)] == ["train", "dev", "train", "test"]


def test_csl_daily_split_file_with_an_unknown_split(tmp_path: Path):
    write_csl_daily(tmp_path)
    split = tmp_path / "sentence_label" / "split_1.txt"
    split.write_text(split.read_text().replace("S0000_d|dev", "S0000_d|deve"))
    with pytest.raises(DataError, match=rf"^{split}: line 5: unknown split 'deve'"):
        read_dataset("csl-daily", tmp_path)


def test_empty_translations_are_reported_in_one_warning(tmp_path: Path, caplog):
    rows = [{"id": f"c{i}", "text": "" if i % 3 == 0 else "words"} for i in range(21)]
    path = _frames_manifest(tmp_path, rows, "jsonl")
    with caplog.at_level(logging.WARNING, logger="sign2gpt.data.readers"):
        records = read_dataset("manifest", path)
    assert len(records) == 21
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: 7 of 21 clips have an empty translation: c0, c3, c6, c9, c12, ... (2 more)"
    ]
    caplog.clear()
    write_phoenix14t(tmp_path / "clean")
    with caplog.at_level(logging.WARNING, logger="sign2gpt.data.readers"):
        read_dataset("phoenix14t", tmp_path / "clean")
    assert caplog.records == []


def test_duplicate_clip_names_both_rows(tmp_path: Path):
    root = tmp_path / "ph"
    write_phoenix14t(root)
    ann = root / "annotations" / "manual"
    dev = ann / "PHOENIX-2014-T.dev.corpus.csv"
    # clip_b of train listed again in dev (its frame folder exists there too)
    (root / "features/fullFrame-210x260px/dev/clip_b").mkdir()
    dev.write_text(dev.read_text() + "clip_b|clip_b/1/*.png|-1|-1|Signer02|NORD|regen\n")
    train = ann / "PHOENIX-2014-T.train.corpus.csv"
    message = f"{dev}: line 3: clip id clip_b occurs more than once (first at {train}: line 3)"
    with pytest.raises(DataError) as info:
        read_dataset("phoenix14t", root)
    assert str(info.value) == message
    path = _frames_manifest(tmp_path, [{"id": "a"}, {"id": "b"}, {"id": "a"}])
    with pytest.raises(
        DataError, match=rf"^{path}: line 4: clip id a .* \(first at {path}: line 2\)"
    ):
        read_dataset("manifest", path)


def test_comma_separated_phoenix_csv_gets_a_delimiter_hint(tmp_path: Path):
    root = tmp_path / "ph"
    write_phoenix14t(root)
    csv = root / "annotations" / "manual" / "PHOENIX-2014-T.train.corpus.csv"
    csv.write_text(csv.read_text().replace("|", ","))
    message = (
        f"{csv}: missing column 'name' (found: name,video,start,end,speaker,orth,translation); "
        "this file looks comma-separated, the columns must be separated by '|'"
    )
    with pytest.raises(DataError) as info:
        read_dataset("phoenix14t", root)
    assert str(info.value) == message
    # a header that matches no delimiter gets no guess
    csv.write_text("something else entirely\n")
    with pytest.raises(DataError) as info:
        read_dataset("phoenix14t", root)
    assert str(info.value).endswith("(found: something else entirely)")
