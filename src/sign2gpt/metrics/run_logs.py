"""What a training run logged, read back for ``sign2gpt report``.

- ``logs/csv/version_N/metrics.csv`` (Lightning's CSV logger, one folder per start of the run):
  every logged value by step (``train/loss``, ``val/bleu4`` or ``val/f1`` ..., ``lr-AdamW``
  and ``lr-AdamW/pg2`` ... per parameter group). A resumed run starts a new version at the step
  of its checkpoint: its points replace those an earlier start logged from that step on.
- ``logs/gates.csv`` (stage 2): every gate of every layer by step (sign2gpt.train.gates).
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sign2gpt.errors import DataError
from sign2gpt.runs import RunFolder

GATES_FILE = "gates.csv"  # written by sign2gpt.train.gates.GateLog
_VERSION = re.compile(r"^version_(\d+)$")
_GATE = re.compile(r"^L(\d+)\.H(\d+)$")


@dataclass
class Series:
    """One logged quantity: values by step, in step order."""

    steps: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def best(self) -> tuple[int, float] | None:
        """(step, value) of the highest value, None when empty."""
        if not self.values:
            return None
        i = int(np.nanargmax(self.values)) if not all(map(math.isnan, self.values)) else 0
        return self.steps[i], self.values[i]


def metric_files(run_dir: str | Path) -> list[Path]:
    """The run's ``metrics.csv`` files in the order of its starts (version_0, version_1 ...)."""
    root = RunFolder(Path(run_dir)).logs / "csv"
    found = []
    if root.is_dir():
        for child in root.iterdir():
            match = _VERSION.match(child.name)
            if match and (child / "metrics.csv").is_file():
                found.append((int(match.group(1)), child / "metrics.csv"))
    return [path for _, path in sorted(found)]


def read_metrics(run_dir: str | Path) -> dict[str, Series]:
    """Every column of the run's CSV logs as a :class:`Series` (epoch and step excluded)."""
    files = metric_files(run_dir)
    if not files:
        raise DataError(
            f"{RunFolder(Path(run_dir)).logs / 'csv'}: no version_N/metrics.csv (not a training "
            "run folder, or it has not logged yet)"
        )
    series: dict[str, Series] = {}
    for path in files:
        this_start: dict[str, Series] = {}
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                try:
                    step = int(float(row.get("step") or "nan"))
                except ValueError:
                    continue
                for key, text in row.items():
                    if key in ("epoch", "step") or key is None or text in ("", None):
                        continue
                    try:
                        value = float(text)
                    except ValueError:
                        continue
                    part = this_start.setdefault(key, Series())
                    part.steps.append(step)
                    part.values.append(value)
        for key, part in this_start.items():
            old = series.setdefault(key, Series())
            first = min(part.steps)
            keep = [i for i, s in enumerate(old.steps) if s < first]
            old.steps = [old.steps[i] for i in keep] + part.steps
            old.values = [old.values[i] for i in keep] + part.values
    for part in series.values():
        order = sorted(range(len(part.steps)), key=part.steps.__getitem__)
        part.steps = [part.steps[i] for i in order]
        part.values = [part.values[i] for i in order]
    return series


def gate_columns(layers: int, heads: int) -> list[str]:
    """The gate columns of ``gates.csv``: L<layer>.H<head>, layer by layer."""
    return [f"L{layer}.H{head}" for layer in range(layers) for head in range(heads)]


@dataclass
class GateHistory:
    """Gate values by step: ``values`` (steps, layers, heads) in [0, 1]."""

    steps: np.ndarray  # (N,) int
    values: np.ndarray  # (N, L, H) float

    @property
    def layers(self) -> int:
        return int(self.values.shape[1])

    @property
    def heads(self) -> int:
        return int(self.values.shape[2])


def read_gates(run_dir: str | Path) -> GateHistory | None:
    """``logs/gates.csv`` of a stage-2 run; None when the run has none (stage 1)."""
    path = RunFolder(Path(run_dir)).logs / GATES_FILE
    if not path.is_file():
        return None
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0][:1] != ["step"]:
        raise DataError(f"{path}: no 'step' header (not a gate log)")
    positions = []
    for name in rows[0][1:]:
        match = _GATE.match(name)
        if not match:
            raise DataError(f"{path}: column {name!r} is not L<layer>.H<head>")
        positions.append((int(match.group(1)), int(match.group(2))))
    layers = 1 + max(p[0] for p in positions)
    heads = 1 + max(p[1] for p in positions)
    body = [r for r in rows[1:] if r]
    if not body:
        raise DataError(f"{path}: no rows")
    try:
        table = np.array([[float(x) for x in r] for r in body])  # (N, 1 + L * H)
    except ValueError:
        raise DataError(f"{path}: a value is not a number") from None
    if table.shape[1] != 1 + len(positions):
        raise DataError(f"{path}: rows of {table.shape[1]} values for {1 + len(positions)} columns")
    values = np.zeros((len(body), layers, heads))
    for column, (layer, head) in enumerate(positions, start=1):
        values[:, layer, head] = table[:, column]
    return GateHistory(table[:, 0].astype(int), values)
