"""Where a run's files lie: the one place that knows the layout of a run folder and of the
scores ``sign2gpt evaluate`` writes beside a checkpoint.

Training writes a run folder (``train.out_dir``)::

    config.yaml          the resolved config of this run
    checkpoints/         last.ckpt: trainable weights + optimiser + loop state, to resume
    best/                the best model by the dev metric, as a self-describing folder
    logs/                csv/version_N/metrics.csv, tensorboard/version_N/, gates.csv
    DONE                 written when the run finished (JSON: the best dev metric, epochs, steps)

Evaluation writes ``<checkpoint>/eval/<split>_metrics.json`` (and the files of its stage beside
it) unless told another folder. Train and evaluate write these paths, demo and ablate read them,
all through this module, so that no two places spell a file name.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sign2gpt.errors import Sign2GPTError

RUN_CONFIG = "config.yaml"
CHECKPOINTS = "checkpoints"
LAST = "last.ckpt"
BEST = "best"
LOGS = "logs"
DONE = "DONE"
EVAL = "eval"  # evaluate's default output folder inside a checkpoint folder


def eval_folder(checkpoint: Path) -> Path:
    """Where ``sign2gpt evaluate`` writes by default for ``checkpoint``."""
    return checkpoint / EVAL


def scores_file(folder: Path, split: str) -> Path:
    """The metrics file evaluate writes into its output ``folder`` for ``split``."""
    return folder / f"{split}_metrics.json"


def read_json(path: Path, what: str) -> dict[str, Any]:
    """A JSON object this package wrote; one line naming the file when it is missing or not
    one (an evaluation that never ran, a file cut short)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Sign2GPTError(f"{path}: no {what} (not written yet)") from None
    except (OSError, ValueError) as exc:
        raise Sign2GPTError(f"{path}: unreadable {what} ({exc})") from None
    if not isinstance(data, dict):
        raise Sign2GPTError(f"{path}: unreadable {what} (not a JSON object)")
    return data


class RunFolder:
    """The files of one run folder and what they say about its state."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.config = out_dir / RUN_CONFIG
        self.checkpoints = out_dir / CHECKPOINTS
        self.last = self.checkpoints / LAST
        self.best = out_dir / BEST
        self.logs = out_dir / LOGS
        self.done = out_dir / DONE

    @property
    def finished(self) -> bool:
        return self.done.is_file()

    def scores(self, split: str) -> Path:
        """The metrics ``sign2gpt evaluate --checkpoint best --split split`` writes."""
        return scores_file(eval_folder(self.best), split)

    def read_scores(self, split: str) -> dict[str, Any]:
        return read_json(self.scores(split), f"{split} scores")

    def record(self) -> dict[str, Any]:
        """What ``DONE`` says (best dev metric, epochs, steps, seconds); empty when unreadable."""
        try:
            info = json.loads(self.done.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return info if isinstance(info, dict) else {}

    def summary(self) -> str:
        info = self.record()
        text = ", ".join(f"{k} {v}" for k, v in info.items() if k != "warnings")
        warnings = info.get("warnings") or []
        return text + "".join(f"; warning: {w}" for w in warnings)

    def clear(self) -> None:
        """Everything a run writes (``--overwrite``)."""
        for path in (self.checkpoints, self.best, self.logs):
            shutil.rmtree(path, ignore_errors=True)
        for path in (self.done, self.config):
            path.unlink(missing_ok=True)

    def drop_stale(self) -> bool:
        """A run that stopped before its first checkpoint: drop what it left that a new start
        would mistake for its own (best/, stray checkpoints). True when there was any."""
        stale = self.best.is_dir() or (
            self.checkpoints.is_dir() and any(self.checkpoints.iterdir())
        )
        shutil.rmtree(self.best, ignore_errors=True)
        shutil.rmtree(self.checkpoints, ignore_errors=True)
        return stale
