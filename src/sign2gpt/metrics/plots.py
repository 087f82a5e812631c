"""Pictures of results. The localisation map E of a clip, like the paper's Figure 4: rows are
pseudo-glosses (the clip's true ones first, then the strongest others), columns the encoder's
time steps; under it, a strip of the frames the model saw. The training curves of a run and
the opening of its gates (``sign2gpt report``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sign2gpt.metrics.run_logs import GateHistory, Series
from sign2gpt.skeleton import PointGroup, Skeleton

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SHOWN_ROWS = 8  # pseudo-glosses drawn per clip: its own first, then the strongest others


def plot_localisation(
    E: np.ndarray,
    names: list[str],
    rows: list[int],
    frames: np.ndarray,
    title: str,
    out_path: str | Path,
    true_rows: set[int] | None = None,
    spans: list[tuple[str, float, float]] | None = None,
) -> Path:
    """Write a PNG of ``E[:, rows]``.

    E: (T', V) localisation map without the null column; rows: pseudo-gloss indices to show;
    frames: (T, H, W, 3) uint8 frames in time order (T = stride of the encoder x T');
    spans: optional true sign spans (label, start, end) in encoder time steps, drawn on top.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    true_rows = true_rows or set()
    steps = E.shape[0]
    strip_n = min(len(frames), 16)
    fig_h = 1.2 + 0.28 * len(rows) + 1.3
    fig, (ax, ax_frames) = plt.subplots(
        2,
        1,
        figsize=(max(6.0, 0.18 * steps + 2.5), fig_h),
        gridspec_kw={"height_ratios": [max(1, len(rows)) * 0.28, 1.2]},
    )
    data = E[:, rows].T if rows else np.zeros((1, steps))
    image = ax.imshow(
        data, aspect="auto", cmap="magma", vmin=0.0, vmax=max(1e-6, float(data.max()))
    )
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{names[r]} *" if r in true_rows else names[r] for r in rows], fontsize=7)
    ax.set_xlabel("encoder time step")
    ax.set_title(title, fontsize=8, pad=14 if spans else 6)
    if spans:
        for _, start, end in spans:
            ax.axvspan(start - 0.5, end - 0.5, color="cyan", alpha=0.12)
        # the true signs, named on a top axis over their spans
        top = ax.secondary_xaxis("top")
        top.set_xticks([(start + end) / 2 - 0.5 for _, start, end in spans])
        top.set_xticklabels([label for label, _, _ in spans], fontsize=6, color="teal")
        top.tick_params(length=0, pad=1)
    fig.colorbar(image, ax=ax, fraction=0.02, pad=0.01)
    if strip_n:
        picks = np.linspace(0, len(frames) - 1, strip_n).round().astype(int)
        ax_frames.imshow(np.concatenate([frames[i] for i in picks], axis=1))
        ax_frames.set_xticks([])
        ax_frames.set_yticks([])
        ax_frames.set_xlabel("frames (evenly spaced over the clip); * = pseudo-gloss of the clip")
    else:
        ax_frames.axis("off")
    fig.tight_layout()
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_path, dpi=110)
    plt.close(fig)
    return out_path


def plot_clip_localisation(
    E: np.ndarray,
    names: list[str],
    pictures: np.ndarray,
    title: str,
    out_path: str | Path,
    true_rows: Sequence[int] = (),
    spans: list[tuple[str, float, float]] | None = None,
) -> Path:
    """:func:`plot_localisation` of one clip with the rows chosen for it: the clip's own
    pseudo-glosses (``true_rows``, marked *), then the strongest others, :data:`SHOWN_ROWS` in
    all (at least 3 others)."""
    true = [int(r) for r in true_rows]
    strongest = [int(v) for v in np.argsort(-E.max(0)) if int(v) not in true]
    rows = true + strongest[: max(3, SHOWN_ROWS - len(true))]
    return plot_localisation(E, names, rows, pictures, title, out_path, set(true), spans)


def draw_keypoints(points: np.ndarray, skeleton: Skeleton, size: int = 128) -> np.ndarray:
    """(T, K, 3) keypoints in body units (shoulders' midpoint at 0, shoulder distance 1) ->
    (T, size, size, 3) uint8 pictures of the skeleton: limbs in grey, points coloured by group
    (body blue, left hand orange, right hand green, face grey); missing points are not drawn."""
    from PIL import Image, ImageDraw

    colours = {
        PointGroup.BODY: (70, 110, 200),
        PointGroup.LEFT_HAND: (230, 140, 40),
        PointGroup.RIGHT_HAND: (60, 170, 90),
        PointGroup.FACE: (150, 150, 150),
    }
    colour_of = {i: colours[g] for g in PointGroup for i in skeleton.groups[g]}
    out = np.empty((len(points), size, size, 3), dtype=np.uint8)
    # body units -> pixels: a window 4 shoulder widths wide, the shoulders a quarter from the top
    scale, centre = size / 4.0, np.array([size / 2.0, size / 3.0])
    for t, frame in enumerate(points):
        image = Image.new("RGB", (size, size), (250, 250, 250))
        draw = ImageDraw.Draw(image)
        present = frame[:, 2] > 0
        xy = frame[:, :2] * scale + centre
        for a, b in skeleton.edges:
            if present[a] and present[b]:
                draw.line([tuple(xy[a]), tuple(xy[b])], fill=(180, 180, 180), width=1)
        for i in np.flatnonzero(present):
            x, y = xy[i]
            draw.ellipse([x - 1.5, y - 1.5, x + 1.5, y + 1.5], fill=colour_of.get(int(i)))
        out[t] = np.asarray(image)
    return out


# --------------------------------------------------------------------------------------------
# training runs (`sign2gpt report`)


def plot_training_curves(
    metrics: dict[str, Series], monitor: str, title: str, out_path: str | Path
) -> Path:
    """Three panels over optimiser steps: training loss, the dev metric used for model
    selection (``monitor``, e.g. ``val/bleu4``; its best point marked), and the learning rate
    of every parameter group (log scale)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 1, figsize=(7.0, 7.5), sharex=True)
    loss_ax, dev_ax, lr_ax = axes
    for key, style in (("train/loss", "-"), ("val/loss", "o-")):
        if key in metrics and metrics[key].steps:
            loss_ax.plot(metrics[key].steps, metrics[key].values, style, ms=3, lw=1, label=key)
    loss_ax.set_ylabel("loss")
    if loss_ax.lines:
        loss_ax.legend(fontsize=7)
    if monitor in metrics and metrics[monitor].steps:
        dev = metrics[monitor]
        dev_ax.plot(dev.steps, dev.values, "o-", ms=4, lw=1, color="tab:green", label=monitor)
        best = dev.best()
        if best is not None:
            right = best[0] > (min(dev.steps) + max(dev.steps)) / 2
            dev_ax.annotate(
                f"best {best[1]:.2f} at step {best[0]}",
                best,
                textcoords="offset points",
                xytext=(-6, -14) if right else (6, -14),
                ha="right" if right else "left",
                fontsize=7,
            )
        dev_ax.legend(fontsize=7)
    dev_ax.set_ylabel("dev " + monitor.removeprefix("val/"))
    for key in sorted(k for k in metrics if k.startswith("lr-")):
        lr_ax.plot(metrics[key].steps, metrics[key].values, lw=1, label=key.removeprefix("lr-"))
    lr_ax.set_yscale("log")
    lr_ax.set_ylabel("learning rate")
    lr_ax.set_xlabel("optimiser step")
    if lr_ax.lines:
        lr_ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return _save(fig, out_path)


def plot_gate_heatmap(history: GateHistory, title: str, out_path: str | Path) -> Path:
    """How the zero-initialised gates open: a heatmap of every gate (rows: layer by layer, the
    heads of a layer together; columns: the logged steps), values clamped to [0, 1] as the
    branch uses them, and under it the mean gate of each layer over the steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps, values = history.steps, history.values  # (N,), (N, L, H)
    n, layers, heads = values.shape
    grid = values.reshape(n, layers * heads).T  # (L * H, N)
    fig, (ax, mean_ax) = plt.subplots(
        2,
        1,
        figsize=(max(6.5, min(14.0, 0.12 * n + 3.0)), 2.2 + min(8.0, 0.09 * layers * heads) + 2.2),
        gridspec_kw={"height_ratios": [max(1.5, min(8.0, 0.09 * layers * heads)), 2.0]},
    )
    image = ax.imshow(
        grid, aspect="auto", cmap="viridis", vmin=0.0, vmax=1.0, interpolation="nearest"
    )
    for layer in range(1, layers):
        ax.axhline(layer * heads - 0.5, color="white", lw=0.4)
    ax.set_yticks([layer * heads + (heads - 1) / 2 for layer in range(layers)])
    ax.set_yticklabels([f"layer {layer}" for layer in range(layers)], fontsize=6)
    ax.set_ylabel(f"{heads} heads per layer")
    ticks = np.linspace(0, n - 1, min(n, 8)).round().astype(int)
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(int(steps[i])) for i in ticks], fontsize=7)
    ax.set_xlabel("optimiser step")
    ax.set_title(title, fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.025, pad=0.01, label="gate (clamped to [0, 1])")
    # distinct colours for a few layers; a dark-to-bright ramp (without plasma's pale end,
    # which a white page hides) for many
    cmap = plt.get_cmap("tab10") if layers <= 10 else plt.get_cmap("plasma")
    for layer in range(layers):
        colour = cmap(layer) if layers <= 10 else cmap(0.85 * layer / max(1, layers - 1))
        mean_ax.plot(steps, values[:, layer].mean(1), lw=1, color=colour, label=f"layer {layer}")
    mean_ax.set_ylabel("mean gate of a layer")
    mean_ax.set_xlabel("optimiser step")
    if layers <= 12:
        mean_ax.legend(fontsize=6, ncol=min(layers, 6))
    fig.tight_layout()
    return _save(fig, out_path)


def _save(fig: Figure, out_path: str | Path) -> Path:
    import matplotlib.pyplot as plt

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_path, dpi=110)
    plt.close(fig)
    return out_path
