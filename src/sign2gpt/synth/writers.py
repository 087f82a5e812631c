"""Writers for the on-disk layouts of the real datasets (docs/method.md#7-datasets).

phoenix14t:
  annotations/manual/PHOENIX-2014-T.{train,dev,test}.corpus.csv
      name|video|start|end|speaker|orth|translation   (video = <name>/1/*.png, start/end = -1)
  features/fullFrame-210x260px/{split}/<name>/images0001.png ...
csl-daily:
  sentence_label/csl2020ct_v2.pkl   {"info": [...], "gloss_map", "char_map", "word_map",
                                     "postag_map"}
  sentence_label/split_1.txt        name|split
  sentence/frames_512x512/<name>/000000.jpg ...
The frame size is the preset's; the folder names stay the real datasets'.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sign2gpt.synth.utterance import Utterance

PHOENIX_FRAMES = "features/fullFrame-210x260px"
PHOENIX_ANN = "annotations/manual"
CSL_FRAMES = "sentence/frames_512x512"
CSL_LABEL = "sentence_label"

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _phoenix_namer() -> Callable[[Utterance, int, str], str]:
    """Names like the real ones, ``11August_2010_Wednesday_tagesschau-2``: one broadcast per
    day, several sentences per broadcast."""
    import datetime

    state = {"n": 0}
    start = datetime.date(2009, 1, 1)

    def name(_u: Utterance, _signer: int, _split: str) -> str:
        n = state["n"]
        state["n"] += 1
        day = start + datetime.timedelta(days=n // 6)
        show = "tagesschau" if day.toordinal() % 2 else "heute"
        return (
            f"{day.day:02d}{_MONTHS[day.month - 1]}_{day.year}_{_DAYS[day.weekday()]}"
            f"_{show}-{n % 6 + 1}"
        )

    return name


def _csl_namer() -> Callable[[Utterance, int, str], str]:
    """``S<sentence>_P<signer>_T<take>`` as CSL-Daily: one id per distinct sentence."""
    sentence_ids: dict[str, int] = {}
    takes: dict[tuple[int, int], int] = {}

    def name(u: Utterance, signer: int, _split: str) -> str:
        sid = sentence_ids.setdefault(u.text, len(sentence_ids))
        take = takes.get((sid, signer), 0)
        takes[(sid, signer)] = take + 1
        return f"S{sid:06d}_P{signer:04d}_T{take:02d}"

    return name


def _write_phoenix(out: Path, items: list[tuple[Any, Utterance, dict]]) -> None:
    ann = out / PHOENIX_ANN
    ann.mkdir(parents=True, exist_ok=True)
    for split in ("train", "dev", "test"):
        lines = ["name|video|start|end|speaker|orth|translation"]
        for job, u, gt in items:
            if job.split != split:
                continue
            row = [job.name, f"{job.name}/1/*.png", "-1", "-1", gt["signer"]]
            lines.append("|".join([*row, " ".join(u.glosses), u.text]))
        path = ann / f"PHOENIX-2014-T.{split}.corpus.csv"
        path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


def _write_csl(out: Path, items: list[tuple[Any, Utterance, dict]]) -> None:
    label = out / CSL_LABEL
    label.mkdir(parents=True, exist_ok=True)
    info = []
    for job, u, gt in sorted(items, key=lambda it: it[0].name):
        info.append(
            {
                "name": job.name,
                "length": gt["num_frames"],
                "label_gloss": list(u.glosses),
                "label_char": list(u.text),
                "label_word": list(u.words),
                "label_postag": list(u.pos),
                "signer": job.signer,
                "time": 0,
            }
        )
    data = {
        "info": info,
        "gloss_map": sorted({g for r in info for g in r["label_gloss"]}),
        "char_map": sorted({c for r in info for c in r["label_char"]}),
        "word_map": sorted({w for r in info for w in r["label_word"]}),
        "postag_map": sorted({p for r in info for p in r["label_postag"]}),
    }
    (label / "csl2020ct_v2.pkl").write_bytes(pickle.dumps(data, protocol=4))
    rows = ["name|split"] + [
        f"{job.name}|{job.split}" for job, _, _ in sorted(items, key=lambda it: it[0].name)
    ]
    (label / "split_1.txt").write_bytes(("\n".join(rows) + "\n").encode("utf-8"))


@dataclass(frozen=True)
class Layout:
    name: str
    lang: str
    top_dirs: tuple[str, ...]  # what a corpus of this layout owns under ``out``
    namer: Callable[[], Callable[[Utterance, int, str], str]]
    frame_dir: Callable[[Path, str, str], Path]
    frame_pattern: str
    first_index: int
    image_format: str
    write_annotations: Callable[[Path, list[tuple[Any, Utterance, dict]]], None]

    def frames(self, out: Path, split: str, name: str) -> tuple[Path, str, int, str]:
        folder = self.frame_dir(out, split, name)
        return folder, self.frame_pattern, self.first_index, self.image_format


LAYOUTS: dict[str, Layout] = {
    "phoenix14t": Layout(
        name="phoenix14t",
        lang="de",
        top_dirs=("annotations", "features"),
        namer=_phoenix_namer,
        frame_dir=lambda out, split, name: out / PHOENIX_FRAMES / split / name,
        frame_pattern="images{:04d}.png",
        first_index=1,
        image_format="PNG",
        write_annotations=_write_phoenix,
    ),
    "csl-daily": Layout(
        name="csl-daily",
        lang="zh",
        top_dirs=("sentence", "sentence_label"),
        namer=_csl_namer,
        frame_dir=lambda out, split, name: out / CSL_FRAMES / name,
        frame_pattern="{:06d}.jpg",
        first_index=0,
        image_format="JPEG",
        write_annotations=_write_csl,
    ),
}
