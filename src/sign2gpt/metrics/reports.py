"""What a scoring run reports beyond BLEU and ROUGE-L: every BLEU convention with its sacreBLEU
signature (:mod:`sign2gpt.metrics.translation`), BLEURT where the user has it, and the files
side by side (``sign2gpt score``, ``sign2gpt evaluate``)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

from sign2gpt.errors import DataError
from sign2gpt.metrics.translation import (
    BLEU_ORDERS,
    check_counts,
    check_lang,
    check_line_lengths,
    comparable_scores,
    score,
    settings,
)

# --------------------------------------------------------------------------------------------
# BLEURT, when the user has it


BLEURT_PACKAGES = ("bleurt_pytorch", "bleurt")


def bleurt_score(
    hyps: Sequence[str], refs: Sequence[str], checkpoint: str | Path, batch_size: int = 32
) -> tuple[float | None, str]:
    """Mean BLEURT (x100) of ``hyps`` against ``refs`` with a local ``checkpoint`` folder, and
    a line saying what was used; ``(None, why)`` when BLEURT cannot run here. Never downloads:
    the checkpoint must be a folder on disk, and one of the packages ``bleurt-pytorch``
    (``bleurt_pytorch``) or Google's ``bleurt`` must be installed."""
    import importlib

    check_counts(hyps, refs)
    folder = Path(checkpoint)
    if not folder.is_dir():
        return None, f"BLEURT skipped: {folder} is not a local folder (it is never downloaded)"
    for package in BLEURT_PACKAGES:
        try:
            module = importlib.import_module(package)
        except ImportError:
            continue
        if package == "bleurt_pytorch":
            values = _bleurt_pytorch(module, hyps, refs, folder, batch_size)
        else:
            scorer = importlib.import_module("bleurt.score").BleurtScorer(str(folder))
            values = list(scorer.score(references=list(refs), candidates=list(hyps)))
        mean = 100.0 * math.fsum(values) / len(values)
        return mean, f"BLEURT ({package}, {folder.name}): mean over {len(values)} sentences x100"
    return None, "BLEURT skipped: neither bleurt-pytorch nor bleurt is installed"


def _bleurt_pytorch(
    module: ModuleType,
    hyps: Sequence[str],
    refs: Sequence[str],
    folder: Path,
    batch_size: int,
) -> list[float]:
    import torch

    model = module.BleurtForSequenceClassification.from_pretrained(str(folder))
    tokenizer = module.BleurtTokenizer.from_pretrained(str(folder))
    model.eval()
    values: list[float] = []
    with torch.no_grad():
        for i in range(0, len(refs), batch_size):
            inputs = tokenizer(
                list(refs[i : i + batch_size]),
                list(hyps[i : i + batch_size]),
                padding="longest",
                truncation=True,
                return_tensors="pt",
            )
            values += model(**inputs).logits.flatten().tolist()
    return values


def full_report(
    hyps: Sequence[str], refs: Sequence[str], lang: str, bleurt: str | Path | None = None
) -> dict[str, object]:
    """What ``evaluate`` and ``score`` write: :func:`score` (the paper's protocol), its settings
    and sacreBLEU signatures, the BLEU of every other convention with theirs, and BLEURT when
    ``bleurt`` names a local checkpoint and a BLEURT package is installed."""
    report: dict[str, object] = {k: float(v) for k, v in score(hyps, refs, lang).items()}
    report["n"] = len(refs)
    report["settings"] = settings(lang)
    conventions = comparable_scores(hyps, refs, lang)
    report["signatures"] = conventions["paper"].signatures
    report["conventions"] = {name: c.to_dict() for name, c in conventions.items()}
    if bleurt:
        value, note = bleurt_score(hyps, refs, bleurt)
        report["bleurt_note"] = note
        if value is not None:
            report["bleurt"] = value
    return report


def format_report(report: dict[str, object]) -> str:
    """The lines printed under the score table: conventions, signatures, BLEURT."""
    lines = []
    conventions = report.get("conventions")
    if isinstance(conventions, dict):
        lines.append("BLEU under each convention (put ours next to a paper scored the same way):")
        for name, c in conventions.items():
            values = " / ".join(f"{c[f'bleu{n}']:.2f}" for n in BLEU_ORDERS)
            lines.append(f"  {name:<7} BLEU-1/2/3/4 {values}  ({c['description']})")
        for name, c in conventions.items():
            for key, signature in c["signatures"].items():
                lines.append(f"  signature {name} BLEU-{key[-1]}: {signature}")
    if "bleurt_note" in report:
        value = report.get("bleurt")
        shown = f"{value:.2f}  " if isinstance(value, float) else ""
        lines.append(f"BLEURT: {shown}{report['bleurt_note']}")
    return "\n".join(lines)


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


def score_files(
    hyp_path: str | Path, ref_path: str | Path, lang: str, bleurt: str | Path | None = None
) -> dict[str, object]:
    """:func:`full_report` of two text files with one sentence per line; errors name the
    files."""
    check_lang(lang)
    hyps = read_lines(hyp_path)
    refs = read_lines(ref_path)
    if not refs:
        raise DataError(f"{ref_path}: no reference sentences")
    if len(hyps) != len(refs):
        raise DataError(
            f"{hyp_path} has {len(hyps)} lines but {ref_path} has {len(refs)}: "
            f"one hypothesis per reference line is needed"
        )
    check_line_lengths(hyps, lang, f"{hyp_path}: line")
    check_line_lengths(refs, lang, f"{ref_path}: line")
    return full_report(hyps, refs, lang, bleurt=bleurt)


def _number(value: object) -> float:
    if not isinstance(value, (int, float)):
        raise TypeError(f"not a score: {value!r}")
    return float(value)


def format_table(scores: Mapping[str, object]) -> str:
    """Scores as a small fixed-width table (two decimals)."""
    names = [("BLEU-1", "bleu1"), ("BLEU-2", "bleu2"), ("BLEU-3", "bleu3"), ("BLEU-4", "bleu4")]
    names.append(("ROUGE-L", "rouge_l"))
    head = " | ".join(f"{label:>7}" for label, _ in names) + " |       n"
    values = [_number(scores[key]) for _, key in names]
    row = " | ".join(f"{v:7.2f}" for v in values) + f" | {int(_number(scores['n'])):7d}"
    return f"{head}\n{'-' * len(head)}\n{row}"
