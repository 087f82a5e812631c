"""What int8 LM weights (``translate --quantize int8``) do to the demo's translations: the same
stage-2 checkpoint scored on a split with its LM as trained and with int8 weights, one after the
other in one run; BLEU-4, ROUGE-L, seconds, and how many hypotheses changed.

    python benchmarks/int8_demo.py --checkpoint demo_out/translate/best [--split test]

after ``make demo`` (any stage-2 checkpoint folder whose config names its prepared store).
"""

from __future__ import annotations

import argparse
import sys
import time

import torch

from sign2gpt.models.translation_model import BeamSearch


@torch.no_grad()
def translate_split(pipeline, split: str, batch_size: int) -> tuple[list[str], list[str], float]:
    model = pipeline.model
    search = BeamSearch.of(pipeline.cfg.train)
    rows = []
    start = time.perf_counter()
    for batch in pipeline.loader(split, batch_size=batch_size):
        with pipeline.autocast():
            if "features" in batch:  # a recipe on cached stage-1 features
                z, mask = batch["features"], batch["feature_mask"]
            else:
                z, mask = model.encode(batch["frames"], batch["lengths"])
            hyps = model.translate(z, mask, search)
        rows.extend(zip(batch["ids"], batch["texts"], hyps))
    seconds = time.perf_counter() - start
    rows.sort()
    return [r for _, r, _ in rows], [h for _, _, h in rows], seconds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--split", default="test")
    p.add_argument("--batch-size", type=int, default=16)
    args = p.parse_args(argv)
    from sign2gpt.metrics.translation import score
    from sign2gpt.pipeline import Pipeline

    results = {}
    for name, quantize in (("as trained", None), ("int8", "int8")):
        pipeline = Pipeline.from_checkpoint(args.checkpoint, quantize=quantize)
        refs, hyps, seconds = translate_split(pipeline, args.split, args.batch_size)
        metrics = score(hyps, refs, pipeline.cfg.data.lang)
        results[name] = (hyps, metrics, seconds)
        print(
            f"{name:>10}: LM {pipeline.cfg.model.lm.dtype}, BLEU-4 {metrics['bleu4']:.2f}, "
            f"ROUGE-L {metrics['rouge_l']:.2f}, {metrics['n']} clips, {seconds:.1f} s"
        )
    plain, int8 = results["as trained"], results["int8"]
    changed = sum(a != b for a, b in zip(plain[0], int8[0]))
    print(
        f"BLEU-4 change with int8: {int8[1]['bleu4'] - plain[1]['bleu4']:+.2f}; "
        f"{changed} of {len(plain[0])} hypotheses differ; time ratio "
        f"{plain[2] / int8[2]:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
