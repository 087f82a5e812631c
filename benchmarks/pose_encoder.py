"""Which per-frame pose encoder: grouped MLP (the toolkit's), one flat MLP, or a graph
convolution over the skeleton. Prints one table, all numbers from this run.

Toy task: which sign a frame shows (frames inside a gloss span; the label is the gloss), from
the synthetic corpus's exact ground-truth keypoints (22 points), normalised and augmented as in
training (``PoseAugmentConfig()`` defaults); dev accuracy on clean points and with 20 % of the
points dropped. Then parameters and CPU forward time on the 178-point MediaPipe layout of the
real test clip (N = 1024 frames), and the cost of normalise + augment for one 200-frame clip.

    sign2gpt synth --out /tmp/synth-demo --preset demo
    python benchmarks/pose_encoder.py --synth /tmp/synth-demo [--steps 1500]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from sign2gpt.config import PoseAugmentConfig, PoseEncoderConfig
from sign2gpt.data.pose import Skeleton, read_synth_groundtruth
from sign2gpt.data.pose.skeletons import Component, holistic_reduced_names, skeleton_from_components
from sign2gpt.data.pose.transforms import (
    PoseAugment,
    apply_pose_augment,
    draw_pose_augment,
    normalise,
)
from sign2gpt.models.pose_encoder import PoseEncoder, masked_points


class FlatMLP(nn.Module):
    """One MLP over all K points (masked), then Linear + BatchNorm1d."""

    def __init__(self, k: int, hidden: int, layers: int, out_dim: int) -> None:
        super().__init__()
        mods: list[nn.Module] = []
        for i in range(layers):
            mods += [nn.Linear(3 * k if i == 0 else hidden, hidden), nn.GELU()]
        self.mlp = nn.Sequential(*mods)
        self.proj, self.bn = nn.Linear(hidden, out_dim), nn.BatchNorm1d(out_dim)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        xy, mask = masked_points(points)
        x = torch.cat([xy, points[..., 2:3] * mask], dim=-1).flatten(1)  # (N, 3 K)
        return self.bn(self.proj(self.mlp(x)))


class SkeletonGCN(nn.Module):
    """ST-GCN's spatial part per frame: ``layers`` graph convolutions (normalised adjacency of
    the skeleton's limbs with self loops) of width ``hidden`` over the points, the points'
    features flattened (pooling them would lose which point is where), Linear + BatchNorm1d."""

    def __init__(self, skeleton: Skeleton, hidden: int, layers: int, out_dim: int) -> None:
        super().__init__()
        k = skeleton.num_points
        a = torch.eye(k)
        for i, j in skeleton.edges:
            a[i, j] = a[j, i] = 1.0
        d = a.sum(1).rsqrt()
        self.register_buffer("adj", d[:, None] * a * d[None, :])
        self.layers = nn.ModuleList(
            nn.Linear(3 if i == 0 else hidden, hidden) for i in range(layers)
        )
        self.proj = nn.Linear(k * hidden, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        xy, mask = masked_points(points)
        x = torch.cat([xy, points[..., 2:3] * mask], dim=-1)  # (N, K, 3)
        for lin in self.layers:
            x = torch.nn.functional.gelu(self.adj @ lin(x)) * mask  # (N, K, C)
        return self.bn(self.proj(x.flatten(1)))  # (N, out_dim)


def load_split(root: Path, split: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(normalised points (T, 22, 3), gloss name per frame or '' outside signs) per clip."""
    out = []
    for f in sorted((root / "groundtruth" / split).glob("*.json")):
        gt = json.loads(f.read_text(encoding="utf-8"))
        labels = np.array(
            [gt["glosses"][i]["gloss"] if i >= 0 else "" for i in gt["frame_gloss"]], dtype=object
        )
        out.append((normalise(read_synth_groundtruth(f)), labels))
    return out


def build(kind: str, skeleton: Skeleton, out_dim: int) -> nn.Module:
    if kind == "flat-mlp":
        return FlatMLP(skeleton.num_points, 256, 2, out_dim)
    if kind == "gcn":
        return SkeletonGCN(skeleton, 32, 2, out_dim)
    cfg = PoseEncoderConfig(hidden_dim=128, layers=2)
    if kind == "grouped-mlp (global)":
        cfg = PoseEncoderConfig(hidden_dim=128, layers=2, local_parts=False, share_hands=False)
    return PoseEncoder(cfg, skeleton, out_dim)


KINDS = ("flat-mlp", "gcn", "grouped-mlp (global)", "grouped-mlp (local, shared hands)")


def frames_of(
    clips,
    rng: np.random.Generator | None,
    skeleton: Skeleton,
    aug: PoseAugmentConfig,
    drop: float = 0.0,
):
    xs, ys = [], []
    for pts, labels in clips:
        if rng is not None:
            pts = apply_pose_augment(pts, draw_pose_augment(aug, rng), skeleton.mirror)
        elif drop:
            pts = apply_pose_augment(
                pts, PoseAugment(drop_p=drop, drop_seed=len(xs)), skeleton.mirror
            )
        keep = labels != ""
        xs.append(pts[keep])
        ys.append(labels[keep])
    return np.concatenate(xs), np.concatenate(ys)


def toy_task(root: Path, steps: int, seed: int) -> dict[str, tuple[float, float]]:
    train, dev = load_split(root, "train"), load_split(root, "dev")
    skeleton = read_synth_groundtruth(next((root / "groundtruth" / "dev").glob("*.json"))).skeleton
    vocab = sorted({g for _, labels in train for g in labels if g})
    index = {g: i for i, g in enumerate(vocab)}
    aug = PoseAugmentConfig()
    dev_sets = {}
    for drop in (0.0, 0.2):
        x, y = frames_of(dev, None, skeleton, aug, drop)
        known = np.array([g in index for g in y])
        dev_sets[drop] = (torch.from_numpy(x[known]), torch.tensor([index[g] for g in y[known]]))
    results = {}
    for kind in KINDS:
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        enc = build(kind, skeleton, 128)
        model = nn.Sequential(enc, nn.GELU(), nn.Linear(128, len(vocab)))
        opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
        x, y = frames_of(train, rng, skeleton, aug)
        xt, yt = torch.from_numpy(x), torch.tensor([index[g] for g in y])
        model.train()
        for step in range(steps):
            if step and step % 300 == 0:  # a fresh augmentation draw per clip every 300 steps
                x, y = frames_of(train, rng, skeleton, aug)
                xt, yt = torch.from_numpy(x), torch.tensor([index[g] for g in y])
            batch = torch.from_numpy(rng.integers(0, len(yt), 512))
            loss = nn.functional.cross_entropy(model(xt[batch]), yt[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = [
                float((model(dx).argmax(1) == dy).float().mean()) for dx, dy in dev_sets.values()
            ]
        results[kind] = (acc[0], acc[1])
    return results


def holistic_skeleton_178() -> Skeleton:
    """The reduced Holistic layout; limbs as chains along each part (the graph convolution's
    cost depends on K and its width only: the adjacency is a dense K x K matrix)."""
    names = holistic_reduced_names()
    comps: dict[str, list[str]] = {}
    for n in names:
        c, p = n.split("/", 1)
        comps.setdefault(c, []).append(p)
    chain = {c: tuple((i, i + 1) for i in range(len(p) - 1)) for c, p in comps.items()}
    return skeleton_from_components(
        [Component(c, tuple(p), chain[c]) for c, p in comps.items()], "mediapipe-holistic"
    )


def speed(skeleton: Skeleton, n: int = 1024, repeats: int = 20) -> dict[str, tuple[int, float]]:
    """Parameters and the best of ``repeats`` forward times (ms): the minimum, as the machine
    is shared and a mean would measure the neighbours."""
    torch.manual_seed(0)
    x = torch.randn(n, skeleton.num_points, 3)
    x[..., 2] = torch.rand(n, skeleton.num_points)
    out = {}
    for kind in KINDS:
        model = build(kind, skeleton, 512).eval()
        times = []
        with torch.no_grad():
            model(x)
            for _ in range(repeats):
                start = time.perf_counter()
                model(x)
                times.append(time.perf_counter() - start)
        out[kind] = (sum(p.numel() for p in model.parameters()), min(times) * 1e3)
    return out


def transform_cost(
    skeleton: Skeleton, frames: int = 200, repeats: int = 200
) -> tuple[float, float]:
    from sign2gpt.data.pose import Keypoints, mark_missing

    rng = np.random.default_rng(0)
    pts = rng.uniform(0, 500, (frames, skeleton.num_points, 3))
    pts[..., 2] = rng.uniform(0, 1, pts.shape[:2])
    kp = Keypoints(mark_missing(pts), skeleton, 25.0, 500, 500)
    norm = normalise(kp)
    cfg = PoseAugmentConfig(rotation_p=1.0, hflip_p=1.0)
    t_norm, t_aug = [], []
    for _ in range(repeats):  # best of: the machine is shared
        start = time.perf_counter()
        normalise(kp)
        t_norm.append(time.perf_counter() - start)
        start = time.perf_counter()
        apply_pose_augment(norm, draw_pose_augment(cfg, rng), skeleton.mirror)
        t_aug.append(time.perf_counter() - start)
    return min(t_norm) * 1e3, min(t_aug) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--synth", type=Path, required=True, help="a `sign2gpt synth` corpus")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--seeds", type=int, default=2, help="training runs per encoder")
    args = ap.parse_args()
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    runs = [toy_task(args.synth, args.steps, seed) for seed in range(args.seeds)]
    sk = holistic_skeleton_178()
    sp = speed(sk)
    print(
        f"toy task: {args.synth} (synth-22), {args.steps} steps of 512 frames, "
        f"{args.seeds} seeds (mean, [min, max]); speed: {sk.num_points}-point holistic layout, "
        f"N = 1024, out_dim 512, CPU {torch.get_num_threads()} threads, best of 20"
    )
    print(
        f"{'encoder':34s} {'dev acc':>20s} {'acc, 20% dropped':>20s} "
        f"{'params (178 pts)':>17s} {'ms / 1024 frames':>17s}"
    )

    def cell(values: list[float]) -> str:
        return f"{np.mean(values):.3f} [{min(values):.3f}, {max(values):.3f}]"

    for kind in KINDS:
        acc = [r[kind][0] for r in runs]
        drop = [r[kind][1] for r in runs]
        params, ms = sp[kind]
        print(f"{kind:34s} {cell(acc):>20s} {cell(drop):>20s} {params:17,d} {ms:17.1f}")
    t_norm, t_aug = transform_cost(sk)
    print(
        f"normalise: {t_norm:.3f} ms, draw + apply augmentation: {t_aug:.3f} ms "
        f"per 200-frame clip of {sk.num_points} points"
    )


if __name__ == "__main__":
    main()
