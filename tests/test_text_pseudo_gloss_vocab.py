"""Vocabulary building: frequency filter, order, coverage, JSON file, determinism, errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from sign2gpt.errors import DataError, Sign2GPTError
from sign2gpt.text.backends import Backend, TaggedToken
from sign2gpt.text.pseudo_gloss import FORMAT, PseudoGlossVocab, build_vocab


@dataclass
class Rec:
    id: str
    split: str
    text: str


class SlashBackend(Backend):
    """Hand-tagged text: ``word/UPOS`` tokens, lemma = word. Counts become hand-computable."""

    name = "slash"
    lang = "de"

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "version": "0"}

    def tag(self, sentence: str) -> list[TaggedToken]:
        out = []
        for item in sentence.split():
            word, upos = item.rsplit("/", 1)
            out.append(TaggedToken(word, word, upos, upos))
        return out


CORPUS = [
    Rec("t1", "train", "sonne/NOUN scheinen/VERB im/ADP norden/NOUN ./PUNCT"),
    Rec("t2", "train", "regen/NOUN im/ADP norden/NOUN und/CCONJ norden/NOUN"),
    Rec("t3", "train", "sonne/NOUN im/ADP süden/NOUN"),
    Rec("t4", "train", "wind/NOUN aus/ADP westen/NOUN"),
    Rec("t5", "train", "sonne/NOUN und/CCONJ wind/NOUN und/CCONJ regen/NOUN"),
    Rec("d1", "dev", "sonne/NOUN im/ADP osten/NOUN und/CCONJ regen/NOUN"),
    Rec("x1", "test", "wind/NOUN und/CCONJ regen/NOUN regen/NOUN"),
    Rec("x2", "test", "nebel/NOUN"),
]
# Training sentences containing each pseudo-gloss (of 5): sonne 3, norden 2, regen 2, wind 2,
# scheinen 1, süden 1, westen 1. Tokens: sonne 3, norden 3, regen 2, wind 2, the rest 1.


def build(fraction: float, records=CORPUS) -> PseudoGlossVocab:
    return build_vocab(records, SlashBackend(), ["NOUN", "VERB"], fraction, progress=False)


def test_frequency_filter_and_order():
    v = build(0.5)  # sonne: 3/5 = 0.6 >= 0.5 -> stop word; the others <= 0.4 stay
    assert v.stop_words == {"sonne": 3}
    assert v.vocab == ["norden", "regen", "wind", "scheinen", "süden", "westen"]
    assert v.counts == {"norden": 3, "regen": 2, "wind": 2, "scheinen": 1, "süden": 1, "westen": 1}
    assert v.sentence_counts["norden"] == 2 and len(v) == 6
    # a gloss in exactly 40 % of the sentences is dropped at 0.4 (">= 40 %")
    v = build(0.4)
    assert v.stop_words == {"sonne": 3, "norden": 2, "regen": 2, "wind": 2}
    assert v.vocab == ["scheinen", "süden", "westen"]
    # no stop word under 0.7; equal counts are ordered by the gloss itself
    v = build(0.7)
    assert v.stop_words == {}
    assert v.vocab == ["norden", "sonne", "regen", "wind", "scheinen", "süden", "westen"]


def test_clip_glosses_indices_and_coverage():
    v = build(0.5)
    assert v.glosses("t1") == ["scheinen", "norden"]  # spoken order, stop word removed
    assert v.glosses("t2") == ["regen", "norden", "norden"]  # repeats kept
    assert v.indices("t2") == [1, 0, 0]
    assert v.glosses("d1") == ["osten", "regen"]  # dev keeps glosses unknown to training...
    assert v.indices("d1") == [1]  # ...which indices() drops
    assert v.glosses("x2") == ["nebel"] and v.indices("x2") == []
    assert v.splits["d1"] == "dev"
    assert v.coverage["dev"] == {
        "clips": 1,
        "tokens": 2,
        "tokens_covered": 1,
        "token_coverage": 0.5,
        "types": 2,
        "types_covered": 1,
        "type_coverage": 0.5,
    }
    test = v.coverage["test"]  # wind regen regen | nebel
    assert (test["tokens"], test["tokens_covered"], test["token_coverage"]) == (4, 3, 0.75)
    assert (test["types"], test["types_covered"], test["type_coverage"]) == (3, 2, 0.6667)
    assert v.stats["train_sentences"] == 5 and v.stats["types_before_filter"] == 7
    assert v.stats["train_tokens"] == 3 + 2 + 2 + 1 + 1 + 1 and v.stats["clips"] == {
        "dev": 1,
        "test": 2,
        "train": 5,
    }
    with pytest.raises(KeyError, match="nope"):
        v.glosses("nope")


def test_german_corpus_with_hanta():
    records = [
        Rec("a", "train", "im norden regnet es ."),
        Rec("b", "train", "im süden scheint die sonne ."),
        Rec("c", "train", "morgen regnet es im westen ."),
        Rec("d", "train", "die temperaturen sinken ."),
        Rec("e", "train", "es bleibt trocken ."),
        Rec("f", "dev", "im osten regnet es ."),
    ]
    v = build_vocab(records, "hanta", lang="de", progress=False)
    # es: 3/5 sentences, regnen: 2/5 = 40 % -> both are stop words at the paper's 0.4
    assert v.stop_words == {"es": 3, "regnen": 2}
    hand = "bleiben morgen norden scheinen sinken sonne süden temperatur trocken westen"
    assert v.vocab == sorted(hand.split())  # all counts are 1: ordered by the gloss
    assert v.glosses("c") == ["morgen", "westen"] and v.glosses("f") == ["osten"]
    assert v.coverage["dev"]["token_coverage"] == 0.0
    assert v.backend["name"] == "hanta" and v.lang == "de"
    assert v.pos == ["ADJ", "ADV", "NOUN", "NUM", "PRON", "PROPN", "VERB"]


def test_json_file_is_deterministic_and_round_trips(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "sub" / "b.json"
    build(0.5).save(first)
    build(0.5, records=list(reversed(CORPUS))).save(second)  # record order does not matter
    assert first.read_bytes() == second.read_bytes()
    data = json.loads(first.read_text("utf-8"))
    assert data["format"] == FORMAT and data["format_version"] == 1
    assert data["backend"] == {"name": "slash", "version": "0"}
    assert data["pos"] == ["NOUN", "VERB"] and data["max_sentence_fraction"] == 0.5
    assert data["vocab"][0] == {"gloss": "norden", "count": 3, "sentences": 2}
    assert data["stop_words"] == [{"gloss": "sonne", "sentences": 3}]
    assert data["clips"]["t1"] == {"split": "train", "glosses": ["scheinen", "norden"]}
    assert set(data["clips"]) == {r.id for r in CORPUS}
    assert "süden" in first.read_text("utf-8")  # UTF-8 kept, not \u escapes
    loaded = PseudoGlossVocab.load(first)
    assert loaded.vocab == build(0.5).vocab and loaded.indices("t2") == [1, 0, 0]
    assert loaded.dumps() == first.read_text("utf-8")


def test_build_errors():
    with pytest.raises(DataError, match="no training clips"):
        build(0.4, records=[Rec("d", "dev", "a/NOUN")])
    with pytest.raises(DataError, match="'t1' occurs more than once"):
        build(0.4, records=[*CORPUS, Rec("t1", "test", "a/NOUN")])
    with pytest.raises(Sign2GPTError, match="unknown universal POS tag 'NOUNS'"):
        build_vocab(CORPUS, SlashBackend(), ["NOUNS"], 0.4, progress=False)
    with pytest.raises(Sign2GPTError, match="max_sentence_fraction must be > 0"):
        build(0.0)
    with pytest.raises(Sign2GPTError, match="tags 'de', not 'zh'"):
        build_vocab(CORPUS, SlashBackend(), lang="zh", progress=False)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "pseudo-gloss file not found"),
        ("{not json", "not a readable JSON file"),
        ('{"format": "other"}', "not a pseudo-gloss file"),
        (json.dumps({"format": FORMAT, "format_version": 99}), "format version 99"),
        (json.dumps({"format": FORMAT, "format_version": 1, "vocab": [{}]}), "malformed"),
    ],
)
def test_load_errors_name_the_file(tmp_path, content, message):
    path = tmp_path / "pg.json"
    if content is not None:
        path.write_text(content, "utf-8")
    with pytest.raises(DataError, match=message) as info:
        PseudoGlossVocab.load(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
