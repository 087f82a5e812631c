"""Reading a run's logs back (sign2gpt.metrics.run_logs): resumed starts joined, gate logs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sign2gpt.errors import DataError
from sign2gpt.metrics.run_logs import gate_columns, read_gates, read_metrics


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_resumed_run_replaces_what_the_killed_start_logged_after_its_checkpoint(tmp_path):
    csv_dir = tmp_path / "logs" / "csv"
    # the first start logged up to step 40, was killed, and resumed from its step-30 checkpoint
    _write(
        csv_dir / "version_0" / "metrics.csv",
        "epoch,step,train/loss,val/bleu4\n0,0,5.0,\n0,10,4.0,\n0,20,3.0,\n0,20,,11.5\n"
        "0,30,2.5,\n0,40,2.4,\n",
    )
    _write(
        csv_dir / "version_1" / "metrics.csv",
        "epoch,step,train/loss,val/bleu4\n1,30,2.0,\n1,40,1.5,\n1,40,,20.0\n",
    )
    _write(csv_dir / "version_10" / "metrics.csv", "epoch,step,train/loss\n2,50,1.0\n")
    metrics = read_metrics(tmp_path)
    assert metrics["train/loss"].steps == [0, 10, 20, 30, 40, 50]  # version_10 after version_1
    assert metrics["train/loss"].values == [5.0, 4.0, 3.0, 2.0, 1.5, 1.0]
    assert metrics["val/bleu4"].steps == [20, 40] and metrics["val/bleu4"].best() == (40, 20.0)
    with pytest.raises(DataError, match=r"no version_N/metrics\.csv"):
        read_metrics(tmp_path / "elsewhere")


def test_gate_log_round_trip_and_bad_files(tmp_path):
    header = ",".join(["step", *gate_columns(2, 3)])
    _write(tmp_path / "logs" / "gates.csv", f"{header}\n0,0,0,0,0,0,0\n10,0.1,0.2,0.3,1,0.5,0\n")
    history = read_gates(tmp_path)
    assert (history.layers, history.heads) == (2, 3)
    assert history.steps.tolist() == [0, 10]
    assert np.allclose(history.values[1], [[0.1, 0.2, 0.3], [1.0, 0.5, 0.0]])
    assert read_gates(tmp_path / "stage1") is None
    _write(tmp_path / "bad" / "logs" / "gates.csv", "step,layer0\n0,1\n")
    with pytest.raises(DataError, match=r"not L<layer>\.H<head>"):
        read_gates(tmp_path / "bad")
