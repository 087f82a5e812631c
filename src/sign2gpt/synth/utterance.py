"""One synthetic sentence: its spoken words and its glosses in sign order."""

from __future__ import annotations

from dataclasses import dataclass

# Non-manual markers a gloss can carry (the renderer draws them on the face / head).
MARKERS = ("", "brows_up", "brows_down", "headshake")


@dataclass(frozen=True)
class Utterance:
    """``words`` in spoken order; ``glosses`` in sign order, one marker per gloss.

    For Chinese, ``words`` are the segmented words (the final punctuation is its own word),
    ``pos`` their part-of-speech tags and ``romanised`` the pinyin of each gloss (the preview
    font has no CJK glyphs). A sentence given by the user keeps its own spelling in
    ``sentence``.
    """

    lang: str
    words: tuple[str, ...]
    glosses: tuple[str, ...]
    markers: tuple[str, ...]
    pos: tuple[str, ...] = ()
    romanised: tuple[str, ...] = ()
    sentence: str = ""  # the sentence as given (``--sentences``); "" = the words joined

    @property
    def text(self) -> str:
        """The target sentence as the dataset stores it."""
        if self.sentence:
            return self.sentence
        return "".join(self.words) if self.lang == "zh" else " ".join(self.words)

    def __post_init__(self) -> None:
        assert len(self.glosses) == len(self.markers), (self.glosses, self.markers)
        assert all(m in MARKERS for m in self.markers), self.markers
