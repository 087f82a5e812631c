"""Ablation rows from their files, results over seeds, the table (sign2gpt.metrics.ablation)."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import pytest

from sign2gpt.config import ConfigError, load_config
from sign2gpt.metrics.ablation import (
    AblationRow,
    RowResult,
    difference,
    find_rows,
    flatten,
    load_row,
    markdown_table,
    write_csv,
)

ROOT = Path(__file__).resolve().parents[1]


def test_flatten_gives_overrides_that_read_back_as_the_values():
    nested = {"model": {"sign_encoder": {"window": 0, "downsample_after": []}}, "a": "x y"}
    dotted = flatten(nested)
    assert dotted == [
        "model.sign_encoder.window=0",
        "model.sign_encoder.downsample_after=[]",
        "a=x y",
    ]
    cfg = load_config(
        None, ["model.sign_encoder.downsample_after=[]", "model.bridge.positional=none"]
    )
    assert cfg.model.sign_encoder.downsample_after == [] and cfg.model.bridge.positional == "none"


def test_every_row_file_loads_and_its_overrides_are_valid_config():
    for folder in (ROOT / "configs" / "ablations", ROOT / "configs" / "demo" / "ablations"):
        rows = find_rows(["all"], folder)
        assert [r.order for r in rows] == sorted(r.order for r in rows)
        for row in rows:
            load_config(None, list(row.overrides))  # every key exists, every value fits
            assert row.applies or row.why


def test_the_paper_figures_of_the_rows_are_the_ones_docs_method_carries():
    method = (ROOT / "docs" / "method.md").read_text(encoding="utf-8")
    ablations = method[method.index("### 8.2 Ablations") : method.index("### 8.3")]
    for folder in (ROOT / "configs" / "ablations", ROOT / "configs" / "demo" / "ablations"):
        for row in find_rows(["all"], folder):
            for metric, figure in row.paper.items():
                assert f"{figure:.2f}" in ablations, (row.name, metric, figure)


def test_include_merges_a_recipe_fragment_into_the_overrides():
    row = load_row(ROOT / "configs" / "ablations" / "xglm_564m.yaml")
    cfg = load_config(None, list(row.overrides))
    assert cfg.model.lm.pretrained == "facebook/xglm-564M" and cfg.model.lm.d_model == 1024
    assert row.pgp and row.compare_to == "xglm_1.7b"


def test_bad_row_files_are_one_error_naming_the_file(tmp_path):
    cases = {
        "nolabel.yaml": ("pgp: true\n", "row:"),
        "unknown.yaml": ("row: x\ncolour: red\n", "unknown key colour"),
        "stage.yaml": ("row: x\nstage1: maybe\n", "reuse or retrain"),
        "paper.yaml": ("row: x\npaper: {bleu5: 1}\n", "paper"),
        "why.yaml": ("row: x\napplies: false\n", "says why"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(ConfigError, match=re.escape(message)) as info:
            load_row(tmp_path / name)
        assert name in str(info.value)
    with pytest.raises(ConfigError, match="no such ablation row"):
        find_rows(["nope"], tmp_path)
    (tmp_path / "a.yaml").write_text("row: a\ncompare_to: b\n")
    with pytest.raises(ConfigError, match="compare_to 'b'"):
        find_rows(["a"], tmp_path)


def test_a_skipped_row_is_left_out_of_all_but_runs_when_named(tmp_path):
    (tmp_path / "costly.yaml").write_text("row: costly\nskip: too slow here\n")
    (tmp_path / "na.yaml").write_text("row: na\napplies: false\nwhy: no adapters\n")
    by_all = {r.name: r for r in find_rows(["all"], tmp_path)}
    assert not by_all["costly"].runs and by_all["costly"].skip == "too slow here"
    named = {r.name: r for r in find_rows(["costly", "na"], tmp_path)}
    assert named["costly"].runs and named["costly"].skip == ""
    assert not named["na"].runs  # naming does not make a row apply


def _result(name: str, bleu4: list[float], compare_to: str = "", **row) -> RowResult:
    r = AblationRow(name=name, row=name.upper(), compare_to=compare_to, **row)
    metrics = [{"bleu4": b, "rouge_l": b + 10} for b in bleu4]
    return RowResult(r, seeds=[1, 2, 3][: len(bleu4)], metrics=metrics)


def test_difference_and_its_standard_error_by_hand():
    ref = _result("ref", [40.0, 42.0, 44.0])  # mean 42, variance 4
    row = _result("row", [30.0, 31.0, 32.0], "ref")  # mean 31, variance 1
    d = difference(row, ref)
    assert d.delta == pytest.approx(-11.0)
    assert d.se == pytest.approx(math.sqrt(4 / 3 + 1 / 3))
    assert d.beyond_noise
    close = _result("close", [41.0, 43.0, 45.0], "ref")  # +1 against 2 se = 2.31
    assert not difference(close, ref).beyond_noise
    assert difference(_result("one", [1.0]), ref) is None


def test_markdown_table_and_csv(tmp_path):
    ref = _result("ref", [40.0, 42.0, 44.0], group="g", paper={"bleu4": 19.55}, paper_setting="P")
    row = _result("row", [30.0, 31.0, 32.0], "ref", group="g")
    na = RowResult(AblationRow(name="na", row="NA", group="g", applies=False, why="no adapters"))
    table = markdown_table([ref, row, na], "test").splitlines()
    assert table[0].startswith("| row | seeds | BLEU-4 (test) | ROUGE-L (test) |")
    assert table[2].startswith("| **g** |")
    assert "| REF | 1, 2, 3 | 42.00 ± 2.00 | 52.00 ± 2.00 |  | 19.55 (P) |" in table
    assert "-11.00 (± 2.58, beyond noise) vs REF" in table[4]
    assert "n/a: no adapters" in table[5]
    path = write_csv([ref, row, na], tmp_path / "a.csv")
    lines = list(csv.DictReader(path.open()))
    assert lines[1]["bleu4_per_seed"] == "30.0000 31.0000 32.0000"
    assert lines[1]["bleu4_sd"] == "1.0000" and lines[1]["delta_bleu4"] == "-11.0000"
    assert lines[2]["status"] == "n/a: no adapters" and lines[0]["paper_bleu4"] == "19.55"
