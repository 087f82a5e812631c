"""A contact sheet of one clip: sampled frames, the gloss timeline and the sentence.

Works on any frame folder (a real Phoenix14T or CSL-Daily clip too); for a synthetic clip it
finds ``groundtruth/<split>/<name>.json`` above the folder and adds the sign spans, the marked
bad frames and the palm keypoints.
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from sign2gpt.errors import DataError

FRAME_SUFFIXES = (".png", ".jpg", ".jpeg")
PALETTE = [
    (230, 159, 0),
    (86, 180, 233),
    (0, 158, 115),
    (240, 228, 66),
    (0, 114, 178),
    (213, 94, 0),
    (204, 121, 167),
    (150, 150, 150),
]


def _font(size: int) -> ImageFont.ImageFont:
    """DejaVu Sans (umlauts) from the system or from matplotlib, else Pillow's default."""
    candidates = ["DejaVuSans.ttf"]
    try:
        import matplotlib

        candidates.append(str(Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf"))
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        pass
    for name in candidates:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    try:  # pragma: no cover - only without any DejaVu font
        return ImageFont.load_default(size=size)
    except TypeError:  # pragma: no cover - Pillow < 10.1 has no sized default font
        return ImageFont.load_default()


def find_groundtruth(clip_dir: Path) -> dict | None:
    """The ground-truth record of a synthetic clip, or None for a clip of a real dataset."""
    for parent in list(clip_dir.resolve().parents)[:6]:
        gt_root = parent / "groundtruth"
        if (gt_root / "manifest.json").is_file():
            for path in sorted(gt_root.glob(f"*/{clip_dir.name}.json")):
                try:
                    return json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    raise DataError(f"{path}: unreadable ground-truth file ({exc})") from exc
    return None


def _load(path: Path) -> tuple[Image.Image | None, str]:
    if path.stat().st_size == 0:
        return None, "empty"
    try:
        with Image.open(path) as im:
            return im.convert("RGB"), ""
    except OSError:
        return None, "broken"


def _ascii_ok(text: str) -> bool:
    return all(ord(c) < 0x2E80 for c in text)


def render_preview(
    clip_dir: Path | str, out_png: Path | str, max_frames: int = 24, columns: int = 8
) -> Path:
    """Write a contact sheet of the clip in ``clip_dir`` to ``out_png``; return its path."""
    clip_dir, out_png = Path(clip_dir), Path(out_png)
    if not clip_dir.is_dir():
        raise DataError(f"{clip_dir}: not a folder of frames")
    files = sorted(p for p in clip_dir.iterdir() if p.suffix.lower() in FRAME_SUFFIXES)
    if not files:
        raise DataError(f"{clip_dir}: no .png or .jpg frames in this folder")
    gt = find_groundtruth(clip_dir)
    n = len(files)
    step = max(1, -(-n // max_frames))  # ceil
    picks = list(range(0, n, step))
    frames = [(i, *_load(files[i])) for i in picks]
    good = [im for _, im, _ in frames if im is not None]
    fw, fh = good[0].size if good else (64, 64)
    scale = max(1, 144 // max(fw, fh))
    tw, th = fw * scale, fh * scale
    cap = 30
    cols = min(columns, len(frames))
    rows = -(-len(frames) // cols)
    pad = 6
    font, small, big = _font(13), _font(11), _font(15)

    # ground truth: frame -> gloss, labels (romanised where the font has no CJK glyphs)
    glosses = gt["glosses"] if gt else []
    labels = [g["gloss"] if _ascii_ok(g["gloss"]) else g.get("romanised", "?") for g in glosses]
    frame_gloss = gt.get("frame_gloss", [-1] * n) if gt else [-1] * n
    bad = {}
    if gt:
        bad.update({i: "broken" for i in gt.get("broken_frames", [])})
        bad.update({i: "empty" for i in gt.get("empty_frames", [])})

    width = pad + cols * (tw + pad)
    header_lines = [f"{clip_dir.name}   ({n} frames)"]
    if gt:
        text = gt.get("text", "")
        if not _ascii_ok(text):
            text = gt.get("romanised_text", "") + "   (pinyin; the font has no CJK glyphs)"
        header_lines.append(f"{gt.get('signer', '')} ({gt.get('split', '')}):  {text}")
        header_lines.append("glosses: " + " ".join(labels))
    header_h = pad + 20 * len(header_lines)
    timeline_h = 64 if gt else 0
    height = header_h + rows * (th + cap + pad) + timeline_h + pad
    sheet = Image.new("RGB", (width, height), (250, 250, 250))
    d = ImageDraw.Draw(sheet)
    for k, line in enumerate(header_lines):
        d.text((pad, pad + 20 * k), line, fill=(0, 0, 0), font=big if k == 0 else font)

    for k, (i, im, problem) in enumerate(frames):
        x = pad + (k % cols) * (tw + pad)
        y = header_h + (k // cols) * (th + cap + pad)
        if im is None:
            d.rectangle([x, y, x + tw - 1, y + th - 1], fill=(60, 60, 60))
            d.line([x, y, x + tw - 1, y + th - 1], fill=(200, 40, 40), width=3)
            d.line([x, y + th - 1, x + tw - 1, y], fill=(200, 40, 40), width=3)
            d.text((x + 6, y + 6), f"{problem} file", fill=(255, 255, 255), font=font)
        else:
            sheet.paste(im.resize((tw, th), Image.NEAREST), (x, y))
        gi = frame_gloss[i] if i < len(frame_gloss) else -1
        colour = PALETTE[gi % len(PALETTE)] if gi >= 0 else (210, 210, 210)
        d.rectangle([x, y + th, x + tw - 1, y + th + 4], fill=colour)
        label = f"#{i}"
        if gi >= 0:
            label += f" {labels[gi]}"
            if glosses[gi].get("marker"):
                label += "*"
        d.text((x + 2, y + th + 7), label, fill=(0, 0, 0), font=small)

    if gt:
        y0 = header_h + rows * (th + cap + pad) + 4
        x0, x1 = pad, width - pad
        d.text(
            (x0, y0),
            "timeline: sign spans, non-manual markers below, bad frames in red",
            fill=(60, 60, 60),
            font=small,
        )
        ybar = y0 + 18
        d.rectangle([x0, ybar, x1, ybar + 24], fill=(225, 225, 225))

        def fx(f: float) -> float:
            return x0 + (x1 - x0) * f / n

        for gi, g in enumerate(glosses):
            d.rectangle(
                [fx(g["start"]), ybar, fx(g["end"]) - 1, ybar + 24], fill=PALETTE[gi % len(PALETTE)]
            )
            d.text((fx(g["start"]) + 2, ybar + 6), labels[gi], fill=(0, 0, 0), font=small)
            if g.get("marker"):
                d.text((fx(g["start"]) + 2, ybar + 27), g["marker"], fill=(90, 90, 90), font=small)
        for i in bad:
            d.rectangle([fx(i), ybar + 18, fx(i + 1), ybar + 24], fill=(220, 30, 30))
        for i in picks:
            d.line([fx(i + 0.5), ybar - 3, fx(i + 0.5), ybar], fill=(0, 0, 0))
    out_png.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out_png, format="PNG")
    return out_png
