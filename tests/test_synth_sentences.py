"""`sign2gpt synth --sentences FILE`: any sentences rendered as signing, end to end; splits;
bad input; the statistics table."""

import json
import pickle
from pathlib import Path

import pytest

from sign2gpt.cli import main
from sign2gpt.errors import DataError
from sign2gpt.synth.phrases_de import gloss_of
from sign2gpt.synth.sentences import assign_splits, parse_ratios, read_sentences
from sign2gpt.synth.stats import Row, corpus_stats, format_stats, text_stats
from sign2gpt.text.backends import get_backend

GERMAN = [
    "Morgen regnet es im Norden kräftig.",
    "Im Süden scheint die Sonne nicht.",
    "Die kalte Luft kommt aus Skandinavien.",
    "Wann hört der Regen auf?",
    "Am Wochenende wird es wärmer.",
    "Guten Abend liebe Zuschauer.",
    "Am Abend ziehen Gewitter auf.",
    "Im Osten bleibt es trocken.",
    "Morgen regnet es im Norden kräftig.",  # a repeat: same split as its twin
]


def _csv(root: Path, split: str) -> list[dict]:
    lines = (root / f"annotations/manual/PHOENIX-2014-T.{split}.corpus.csv").read_text("utf-8")
    head, *rows = lines.splitlines()
    return [dict(zip(head.split("|"), r.split("|"))) for r in rows]


@pytest.fixture(scope="module")
def german(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("sentences")
    src = tmp / "mine.txt"
    src.write_text("\n".join(GERMAN) + "\n\n", encoding="utf-8")  # a blank line is skipped
    out = tmp / "corpus"
    args = ["synth", "--sentences", str(src), "--out", str(out), "--split-ratios", "6,1,2"]
    assert main([*args, "--workers", "1"]) == 0
    return out


def test_sentences_render_in_the_phoenix_layout(german: Path):
    rows = {s: _csv(german, s) for s in ("train", "dev", "test")}
    texts = [r["translation"] for s in rows for r in rows[s]]
    assert sorted(texts) == sorted(GERMAN)  # every sentence once per line, as written
    m = json.loads((german / "groundtruth/manifest.json").read_text("utf-8"))
    assert m["preset"] == "sentences" and m["source"] == "mine.txt"
    assert m["lemmatiser"]["name"] == "hanta" and sum(m["counts"].values()) == len(GERMAN)
    for split, rs in rows.items():
        for r in rs:
            frames = german / "features/fullFrame-210x260px" / split / r["name"]
            gt = json.loads((german / "groundtruth" / split / f"{r['name']}.json").read_text())
            assert gt["num_frames"] == len(list(frames.iterdir())) > 20
            assert [g["gloss"] for g in gt["glosses"]] == r["orth"].split()


def test_glosses_are_lemmas_in_sign_order(german: Path):
    hanta = get_backend("hanta", "de")
    orth = {r["translation"]: r["orth"] for s in ("train", "dev", "test") for r in _csv(german, s)}
    for sentence, glosses in orth.items():
        lemmas = [t.lemma.lower() for t in hanta.tag(sentence)]
        # a separated particle joins its verb's lemma: "hört ... auf" -> aufhören
        joined = {gloss_of(a + b) for a in lemmas for b in lemmas}
        allowed = {gloss_of(x) for x in lemmas} | joined | {"MEHR"}
        assert set(glosses.split()) <= allowed, (sentence, glosses)
    assert orth["Morgen regnet es im Norden kräftig."] == "MORGEN NORDEN KRAEFTIG REGNEN"
    assert orth["Im Süden scheint die Sonne nicht."] == "SUEDEN SONNE SCHEINEN NICHT"
    assert orth["Wann hört der Regen auf?"] == "REGEN AUFHOEREN WANN"
    assert orth["Am Wochenende wird es wärmer."] == "WOCHENENDE WARM MEHR"
    assert orth["Am Abend ziehen Gewitter auf."] == "ABEND GEWITTER AUFZIEHEN"


def test_ratio_split_keeps_a_sentence_in_one_split(german: Path):
    where = {}
    for split in ("train", "dev", "test"):
        for r in _csv(german, split):
            where.setdefault(r["translation"], set()).add(split)
    assert all(len(s) == 1 for s in where.values())
    counts = {s: len(_csv(german, s)) for s in ("train", "dev", "test")}
    assert counts["test"] == 2 and counts["dev"] == 1 and counts["train"] == 6  # 6:1:2 of 9


def test_assign_splits_is_deterministic_and_ignores_line_order():
    sentences = [f"satz nummer {i}" for i in range(200)]
    a = assign_splits(sentences, (0.8, 0.1, 0.1), seed=0)
    assert a == assign_splits(sentences, (0.8, 0.1, 0.1), seed=0)
    assert (a.count("dev"), a.count("test")) == (20, 20)
    back = assign_splits(sentences[::-1], (0.8, 0.1, 0.1), seed=0)[::-1]
    assert back == a  # the same sentence lands in the same split whatever the order
    assert assign_splits(sentences, (0.8, 0.1, 0.1), seed=1) != a
    with pytest.raises(DataError, match="too few"):
        assign_splits(["a", "b", "c"], (0.0, 1.0, 1.0))
    assert parse_ratios("8,1,1") == pytest.approx((0.8, 0.1, 0.1))


def test_split_file_and_chinese(tmp_path: Path):
    src = tmp_path / "zh.txt"
    src.write_text("我明天不去学校。\n你叫什么名字？\n今天很冷。\n", encoding="utf-8")
    splits = tmp_path / "splits.txt"
    splits.write_text("train\nval\ntest\n", encoding="utf-8")  # "val" is dev
    out = tmp_path / "corpus"
    args = ["synth", "--sentences", str(src), "--lang", "zh", "--split-file", str(splits)]
    assert main([*args, "--out", str(out), "--workers", "1"]) == 0
    with open(out / "sentence_label/csl2020ct_v2.pkl", "rb") as fh:
        info = {"".join(r["label_char"]): r for r in pickle.load(fh)["info"]}
    assert info["我明天不去学校。"]["label_gloss"] == ["明天", "我", "学校", "去", "不"]
    split_of = dict(
        line.split("|") for line in (out / "sentence_label/split_1.txt").read_text().split()[1:]
    )
    order = ("我明天不去学校。", "你叫什么名字？", "今天很冷。")
    assert [split_of[info[s]["name"]] for s in order] == ["train", "dev", "test"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no sentences"),
        (b"\n  \n", "no sentences"),
        (b"es regnet\n\xff\xfe kaputt\n", "not UTF-8 text (line 2"),
        (b"es regnet | stark\n", "line 1 contains '|'"),
        (b"es regnet\n...\n", "line 2 has no words"),
    ],
)
def test_bad_sentence_files_give_one_line_and_exit_code_2(tmp_path, capsys, content, message):
    src = tmp_path / "bad.txt"
    src.write_bytes(content)
    out = tmp_path / "corpus"
    assert main(["synth", "--sentences", str(src), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "bad.txt" in err[0]
    assert not out.exists() or not any(out.iterdir())  # nothing half-written


def test_other_bad_arguments(tmp_path, capsys):
    src = tmp_path / "ok.txt"
    src.write_text("es regnet\nes schneit\n", encoding="utf-8")
    splits = tmp_path / "splits.txt"
    splits.write_text("train\n", encoding="utf-8")
    cases = [
        (["--sentences", str(tmp_path / "none.txt")], "sentence file not found"),
        (["--sentences", str(src), "--split-file", str(splits)], "1 split names for 2"),
        (["--sentences", str(src), "--split-ratios", "1,x,1"], "three non-negative"),
        (["--sentences", str(src), "--format", "csl-daily"], "phoenix14t layout"),
        (["--split-ratios", "8,1,1"], "go with --sentences"),
    ]
    for extra, message in cases:
        assert main(["synth", *extra, "--out", str(tmp_path / "c")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], (extra, err)
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(DataError, match=r"empty\.txt: no sentences"):
        read_sentences(empty)


def test_text_stats_by_hand():
    rows = [
        Row("train", "es regnet im norden", "NORDEN REGEN", "Signer01"),
        Row("train", "es schneit im norden", "NORDEN SCHNEE", "Signer02"),
        Row("dev", "es regnet", "REGEN", "Signer01"),
        Row("test", "es hagelt im süden", "SUEDEN HAGEL", "Signer01"),
    ]
    st = text_stats(rows)
    assert st["train_tokens"] == 8 and st["tokens_per_sentence"] == 4.0
    assert st["word_types"] == 5 and st["hapax_word_types"] == 2  # regnet, schneit
    assert st["gloss_types"] == 3 and st["signers"] == 2
    assert st["test_unseen_word_type_share"] == pytest.approx(2 / 4)  # hagelt, süden
    table = format_stats(st)
    assert "hapax word types" in table and "1,080" in table and "50.0%" in table


def test_corpus_stats_reads_a_rendered_corpus(german: Path, capsys):
    st = corpus_stats(german, pseudo_glosses=True)
    m = json.loads((german / "groundtruth/manifest.json").read_text("utf-8"))
    assert st["frames"] == m["frames"]["total"] and st["train_sentences"] == m["counts"]["train"]
    assert st["pseudo_glosses"] > 5 and st["signers"] >= 2
    assert main(["synth", "--stats", str(german)]) == 0
    out = capsys.readouterr().out
    assert "Phoenix14T" in out and f"{m['frames']['total']:,}" in out
