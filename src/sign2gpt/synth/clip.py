"""One clip of a synthetic corpus: its job (glosses, signer, frame files, random stream) and
the worker that renders its frames, breaks the chosen ones and writes its ground-truth file.

Each clip draws from its own random stream (``ClipJob.seed``), so the worker count does not
change the output.
"""

from __future__ import annotations

import io
import json
import os
import random
from dataclasses import dataclass

from sign2gpt.data.pose.skeletons import SYNTH_POINT_NAMES
from sign2gpt.synth import grammar_de, grammar_zh
from sign2gpt.synth.lexicon import Sign, build_lexicon
from sign2gpt.synth.motion import Timing, plan_clip
from sign2gpt.synth.render import FrameRenderer
from sign2gpt.synth.signers import SIGNERS

FPS = 25


@dataclass(frozen=True)
class ClipJob:
    index: int
    name: str
    split: str
    signer: int  # index into SIGNERS
    glosses: tuple[str, ...]
    markers: tuple[str, ...]
    frame_dir: str
    frame_pattern: str  # e.g. "images{:04d}.png" with the 1-based or 0-based index applied
    first_index: int
    image_format: str  # PNG | JPEG
    seed: str
    lang: str
    size: tuple[int, int]
    timing: Timing
    broken_share: float
    empty_share: float
    supersample: int
    text: str
    romanised: tuple[str, ...]  # zh: pinyin per gloss
    romanised_text: str  # zh: pinyin of the sentence
    gt_path: str
    signs: tuple[Sign, ...] = ()  # the signs of ``glosses``; () = look them up in the grammar's


_LEXICON_CACHE: dict[str, dict[str, Sign]] = {}


def lexicon_for(lang: str) -> dict[str, Sign]:
    if lang not in _LEXICON_CACHE:
        glosses = grammar_de.all_glosses() if lang == "de" else grammar_zh.all_glosses()
        _LEXICON_CACHE[lang] = build_lexicon(glosses, lang)
    return _LEXICON_CACHE[lang]


def _encode(img, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "PNG":
        img.save(buf, format="PNG", compress_level=3)
    else:
        img.save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def render_clip(job: ClipJob) -> dict:
    """Render and write one clip's frames and its ground-truth file; return a summary."""
    signer = SIGNERS[job.signer]
    rng = random.Random(job.seed)
    bad_rng = random.Random(job.seed + "/bad")
    if job.signs:
        signs = list(job.signs)
    else:
        lexicon = lexicon_for(job.lang)
        signs = [lexicon[g] for g in job.glosses]
    poses, spans = plan_clip(signs, list(job.markers), signer, job.timing, rng)
    renderer = FrameRenderer(signer, job.size, rng, job.supersample)
    os.makedirs(job.frame_dir, exist_ok=True)
    keypoints: list[list[list[float]]] = []
    broken: list[int] = []
    empty: list[int] = []
    for i, pose in enumerate(poses):
        img, kps = renderer.render(pose)
        keypoints.append([[round(x, 2), round(y, 2)] for x, y in kps])
        data = _encode(img, job.image_format)
        r = bad_rng.random()
        if r < job.empty_share:
            data = b""
            empty.append(i)
        elif r < job.empty_share + job.broken_share:
            data = data[: max(8, len(data) // 2)]  # header intact, pixel data cut off
            broken.append(i)
        path = os.path.join(job.frame_dir, job.frame_pattern.format(i + job.first_index))
        with open(path, "wb") as fh:
            fh.write(data)
    glosses = [
        {"gloss": g, "start": a, "end": b, "marker": m}
        for g, m, (a, b) in zip(job.glosses, job.markers, spans)
    ]
    if job.romanised:
        for g, rom in zip(glosses, job.romanised):
            g["romanised"] = rom
    gt = {
        "name": job.name,
        "split": job.split,
        "text": job.text,
        **({"romanised_text": job.romanised_text} if job.romanised_text else {}),
        "signer": signer.name,
        "signer_index": job.signer,
        "left_handed": signer.left_handed,
        "num_frames": len(poses),
        "fps": FPS,
        "frame_size": list(job.size),
        "frame_files": job.frame_pattern.format(job.first_index) + " ...",
        "glosses": glosses,
        "frame_gloss": [p.gloss for p in poses],
        "broken_frames": broken,
        "empty_frames": empty,
        "colours": renderer.colours(),
        "keypoint_names": list(SYNTH_POINT_NAMES),
        "keypoints": keypoints,
    }
    os.makedirs(os.path.dirname(job.gt_path), exist_ok=True)
    with open(job.gt_path, "wb") as fh:
        fh.write(_json_bytes(gt))
    return {
        "name": job.name,
        "signer": signer.name,
        "num_frames": len(poses),
        "broken_frames": broken,
        "empty_frames": empty,
    }


def _json_bytes(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
