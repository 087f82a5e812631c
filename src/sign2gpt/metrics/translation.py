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

Other conventions (:func:`comparable_scores`): the same outputs scored with sacreBLEU's default
``13a`` tokenizer, and with the final period restored (`` .`` appended to references and
hypotheses that lack final punctuation, as SignJoey-style Phoenix14T text has it); for Chinese,
sacreBLEU's ``zh`` tokenizer. Every BLEU figure comes with its sacreBLEU signature. BLEURT is
scored only when a BLEURT package and a local checkpoint folder are there (:func:`bleurt_score`).

ROUGE-L is the MS-COCO caption-evaluation formula (pycocoevalcap ``Rouge``), sentence level:
``P = LCS / len(hyp)``, ``R = LCS / len(ref)``, ``F = (1 + b^2) P R / (R + b^2 P)`` with
``b = 1.2`` (0 when the LCS is 0), averaged over sentences and multiplied by 100. Tokens are the
ones above (pycocoevalcap splits on single spaces; consecutive spaces there would make empty
tokens, here they do not).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import sacrebleu
from sacrebleu.metrics import BLEU
from sacrebleu.tokenizers.tokenizer_re import TokenizerRegexp
from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh

from sign2gpt.errors import DataError, Sign2GPTError

LANGS = ("de", "en", "zh")
# force=True (QUIET_TOKENISED) keeps sacreBLEU from warning on every call that the text looks
# tokenised ("you forgot to detokenize"): here it is on purpose (tokenize=none, and the
# references-with-period convention appends " ."); it changes neither scores nor signatures.
QUIET_TOKENISED = True
ROUGE_BETA = 1.2
BLEU_ORDERS = (1, 2, 3, 4)
SMOOTH_METHOD = "exp"


def check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise Sign2GPTError(f"unknown language {lang!r} (known: {', '.join(LANGS)})")


def tokens(text: str, lang: str) -> list[str]:
    """The scoring tokens of one sentence: lowercased words (de/en) or characters (zh)."""
    check_lang(lang)
    text = text.lower()
    if lang == "zh":
        return [ch for ch in text if not ch.isspace()]
    return text.split()


def prepare(text: str, lang: str) -> str:
    """One sentence as the space-separated token string handed to sacreBLEU."""
    return " ".join(tokens(text, lang))


def check_counts(hyps: Sequence[str], refs: Sequence[str]) -> None:
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
    check_lang(lang)
    check_counts(hyps, refs)
    sys_lines = [prepare(h, lang) for h in hyps]
    ref_lines = [[prepare(r, lang) for r in refs]]  # sacreBLEU: one stream per reference set
    return {
        f"bleu{n}": bleu_metric(n, "none").corpus_score(sys_lines, ref_lines).score
        for n in BLEU_ORDERS
    }


def bleu_metric(order: int, tokenize: str) -> BLEU:
    """sacreBLEU's corpus BLEU of n-gram ``order`` as every score here computes it: lowercased,
    exponential smoothing, no effective order."""
    metric = BLEU(
        tokenize=tokenize,
        lowercase=True,
        force=QUIET_TOKENISED,
        smooth_method=SMOOTH_METHOD,
        max_ngram_order=order,
        effective_order=False,
    )
    if tokenize == "zh":
        # the signature was taken from sacreBLEU's own (tok:zh); only the speed differs
        metric.tokenizer = LinearTokenizerZh()
    return metric


# --------------------------------------------------------------------------------------------
# the same outputs under the other conventions of the literature, with sacreBLEU signatures

FINAL_PUNCTUATION = (".", "!", "?", "。", "！", "？")


@dataclass(frozen=True)
class Convention:
    """One way the literature scores translations: how the text is prepared and which sacreBLEU
    tokenizer reads it (docs/method.md#6-evaluation-protocol)."""

    name: str
    description: str
    tokenize: str  # sacreBLEU's tokenize
    add_period: bool = False  # " ." appended to references and hypotheses without one


PAPER = Convention(
    "paper",
    "the paper's (Sign2GPT's scorer): lowercased, split on whitespace, tokenize none",
    "none",
)
CONVENTIONS: dict[str, tuple[Convention, ...]] = {
    "de": (
        PAPER,
        Convention(
            "13a",
            "sacreBLEU's default 13a tokenizer on the same lowercased text (punctuation split off)",
            "13a",
        ),
        Convention(
            "period",
            "final period restored: ' .' appended to every reference and hypothesis that ends "
            "without . ! or ? (the SignJoey-style Phoenix14T text), then as the paper's",
            "none",
            add_period=True,
        ),
    ),
    "zh": (
        Convention(
            "paper",
            "the paper's: one token per character (whitespace removed), tokenize none",
            "none",
        ),
        Convention(
            "zh",
            "sacreBLEU's zh tokenizer on the raw lowercased text (runs of Latin letters and "
            "digits stay one token)",
            "zh",
        ),
    ),
}
CONVENTIONS["en"] = CONVENTIONS["de"]


def with_period(text: str) -> str:
    """``text`` with `` .`` appended unless it already ends with final punctuation."""
    text = text.rstrip()
    return text if text.endswith(FINAL_PUNCTUATION) else f"{text} ."


_ZH_POST_TOKENIZER = TokenizerRegexp()


def sacrebleu_zh_tokens(text: str) -> str:
    """sacreBLEU's ``zh`` tokenization of ``text``, token for token, in linear time.

    sacreBLEU's own ``TokenizerZh`` builds its output by appending to a string three times per
    character, which copies the string over and over: a 128,000-character line took 5 s per
    call there (quadratic; benchmarks/score_long_lines.py). Here the same rule (spaces around
    every character sacreBLEU counts as Chinese, then its 13a-style post tokenizer) is one join;
    tests/test_metrics_translation.py checks the output equals ``TokenizerZh``'s."""
    is_chinese = TokenizerZh._is_chinese_char  # sacreBLEU's own character ranges
    spaced = "".join(f" {c} " if is_chinese(c) else c for c in text.strip())
    return _ZH_POST_TOKENIZER(spaced)


class LinearTokenizerZh(TokenizerZh):
    """sacreBLEU's ``zh`` tokenizer (same signature, same tokens) in linear time."""

    def __call__(self, line: str) -> str:
        return sacrebleu_zh_tokens(line)


def _convention_lines(texts: Sequence[str], lang: str, convention: Convention) -> list[str]:
    if convention.tokenize == "zh":
        return [t.lower().strip() for t in texts]  # sacreBLEU's zh segmentation, see bleu_metric
    lines = [prepare(t, lang) for t in texts]
    return [with_period(t) for t in lines] if convention.add_period else lines


@dataclass(frozen=True)
class ConventionScores:
    """BLEU-1..4 of one convention and the sacreBLEU signature of each figure."""

    convention: Convention
    bleu: dict[str, float]  # bleu1..bleu4
    signatures: dict[str, str]  # bleu1..bleu4 -> sacreBLEU signature (+ |ngram:n for n < 4)

    def to_dict(self) -> dict[str, object]:
        return {
            "description": self.convention.description,
            **self.bleu,
            "signatures": self.signatures,
        }


def convention_bleu(
    hyps: Sequence[str], refs: Sequence[str], lang: str, convention: Convention = PAPER
) -> ConventionScores:
    """Corpus BLEU-1..4 of ``hyps`` under ``convention``, each with its sacreBLEU signature.

    sacreBLEU's signature does not name the n-gram order: BLEU-1..3 get ``|ngram:n`` added
    (BLEU-4 is its default). It does not name the text preparation either; the convention's
    name and description do."""
    check_lang(lang)
    check_counts(hyps, refs)
    sys_lines = _convention_lines(hyps, lang, convention)
    ref_lines = [_convention_lines(refs, lang, convention)]
    bleu: dict[str, float] = {}
    signatures: dict[str, str] = {}
    for n in BLEU_ORDERS:
        metric = bleu_metric(n, convention.tokenize)
        bleu[f"bleu{n}"] = float(metric.corpus_score(sys_lines, ref_lines).score)
        signature = str(metric.get_signature())
        signatures[f"bleu{n}"] = signature if n == 4 else f"{signature}|ngram:{n}"
    return ConventionScores(convention, bleu, signatures)


def comparable_scores(
    hyps: Sequence[str], refs: Sequence[str], lang: str
) -> dict[str, ConventionScores]:
    """The paper's protocol and the other conventions in use for ``lang``, by name."""
    return {c.name: convention_bleu(hyps, refs, lang, c) for c in CONVENTIONS[lang]}


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token sequences, exactly.

    Bit-parallel (Allison & Dix 1986; Hyyro 2004): one row of the DP table is held as the bits
    of one Python integer over the shorter sequence, and each token of the longer one updates
    the whole row with a few big-integer operations that run in C over 64 bits per machine
    word. Work is still len(a) * len(b) / 64 word operations, but a 30,000-character Chinese
    line scores in a fraction of a second where the cell-by-cell table took minutes
    (benchmarks/score_long_lines.py); :data:`MAX_LINE_TOKENS` bounds what is attempted."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return 0
    # match[token]: bit j set where b[j] == token
    match: dict[str, int] = {}
    for j, token in enumerate(b):
        match[token] = match.get(token, 0) | (1 << j)
    full = (1 << len(b)) - 1
    row = full  # a 0 bit marks a column where the LCS grew: LCS = zeros of the last row
    for token in a:
        hits = row & match.get(token, 0)
        if hits:
            row = ((row + hits) | (row - hits)) & full
    return len(b) - row.bit_count()


# ROUGE-L's LCS is len(hyp) * len(ref) / 64 word operations even bit-parallel: a line of
# 100,000 tokens (characters for zh) scores in about 2 s, one of 500,000 would take a minute.
# No sentence is that long; such a line is a file with its newlines lost, and is refused.
MAX_LINE_TOKENS = 100_000


def overlong_line(texts: Sequence[str], lang: str) -> tuple[int, int] | None:
    """``(index, tokens)`` of the first sentence with more than :data:`MAX_LINE_TOKENS` scoring
    tokens, or None when every sentence is short enough to score."""
    for i, text in enumerate(texts):
        # a cheap upper bound first: a line has no more tokens than characters
        if len(text) > MAX_LINE_TOKENS and (count := len(tokens(text, lang))) > MAX_LINE_TOKENS:
            return i, count
    return None


def check_line_lengths(texts: Sequence[str], lang: str, name: str) -> None:
    """Raise one line naming ``name`` and the sentence's number when one is too long."""
    found = overlong_line(texts, lang)
    if found is not None:
        index, count = found
        unit = "characters" if lang == "zh" else "words"
        raise DataError(
            f"{name} {index + 1} has {count:,} {unit}: lines over {MAX_LINE_TOKENS:,} tokens "
            f"are refused (ROUGE-L's LCS grows with the square of a line's length; "
            f"one sentence per line)"
        )


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
    check_lang(lang)
    check_counts(hyps, refs)
    check_line_lengths(hyps, lang, "hypothesis")
    check_line_lengths(refs, lang, "reference")
    total = math.fsum(
        rouge_l_sentence(tokens(h, lang), tokens(r, lang)) for h, r in zip(hyps, refs)
    )
    return 100.0 * total / len(refs)


def score(hyps: Sequence[str], refs: Sequence[str], lang: str) -> dict[str, float | int]:
    """All scores of docs/method.md#6-evaluation-protocol: ``bleu1..bleu4``, ``rouge_l``
    (0..100) and ``n`` sentences.

    Empty hypotheses are allowed (they score 0); the counts must match.
    """
    rouge = rouge_l(hyps, refs, lang)  # first: it refuses overlong lines before BLEU reads them
    out: dict[str, float | int] = dict(corpus_bleu(hyps, refs, lang))
    out["rouge_l"] = rouge
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
    check_lang(lang)
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
