"""The large preset's text and glosses without its frames: what gloss-to-text runs need, in a
minute instead of the 26 minutes of rendering (benchmarks/RESULTS.md, "Large synthetic corpus").

    .venv/bin/python benchmarks/large_text_only.py --out large_text [--seed 0]

Writes, from the code `sign2gpt synth --preset large --seed S` runs before it renders (the same
sentences, glosses, splits, clip names and signers):

- ``OUT/corpus``: the Phoenix14T annotation files (``orth``, ``translation``) with an empty frame
  folder per clip, so that `lm-pretrain` and `pseudo-gloss` read it as they read the rendered one;
- ``OUT/store``: a store index of those clips without frame files, which trains and evaluates
  ``model.input=gloss`` only (any run that reads frames fails on the first missing clip file);
  its ``num_frames`` is a placeholder (64): gloss input never samples frames.

Then, for example (configs/large with the paths of OUT, the gloss-to-text ceiling):

    sign2gpt lm-pretrain --config configs/large/lm.yaml data.root=OUT/corpus \
        lm_pretrain.out_dir=OUT/lm
    sign2gpt pseudo-gloss --dataset phoenix14t --root OUT/corpus --lang de --out OUT/pg.json
    sign2gpt pretrain --config configs/large/pretrain.yaml model.input=gloss \
        model.sign_encoder.downsample_after=[] data.store=OUT/store ...
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from sign2gpt.data.store import DONE, FORMAT, INDEX, META, VERSION
from sign2gpt.synth.corpus import PRESETS, SPLITS, plan_corpus
from sign2gpt.synth.grammar_de_large import sample_corpus
from sign2gpt.synth.lexicon_de import german_lexicon
from sign2gpt.synth.sentences import corpus_lexicon, sign_corpus
from sign2gpt.synth.signers import SIGNERS
from sign2gpt.synth.utterance import Utterance
from sign2gpt.synth.writers import LAYOUTS

PLACEHOLDER_FRAMES = 64


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--store-size", type=int, default=64, help="data.store_size of the recipe")
    args = parser.parse_args()
    t0, c0 = time.perf_counter(), time.process_time()
    out = Path(args.out)
    corpus, store = out / "corpus", out / "store"
    layout, preset = LAYOUTS["phoenix14t"], PRESETS["large"]

    # as sign2gpt.synth.sentences.generate_large_corpus / generate_from_sentences, minus rendering
    items = sample_corpus(args.seed).items()
    sentences = [s for _, s in items]
    utterances, _ = sign_corpus(sentences, "de", german_lexicon().sign_map, progress=False)
    by_split: dict[str, list[Utterance]] = {s: [] for s in SPLITS}
    for u, (split, _) in zip(utterances, items):
        by_split[split].append(u)
    rng = random.Random(f"sign2gpt-synth/{args.seed}/{layout.name}/{preset.name}/signers")
    lexicon = corpus_lexicon(utterances, "de")
    plan = plan_corpus(
        corpus, layout, preset, preset.name, args.seed, False, by_split, rng, lexicon
    )

    for job, _ in plan.records:
        Path(job.frame_dir).mkdir(parents=True, exist_ok=True)
    signer_names = [{"signer": SIGNERS[job.signer].name} for job, _ in plan.records]
    layout.write_annotations(
        corpus, [(job, u, gt) for (job, u), gt in zip(plan.records, signer_names)]
    )

    store.mkdir(parents=True, exist_ok=True)
    rows = [
        {
            "id": job.name,
            "split": job.split,
            "signer": SIGNERS[job.signer].name,
            "text": u.text,
            "gloss": " ".join(u.glosses),
            "num_frames": PLACEHOLDER_FRAMES,
            "order": order,
            "file": "",
        }
        for order, (job, u) in enumerate(plan.records)
    ]
    meta = {"format": FORMAT, "version": VERSION, "size": args.store_size, "frames": "none"}
    (store / META).write_text(json.dumps(meta) + "\n", encoding="utf-8")
    with open(store / INDEX, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    (store / DONE).write_text(json.dumps({"clips": len(rows), "frames": 0}) + "\n", "utf-8")
    counts = {s: len(by_split[s]) for s in SPLITS}
    print(
        f"{corpus}: {counts} clips, text and glosses only; {store}: index of {len(rows)} clips, "
        f"no frames; {time.perf_counter() - t0:.0f} s wall, {time.process_time() - c0:.0f} s CPU"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
