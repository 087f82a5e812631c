"""`sign2gpt pseudo-gloss`: --show, building from the real on-disk layouts, one-line errors."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from sign2gpt.cli import main
from sign2gpt.text.pseudo_gloss import PseudoGlossVocab

PHOENIX = {
    "train": [
        ("c1", "am tag wechseln sonne und wolken einander ab im norden regnet es ."),
        ("c2", "im süden gibt es teilweise kräftige gewitter ."),
        ("c3", "die temperaturen liegen zwischen fünf und zwölf grad ."),
        ("c4", "morgen scheint im süden die sonne ."),
    ],
    "dev": [("d1", "im osten regnet es .")],
    "test": [("x1", "im westen schneit es bei minus drei grad .")],
}


def write_phoenix(root: Path) -> None:
    """The Phoenix14T layout (SPEC section 7): `|`-separated CSVs + (empty) frame folders."""
    ann = root / "annotations" / "manual"
    ann.mkdir(parents=True)
    for split, clips in PHOENIX.items():
        lines = ["name|video|start|end|speaker|orth|translation"]
        for name, text in clips:
            lines.append(f"{name}|{name}/1/*.png|-1|-1|Signer01|GLOSS|{text}")
            (root / "features" / "fullFrame-210x260px" / split / name).mkdir(parents=True)
        (ann / f"PHOENIX-2014-T.{split}.corpus.csv").write_text("\n".join(lines) + "\n", "utf-8")


def write_csl_daily(root: Path) -> None:
    """The CSL-Daily layout: annotation pickle with `info` records and split_1.txt."""
    sentences = {
        "S1": ("train", "我的朋友是医生。"),
        "S2": ("train", "我明天下午去学校。"),
        "S3": ("train", "妈妈买了两斤苹果。"),
        "S4": ("dev", "我的妈妈是医生。"),
        "S5": ("test", "你吃饭了吗？"),
    }
    labels = root / "sentence_label"
    labels.mkdir(parents=True)
    info = []
    for name, (_, text) in sentences.items():
        info.append(
            {
                "name": name,
                "length": 10,
                "label_gloss": ["X"],
                "label_char": list(text),
                "label_word": [text],
                "label_postag": ["n"],
                "signer": 1,
            }
        )
        (root / "sentence" / "frames_512x512" / name).mkdir(parents=True)
    (labels / "csl2020ct_v2.pkl").write_bytes(pickle.dumps({"info": info}, protocol=4))
    split_lines = ["name|split"] + [f"{n}|{s}" for n, (s, _) in sentences.items()]
    (labels / "split_1.txt").write_text("\n".join(split_lines) + "\n", "utf-8")


def test_show_prints_table_and_glosses(capsys):
    sentence = "am tag wechseln sonne und wolken einander ab im norden regnet es"
    assert main(["pseudo-gloss", "--lang", "de", "--show", sentence]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["token", "lemma", "UPOS", "kept", "reason"]
    rows = {line.split()[0]: line.split() for line in out[2:-1]}
    assert rows["wolken"][:4] == ["wolken", "wolke", "NOUN", "yes"]
    assert rows["regnet"][:4] == ["regnet", "regnen", "VERB", "yes"]
    assert rows["und"][:4] == ["und", "und", "CCONJ", "no"]
    assert " ".join(rows["im"][4:]) == "APPRART -> ADP, not in the POS set"
    assert out[-1] == "pseudo-glosses: tag wechseln sonne wolke einander ab norden regnen es"


def test_show_chinese(capsys):
    assert main(["pseudo-gloss", "--lang", "zh", "--show", "我的朋友是医生。"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "pseudo-glosses: 我 朋友 是 医生"


def test_build_phoenix14t_layout_and_show_with_vocab(tmp_path, capsys):
    write_phoenix(tmp_path / "phoenix")
    out = tmp_path / "pg.json"
    argv = ["pseudo-gloss", "--dataset", "phoenix14t", "--root", str(tmp_path / "phoenix")]
    assert main([*argv, "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "clips: dev 1, test 1, train 4" in printed
    # es: 2 of 4 training sentences (50 %), süden and sonne 2/4 -> stop words
    assert "stop words (in >= 40 % of training sentences): 3 (es, sonne, süden)" in printed
    assert "dev coverage by the training vocabulary: tokens 1/2 (50.0 %)" in printed  # regnen
    v = PseudoGlossVocab.load(out)
    assert v.glosses("c3") == ["temperatur", "liegen", "fünf", "zwölf", "grad"]
    assert v.glosses("x1") == ["westen", "schneien", "minus", "drei", "grad"]
    assert v.dataset == "phoenix14t" and v.stats["train_sentences"] == 4
    # the same input again: byte-identical file
    again = tmp_path / "again.json"
    assert main([*argv, "--out", str(again), "--no-progress"]) == 0
    assert again.read_bytes() == out.read_bytes()
    # --show with --vocab explains the frequency filter and unknown glosses
    capsys.readouterr()
    assert main(["pseudo-gloss", "--show", "im osten scheint die sonne", "--vocab", str(out)]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:-1]}
    assert "stop word: in 50 % of training sentences (>= 40 %)" in rows["sonne"]
    assert "not in the training vocabulary" in rows["osten"]
    assert "in the POS set" in rows["scheint"] and " yes " in rows["scheint"]


def test_build_csl_daily_layout(tmp_path, capsys):
    write_csl_daily(tmp_path / "csl")
    out = tmp_path / "zh.json"
    argv = ["pseudo-gloss", "--dataset", "csl-daily", "--root", str(tmp_path / "csl")]
    assert main([*argv, "--out", str(out), "--no-progress"]) == 0  # lang from the dataset: zh
    data = json.loads(out.read_text("utf-8"))
    assert data["lang"] == "zh" and data["backend"]["name"] == "jieba"
    # 我 in 2 of 3 training sentences (67 %) is a stop word; 是 and 医生 in 1/3 (33 %) stay
    assert [e["gloss"] for e in data["stop_words"]] == ["我"]
    assert data["clips"]["S1"]["glosses"] == ["朋友", "是", "医生"]
    assert data["clips"]["S4"]["glosses"] == ["妈妈", "是", "医生"]
    assert data["coverage"]["dev"]["token_coverage"] == 1.0
    assert "training text vocabulary:" in capsys.readouterr().out


def test_config_supplies_dataset_root_and_output(tmp_path):
    write_phoenix(tmp_path / "phoenix")
    cfg = tmp_path / "recipe.yaml"
    out = tmp_path / "from_cfg.json"
    cfg.write_text(
        f"data:\n  dataset: phoenix14t\n  root: {tmp_path / 'phoenix'}\n"
        f"  pseudo_glosses: {out}\n  lang: de\n"
        "pseudo_gloss:\n  pos: [NOUN]\n  max_sentence_fraction: 0.9\n",
        "utf-8",
    )
    assert main(["pseudo-gloss", "--config", str(cfg), "--no-progress"]) == 0
    v = PseudoGlossVocab.load(out)
    assert v.pos == ["NOUN"] and v.max_sentence_fraction == 0.9
    assert v.glosses("c1") == ["tag", "sonne", "wolke", "norden"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dataset", "phoenix14t", "--root", "{tmp}/missing", "--out", "{tmp}/o.json"],
         "missing: dataset folder not found"),
        (["--lang", "de"], "--dataset, --root, --out needed"),
        (["--show", "x", "--vocab", "{tmp}/nope.json"], "nope.json: pseudo-gloss file not found"),
        (["--lang", "de", "--backend", "jieba", "--show", "x"], "backend jieba is for Chinese"),
        (["--lang", "de", "--pos", "NOUN,FOO", "--show", "x"], "unknown universal POS tag 'FOO'"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line(tmp_path, capsys, argv, message):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(["pseudo-gloss", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
