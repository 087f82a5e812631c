"""Tag tables and the optional backends (thulac, spaCy: not installed here, so stand-ins are put
in ``sys.modules`` to test our glue code and the errors when they are missing)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from sign2gpt.errors import Sign2GPTError
from sign2gpt.text.backends import (
    CLAWS5_TO_UPOS,
    ICTCLAS_TO_UPOS,
    STTS_TO_UPOS,
    THULAC_TO_UPOS,
    UPOS_TAGS,
    HanTaBackend,
    get_backend,
    is_punctuation,
    resolve_backend_name,
    stts_tag,
    tokenize_words,
)
from sign2gpt.text.pseudo_gloss import explain


def model_tags(backend: HanTaBackend) -> set[str]:
    """The word tags of a HanTa model (stored there as END_<tag>)."""
    names = backend._tagger.int2tag.values()
    return {n[4:] for n in names if n.startswith("END_") and n != "END_UNKNOWN"}


def test_every_tag_of_the_taggers_has_a_upos():
    de = model_tags(HanTaBackend("de"))
    assert {"NN", "VV(FIN)", "ADJ(A)", "APPRART", "PTKVZ"} <= de
    assert sorted(t for t in de if stts_tag(t) not in STTS_TO_UPOS) == []
    en = model_tags(HanTaBackend("en"))
    assert sorted(t for t in en if t not in CLAWS5_TO_UPOS) == []
    import jieba

    dict_file = Path(jieba.__file__).parent / "dict.txt"
    jieba_tags = {line.split()[2] for line in dict_file.read_text("utf-8").splitlines() if line}
    assert sorted(jieba_tags - set(ICTCLAS_TO_UPOS)) == []
    tables = [STTS_TO_UPOS, CLAWS5_TO_UPOS, ICTCLAS_TO_UPOS, THULAC_TO_UPOS]
    assert all(set(t.values()) <= set(UPOS_TAGS) for t in tables)


def test_stts_table_follows_spacy_on_the_choices_that_matter():
    assert stts_tag("VV(FIN)") == "VVFIN" and stts_tag("ADJ(D)") == "ADJD"
    assert stts_tag("$(") == "$(" and stts_tag("NN") == "NN"
    assert STTS_TO_UPOS["VAFIN"] == "AUX" and STTS_TO_UPOS["VMFIN"] == "VERB"
    assert STTS_TO_UPOS["PIAT"] == "DET" and STTS_TO_UPOS["PIS"] == "PRON"
    assert STTS_TO_UPOS["PTKVZ"] == "PART" and STTS_TO_UPOS["PROAV"] == "ADV"


def test_tokenize_and_punctuation():
    assert tokenize_words("Heute: 2,5 Grad, Nord-Ost.") == [
        "Heute", ":", "2,5", "Grad", ",", "Nord-Ost", "."
    ]  # fmt: skip
    assert tokenize_words("am tag .") == ["am", "tag", "."]
    assert is_punctuation("...") and is_punctuation("。") and is_punctuation("？")
    assert not is_punctuation("a.") and not is_punctuation("12")


def test_english_hanta():
    en = get_backend("auto", "en")
    rows = explain("The children were running to their two houses quickly.", en)
    kept = [r.lemma for r in rows if r.kept]
    assert kept == ["child", "run", "their", "two", "house", "quickly"]
    assert {r.token: r.upos for r in rows}["were"] == "AUX"


@pytest.mark.parametrize(
    ("name", "lang", "message"),
    [
        ("jieba", "de", "for Chinese"),
        ("thulac", "en", "for Chinese"),
        ("hanta", "zh", "no Chinese model"),
        ("stanza", "de", "unknown pseudo-gloss backend"),
        ("auto", "fr", "unknown language"),
    ],
)
def test_bad_backend_language_pairs(name, lang, message):
    with pytest.raises(Sign2GPTError, match=message):
        resolve_backend_name(name, lang)


def test_thulac_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "thulac", None)  # import thulac -> ImportError
    with pytest.raises(Sign2GPTError, match=r"pip install 'sign2gpt\[zh\]'"):
        get_backend("thulac", "zh")


def test_thulac_backend_with_a_stand_in(monkeypatch, capsys):
    class FakeThulac:
        def __init__(self, seg_only: bool = False) -> None:
            assert seg_only is False  # tags are needed
            print("Model loaded succeed")

        def cut(self, raw: str, text: bool = True):
            assert text is False  # [[word, tag], ...] wanted, not one string
            return [["这个", "r"], ["我", "r"], ["爱", "v"], ["北京", "ns"], ["的", "u"],
                    ["三", "m"], ["个", "q"], ["。", "w"], [" ", "x"]]  # fmt: skip

    monkeypatch.setitem(sys.modules, "thulac", types.SimpleNamespace(thulac=FakeThulac))
    backend = get_backend("thulac", "zh")
    assert capsys.readouterr().out == ""  # its chatter is swallowed
    rows = explain("这个我爱北京的三个。", backend)
    assert [(r.token, r.upos, r.kept) for r in rows] == [
        ("这个", "DET", False),
        ("我", "PRON", True),
        ("爱", "VERB", True),
        ("北京", "PROPN", True),
        ("的", "PART", False),
        ("三", "NUM", True),
        ("个", "NUM", True),
        ("。", "PUNCT", False),
    ]
    assert backend.info()["name"] == "thulac"


def test_spacy_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "spacy", None)
    with pytest.raises(Sign2GPTError, match=r"sign2gpt\[spacy\].*de_core_news_lg"):
        get_backend("spacy", "de")


def test_spacy_backend_with_a_stand_in(monkeypatch):
    Tok = types.SimpleNamespace

    class FakeNLP:
        def __init__(self) -> None:
            self.meta = {"name": "core_news_lg", "version": "3.7.0"}

        def __call__(self, text: str):
            assert text == "Die Wolken ziehen ab."
            return [Tok(text="Die", lemma_="der", tag_="ART", pos_="DET"),
                    Tok(text="Wolken", lemma_="Wolke", tag_="NN", pos_="NOUN"),
                    Tok(text="ziehen", lemma_="ziehen", tag_="VVFIN", pos_="VERB"),
                    Tok(text="ab", lemma_="ab", tag_="PTKVZ", pos_="ADP"),
                    Tok(text=".", lemma_="--", tag_="$.", pos_="PUNCT")]  # fmt: skip

    def load(name: str):
        if name != "de_core_news_lg":
            raise OSError(f"[E050] Can't find model '{name}'")
        return FakeNLP()

    monkeypatch.setitem(sys.modules, "spacy", types.SimpleNamespace(load=load, __version__="3.7.5"))
    backend = get_backend("spacy", "de")  # "" -> the paper's pipeline
    assert backend.info() == {
        "name": "spacy",
        "version": "3.7.5",
        "model": "de_core_news_lg",
        "model_version": "3.7.0",
    }
    rows = explain("Die Wolken ziehen ab.", backend)
    assert [r.lemma for r in rows if r.kept] == ["wolke", "ziehen"]
    with pytest.raises(Sign2GPTError, match="'de_core_news_sm' is not installed"):
        get_backend("spacy", "de", spacy_model="de_core_news_sm")
