"""The fixed thresholds of the paper's stage-1 metrics
(docs/method.md#3-stage-1-pseudo-gloss-pretraining).

Apart from their arithmetic (:mod:`sign2gpt.metrics.pgp`) so that help texts can state them
without importing torch.
"""

from __future__ import annotations

PREDICT_THRESHOLD = 0.5  # a pseudo-gloss counts as predicted for a clip when yhat_v > this
LOCALISATION_THRESHOLD = 0.2  # ... and as found when its column of E exceeds this at some frame
