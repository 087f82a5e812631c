"""The one clip record every dataset reader returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sign2gpt.errors import DataError

SPLITS = ("train", "dev", "test")
_SPLIT_ALIASES = {"val": "dev", "valid": "dev", "validation": "dev"}


@dataclass
class ClipRecord:
    """One sentence clip of a corpus.

    ``source`` is a frame folder or a video file; ``start``/``end`` (seconds) cut a video and are
    None for frame folders and for whole videos. ``gloss`` holds sign-order glosses where the
    corpus has them; gloss-free training never reads it. ``origin``: the annotation file and
    row the record came from, for messages (not compared, not stored).
    """

    id: str
    split: str
    signer: str
    text: str
    source: str
    start: float | None = None
    end: float | None = None
    gloss: str = ""
    origin: str = field(default="", compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def is_video(self) -> bool:
        from sign2gpt.data.frames import is_video_file

        return is_video_file(self.source)


def normalise_split(name: str, where: str) -> str:
    """``train`` / ``dev`` / ``test`` (any case; ``val`` / ``valid`` / ``validation`` mean
    ``dev``). Anything else is a DataError naming ``where`` (file and row): a typo such as
    ``trian`` would otherwise take the clip out of training without a word."""
    key = str(name).strip().lower()
    key = _SPLIT_ALIASES.get(key, key)
    if key not in SPLITS:
        raise DataError(
            f"{where}: unknown split {name!r} (allowed: train, dev, test; val, valid and "
            "validation mean dev)"
        )
    return key
