"""The paper's ablations as rows: what each changes, the paper's figure, and the results of a
row over several seeds as one table (``sign2gpt ablate``; docs/research.md#ablations).

A row is a small YAML file (``configs/ablations/<name>.yaml``; the demo's mapping in
``configs/demo/ablations/``)::

    order: 30                                  # where the row stands when --rows all
    row: global instead of local attention     # the label in the table
    group: sign model (no PGP)                 # rows of one group share a heading
    paper: {bleu4: 18.56}                      # the paper's figures (docs/method.md#82-ablations)
    paper_setting: Phoenix14T test, no PGP
    pgp: false        # false: stage 2 from scratch (train.init_from and data.features cleared);
                      # true: from the recipe's stage-1 checkpoint (or a retrained one)
    stage1: reuse     # retrain: the change touches the sign model, so stage 1 is trained
                      # again with it (then its features extracted when the recipe uses them)
    set: {model.sign_encoder.window: 0}        # overrides of every step, dotted or nested
    include: ../lm/xglm-564m.yaml              # optional: a recipe fragment merged into `set`
    lm_pretrain: {config: ../lm.yaml, d_model: 64}  # optional: a stand-in LM trained first
                                               # (the demo), with that recipe (relative path)
    compare_to: no_pgp                         # the row its difference is measured against
    applies: false                             # optional, with why: printed as n/a
    why: ...
    skip: ...                                  # optional: left out of --rows all (the
                                               # reason is printed); run when named

Per seed a row's metrics are the test (or dev) scores of its best checkpoint; the table shows
each metric's mean and sample standard deviation (n - 1) over the seeds, the difference from the
row it is compared with, and whether that difference exceeds twice its standard error
(``sqrt(s_a^2 / n_a + s_b^2 / n_b)``): with 3 seeds a rough screen, not a test.
"""

from __future__ import annotations

import csv
import math
import statistics
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import yaml

from sign2gpt.config import ConfigError, read_yaml

METRICS = ("bleu1", "bleu2", "bleu3", "bleu4", "rouge_l")
SHOWN = ("bleu4", "rouge_l")  # the metrics of the Markdown table (the CSV has all)
LABELS = {"bleu1": "BLEU-1", "bleu2": "BLEU-2", "bleu3": "BLEU-3", "bleu4": "BLEU-4"}
LABELS["rouge_l"] = "ROUGE-L"
ROW_KEYS = {
    "order",
    "row",
    "group",
    "paper",
    "paper_setting",
    "pgp",
    "stage1",
    "set",
    "include",
    "lm_pretrain",
    "compare_to",
    "applies",
    "why",
    "skip",
}


def flatten(nested: dict[str, object], prefix: str = "") -> list[str]:
    """``{"a": {"b": 1}}`` -> ``["a.b=1"]``: dotted overrides whose values read back as YAML
    (lists and strings included)."""
    out: list[str] = []
    for key, value in nested.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out += flatten(value, dotted + ".")
        else:
            text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
            out.append(f"{dotted}={text.removesuffix('...').strip()}")
    return out


@dataclass(frozen=True)
class AblationRow:
    """One row of the table, as its YAML file says."""

    name: str  # the file's stem: what --rows names and compare_to refers to
    row: str
    order: int = 0
    group: str = ""
    paper: dict[str, float] = field(default_factory=dict)
    paper_setting: str = ""
    pgp: bool = True
    stage1: Literal["reuse", "retrain"] = "reuse"
    overrides: tuple[str, ...] = ()
    lm_pretrain: tuple[str, ...] = ()  # lm_pretrain.* overrides of a stand-in LM of its own
    lm_config: str = ""  # the recipe of that LM ("" = the stage-2 recipe)
    compare_to: str = ""
    applies: bool = True
    why: str = ""
    skip: str = ""

    @property
    def runs(self) -> bool:
        return self.applies and not self.skip

    def identity(self) -> tuple[object, ...]:
        """What decides the runs: rows with equal identities share them."""
        settings = (tuple(sorted(self.overrides)), self.lm_pretrain, self.lm_config)
        return (self.pgp, self.stage1, *settings)


def load_row(path: str | Path) -> AblationRow:
    """An :class:`AblationRow` from its file; a bad file is one :class:`ConfigError` line."""
    path = Path(path)
    data = read_yaml(path)
    unknown = sorted(set(data) - ROW_KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key {unknown[0]} (known: {', '.join(sorted(ROW_KEYS))})"
        )
    if not isinstance(data.get("row"), str) or not data["row"]:
        raise ConfigError(f"{path}: `row:` (the label of the table row) is missing")
    nested: dict[str, object] = {}
    includes = data.get("include") or []
    for item in includes if isinstance(includes, list) else [includes]:
        fragment = read_yaml(path.parent / str(item))
        nested = _merge_nested(nested, fragment)
    overrides = flatten(nested)
    extra = data.get("set") or {}
    if not isinstance(extra, dict):
        raise ConfigError(f"{path}: `set:` must map config keys to values")
    overrides += flatten(extra)
    paper = data.get("paper") or {}
    if not isinstance(paper, dict) or any(k not in METRICS for k in paper):
        raise ConfigError(f"{path}: `paper:` maps metrics ({', '.join(METRICS)}) to figures")
    stage1 = data.get("stage1", "reuse")
    if stage1 not in ("reuse", "retrain"):
        raise ConfigError(f"{path}: stage1: {stage1!r} is not reuse or retrain")
    if not isinstance(data.get("lm_pretrain") or {}, dict):
        raise ConfigError(f"{path}: `lm_pretrain:` maps lm_pretrain keys to values")
    lm = dict(data.get("lm_pretrain") or {})
    lm_config = str(path.parent / lm.pop("config")) if "config" in lm else ""
    applies = bool(data.get("applies", True))
    if not applies and not data.get("why"):
        raise ConfigError(f"{path}: a row that does not apply says why (`why:`)")
    return AblationRow(
        name=path.stem,
        row=data["row"],
        order=int(data.get("order", 0)),
        group=str(data.get("group", "")),
        paper={k: float(v) for k, v in paper.items() if v is not None},
        paper_setting=str(data.get("paper_setting", "")),
        pgp=bool(data.get("pgp", True)),
        stage1=stage1,
        overrides=tuple(overrides),
        lm_pretrain=tuple(flatten({"lm_pretrain": lm})) if lm else (),
        lm_config=lm_config,
        compare_to=str(data.get("compare_to", "")),
        applies=applies,
        why=str(data.get("why", "")),
        skip=str(data.get("skip", "")),
    )


def _merge_nested(base: dict[str, object], extra: dict[str, object]) -> dict[str, object]:
    out = dict(base)
    for key, value in extra.items():
        old = out.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            out[key] = _merge_nested(old, value)
        else:
            out[key] = value
    return out


def find_rows(names: list[str], folder: str | Path) -> list[AblationRow]:
    """Rows by name (``folder/<name>.yaml``) or path, in the order given; ``["all"]``: every
    file of ``folder`` by its ``order:`` (then name). A row with ``skip:`` is kept out of
    ``all`` only (its reason printed in the table): named, it runs, as the user asked for it."""
    folder = Path(folder)
    if names == ["all"]:
        paths = sorted(folder.glob("*.yaml"))
        if not paths:
            raise ConfigError(f"{folder}: no row files (*.yaml)")
    else:
        paths = [Path(n) if n.endswith(".yaml") else folder / f"{n}.yaml" for n in names]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml")))
        raise ConfigError(f"{missing[0]}: no such ablation row (in {folder}: {known})")
    rows = [load_row(p) for p in paths]
    if names == ["all"]:
        rows.sort(key=lambda r: (r.order, r.name))
    else:
        rows = [replace(r, skip="") for r in rows]
    names_seen = {r.name for r in rows}
    for r in rows:
        if r.compare_to and r.compare_to not in names_seen:
            raise ConfigError(
                f"{r.name}: compare_to {r.compare_to!r} is not among the rows of this run"
            )
    return rows


# --------------------------------------------------------------------------------------------
# results over seeds


@dataclass
class RowResult:
    """What the seeds of one row gave: per seed the metrics of its best checkpoint."""

    row: AblationRow
    seeds: list[int] = field(default_factory=list)
    metrics: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0  # wall time of the steps run for this row (shared runs count once)

    def values(self, key: str) -> list[float]:
        return [m[key] for m in self.metrics if key in m]

    def mean(self, key: str) -> float | None:
        values = self.values(key)
        return statistics.fmean(values) if values else None

    def std(self, key: str) -> float | None:
        values = self.values(key)
        return statistics.stdev(values) if len(values) > 1 else None


@dataclass(frozen=True)
class Difference:
    delta: float  # mean of the row - mean of the row it is compared with
    se: float  # standard error of that difference
    beyond_noise: bool  # |delta| > 2 se


def difference(a: RowResult, b: RowResult, key: str = "bleu4") -> Difference | None:
    """``a`` against ``b`` on ``key``; None without two seeds on each side."""
    va, vb = a.values(key), b.values(key)
    if len(va) < 2 or len(vb) < 2:
        return None
    delta = statistics.fmean(va) - statistics.fmean(vb)
    se = math.sqrt(statistics.variance(va) / len(va) + statistics.variance(vb) / len(vb))
    return Difference(delta, se, abs(delta) > 2 * se)


def _mean_std(result: RowResult, key: str) -> str:
    mean, std = result.mean(key), result.std(key)
    if mean is None:
        return ""
    return f"{mean:.2f} ± {std:.2f}" if std is not None else f"{mean:.2f}"


def _paper(row: AblationRow) -> str:
    figures = " / ".join(f"{row.paper[k]:.2f}" for k in SHOWN if k in row.paper)
    return f"{figures} ({row.paper_setting})" if figures and row.paper_setting else figures


def markdown_table(results: list[RowResult], split: str) -> str:
    """The table: per row BLEU-4 and ROUGE-L as mean ± sd over seeds, the difference in BLEU-4
    from the row it is compared with (and whether it exceeds 2 standard errors), the paper's
    figures for that row; rows that do not apply or were not run say why."""
    by_name = {r.row.name: r for r in results}
    head = [
        "row",
        "seeds",
        *(f"{LABELS[k]} ({split})" for k in SHOWN),
        "Δ BLEU-4 (± 2 SE)",
        "paper BLEU-4 / ROUGE-L",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    group = None
    for result in results:
        row = result.row
        if row.group and row.group != group:
            group = row.group
            lines.append(f"| **{group}** |" + " |" * (len(head) - 1))
        if not row.runs:
            why = f"n/a: {row.why}" if not row.applies else f"not run: {row.skip}"
            cells = [row.row, "", why, "", "", _paper(row)]
        else:
            delta = ""
            other = by_name.get(row.compare_to)
            if other is not None and other is not result:
                d = difference(result, other)
                if d is not None:
                    verdict = "beyond noise" if d.beyond_noise else "within noise"
                    delta = f"{d.delta:+.2f} (± {2 * d.se:.2f}, {verdict}) vs {other.row.row}"
            seeds = ", ".join(str(s) for s in result.seeds)
            cells = [row.row, seeds, *(_mean_std(result, k) for k in SHOWN), delta, _paper(row)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_csv(results: list[RowResult], path: str | Path) -> Path:
    """One line per row: every metric's mean, sd and per-seed values, the paper's figures."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = ["name", "row", "group", "status", "seeds", "seconds"]
    for key in METRICS:
        fields += [f"{key}_mean", f"{key}_sd", f"{key}_per_seed", f"paper_{key}"]
    fields += ["compare_to", "delta_bleu4", "se_delta_bleu4", "paper_setting"]
    by_name = {r.row.name: r for r in results}
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for result in results:
            row = result.row
            status = (
                "run"
                if row.runs
                else ("n/a: " + row.why if not row.applies else "not run: " + row.skip)
            )
            line: dict[str, object] = {
                "name": row.name,
                "row": row.row,
                "group": row.group,
                "status": status,
                "seeds": " ".join(str(s) for s in result.seeds),
                "seconds": round(result.seconds, 1),
                "compare_to": row.compare_to,
                "paper_setting": row.paper_setting,
            }
            for key in METRICS:
                mean, std = result.mean(key), result.std(key)
                line[f"{key}_mean"] = "" if mean is None else f"{mean:.4f}"
                line[f"{key}_sd"] = "" if std is None else f"{std:.4f}"
                line[f"{key}_per_seed"] = " ".join(f"{v:.4f}" for v in result.values(key))
                line[f"paper_{key}"] = row.paper.get(key, "")
            other = by_name.get(row.compare_to)
            d = difference(result, other) if other is not None and other is not result else None
            line["delta_bleu4"] = "" if d is None else f"{d.delta:.4f}"
            line["se_delta_bleu4"] = "" if d is None else f"{d.se:.4f}"
            writer.writerow(line)
    return path
