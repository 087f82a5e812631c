"""Pictures of results. The localisation map E of a clip, like the paper's Figure 4: rows are
pseudo-glosses (the clip's true ones first, then the strongest others), columns the encoder's
time steps; under it, a strip of the frames the model saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sign2gpt.skeleton import PointGroup, Skeleton

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
