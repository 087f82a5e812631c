"""Extract sign features Z once with a frozen stage-1 model (Sign(Z)2GPT).

Stage 2 then trains only the bridge and the gated LM on these features, skipping the backbone
and the sign encoder entirely: the cost of a training epoch drops to the LM's share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from sign2gpt.data.features import FeatureStoreWriter
from sign2gpt.errors import Sign2GPTError


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
) -> dict[str, Any]:
    """Z of every clip of ``splits`` (evaluation transform, view 0) and, for the training split,
    ``views`` augmented views more. Resumable: views already in the store are skipped."""
    from sign2gpt.data.dataset import SignClipDataset, collate_clips
    from sign2gpt.data.loader import make_loader
    from sign2gpt.models.checkpoint import load_checkpoint

    model, cfg, _ = load_checkpoint(Path(checkpoint), device=device)
    model.eval()
    store = store or cfg.data.store
    if not store:
        raise Sign2GPTError(f"{checkpoint}: config names no prepared store; pass --store")
    meta = {"checkpoint": str(Path(checkpoint).resolve()), "store": str(store), "views": views}
    writer = FeatureStoreWriter(out, meta, shard_clips=shard_clips)
    batch_size = batch_size or cfg.data.eval_batch_size
    counts: dict[str, int] = {}
    for split in splits:
        for view in range(1 + (views if split == "train" else 0)):
            dataset = SignClipDataset(store, split, cfg.data, train=view > 0)
            if view > 0:
                dataset.set_epoch(view)  # a different augmentation draw per view
            todo = [i for i, cid in enumerate(dataset.ids) if (cid, view) not in writer.done]
            counts[f"{split}/view{view}"] = len(todo)
            if not todo:
                continue
            # batches of the clips still to do; ``data.num_workers`` threads with
            # ``data.loader: threads``, else loaded in this process
            batches = [todo[i : i + batch_size] for i in range(0, len(todo), batch_size)]
            workers = cfg.data.num_workers if cfg.data.loader == "threads" else 0
            loader = make_loader(dataset, batches, collate_clips, cfg.data, num_workers=workers)
            for batch in tqdm(loader, desc=f"features {split} view {view}", unit="batch"):
                z, mask = model.encode(batch["frames"].to(device), batch["lengths"].to(device))
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
