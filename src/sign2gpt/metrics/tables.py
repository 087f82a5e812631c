"""Plain-text tables of results, for the terminal and the docs."""

from __future__ import annotations

from typing import Any

from sign2gpt.metrics.pgp import format_bands

TRANSLATION_KEYS = ["bleu1", "bleu2", "bleu3", "bleu4", "rouge_l"]
PGP_KEYS = [
    "map",
    "f1",
    "micro_precision",
    "micro_recall",
    "micro_f1",
    "loc_precision",
    "loc_recall",
    "loc_f1",
    "span_hit_rate",
]


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).rjust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *(line(r) for r in rows)])


def format_metrics(result: dict[str, Any]) -> str:
    translation = "bleu4" in result  # PGP scores are fractions, BLEU and ROUGE percentages
    keys = [k for k in (TRANSLATION_KEYS if translation else PGP_KEYS) if k in result]
    scale = 1.0 if translation else 100.0
    text = table(["split", *keys], [[result["split"], *(f"{result[k] * scale:.2f}" for k in keys)]])
    lines = [text, f"settings: {result.get('settings', '')}"]
    if result.get("input") == "gloss":
        lines.insert(0, "input: the clips' gloss sequences (the gloss-to-text ceiling, no video)")
    elif result.get("input") not in (None, "rgb"):
        lines.insert(0, f"input: {result['input']}")
    if translation:
        from sign2gpt.metrics.reports import format_report

        extra = format_report(result)
        if extra:
            lines.append(extra)
    for ex in result.get("examples", [])[:3]:
        lines.append(f"  ref: {ex['reference']}\n  hyp: {ex['hypothesis']}")
    if result.get("never_found"):
        split = result["split"]
        lines.append(
            "never found (3+ clips, recall 0; per pseudo-gloss scores in "
            f"{split}_pseudo_glosses.tsv): " + ", ".join(result["never_found"])
        )
    if result.get("bands"):
        lines.append("per frequency band of the pseudo-glosses:\n" + format_bands(result["bands"]))
    lines += [f"warning: {w}" for w in result.get("warnings", [])]
    return "\n".join(lines)
