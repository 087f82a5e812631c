"""Sign(Z)2GPT: stage-2 training from cached features against end to end, on the demo corpus.

Needs a finished demo folder (`make demo` or `sign2gpt demo --out DIR`): its stage-1
checkpoint, prepared store and stand-in LM. In one run, with the same recipe
(configs/demo/translate.yaml: same epochs, batches, schedule) it
1. extracts the features Z of every clip with the frozen stage-1 model (timed, once),
2. trains stage 2 end to end from the stage-1 checkpoint, timing every epoch,
3. trains stage 2 on the cached features, timing every epoch,
4. evaluates both on the test split (beam 4) and prints epoch times, their ratio and BLEU-4.

usage: python benchmarks/feature_cache.py [--demo demo_out] [--out bench_out/feature_cache]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import lightning as L

from sign2gpt.config import load_config
from sign2gpt.evaluate.runner import evaluate_checkpoint
from sign2gpt.infer.features import extract_features
from sign2gpt.train.runner import run_training


class EpochTimer(L.Callback):
    def __init__(self) -> None:
        self.seconds: list[float] = []

    def on_train_epoch_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self._start = time.perf_counter()

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self.seconds.append(time.perf_counter() - self._start)


def recipe(demo: Path, out_dir: Path, extra: list[str]) -> object:
    return load_config(
        "configs/demo/translate.yaml",
        [
            f"data.root={demo / 'corpus'}",
            f"data.store={demo / 'store'}",
            f"model.lm.pretrained={demo / 'lm'}",
            f"train.init_from={demo / 'pgp' / 'best'}",
            f"train.out_dir={out_dir}",
            "train.val_every_epochs=1000",  # validation only at the end: time training alone
            *extra,
        ],
    )


def train_and_test(demo: Path, out_dir: Path, extra: list[str]) -> tuple[list[float], dict]:
    timer = EpochTimer()
    best = run_training(recipe(demo, out_dir, extra), resume="overwrite", callbacks=[timer])
    return timer.seconds, evaluate_checkpoint(best, "test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--demo", default="demo_out", help="a finished demo folder")
    parser.add_argument("--out", default="bench_out/feature_cache")
    parser.add_argument("--views", type=int, default=0, help="augmented views per train clip")
    args = parser.parse_args()
    demo, out = Path(args.demo), Path(args.out)
    features = out / "features"

    start = time.perf_counter()
    extract_features(demo / "pgp" / "best", features, views=args.views)
    extract_s = time.perf_counter() - start

    e2e_epochs, e2e_test = train_and_test(demo, out / "end_to_end", [])
    cached_epochs, cached_test = train_and_test(
        demo, out / "cached", [f"data.features={features}", "data.num_workers=0"]
    )
    e2e_s = sum(e2e_epochs) / len(e2e_epochs)
    cached_s = sum(cached_epochs) / len(cached_epochs)
    n = len(e2e_epochs)
    rows = [
        ("feature extraction, all splits (once)", f"{extract_s:.1f} s"),
        (f"stage-2 epoch, end to end (mean of {n})", f"{e2e_s:.1f} s"),
        (f"stage-2 epoch, cached features (mean of {len(cached_epochs)})", f"{cached_s:.1f} s"),
        ("speed-up of an epoch", f"{e2e_s / cached_s:.1f}x"),
        (f"test BLEU-4 after {n} epochs, end to end", f"{e2e_test['bleu4']:.2f}"),
        (f"test BLEU-4 after {n} epochs, cached features", f"{cached_test['bleu4']:.2f}"),
    ]
    width = max(len(r[0]) for r in rows)
    print("| measurement" + " " * (width - 11) + " | value |")
    print("|" + "-" * (width + 2) + "|-------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")


if __name__ == "__main__":
    main()
