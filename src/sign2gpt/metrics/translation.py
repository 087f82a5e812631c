"""Translation scores exactly as docs/method.md#6-evaluation-protocol: corpus BLEU-1..4
(sacreBLEU) and ROUGE-L.

Published SLT numbers move by several BLEU points with the scoring code, so every setting is
explicit here and :func:`settings` returns the sentence printed beside the scores.

Text preparation (the same for BLEU and ROUGE-L), see :func:`tokens`:

- ``de`` / ``en``: the text is lowercased and split on whitespace; nothing else (Phoenix14T's
  translations are already tokenised and lowercased, with no final period). This is sacreBLEU's
  ``tokenize="none"`` with ``lowercase=True``.
- ``zh``: character level: all whitespace is removed and every remaining character (Chinese,
  Latin letter, digit or punctuation mark alike) is one token. Done here explicitly rather than
  with sacreBLEU's ``zh`` tokenizer, which keeps runs of non-Chinese characters together as words.

BLEU-n is sacreBLEU's corpus BLEU with ``max_ngram_order=n`` and uniform weights 1/n over the
orders 1..n (the BLEU-1..4 of the SLT literature), one reference per sentence, sacreBLEU's
default ``exp`` smoothing (it only changes a score when some n-gram order has no match at all)
and no effective order. BLEU-4 therefore equals ``sacrebleu.corpus_bleu(hyps, [refs],
tokenize="none", lowercase=True)`` on the prepared text.

ROUGE-L is the MS-COCO caption-evaluation formula (pycocoevalcap ``Rouge``), sentence level:
``P = LCS / len(hyp)``, ``R = LCS / len(ref)``, ``F = (1 + b^2) P R / (R + b^2 P)`` with
``b = 1.2`` (0 when the LCS is 0), averaged over sentences and multiplied by 100. Tokens are the
ones above (pycocoevalcap splits on single spaces; consecutive spaces there would make empty
tokens, here they do not).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import sacrebleu
from sacrebleu.metrics import BLEU

from sign2gpt.errors import DataError, Sign2GPTError

LANGS = ("de", "en", "zh")
ROUGE_BETA = 1.2
BLEU_ORDERS = (1, 2, 3, 4)
SMOOTH_METHOD = "exp"


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise Sign2GPTError(f"unknown language {lang!r} (known: {', '.join(LANGS)})")


def tokens(text: str, lang: str) -> list[str]:
    """The scoring tokens of one sentence: lowercased words (de/en) or characters (zh)."""
    _check_lang(lang)
    text = text.lower()
    if lang == "zh":
        return [ch for ch in text if not ch.isspace()]
    return text.split()


def prepare(text: str, lang: str) -> str:
    """One sentence as the space-separated token string handed to sacreBLEU."""
    return " ".join(tokens(text, lang))


def _check_counts(hyps: Sequence[str], refs: Sequence[str]) -> None:
    if len(hyps) != len(refs):
        raise DataError(
            f"{len(hyps)} hypotheses but {len(refs)} references: they must pair up one to one"
        )
    if not refs:
        raise DataError("nothing to score: no references")


def corpus_bleu(hyps: Sequence[str], refs: Sequence[str], lang: str) -> dict[str, float]:
    """Corpus BLEU-1..4 (0..100) of ``hyps`` against one reference each.

    Returns ``{"bleu1": ..., "bleu2": ..., "bleu3": ..., "bleu4": ...}``.
    """
    _check_lang(lang)
    _check_counts(hyps, refs)
    sys_lines = [prepare(h, lang) for h in hyps]
    ref_lines = [[prepare(r, lang) for r in refs]]  # sacreBLEU: one stream per reference set
    out: dict[str, float] = {}
    for n in BLEU_ORDERS:
        metric = BLEU(
            tokenize="none",
            lowercase=True,
            smooth_method=SMOOTH_METHOD,
            max_ngram_order=n,
            effective_order=False,
        )
        out[f"bleu{n}"] = float(metric.corpus_score(sys_lines, ref_lines).score)
    return out


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token sequences (O(len a * len b))."""
    if len(a) < len(b):
        a, b = b, a
    prev = [0] * (len(b) + 1)  # one row of the DP table, over the shorter sequence
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            cur[j] = prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1])
        prev = cur
    return prev[-1]


def rouge_l_sentence(hyp: Sequence[str], ref: Sequence[str], beta: float = ROUGE_BETA) -> float:
    """MS-COCO ROUGE-L F-measure (0..1) of one tokenised hypothesis against one reference."""
    lcs = lcs_length(hyp, ref)
    if lcs == 0:
        return 0.0
    precision = lcs / len(hyp)
    recall = lcs / len(ref)
    return (1 + beta**2) * precision * recall / (recall + beta**2 * precision)


def rouge_l(hyps: Sequence[str], refs: Sequence[str], lang: str) -> float:
    """Sentence-level MS-COCO ROUGE-L (beta 1.2) averaged over sentences, x100."""
    _check_lang(lang)
    _check_counts(hyps, refs)
    total = math.fsum(
        rouge_l_sentence(tokens(h, lang), tokens(r, lang)) for h, r in zip(hyps, refs)
    )
    return 100.0 * total / len(refs)


def score(hyps: Sequence[str], refs: Sequence[str], lang: str) -> dict[str, float | int]:
    """All scores of docs/method.md#6-evaluation-protocol: ``bleu1..bleu4``, ``rouge_l``
    (0..100) and ``n`` sentences.

    Empty hypotheses are allowed (they score 0); the counts must match.
    """
    out: dict[str, float | int] = dict(corpus_bleu(hyps, refs, lang))
    out["rouge_l"] = rouge_l(hyps, refs, lang)
    out["n"] = len(refs)
    return out


def language_mismatch(texts: Sequence[str], lang: str) -> str:
    """A one-line warning when ``texts`` do not look like ``lang`` is scored: Chinese text
    (mostly CJK characters, no spaces) scored as ``de`` / ``en`` is one "word" per sentence and
    scores BLEU 0; "" when they look right."""
    texts = [t for t in texts if t.strip()]
    if lang == "zh" or not texts:
        return ""
    cjk = sum(1 for t in texts if _mostly_cjk(t) and " " not in t.strip())
    if cjk * 2 <= len(texts):
        return ""
    return (
        f"{cjk} of {len(texts)} sentences are Chinese characters without spaces: scored as "
        f"--lang {lang} each is one word (use --lang zh: one token per character)"
    )


def _mostly_cjk(text: str) -> bool:
    chars = [c for c in text if not c.isspace()]
    cjk = sum(1 for c in chars if "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff")
    return bool(chars) and cjk * 2 > len(chars)


COLLAPSE_SHARE = 0.2  # distinct outputs below this share of the distinct references


def collapse_warning(hyps: Sequence[str], refs: Sequence[str]) -> str:
    """A one-line warning when the outputs have collapsed onto a few sentences (fewer distinct
    hypotheses than a fifth of the distinct references, with 10 or more of those): the model
    ignores its input, whatever the BLEU says; "" otherwise."""
    distinct_hyps, distinct_refs = len(set(hyps)), len(set(refs))
    if distinct_refs < 10 or distinct_hyps >= COLLAPSE_SHARE * distinct_refs:
        return ""
    return (
        f"outputs collapsed: {distinct_hyps} distinct sentences for {len(hyps)} clips "
        f"({distinct_refs} distinct references): the model is not reading the signing"
    )


def settings(lang: str) -> str:
    """The exact scoring settings for ``lang``, to print beside the scores."""
    _check_lang(lang)
    if lang == "zh":
        text = "character level (whitespace removed, every character one token), lowercased"
    else:
        text = "lowercased, split on whitespace (text already tokenised)"
    return (
        f"text: {text}, scored against the raw references | "
        f"BLEU-n: sacreBLEU {sacrebleu.__version__} corpus BLEU, max_ngram_order n, uniform "
        f"weights, tokenize=none, lowercase, smooth={SMOOTH_METHOD}, no effective order, 1 ref | "
        f"ROUGE-L: MS-COCO sentence LCS F-measure, beta {ROUGE_BETA}, mean over sentences x100"
    )


# A language-independent summary for logs and checkpoints; `settings(lang)` is the exact one.
SETTINGS = (
    f"BLEU-1..4: sacreBLEU {sacrebleu.__version__} corpus BLEU (max_ngram_order n, uniform "
    f"weights, tokenize=none, lowercase, smooth={SMOOTH_METHOD}, 1 ref) on lowercased words "
    f"(de/en) or characters (zh); ROUGE-L: MS-COCO sentence LCS F-measure, beta {ROUGE_BETA}, "
    f"mean over sentences x100"
)


def read_lines(path: str | Path) -> list[str]:
    """One sentence per line (UTF-8); a final newline does not make an extra empty sentence.

    Only ``\\n`` (and a ``\\r`` before it) ends a line, so unusual Unicode separators inside a
    sentence cannot shift the pairing of hypotheses and references.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    if text == "":
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def score_files(hyp_path: str | Path, ref_path: str | Path, lang: str) -> dict[str, float | int]:
    """:func:`score` of two text files with one sentence per line; errors name the files."""
    _check_lang(lang)
    hyps = read_lines(hyp_path)
    refs = read_lines(ref_path)
    if not refs:
        raise DataError(f"{ref_path}: no reference sentences")
    if len(hyps) != len(refs):
        raise DataError(
            f"{hyp_path} has {len(hyps)} lines but {ref_path} has {len(refs)}: "
            f"one hypothesis per reference line is needed"
        )
    return score(hyps, refs, lang)


def format_table(scores: dict[str, float | int]) -> str:
    """Scores as a small fixed-width table (two decimals)."""
    names = [("BLEU-1", "bleu1"), ("BLEU-2", "bleu2"), ("BLEU-3", "bleu3"), ("BLEU-4", "bleu4")]
    names.append(("ROUGE-L", "rouge_l"))
    head = " | ".join(f"{label:>7}" for label, _ in names) + " |       n"
    row = " | ".join(f"{float(scores[key]):7.2f}" for _, key in names) + f" | {scores['n']:7d}"
    return f"{head}\n{'-' * len(head)}\n{row}"
