"""`sign2gpt score` time against line length: one Chinese line of n characters (--lang zh, one
token per character), the whole report `score` prints (BLEU-1..4, ROUGE-L, the 13a/zh
conventions with signatures), against the two quadratic parts it replaced, side by side.

    .venv/bin/python benchmarks/score_long_lines.py [--max-chars 64000] [--old-max-chars 8000]

One process, CPU seconds (process time, so other load on the machine does not count), one
hypothesis line against one reference line of the same length (70 % of the characters kept,
the rest drawn anew from 500 common ideographs). "x2" is the time's ratio to the line of half
the length: 2 is linear, 4 quadratic. "old LCS" is the cell-by-cell DP table ROUGE-L used (up
to --old-max-chars: it is the slow one), "old zh tok" sacreBLEU's own TokenizerZh, which the zh
convention used (4 BLEU orders, each tokenising both lines once: its lru_cache is cleared, as
new text misses it). "old/now": the two old parts alone against the whole score now.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence

from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh

from sign2gpt.metrics.reports import full_report
from sign2gpt.metrics.translation import MAX_LINE_TOKENS, lcs_length, tokens


def cpu_seconds(fn: Callable[..., object], *args: object) -> float:
    start = time.process_time()
    fn(*args)
    return time.process_time() - start


def cell_by_cell_lcs(a: Sequence[str], b: Sequence[str]) -> int:
    """The LCS ROUGE-L used before: one Python step per cell of the DP table."""
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            cur[j] = prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1])
        prev = cur
    return prev[-1]


def sacrebleu_zh(lines: Sequence[str]) -> None:
    tokenizer = TokenizerZh()
    for _ in range(4):  # BLEU-1..4: one metric, one tokenisation per order
        TokenizerZh.__call__.cache_clear()
        for line in lines:
            tokenizer(line)


def pair(n: int, rng: random.Random) -> tuple[str, str]:
    ref = "".join(chr(0x4E00 + rng.randrange(500)) for _ in range(n))
    hyp = "".join(c if rng.random() < 0.7 else chr(0x4E00 + rng.randrange(500)) for c in ref)
    return hyp, ref


def ratio(times: dict[int, float], n: int) -> str:
    half = times.get(n // 2)
    return f"{times[n] / half:5.2f}" if half and half > 0.005 else "    -"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-chars", type=int, default=1000)
    parser.add_argument("--max-chars", type=int, default=64000)
    parser.add_argument("--old-max-chars", type=int, default=8000, help="old parts up to this")
    args = parser.parse_args()
    rng = random.Random(0)
    lengths = []
    n = args.min_chars
    while n <= min(args.max_chars, MAX_LINE_TOKENS):
        lengths.append(n)
        n *= 2
    now: dict[int, float] = {}
    old_lcs: dict[int, float] = {}
    old_tok: dict[int, float] = {}
    print(
        f"{'chars':>7} | {'score (s)':>9} {'x2':>5} | {'old LCS (s)':>11} {'x2':>5} "
        f"| {'old zh tok (s)':>14} {'x2':>5} | old/now"
    )
    for n in lengths:
        hyp, ref = pair(n, rng)
        now[n] = cpu_seconds(full_report, [hyp], [ref], "zh")
        old_tok[n] = cpu_seconds(sacrebleu_zh, [hyp.lower(), ref.lower()])
        line = f"{n:7d} | {now[n]:9.3f} {ratio(now, n)} | "
        if n <= args.old_max_chars:
            a, b = tokens(hyp, "zh"), tokens(ref, "zh")
            old_lcs[n] = cpu_seconds(cell_by_cell_lcs, a, b)
            assert cell_by_cell_lcs(a[:500], b[:500]) == lcs_length(a[:500], b[:500])
            line += f"{old_lcs[n]:11.3f} {ratio(old_lcs, n)} | "
        else:
            line += f"{'-':>11} {'':5} | "
        line += f"{old_tok[n]:14.3f} {ratio(old_tok, n)} |"
        if n in old_lcs:  # the old score: at least these two parts, the rest as now
            line += f" {(old_lcs[n] + old_tok[n]) / now[n]:7.1f}x"
        print(line, flush=True)
    print(f"lines over {MAX_LINE_TOKENS:,} tokens are refused with one line (exit 2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
