"""The one clip record every dataset reader returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

SPLITS = ("train", "dev", "test")
_SPLIT_ALIASES = {"val": "dev", "valid": "dev", "validation": "dev", "dev": "dev"}


@dataclass
class ClipRecord:
    """One sentence clip of a corpus.

    ``source`` is a frame folder or a video file; ``start``/``end`` (seconds) cut a video and are
    None for frame folders and for whole videos. ``gloss`` holds sign-order glosses where the
    corpus has them; gloss-free training never reads it.
    """

    id: str
    split: str
    signer: str
    text: str
    source: str
    start: float | None = None
    end: float | None = None
    gloss: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def is_video(self) -> bool:
        from sign2gpt.data.frames import is_video_file

        return is_video_file(self.source)


def normalise_split(name: str) -> str:
    """``val`` / ``valid`` / ``validation`` -> ``dev``; everything else lower-cased."""
    key = str(name).strip().lower()
    return _SPLIT_ALIASES.get(key, key)
