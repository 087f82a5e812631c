"""Text that states what the code does (help texts, docs, recipe comments) agrees with the code.

Stage-1 selection is by dev mAP, not the paper's macro F1, and help texts that name a default
or a metric are formatted from the code: these tests fail when one side moves without the other.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import torch
import yaml
from tiny import model_config

from sign2gpt.cli import build_parser
from sign2gpt.config import Config, DataConfig, PseudoGlossConfig, TrainConfig
from sign2gpt.metrics.thresholds import LOCALISATION_THRESHOLD, PREDICT_THRESHOLD
from sign2gpt.train.selection import PGP_SELECTION, SELECTIONS, TRANSLATION_SELECTION

ROOT = Path(__file__).resolve().parents[1]


def _help(command: str) -> str:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[command].format_help()


def _flat(text: str) -> str:
    return " ".join(text.split())


# ---- model selection -----------------------------------------------------------------------


def test_stage_modules_select_by_the_named_selections():
    from sign2gpt.train.modules import PGPModule, TranslationModule

    assert PGPModule.selection is PGP_SELECTION and PGP_SELECTION.metric == "val/map"
    assert TranslationModule.selection is TRANSLATION_SELECTION
    # a higher mAP wins whatever the F1; at equal mAP the lower dev loss wins
    better = {"val/map": 0.4, "val/f1": 0.0, "val/loss": 3.0}
    worse = {"val/map": 0.3, "val/f1": 0.9, "val/loss": 1.0}
    assert PGP_SELECTION.key(better) > PGP_SELECTION.key(worse)
    assert PGP_SELECTION.key({**better, "val/loss": 2.0}) > PGP_SELECTION.key(better)
    assert TRANSLATION_SELECTION.key({"val/bleu4": 5.0}) == (5.0,)


def test_training_help_names_the_metric_training_selects_by():
    pretrain, train = _flat(_help("pretrain")), _flat(_help("train"))
    assert f"best dev mean average precision over pseudo-glosses (`{PGP_SELECTION.metric}`" in (
        pretrain
    )
    assert f"`{TRANSLATION_SELECTION.metric}`" in train
    report = _flat(_help("report"))
    assert all(s.metric in report for s in SELECTIONS) and "val/f1" not in report
    evaluate = _flat(_help("evaluate"))
    assert f"yhat > {PREDICT_THRESHOLD}" in evaluate and f"E > {LOCALISATION_THRESHOLD}" in evaluate


# "chosen by the dev macro F1", "selection by dev pseudo-gloss F1", "best dev macro F1 ...": the
# claim this project no longer makes. Sentences about the paper say "the paper" near it.
F1_SELECTION = re.compile(
    r"(?:best|by)(?: the)? dev (?:macro )?(?:pseudo-gloss )?F1|selection: macro F1", re.I
)


def _texts() -> list[Path]:
    files = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "configs").rglob("*.yaml")]
    return [*files, *(ROOT / "src").rglob("*.py"), ROOT / "benchmarks" / "RESULTS.md"]


def test_no_text_says_stage_one_selects_by_f1():
    claims = []
    for path in _texts():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if F1_SELECTION.search(line) and "paper" not in line:
                claims.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert claims == []
    assert F1_SELECTION.search("best/ is chosen by the dev macro F1 of pseudo-gloss prediction")
    assert F1_SELECTION.search("model selection by dev pseudo-gloss F1.")


def test_docs_and_recipes_name_the_selection_metrics():
    method = (ROOT / "docs" / "method.md").read_text(encoding="utf-8")
    row = next(line for line in method.splitlines() if line.startswith("| model selection |"))
    assert PGP_SELECTION.metric in row and TRANSLATION_SELECTION.metric in row
    stage_one = method[method.index("Model selection: the stage-1") :][:400]
    assert f"`{PGP_SELECTION.metric}`" in stage_one
    assert f"`{PGP_SELECTION.metric}`" in (ROOT / "docs" / "training.md").read_text()
    # every recipe whose comments speak of selection names its own stage's metric
    named = 0
    for recipe in sorted((ROOT / "configs").rglob("*.yaml")):
        comments = " ".join(
            line for line in recipe.read_text(encoding="utf-8").splitlines() if line[:1] == "#"
        )
        if "selection" not in comments:
            continue
        stage = (yaml.safe_load(recipe.read_text()) or {}).get("train", {}).get("stage")
        wanted = PGP_SELECTION if stage == "pgp" else TRANSLATION_SELECTION
        assert wanted.metric in comments, recipe.relative_to(ROOT)
        named += 1
    assert named >= 5


# ---- defaults named in help texts ------------------------------------------------------------


def _argument_helps() -> list[tuple[str, argparse.Action, str]]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out = []
    for name, command in sub.choices.items():
        formatter = command._get_formatter()
        for action in command._actions:
            if action.help and action.help is not argparse.SUPPRESS:
                out.append((name, action, formatter._expand_help(action)))
    return out


def test_an_argument_that_names_its_own_default_names_the_real_one():
    """``--seeds`` saying "(default 3)" must default to 3: a help that names a value after
    "default" and an argument with a default of its own agree."""
    checked = 0
    for name, action, text in _argument_helps():
        match = re.search(r"\(default:? ([\w.,-]+)\)", text)
        if match is None or action.default in (None, False, argparse.SUPPRESS):
            continue
        if isinstance(action.default, (int, float, str)):
            assert match.group(1) == str(action.default), (name, action.dest, text)
            checked += 1
    assert checked >= 6


def test_help_texts_state_the_config_defaults():
    data, pg = DataConfig(), PseudoGlossConfig()
    prepare = _flat(_help("prepare"))
    assert f"else {data.store_size})" in prepare
    assert f"the paper's {data.store_size} x {data.store_size}" in prepare
    assert f"data.max_pixels, {data.max_pixels:,})" in prepare
    assert f"data.max_frame_bytes, {data.max_frame_bytes / 2**20:g} MiB)" in prepare
    pseudo = _flat(_help("pseudo-gloss"))
    assert f"(default {' '.join(pg.pos)})" in pseudo
    assert f">= {pg.max_sentence_fraction * 100:g} % of the training sentences" in pseudo
    assert f"({pg.max_sentence_fraction})" in pseudo
    seed = TrainConfig().seed
    assert f"train.seed = the recipe's {seed}, {seed + 1}, ..." in _flat(_help("demo"))


def test_synth_help_states_the_presets_sizes():
    from sign2gpt.synth.corpus import PRESETS

    text = _flat(_help("synth"))
    for preset in PRESETS.values():
        clips = f"{sum(preset.counts):,} clips"
        assert clips in text, preset.name
    assert f"Phoenix14T's {','.join(map(str, PRESETS['large'].counts))})" in text


# ---- docs/configuration.md's table of defaults -----------------------------------------------


def _split_top(cell: str) -> list[str]:
    """``a, [1, 2], (3, 4)`` -> ``["a", "[1, 2]", "(3, 4)"]``."""
    parts, depth, current = [], 0, ""
    for char in cell:
        depth += 1 if char in "[(" else -1 if char in "])" else 0
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()]


def _literal(text: str) -> object:
    """A table cell as a value: ``empty`` is "", ``1e-5`` a float (YAML 1.1 reads it as a
    string), ``(0.9, 0.999)`` a list; anything else as YAML reads it."""
    text = text.strip("`")
    if text == "empty":
        return ""
    if re.fullmatch(r"-?[\d.]+e-?\d+", text):
        return float(text)
    try:
        return yaml.safe_load(text.replace("(", "[").replace(")", "]"))
    except yaml.YAMLError:
        return text


def _value(cfg: object, dotted: str) -> object:
    for part in dotted.split("."):
        cfg = getattr(cfg, part)
    return cfg


def test_the_configuration_page_states_the_dataclass_defaults():
    """Every row of docs/configuration.md's key tables whose defaults are plain values (a
    number, a word, a list) gives the dataclass default of each key it names."""
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    cfg, section, checked, wrong = Config(), None, 0, []
    for line in page.splitlines():
        head = re.match(r"^`(\w+)` \(", line)
        if head:
            section = head.group(1)
        row = re.match(r"^\| (`[^|]+`) \| ([^|]+) \|", line)
        if section is None or row is None:
            continue
        keys = [k.strip().strip("`") for k in row.group(1).split(",")]
        values = _split_top(row.group(2).strip())
        if len(values) == 1 and len(keys) > 1:
            values = values * len(keys)  # one value for all of them
        if len(values) != len(keys):
            continue
        prefix = keys[0].rpartition(".")[0]
        for key, text in zip(keys, values):
            if key.startswith("."):
                key = prefix + key
            elif "." not in key and prefix:
                key = f"{prefix}.{key}"
            actual = _value(getattr(cfg, section), key.removesuffix(".*"))  # a key that exists
            literal = _literal(text)
            if not isinstance(literal, (int, float, str, list)) or re.search(r"[ ']", str(literal)):
                continue  # prose: "ImageNet's", "the paper's", "rank 4, ..."
            if isinstance(actual, tuple):
                actual = list(actual)
            if hasattr(actual, "value"):
                actual = actual.value
            if isinstance(literal, (int, float)) and isinstance(actual, (int, float)):
                ok = float(literal) == float(actual)
            else:
                ok = literal == actual
            checked += 1
            if not ok:
                wrong.append(f"{section}.{key}: the page says {text}, the code {actual!r}")
    assert wrong == [] and checked >= 40


# ---- what find_unused_parameters=False relies on --------------------------------------------


@pytest.mark.parametrize("stage", ["pgp", "translate"])
def test_every_trainable_parameter_takes_part_in_the_loss(stage, lm_dir, tokenizer):
    """train/runner.py gives DDP find_unused_parameters=False: each trainable parameter of a
    stage model must be in the graph of its loss, or the next step fails."""
    from sign2gpt.models.pgp_model import PGPModel
    from sign2gpt.models.translation_model import TranslationModel

    torch.manual_seed(0)
    frames, lengths = torch.randn(8, 3, 16, 16), torch.tensor([5, 3])
    if stage == "pgp":
        model = PGPModel.build(model_config(lm_dir), prototypes=torch.randn(7, 32)).train()
        z, mask = model.encode(frames, lengths)
        targets = torch.zeros(2, 7)
        targets[0, 1] = 1
        model.pseudo_glosses(z, mask, targets).loss.backward()
    else:
        from sign2gpt.text.tokenizer import encode_sentence

        model = TranslationModel.build(model_config(lm_dir), tokenizer=tokenizer).train()
        z, mask = model.encode(frames, lengths)
        row = encode_sentence(tokenizer, "am tag sonne")
        ids = torch.tensor([row[:-1], row[:-1]])
        labels = torch.tensor([row[1:], row[1:]])
        model.loss(z, mask, ids, torch.ones_like(ids), labels, label_smoothing=0.1).backward()
    unused = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert unused == []
    assert any(p.requires_grad for p in model.parameters())
