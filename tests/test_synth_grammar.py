"""The synthetic corpus's language side and lexicon: sign order, inflection, sign features."""

import itertools
import random

from sign2gpt.synth import grammar_de, grammar_zh
from sign2gpt.synth.clause_de import Clause
from sign2gpt.synth.handshapes import HANDSHAPES
from sign2gpt.synth.lexicon import LOCATIONS, MOVEMENTS, build_lexicon
from sign2gpt.synth.phrases_de import phrase
from sign2gpt.synth.signers import SIGNERS, signers_for


def _german(n: int, seed: int = 0):
    rng = random.Random(seed)
    return [grammar_de.sample_sentence(rng) for _ in range(n)]


def test_hand_built_clauses_put_time_first_and_the_verb_last():
    c = Clause(
        ("steigen",),
        subject=phrase("die temperaturen", "TEMPERATUR"),
        complement=(("auf", "zwanzig", "grad"), ("ZWANZIG", "GRAD")),
        pred_gloss=("STEIGEN",),
        time=phrase("morgen", "MORGEN"),
        front="time",
    )
    words, glosses, markers = c.realise()
    assert words == ["morgen", "steigen", "die", "temperaturen", "auf", "zwanzig", "grad"]
    assert glosses == ["MORGEN", "TEMPERATUR", "ZWANZIG", "GRAD", "STEIGEN"]
    assert markers == ["brows_up", "", "", "", ""]  # the topic carries raised eyebrows

    neg = Clause(
        ("regnet",),
        pred_gloss=("REGEN",),
        neg=phrase("nicht", "NICHT"),
        region=phrase("im süden", "SUED"),
        front="region",
    )
    words, glosses, markers = neg.realise()
    assert words == ["im", "süden", "regnet", "es", "nicht"]
    assert glosses == ["SUED", "REGEN", "NICHT"]
    assert markers == ["brows_up", "headshake", "headshake"]


def test_german_glosses_drop_function_words_and_differ_from_spoken_order():
    function_words = {"DER", "DIE", "DAS", "EIN", "ES", "IST", "IM", "AM", "AN", "IN", "UND"}
    function_words |= {"AUF", "AUS", "BEI", "ZWISCHEN", "DEN", "SICH", "GIBT", "WIRD"}
    verbs = {"STEIGEN": "steigen", "SINKEN": "sinken", "BRINGEN": "bringt", "KOMMEN": "kommt"}
    checked = 0
    for u in _german(3000):
        assert not function_words & set(u.glosses), u
        assert 4 <= len(u.words) <= 12 and 3 <= len(u.glosses) <= 8, u
        assert u.text == u.text.lower() and not u.text.endswith(".")
        if "und" in u.words:
            continue
        for gloss, word in verbs.items():
            if gloss in u.glosses:
                # spoken: the finite verb is second (V2); signed: the verb comes last
                assert u.glosses[-1] == gloss, u
                assert u.words.index(word) < len(u.words) - 1, u
                checked += 1
    assert checked > 100


def test_german_has_real_inflection_and_a_moderate_vocabulary():
    sentences = _german(20000, seed=1)
    words = {w for u in sentences for w in u.words}
    glosses = {g for u in sentences for g in u.glosses}
    # verb conjugation, noun plurals, adjective endings, comparatives, ordinals
    assert {"regnet", "steigen", "bleibt", "weht", "lockern"} <= words
    assert {"wolken", "temperaturen", "böen", "tagen"} <= words
    assert {"dichten", "kräftige", "kalte", "trockenes", "schönes"} <= words
    assert {"wärmer", "kälter"} <= words
    assert {"zwölften", "ersten", "zwanzigsten"} <= words
    assert {"norden", "nord"} <= words  # one gloss NORD, two word forms
    assert 200 <= len(words) <= 400
    assert 150 <= len(glosses) <= 250
    assert glosses == set(grammar_de.all_glosses())
    assert len({u.text for u in sentences}) > 10000  # productive: mostly new sentences


def test_chinese_sign_order_questions_and_negation():
    rng = random.Random(2)
    sentences = [grammar_zh.sample_sentence(rng) for _ in range(3000)]
    spoken_only = {"是", "吗", "的", "很", "个", "在"}
    n_neg = n_wh = 0
    for u in sentences:
        assert not spoken_only & set(u.glosses), u
        assert u.words[-1] in ("。", "？") and u.pos[-1] == "w"
        assert len(u.pos) == len(u.words) and len(u.romanised) == len(u.glosses)
        if "不" in u.words:
            n_neg += 1
            assert u.glosses[-1] == "不" and u.markers[-1] == "headshake"
            # spoken: 不 before the verb; signed: after it
            assert u.words.index("不") < len(u.words) - 2
        if u.markers[0] == "brows_down":
            n_wh += 1
            assert u.glosses[-1] in {"什么", "哪里", "谁", "几"}
    assert n_neg > 50 and n_wh > 50
    assert {g for u in sentences for g in u.glosses} == set(grammar_zh.all_glosses())


def test_lexicon_signs_share_features_but_differ_in_two():
    assert len(HANDSHAPES) >= 15
    for lang, glosses in (("de", grammar_de.all_glosses()), ("zh", grammar_zh.all_glosses())):
        lex = build_lexicon(glosses, lang)
        assert lex == build_lexicon(glosses, lang)  # fixed per language
        assert set(lex) == set(glosses)
        for a, b in itertools.combinations(lex.values(), 2):
            assert sum(x != y for x, y in zip(a.features(), b.features())) >= 2, (a, b)
        shapes = [s.handshape for s in lex.values()]
        assert len(set(shapes)) >= 15
        # feature values are shared: no single cue identifies a sign
        assert sum(shapes.count(h) >= 3 for h in shapes) >= 0.8 * len(shapes)
        movements = [s.movement for s in lex.values()]
        hands = [s.hands for s in lex.values()]
        assert min(movements.count(m) for m in MOVEMENTS) >= 5
        assert min(hands.count(h) for h in ("one", "sym", "base")) >= 5
        assert len({s.start for s in lex.values()} & set(LOCATIONS)) >= 15


def test_signers_differ_and_one_is_left_handed():
    phoenix = signers_for("phoenix14t")
    assert len(phoenix) == 9 and len(signers_for("csl-daily")) == 10
    assert sum(s.left_handed for s in phoenix) == 1
    for attr in ("skin", "shirt", "background", "shoulder_w", "speed", "zoom", "offset"):
        assert len({getattr(s, attr) for s in phoenix}) >= 7, attr
    assert [s.name for s in SIGNERS[:3]] == ["Signer01", "Signer02", "Signer03"]
