"""Peak memory of a training run with the C heap released every N steps against never.

Runs the same `sign2gpt pretrain` (or `train`) twice side by side, one CPU thread each, for
``--steps`` steps: once with ``train.release_memory_every_steps=0`` and once with ``--every``
(default 100, the default of the setting), and prints each run's peak resident memory (the
kernel's ``ru_maxrss`` of each child, from ``os.wait4``), wall time and the ratios. Side by
side so that both see the same machine load.

    python benchmarks/heap_release.py --config configs/large/pretrain.yaml --out /tmp/heap \\
        data.root=large_out/corpus data.store=large_out/store \\
        data.pseudo_glosses=large_out/pseudo_glosses.json
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path


def start(
    command: str, config: str, out: Path, every: int, steps: int, overrides: list[str]
) -> subprocess.Popen:
    argv = [sys.executable, "-m", "sign2gpt", command, "--config", config]
    argv += [f"train.out_dir={out / f'every_{every}'}"]
    argv += [f"train.max_steps={steps}", f"train.release_memory_every_steps={every}", *overrides]
    log = (out / f"every_{every}.log").open("w")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--command", default="pretrain", choices=["pretrain", "train"])
    ap.add_argument("--config", required=True)
    ap.add_argument("--out", type=Path, required=True, help="work folder (two run folders, logs)")
    ap.add_argument("--steps", type=int, default=250)
    ap.add_argument("--every", type=int, default=100)
    ap.add_argument("overrides", nargs="*", help="dotted overrides for both runs")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {os.getloadavg()[0]:.1f}; {args.steps} steps each")
    began = time.perf_counter()
    runs = {
        e: start(args.command, args.config, args.out, e, args.steps, args.overrides)
        for e in (0, args.every)
    }
    results: dict[int, tuple[float, float]] = {}
    pending = dict(runs)
    while pending:
        pid, status, usage = os.wait4(-1, 0)
        every = next(e for e, p in pending.items() if p.pid == pid)
        pending.pop(every).returncode = os.waitstatus_to_exitcode(status)
        # ru_maxrss is in KiB on Linux
        results[every] = (usage.ru_maxrss / 2**20, time.perf_counter() - began)
        if runs[every].returncode != 0:
            sys.exit(f"the run with every={every} failed: {args.out / f'every_{every}.log'}")
    never, released = results[0], results[args.every]
    print(f"{'train.release_memory_every_steps':<34} {'peak RSS':>10} {'wall':>8}")
    print(f"{'0 (never)':<34} {never[0]:>8.2f} GiB {never[1]:>6.0f} s")
    print(f"{args.every:<34} {released[0]:>8.2f} GiB {released[1]:>6.0f} s")
    print(
        f"peak memory released / never: {released[0] / never[0]:.2f}x; "
        f"wall time: {released[1] / never[1]:.2f}x"
    )


if __name__ == "__main__":
    main()
