"""Render any list of sentences as signing: a user's own corpus text, or the large preset's.

Each sentence is tagged by the pseudo-gloss tagger of its language and signed by the rules of
``signing`` (lemmas in sign order); every distinct gloss gets a sign (``build_lexicon`` with a
stream per gloss), and the clips are rendered and written in the dataset layout of the
language (``de``: Phoenix14T, ``zh``: CSL-Daily) exactly as the grammar presets are.

Splits, when no split file is given: the distinct sentences are put in the order of the
SHA-256 of ``"<seed>/<sentence>"``; walking that order, a sentence with all its copies goes to
test until test holds ``round(test_ratio * N)`` clips, then to dev likewise, then to train
(``N`` = all sentences; dev and test get at least one sentence each when their ratio is above
0 and there are three distinct sentences or more). So a sentence never occurs in two splits,
the result does not depend on the order of the lines, and ``--seed`` draws another split. The
default ratios are Phoenix14T's: 7,096 / 519 / 642.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sign2gpt.data.records import normalise_split
from sign2gpt.errors import DataError
from sign2gpt.synth.corpus import (
    PRESETS,
    SPLITS,
    Preset,
    plan_corpus,
    prepare_out,
    render_and_write,
)
from sign2gpt.synth.lexicon import Sign, build_lexicon
from sign2gpt.synth.signing import sign_chinese, sign_german
from sign2gpt.synth.utterance import Utterance
from sign2gpt.synth.writers import LAYOUTS
from sign2gpt.text.backends import get_backend
from sign2gpt.text.pseudo_gloss import tag_corpus

PHOENIX_RATIOS = (7096 / 8257, 519 / 8257, 642 / 8257)
LANG_FORMAT = {"de": "phoenix14t", "zh": "csl-daily"}
# How a corpus made from sentences is drawn: the demo preset's frames and timing.
SENTENCES_PRESET = Preset("sentences", (0, 0, 0), (64, 64), PRESETS["demo"].timing, 0.004, 0.002)


def read_sentences(path: str | Path, lang: str = "de") -> list[str]:
    """Non-blank lines of a UTF-8 text file, stripped; one clear error for a bad file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: sentence file not found") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read the sentence file ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{path}: not UTF-8 text (line {line}, byte {exc.start}); save it as UTF-8"
        ) from None
    sentences = []
    for n, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if not any(ch.isalnum() for ch in line):
            raise DataError(f"{path}: line {n} has no words ({line[:20]!r}); remove it")
        if lang == "de" and "|" in line:
            raise DataError(
                f"{path}: line {n} contains '|', the column separator of Phoenix14T's "
                "annotation files; remove it"
            )
        sentences.append(line)
    if not sentences:
        raise DataError(f"{path}: no sentences (the file is empty or holds only blank lines)")
    return sentences


def read_split_file(path: str | Path, n: int) -> list[str]:
    """One split name (train / dev / test) per non-blank line, as many as there are sentences."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: split file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read the split file ({exc.__class__.__name__})") from None
    splits = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        splits.append(normalise_split(line, f"{path}: line {i}"))
    if len(splits) != n:
        raise DataError(
            f"{path}: {len(splits)} split names for {n} sentences (one per non-blank line)"
        )
    if "train" not in splits:
        raise DataError(f"{path}: no sentence is in train")
    return splits


def parse_ratios(text: str) -> tuple[float, float, float]:
    """``"0.86,0.06,0.08"`` (or any three non-negative weights) -> shares of train/dev/test."""
    try:
        parts = [float(x) for x in text.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 3 or any(not p >= 0 for p in parts) or parts[0] <= 0:
        raise DataError(
            f"split ratios {text!r}: give three non-negative numbers train,dev,test with train "
            "above 0 (e.g. 0.86,0.06,0.08)"
        )
    total = sum(parts)
    return parts[0] / total, parts[1] / total, parts[2] / total


def assign_splits(
    sentences: Sequence[str], ratios: Sequence[float] = PHOENIX_RATIOS, seed: int = 0
) -> list[str]:
    """The split of each sentence, by the rule in the module docstring."""
    counts = Counter(sentences)
    order = sorted(counts, key=lambda s: hashlib.sha256(f"{seed}/{s}".encode()).hexdigest())
    n = len(sentences)
    total = sum(ratios)
    targets = {}
    for split, r in (("test", ratios[2]), ("dev", ratios[1])):
        want = round(r / total * n)
        targets[split] = max(want, 1) if r > 0 and len(counts) >= 3 else want
    split_of: dict[str, str] = {}
    filled = {"test": 0, "dev": 0}
    for s in order:
        for split in ("test", "dev"):
            if filled[split] < targets[split]:
                split_of[s] = split
                filled[split] += counts[s]
                break
        else:
            split_of[s] = "train"
    if "train" not in split_of.values():
        raise DataError(
            f"{len(counts)} distinct sentence(s): too few to leave any for train; lower the dev "
            "and test ratios or give more sentences"
        )
    return [split_of[s] for s in sentences]


def sign_corpus(
    sentences: Sequence[str],
    lang: str,
    sign_map: Mapping[str, Sequence[str]] | None = None,
    progress: bool = True,
) -> tuple[list[Utterance], dict]:
    """Tag every distinct sentence once and sign it; returns the utterances and the tagger."""
    backend = get_backend("auto", lang)
    tagged = tag_corpus(sentences, backend, progress=progress)
    signed: dict[str, Utterance] = {}
    for s, tokens in tagged.items():
        if lang == "zh":
            glosses, markers, _ = sign_chinese(tokens)
        else:
            glosses, markers, _ = sign_german(tokens, sign_map)
        signed[s] = Utterance(
            lang,
            words=tuple(t.text for t in tokens) or (s,),
            glosses=tuple(glosses),
            markers=tuple(markers),
            pos=tuple(t.tag for t in tokens) or ("x",),
            sentence=s if lang != "zh" else "",
        )
    return [signed[s] for s in sentences], backend.info()


def generate_from_sentences(
    sentences: Sequence[str],
    out: Path | str,
    lang: str = "de",
    splits: Sequence[str] | None = None,
    ratios: Sequence[float] = PHOENIX_RATIOS,
    seed: int = 0,
    signer_independent: bool = False,
    workers: int = 2,
    overwrite: bool = False,
    progress: bool = True,
    sign_map: Mapping[str, Sequence[str]] | None = None,
    preset: Preset = SENTENCES_PRESET,
    source: str = "",
) -> dict:
    """Sign and render ``sentences`` into ``out`` (the layout of ``lang``); returns the
    manifest. ``splits``: the split of each sentence (else ``assign_splits`` with ``ratios``)."""
    if lang not in LANG_FORMAT:
        raise DataError(f"language {lang!r}: sentences can be signed in de or zh")
    if not sentences:
        raise DataError("no sentences to render")
    if splits is not None and len(splits) != len(sentences):
        raise DataError(f"{len(splits)} split names for {len(sentences)} sentences")
    layout = LAYOUTS[LANG_FORMAT[lang]]
    out = Path(out)
    prepare_out(out, layout, overwrite)
    split_list = list(splits) if splits is not None else assign_splits(sentences, ratios, seed)
    utterances, tagger = sign_corpus(sentences, lang, sign_map, progress)
    by_split: dict[str, list[Utterance]] = {s: [] for s in SPLITS}
    for u, split in zip(utterances, split_list):
        by_split[split].append(u)
    lexicon = corpus_lexicon(utterances, lang)
    rng = random.Random(f"sign2gpt-synth/{seed}/{layout.name}/{preset.name}/signers")
    plan = plan_corpus(
        out, layout, preset, preset.name, seed, signer_independent, by_split, rng, lexicon
    )
    train_words = {w for u in by_split["train"] for w in u.words}
    info = {
        "train_unique": len({u.text for u in by_split["train"]}),
        "dev_test_with_unseen_words": sum(
            1 for s in ("dev", "test") for u in by_split[s] if set(u.words) - train_words
        ),
    }
    extra = {
        "source": source,
        "lemmatiser": tagger,
        "sign_rules": "sign2gpt.synth.signing (lemmas in sign order; see the README)",
        "sign_map": "large-de" if sign_map else "",
        "split_rule": "split file"
        if splits is not None
        else {"ratios": list(ratios), "seed": seed},
    }
    return render_and_write(plan, lexicon, info, workers, progress, extra)


@dataclass(frozen=True)
class SentenceFile:
    """A user's sentences to render (``sign2gpt synth --sentences``): UTF-8, one per line, in
    ``lang``; their splits from ``split_file`` (one train/dev/test per line) or ``split_ratios``
    (``"8,1,1"``; default Phoenix14T's)."""

    path: Path
    lang: str = "de"
    split_file: Path | None = None
    split_ratios: str | None = None


def generate_from_file(
    source: SentenceFile,
    out: Path | str,
    fmt: str | None = None,
    seed: int = 0,
    signer_independent: bool = False,
    workers: int = 2,
    overwrite: bool = False,
) -> dict:
    """:func:`generate_from_sentences` of the sentences in ``source``; returns the manifest."""
    layout = LANG_FORMAT.get(source.lang)
    if fmt and layout and fmt != layout:
        raise DataError(
            f"--sentences in {source.lang} are written in the {layout} layout, not {fmt}"
        )
    if source.split_file and source.split_ratios:
        raise DataError("give --split-file or --split-ratios, not both")
    sentences = read_sentences(source.path, source.lang)
    splits = read_split_file(source.split_file, len(sentences)) if source.split_file else None
    ratios = parse_ratios(source.split_ratios) if source.split_ratios else PHOENIX_RATIOS
    return generate_from_sentences(
        sentences,
        out,
        source.lang,
        splits=splits,
        ratios=ratios,
        seed=seed,
        signer_independent=signer_independent,
        workers=workers,
        overwrite=overwrite,
        source=source.path.name,
    )


def corpus_lexicon(utterances: Sequence[Utterance], lang: str) -> dict[str, Sign]:
    """A sign for every gloss of the corpus, each drawn from its own stream."""
    glosses = sorted({g for u in utterances for g in u.glosses})
    return build_lexicon(glosses, lang, stable=True)


def generate_large_corpus(
    out: Path,
    fmt: str,
    seed: int,
    signer_independent: bool,
    workers: int,
    overwrite: bool,
    progress: bool,
    scale: float,
) -> dict:
    """The large preset: generated German sentences fed through the ``--sentences`` path."""
    from sign2gpt.synth.grammar_de_large import sample_corpus
    from sign2gpt.synth.lexicon_de import german_lexicon

    if fmt != "phoenix14t":
        raise DataError("preset large exists for the phoenix14t layout only (German)")
    corpus = sample_corpus(seed, scale)
    items = corpus.items()
    return generate_from_sentences(
        [s for _, s in items],
        out,
        "de",
        splits=[split for split, _ in items],
        seed=seed,
        signer_independent=signer_independent,
        workers=workers,
        overwrite=overwrite,
        progress=progress,
        sign_map=german_lexicon().sign_map,
        preset=PRESETS["large"],
        source=f"sign2gpt.synth.grammar_de_large (seed {seed}, scale {scale:g})",
    )
