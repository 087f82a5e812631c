import json

import numpy as np
import pytest
import torch

from sign2gpt.metrics.localisation import SpanLocalisation, gloss_names_word
from sign2gpt.metrics.pgp import PGPCounts, never_found, write_per_class


def test_macro_f1_and_localisation_counts_by_hand():
    # 2 clips, 3 pseudo-glosses. Clip 0 has {0, 1}, clip 1 has {2}.
    targets = torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    yhat = torch.tensor([[0.9, 0.2, 0.7], [0.1, 0.1, 0.8]])
    # E: (B, T=2, V+1), null column last; max over time decides "found" at 0.2
    E = torch.zeros(2, 2, 4)
    E[0, 0, 0] = 0.5  # found, true
    E[0, 1, 2] = 0.3  # found, false
    E[1, 0, 2] = 0.1  # not found, true -> miss
    E[1, 1, 3] = 0.9  # null column never counts
    counts = PGPCounts.zeros(3)
    counts.update(yhat, E, targets)
    m = counts.metrics()
    # class 0: tp1 -> F1 1; class 1: fn1 -> F1 0; class 2: tp1 fp1 -> P .5 R 1 F1 2/3
    assert m["f1"] == pytest.approx((1 + 0 + 2 / 3) / 3)
    assert m["micro_precision"] == pytest.approx(2 / 3)
    assert m["micro_recall"] == pytest.approx(2 / 3)
    # localisation: tp 1 (clip0 v0), fp 1 (clip0 v2), fn 2 (clip0 v1, clip1 v2)
    assert m["loc_precision"] == pytest.approx(0.5)
    assert m["loc_recall"] == pytest.approx(1 / 3)
    assert m["loc_f1"] == pytest.approx(0.4)


def test_per_class_rows_never_found_and_the_table_file(tmp_path):
    # 4 clips, 4 pseudo-glosses; "d" is never a target nor predicted (left out of the rows)
    targets = torch.tensor([[1.0, 1, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 0]])
    yhat = torch.tensor([[0.9, 0.1, 0.0, 0.0], [0.8, 0.2, 0.6, 0.0], [0.1, 0.3, 0.9, 0.0],
                         [0.7, 0.4, 0.0, 0.0]])  # fmt: skip
    counts = PGPCounts.zeros(4)
    counts.update(yhat, torch.zeros(4, 2, 5), targets)
    rows = counts.per_class(["a", "b", "c", "d"], {"a": 30, "b": 20, "c": 5})
    assert [r["gloss"] for r in rows] == ["a", "b", "c"]
    a, b, c = rows
    # a: tp 2 (clips 0, 1), fn 1 (clip 2), fp 1 (clip 3) -> P 2/3, R 2/3
    assert (a["support"], a["predicted"], a["train_sentences"]) == (3, 3, 30)
    assert a["precision"] == pytest.approx(2 / 3) and a["recall"] == pytest.approx(2 / 3)
    # b: in clips 0, 1, 3, never predicted -> recall 0; c: tp 1, fp 1
    assert (b["support"], b["predicted"], b["recall"], b["f1"]) == (3, 0, 0.0, 0.0)
    assert (c["support"], c["predicted"], c["precision"], c["recall"]) == (1, 2, 0.5, 1.0)
    assert never_found(rows) == ["b"]
    assert never_found(rows, min_support=4) == []
    write_per_class(tmp_path / "t.tsv", rows)
    lines = (tmp_path / "t.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "gloss\ttrain_sentences\tsupport\tpredicted\tprecision\trecall\tf1"
    assert lines[2] == "b\t20\t3\t0\t0.000\t0.000\t0.000" and len(lines) == 4


def test_span_localisation_against_ground_truth(tmp_path):
    folder = tmp_path / "groundtruth" / "test"
    folder.mkdir(parents=True)
    truth = {
        "name": "clip1",
        "glosses": [
            {"gloss": "WEST", "start": 0, "end": 7},
            {"gloss": "REGEN", "start": 8, "end": 20},
        ],
    }
    (folder / "clip1.json").write_text(json.dumps(truth))
    assert gloss_names_word("WEST", "westen") and gloss_names_word("SUED", "süden")
    assert not gloss_names_word("REGEN", "westen")
    loc = SpanLocalisation.from_corpus(str(tmp_path), "test", ["westen", "regen", "sonne"])
    assert loc is not None
    E = np.zeros((6, 3))  # 6 encoder steps, 4 stored frames each
    E[1, 0] = 1.0  # westen peaks at frame 4: inside WEST (0-7) -> hit
    E[0, 1] = 1.0  # regen peaks at frame 0: outside REGEN (8-20, tolerance 4) -> miss
    loc.update("clip1", E, ["westen", "regen", "sonne"], frames_per_step=4)
    assert loc.metrics() == {"span_hit_rate": 0.5, "span_checked": 2.0}
    assert SpanLocalisation.from_corpus(str(tmp_path / "none"), "test", ["x"]) is None


def test_clips_seen_twice_count_once():
    """The sampler repeats the first clips to fill every rank's last step: counted once."""
    from sign2gpt.metrics.pgp import clip_records, summarise_clips

    yhat = torch.tensor([[0.9, 0.1, 0.6], [0.2, 0.8, 0.1]])  # (B, V)
    E = torch.zeros(2, 4, 4)  # (B, T, V+1), null column last
    E[0, 1, 0] = 0.3  # clip a: pseudo-gloss 0 localised
    targets = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    clips = clip_records(["a", "b"], yhat, E, targets, loss=0.5)
    rank1 = clip_records(["a"], yhat[:1], E[:1], targets[:1], loss=0.7)  # padding elsewhere
    m = summarise_clips({**clips, **rank1}, 3)
    # a: pred {0, 2}, truth {0}; b: pred {1}, truth {1, 2}: tp 2, fp 1, fn 1
    assert m["micro_precision"] == pytest.approx(2 / 3)
    assert m["micro_recall"] == pytest.approx(2 / 3)
    # localised: a/0 right; b/1 and b/2 missed
    assert m["loc_precision"] == 1.0 and m["loc_recall"] == pytest.approx(1 / 3)
    assert m["predicted"] == 3 and m["loss"] == pytest.approx(0.6)
    twice = PGPCounts.zeros(3)
    twice.update(yhat[[0, 0, 1]], E[[0, 0, 1]], targets[[0, 0, 1]])
    assert twice.tp.tolist() == [2, 1, 0]  # counting the batches as they come would double a


def test_mean_average_precision_by_hand():
    from sign2gpt.metrics.pgp import average_precision, mean_average_precision

    # the positives 0.9 and 0.2 rank 1st and 3rd -> (1/1 + 2/3) / 2
    scores = np.array([0.9, 0.2, 0.4, 0.1])
    assert average_precision(scores, np.array([1, 1, 0, 0], bool)) == pytest.approx(5 / 6)
    assert average_precision(scores, np.zeros(4, bool)) == 0.0
    # two pseudo-glosses with positives (AP 5/6 and 1/2), one without (not counted)
    table = np.stack([scores, np.array([0.1, 0.3, 0.2, 0.05]), scores], axis=1)  # (N, V)
    truth = np.stack(
        [np.array([1, 1, 0, 0], bool), np.array([0, 0, 1, 0], bool), np.zeros(4, bool)], axis=1
    )
    assert mean_average_precision(table, truth) == pytest.approx((5 / 6 + 1 / 2) / 2)
    # all scores below 0.5 (F1 would be 0), yet a better ranking raises it
    low = table * 0.1
    better = low.copy()
    better[2, 1] = 0.04  # the positive of column 1 now ranks first
    assert mean_average_precision(better, truth) > mean_average_precision(low, truth)


def test_frequency_bands_by_hand():
    from sign2gpt.metrics.pgp import band_of, format_bands, frequency_bands

    # 4 pseudo-glosses, most frequent first; head = the first 1, tail = under 5 sentences
    sentences = [50, 20, 4, 1]
    assert [band_of(r, s, head=1, tail=5) for r, s in enumerate(sentences)] == [
        "head",
        "middle",
        "tail",
        "tail",
    ]
    scores = np.array(
        [
            [0.9, 0.1, 0.6, 0.0],
            [0.2, 0.3, 0.1, 0.0],
            [0.7, 0.2, 0.0, 0.0],
        ]
    )
    truth = np.array(
        [
            [True, False, True, False],
            [True, True, False, False],
            [False, True, True, False],
        ]
    )
    found = np.array(
        [
            [True, False, False, False],
            [False, True, False, False],
            [False, False, True, False],
        ]
    )
    rows = {r["band"]: r for r in frequency_bands(scores, truth, found, sentences, 1, 5)}
    head = rows["head"]  # column 0: positives clips 0 (0.9) and 1 (0.2); clip 2 (0.7) negative
    assert (head["classes"], head["present"], head["support"]) == (1, 1, 2)
    assert head["recall"] == pytest.approx(0.5)  # 0.9 passes 0.5, 0.2 does not
    assert head["loc_recall"] == pytest.approx(0.5)
    assert head["map"] == pytest.approx((1 / 1 + 2 / 3) / 2)  # ranks 1 and 3
    assert head["mean_yhat"] == pytest.approx(0.55)
    middle = rows["middle"]  # column 1: positives 0.3, 0.2 rank 1, 2
    assert (middle["support"], middle["recall"], middle["map"]) == (2, 0.0, pytest.approx(1.0))
    assert middle["loc_recall"] == pytest.approx(0.5)
    tail = rows["tail"]  # column 2 (positives 0.6, 0.0; ranks 1 and 3), column 3 never present
    assert (tail["classes"], tail["present"], tail["support"]) == (2, 1, 2)
    assert tail["recall"] == pytest.approx(0.5)
    assert tail["map"] == pytest.approx((1 + 2 / 3) / 2)
    text = format_bands(list(rows.values()), head=1, tail=5)
    assert "head (the 1 most frequent)" in text and "tail (< 5 training sentences)" in text
    assert len(text.splitlines()) == 4
