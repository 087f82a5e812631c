"""A model with everything around it, for every front door (:mod:`sign2gpt.pipeline.core`)."""

from sign2gpt.pipeline.core import Loader, Pipeline, Quantize
from sign2gpt.pipeline.loaders import Batch, BatchCollator

__all__ = ["Batch", "BatchCollator", "Loader", "Pipeline", "Quantize"]
