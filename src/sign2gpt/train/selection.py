"""Which dev metric picks each stage's best epoch (``best/``), stated once.

The Lightning modules select by these; help texts, ``sign2gpt report`` and the tests that hold
the docs to the code read them from here. Kept free of torch so that ``sign2gpt --help`` can
name them without loading it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Selection:
    """A stage's model selection: maximise the logged dev ``metric``; on a tie, the lower
    ``tiebreak`` (a loss) wins. ``words`` says the metric in a sentence."""

    metric: str
    words: str
    tiebreak: str | None = None

    def key(self, metrics: Mapping[str, float]) -> tuple[float, ...]:
        """What selection maximises, compared as a tuple; ``()`` loses to any key."""
        if self.tiebreak is None:
            return (metrics[self.metric],)
        return (metrics[self.metric], -metrics[self.tiebreak])

    def describe(self) -> str:
        """The rule in words, the metric's logged name with it, e.g. for ``--help``."""
        rule = f"{self.words} (`{self.metric}`"
        if self.tiebreak is not None:
            rule += f"; the lower `{self.tiebreak}` breaks ties"
        return rule + ")"


# Not the paper's macro F1 at yhat > 0.5: that stays 0 until some yhat passes 0.5, which with
# thousands of pseudo-glosses can be never, and selection then keeps the untrained first epoch
# (docs/method.md#91-from-the-paper-and-the-authors-code-in-every-recipe).
PGP_SELECTION = Selection(
    "val/map", "dev mean average precision over pseudo-glosses", tiebreak="val/loss"
)
TRANSLATION_SELECTION = Selection("val/bleu4", "dev BLEU-4 of beam search")
SELECTIONS = (PGP_SELECTION, TRANSLATION_SELECTION)
