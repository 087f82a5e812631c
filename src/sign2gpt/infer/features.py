"""Extract sign features Z once with a frozen stage-1 model (Sign(Z)2GPT).

Stage 2 then trains only the bridge and the gated LM on these features, skipping the backbone
and the sign encoder entirely: the cost of a training epoch drops to the LM's share.
"""

from __future__ import annotations

from pathlib import Path

import torch

from sign2gpt.data.dataset import collate_clips
from sign2gpt.data.features import FeatureStoreWriter
from sign2gpt.errors import Sign2GPTError
from sign2gpt.io import progress_bar
from sign2gpt.models.pgp_model import PGPModel
from sign2gpt.pipeline import Pipeline


@torch.no_grad()
def extract_features(
    checkpoint: str | Path,
    out: str | Path,
    views: int = 0,
    splits: tuple[str, ...] = ("train", "dev", "test"),
    store: str | None = None,
    batch_size: int | None = None,
    device: str = "cpu",
    shard_clips: int = 256,
) -> dict[str, int]:
    """Z of every clip of ``splits`` (evaluation transform, view 0) and, for the training split,
    ``views`` augmented views more. Resumable: views already in the store are skipped.
    Returns the number of clip views computed now, per ``split/view``."""
    pipeline = Pipeline.from_checkpoint(checkpoint, device=device)
    model = pipeline.expect(PGPModel, "features come from a stage-1 (pseudo-gloss) checkpoint")
    cfg = pipeline.cfg
    store = store or cfg.data.store
    if not store:
        raise Sign2GPTError(f"{checkpoint}: config names no prepared store; pass --store")
    meta = {"checkpoint": str(Path(checkpoint).resolve()), "store": str(store), "views": views}
    writer = FeatureStoreWriter(out, meta, shard_clips=shard_clips)
    batch_size = batch_size or cfg.data.eval_batch_size
    counts: dict[str, int] = {}
    for split in splits:
        for view in range(1 + (views if split == "train" else 0)):
            # augmented views drawn from the stage-1 run's seed (train.seed), view by view
            dataset = pipeline.dataset(split, train=view > 0, store=store)
            if view > 0:
                dataset.set_epoch(view)  # a different augmentation draw per view
            todo = [i for i, cid in enumerate(dataset.ids) if (cid, view) not in writer.done]
            counts[f"{split}/view{view}"] = len(todo)
            if not todo:
                continue
            batches = [todo[i : i + batch_size] for i in range(0, len(todo), batch_size)]
            loader = pipeline.loader(split, dataset=dataset, batches=batches, collate=collate_clips)
            for batch in progress_bar(loader, desc=f"features {split} view {view}", unit="batch"):
                z, mask = model.encode_batch(batch, pipeline.device)
                for row, clip_id in enumerate(batch["ids"]):
                    entry = {
                        "id": clip_id,
                        "split": split,
                        "signer": batch["signers"][row],
                        "text": batch["texts"][row],
                        "view": view,
                    }
                    writer.add(entry, z[row, : int(mask[row].sum())].float())
            writer.flush()
    writer.flush()
    return counts
