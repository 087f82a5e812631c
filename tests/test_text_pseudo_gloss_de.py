"""German pseudo-glosses with HanTa, against hand-checked Phoenix14T-style sentences."""

from __future__ import annotations

from collections import Counter

import pytest

from sign2gpt.config import PAPER_POS
from sign2gpt.text.backends import HanTaBackend, get_backend
from sign2gpt.text.pseudo_gloss import explain, select


@pytest.fixture(scope="module")
def hanta() -> HanTaBackend:
    return HanTaBackend("de")


def glosses(backend, sentence: str) -> list[str]:
    return select(backend.tag(sentence), backend, PAPER_POS)


def lemma_of(backend, sentence: str, word: str) -> tuple[str, str]:
    """(lemma, UPOS) of ``word`` inside ``sentence``."""
    for tok in backend.tag(sentence):
        if tok.text == word:
            return tok.lemma.lower(), tok.upos
    raise AssertionError(f"{word} not in {sentence}")


@pytest.mark.parametrize(
    ("sentence", "word", "lemma", "upos"),
    [
        # plural nouns
        ("am tag wechseln sonne und wolken einander ab", "wolken", "wolke", "NOUN"),
        (
            "die temperaturen liegen zwischen fünf und zwölf grad",
            "temperaturen",
            "temperatur",
            "NOUN",
        ),
        ("in der nacht sinken die werte auf null grad", "werte", "wert", "NOUN"),
        ("an der see stürmische böen .", "böen", "böe", "NOUN"),
        ("die höchstwerte liegen bei siebzehn grad", "höchstwerte", "höchstwert", "NOUN"),
        ("in den mittelgebirgen fällt schnee", "mittelgebirgen", "mittelgebirge", "NOUN"),
        # conjugated verbs
        ("im norden regnet es", "regnet", "regnen", "VERB"),
        ("im süden gibt es gewitter", "gibt", "geben", "VERB"),
        ("der wind weht schwach", "weht", "wehen", "VERB"),
        ("an den alpen fällt noch etwas schnee", "fällt", "fallen", "VERB"),
        ("ich wünsche ihnen einen schönen abend", "wünsche", "wünschen", "VERB"),
        ("in bayern schneit es bei minus drei grad", "schneit", "schneien", "VERB"),
        # declined adjectives (and comparatives) -> base form
        ("im süden gibt es teilweise kräftige gewitter", "kräftige", "kräftig", "ADJ"),
        ("ich wünsche ihnen einen schönen abend", "schönen", "schön", "ADJ"),
        (
            "es bleibt bei den frühlingshaften temperaturen",
            "frühlingshaften",
            "frühlingshaft",
            "ADJ",
        ),
        ("es weht ein schwacher wind", "schwacher", "schwach", "ADJ"),
        ("am wochenende wird es wieder wärmer", "wärmer", "warm", "ADJ"),
        ("die luft wird immer kälter", "kälter", "kalt", "ADJ"),
        # lowercased nouns that a case-sensitive tagger takes for adverbs
        ("liebe zuschauer guten abend", "abend", "abend", "NOUN"),
        # compounds stay one token with one lemma
        ("regenschauer ziehen von westen heran", "regenschauer", "regenschauer", "NOUN"),
        ("sonnenschein und nebelfelder", "nebelfelder", "nebelfeld", "NOUN"),
        # reflexives keep their form (HanTa would say "sich" for every one)
        ("ein tief bringt uns schauer", "uns", "uns", "PRON"),
    ],
)
def test_inflected_forms_reduced_to_lemma(hanta, sentence, word, lemma, upos):
    assert lemma_of(hanta, sentence, word) == (lemma, upos)


def test_function_words_dropped_content_words_kept(hanta):
    sentence = "am tag wechseln sonne und wolken einander ab im norden regnet es ."
    got = glosses(hanta, sentence)
    assert got == ["tag", "wechseln", "sonne", "wolke", "einander", "ab", "norden", "regnen", "es"]
    dropped = {r.token: r for r in explain(sentence, hanta) if not r.kept}
    assert set(dropped) == {"am", "und", "im", "."}
    assert dropped["am"].upos == "ADP" and dropped["und"].upos == "CCONJ"
    assert dropped["."].reason == "punctuation"


def test_articles_prepositions_conjunctions_auxiliaries_dropped(hanta):
    sentence = "in der nacht sinken die temperaturen auf werte zwischen null und minus fünf grad ."
    assert glosses(hanta, sentence) == [
        "nacht", "sinken", "temperatur", "wert", "null", "minus", "fünf", "grad"
    ]  # fmt: skip
    rows = {r.token: r for r in explain("morgen ist es im westen freundlich oder heiter", hanta)}
    assert (rows["ist"].upos, rows["ist"].kept) == ("AUX", False)  # sein/haben/werden
    assert (rows["oder"].upos, rows["oder"].kept) == ("CCONJ", False)
    assert (rows["im"].upos, rows["im"].kept) == ("ADP", False)


def test_number_words_and_digits_kept(hanta):
    assert glosses(hanta, "die werte liegen heute zwischen zwanzig und fünfundzwanzig grad") == [
        "wert", "liegen", "heute", "zwanzig", "fünfundzwanzig", "grad"
    ]  # fmt: skip
    rows = {r.token: r for r in explain("morgen donnerstag den zwölften august bei 12 grad", hanta)}
    assert (rows["12"].upos, rows["12"].kept) == ("NUM", True)
    assert (rows["zwölften"].lemma, rows["zwölften"].upos) == ("zwölft", "ADJ")  # ordinal


def test_untokenised_text_with_punctuation(hanta):
    # punctuation glued to words is split off and dropped; a hyphenated compound stays whole
    got = glosses(hanta, "Morgen regnet es, im Nord-Osten schneit es!")
    assert got == ["morgen", "regnen", "es", "nord-osten", "schneien", "es"]


def test_modal_verbs_kept_like_spacy(hanta):
    rows = {r.token: r for r in explain("dort kann es glatt werden", hanta)}
    assert (rows["kann"].lemma, rows["kann"].upos, rows["kann"].kept) == ("können", "VERB", True)
    assert (rows["werden"].upos, rows["werden"].kept) == ("AUX", False)


def test_pos_set_is_configurable(hanta):
    assert select(hanta.tag("im norden regnet es morgen ."), hanta, ["NOUN"]) == ["norden"]


def test_empty_sentence(hanta):
    assert hanta.tag("") == [] and hanta.tag(" . ") != []
    assert glosses(hanta, " . ") == []


# 40 Phoenix14T-style sentences and their hand-checked pseudo-glosses (lemma of every token whose
# STTS tag maps to NOUN NUM ADV PRON PROPN ADJ VERB; separated verb particles are not glosses).
GOLD = [
    (
        "am tag wechseln sonne und wolken einander ab im norden regnet es .",
        "tag wechseln sonne wolke einander norden regnen es",
    ),
    (
        "und nun die wettervorhersage für morgen donnerstag den zwölften august .",
        "nun wettervorhersage morgen donnerstag zwölft august",
    ),
    (
        "im süden und südwesten gibt es teilweise kräftige gewitter .",
        "süden südwesten geben es teilweise kräftig gewitter",
    ),
    (
        "morgen ist es im nordwesten freundlich sonst gibt es viele wolken .",
        "morgen es nordwesten freundlich sonst geben es wolke",
    ),
    ("die temperaturen liegen zwischen fünf und zwölf grad .", "temperatur liegen fünf zwölf grad"),
    (
        "in der nacht sinken die temperaturen auf werte zwischen null und minus fünf grad .",
        "nacht sinken temperatur wert null minus fünf grad",
    ),
    ("der wind weht schwach bis mäßig aus nordost .", "wind wehen schwach mäßig nordost"),
    ("an den alpen fällt noch etwas schnee .", "alpen fallen noch schnee"),
    ("ihnen noch einen schönen abend .", "ihnen noch schön abend"),
    ("liebe zuschauer guten abend .", "lieb zuschauer gut abend"),
    ("an der see stürmische böen .", "see stürmisch böe"),
    (
        "die höchstwerte liegen bei siebzehn grad im breisgau .",
        "höchstwert liegen siebzehn grad breisgau",
    ),
    ("es bleibt bei den frühlingshaften temperaturen .", "es bleiben frühlingshaft temperatur"),
    ("regenschauer ziehen von westen heran .", "regenschauer ziehen westen"),
    ("im laufe des tages zieht der regen nach osten ab .", "lauf tag ziehen regen osten"),
    ("heute nacht ist es meist klar und frostig .", "heute nacht es meist klar frostig"),
    ("morgen scheint verbreitet die sonne .", "morgen scheinen verbreitet sonne"),
    ("im äußersten norden fallen kurze schauer .", "äußerst norden fallen kurz schauer"),
    ("am wochenende wird es wieder wärmer .", "wochenende es wieder warm"),
    ("die sonne zeigt sich nur selten .", "sonne zeigen sich nur selten"),
    ("sonst bleibt es trüb mit nebel oder hochnebel .", "sonst bleiben es trüb nebel hochnebel"),
    ("in den mittelgebirgen fällt schnee .", "mittelgebirge fallen schnee"),
    (
        "der wind weht mäßig bis frisch an der küste auch stark mit stürmischen böen .",
        "wind wehen mäßig frisch küste auch stark stürmisch böe",
    ),
    ("am freitag ziehen dichte wolken mit regen auf .", "freitag ziehen dicht wolke regen"),
    ("ich wünsche ihnen einen schönen abend .", "ich wünschen ihnen schön abend"),
    (
        "tagsüber erreichen die temperaturen sechs bis vierzehn grad .",
        "tagsüber erreichen temperatur sechs vierzehn grad",
    ),
    ("im westen regnet es zeitweise kräftig .", "westen regnen es zeitweise kräftig"),
    ("die aussichten für morgen freitag .", "aussicht morgen freitag"),
    ("am sonntag ist es im osten sonnig .", "sonntag es osten sonnig"),
    (
        "das hoch über skandinavien verlagert sich langsam nach osten .",
        "hoch skandinavien verlagern sich langsam osten",
    ),
    (
        "ein tiefdruckgebiet bringt uns schauer und gewitter .",
        "tiefdruckgebiet bringen uns schauer gewitter",
    ),
    (
        "morgen früh gibt es gebietsweise dichten nebel .",
        "morgen früh geben es gebietsweise dicht nebel",
    ),
    ("die luft wird immer kälter .", "luft immer kalt"),
    (
        "es weht ein schwacher wind aus unterschiedlichen richtungen .",
        "es wehen schwach wind unterschiedlich richtung",
    ),
    ("in bayern schneit es bei minus drei grad .", "bayern schneien es minus drei grad"),
    (
        "die werte liegen heute zwischen zwanzig und fünfundzwanzig grad .",
        "wert liegen heute zwanzig fünfundzwanzig grad",
    ),
    (
        "auch am mittwoch bleibt das wetter unbeständig .",
        "auch mittwoch bleiben wetter unbeständig",
    ),
    ("nachts kühlt es auf zwei grad ab .", "nachts kühlen es zwei grad"),
    ("der regen lässt am abend nach .", "regen lassen abend"),
    ("die schauer gehen morgen in schnee über .", "schauer gehen morgen schnee"),
]


def score(backend) -> tuple[float, float, int]:
    """Micro precision and recall of pseudo-gloss multisets, and exactly right sentences."""
    tp = fp = fn = exact = 0
    for sentence, gold in GOLD:
        got, want = Counter(glosses(backend, sentence)), Counter(gold.split())
        tp += sum((got & want).values())
        fp += sum((got - want).values())
        fn += sum((want - got).values())
        exact += got == want
    return tp / (tp + fp), tp / (tp + fn), exact


def test_hand_checked_corpus_accuracy(hanta):
    # Measured: P 0.985, R 0.990, 37 / 40 sentences exact (misses: "ab" kept as an adverb,
    # "verbreitet" -> "verbreiten", "äußersten" -> "äußer").
    precision, recall, exact = score(hanta)
    assert precision >= 0.98 and recall >= 0.98 and exact >= 37
    # Case-sensitive tagging of lowercased text is worse (nouns taken for adverbs / names).
    p_cs, r_cs, exact_cs = score(HanTaBackend("de", case_sensitive=True))
    assert p_cs < precision and r_cs < recall and exact_cs < exact


def test_auto_backend_is_hanta_with_version(hanta):
    backend = get_backend("auto", "de")
    info = backend.info()
    assert info["name"] == "hanta" and info["model"] == "morphmodel_ger.pgz"
    assert info["version"][0].isdigit() and info["case_sensitive"] is False
