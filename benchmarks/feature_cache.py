"""Sign(Z)2GPT: stage-2 training from cached features against end to end, on the demo corpus.

Needs a finished demo folder (`make demo` or `sign2gpt demo --out DIR`): its stage-1
checkpoint, prepared store, pseudo-glosses and stand-in LM. In one run it
1. extracts the features Z of every clip with the frozen stage-1 model (timed),
2. times one training epoch of stage 2 end to end and one from the cached features (same
   recipe, same batches, validation off), and prints the ratio,
3. trains stage 2 on the cached features for the recipe's epochs, evaluates it on the test split
   and prints its BLEU-4 beside the end-to-end model's (the demo's own translate run).

usage: python benchmarks/feature_cache.py [--demo demo_out] [--out bench_out/feature_cache]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import lightning as L

from sign2gpt.config import load_config
from sign2gpt.evaluate.runner import evaluate_checkpoint
from sign2gpt.infer.features import extract_features
from sign2gpt.train.runner import run_stage


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
            "train.resume=false",
            *extra,
        ],
    )


def time_one_epoch(demo: Path, out_dir: Path, extra: list[str]) -> float:
    timer = EpochTimer()
    cfg = recipe(demo, out_dir, ["train.epochs=1", "train.val_every_epochs=1000", *extra])
    run_stage(cfg, "translate", callbacks=[timer])
    return timer.seconds[0]


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

    e2e_s = time_one_epoch(demo, out / "epoch_e2e", [])
    cached_s = time_one_epoch(demo, out / "epoch_cached", [f"data.features={features}"])

    cfg = recipe(demo, out / "z2gpt", [f"data.features={features}"])
    best = run_stage(cfg, "translate")
    cached_test = evaluate_checkpoint(best, "test")
    e2e_metrics = demo / "translate" / "best" / "eval" / "test_metrics.json"
    e2e_test = json.loads(e2e_metrics.read_text()) if e2e_metrics.is_file() else {}

    rows = [
        ("feature extraction, all splits (once)", f"{extract_s:.1f} s"),
        ("stage-2 epoch, end to end", f"{e2e_s:.1f} s"),
        ("stage-2 epoch, cached features", f"{cached_s:.1f} s"),
        ("speed-up of an epoch", f"{e2e_s / cached_s:.1f}x"),
        (
            f"test BLEU-4, end to end ({cfg.train.epochs} epochs, the demo's run)",
            f"{e2e_test['bleu4']:.2f}" if e2e_test else "n/a (run the demo first)",
        ),
        (
            f"test BLEU-4, cached features ({cfg.train.epochs} epochs)",
            f"{cached_test['bleu4']:.2f}",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print("| measurement" + " " * (width - 11) + " | value |")
    print("|" + "-" * (width + 2) + "|-------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")


if __name__ == "__main__":
    main()
