"""The large synthetic corpus end to end: render, disk use, prepare, pseudo-glosses, statistics.

Runs, one after the other, the very commands a user types (each timed as a subprocess, wall
clock and the CPU seconds of the child):
1. ``sign2gpt synth --out DIR --preset large --workers W``
2. disk use of DIR (allocated blocks, files)
3. ``sign2gpt prepare --dataset phoenix14t --root DIR --out STORE --size 64 --workers W``
4. ``sign2gpt pseudo-gloss --dataset phoenix14t --root DIR --lang de --out pg.json``
5. ``sign2gpt synth --stats DIR`` (the table beside Phoenix14T's)
and prints every figure, the machine's load average before and after, and, with --delete,
removes the rendered corpus and the store afterwards (several GB).

usage: python benchmarks/synth_large.py --out bench_out/synth_large [--workers 2] [--delete]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path


def run(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of the child, its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def disk_use(root: Path) -> tuple[int, int, int]:
    """Allocated bytes, apparent bytes and number of files under ``root``."""
    blocks = size = files = 0
    for dirpath, _, names in os.walk(root):
        for name in names:
            st = os.lstat(os.path.join(dirpath, name))
            blocks += st.st_blocks * 512
            size += st.st_size
            files += 1
    return blocks, size, files


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="bench_out/synth_large")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--delete", action="store_true", help="remove corpus and store at the end")
    args = ap.parse_args()
    out = Path(args.out)
    corpus, store, pg = out / "corpus", out / "store", out / "pg.json"
    for path in (corpus, store):
        if path.exists():
            shutil.rmtree(path)
    out.mkdir(parents=True, exist_ok=True)
    py = [sys.executable, "-m", "sign2gpt"]
    w = str(args.workers)
    print(f"load average before: {os.getloadavg()}; {os.cpu_count()} CPUs", flush=True)

    wall, cpu, text = run([*py, "synth", "--out", str(corpus), "--preset", "large", "--workers", w])
    print(text.strip())
    manifest = json.loads((corpus / "groundtruth/manifest.json").read_text("utf-8"))
    frames = manifest["frames"]["total"]
    print(f"render: {wall:.0f} s wall, {cpu:.0f} s CPU, {frames / wall:.0f} frames/s", flush=True)
    blocks, size, files = disk_use(corpus)
    print(f"corpus on disk: {blocks / 1e9:.2f} GB allocated ({size / 1e9:.2f} GB of data) in "
          f"{files:,} files", flush=True)  # fmt: skip

    wall, cpu, text = run([*py, "prepare", "--dataset", "phoenix14t", "--root", str(corpus),
                           "--out", str(store), "--size", "64", "--workers", w])  # fmt: skip
    print(text.strip())
    sblocks, ssize, sfiles = disk_use(store)
    print(f"prepare: {wall:.0f} s wall, {cpu:.0f} s CPU; store {sblocks / 1e9:.2f} GB allocated "
          f"({ssize / 1e9:.2f} GB of data) in {sfiles} files", flush=True)  # fmt: skip

    wall, cpu, text = run([*py, "pseudo-gloss", "--dataset", "phoenix14t", "--root", str(corpus),
                           "--lang", "de", "--out", str(pg), "--no-progress"])  # fmt: skip
    print(text.strip())
    print(f"pseudo-gloss: {wall:.0f} s wall, {cpu:.0f} s CPU", flush=True)

    wall, cpu, text = run([*py, "synth", "--stats", str(corpus)])
    print(text.strip())
    print(f"stats: {wall:.0f} s wall", flush=True)
    print(f"load average after: {os.getloadavg()}")
    if args.delete:
        shutil.rmtree(corpus)
        shutil.rmtree(store)
        print(f"deleted {corpus} and {store}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
