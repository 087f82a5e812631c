"""Translating files one by one with a model loaded once (``sign2gpt translate``, the web
page's engine in :mod:`sign2gpt.serve`), with the pseudo-gloss localisation map of each clip
when a stage-1 model is given beside it (the paper's Figure 4)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from sign2gpt.data.frames import OverBudget, WorkBudget
from sign2gpt.errors import CheckpointError, DataError
from sign2gpt.infer.clip import ClipInput, read_clip_input
from sign2gpt.models.pgp_model import PGPModel
from sign2gpt.models.translation_model import BeamSearch, TranslationModel
from sign2gpt.pipeline import Pipeline, Quantize


@dataclass
class Translation:
    """The result for one input file."""

    source: str
    text: str = ""
    sampled_frames: int = 0  # frames the model saw (after sampling)
    decoded_frames: int = 0  # frames the file holds
    seconds: float = 0.0  # reading + encoding + beam search
    error: str = ""
    heatmap: str = ""  # path of the localisation picture, when drawn
    pictures: np.ndarray | None = field(default=None, repr=False)  # (T, S, S, 3) uint8 seen
    indices: np.ndarray | None = field(default=None, repr=False)  # (T,) their frame numbers

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields (without the pictures)."""
        return {
            "source": self.source,
            "text": self.text,
            "sampled_frames": self.sampled_frames,
            "decoded_frames": self.decoded_frames,
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "heatmap": self.heatmap,
        }


class Translator:
    """A stage-2 model loaded once, translating many files; with a stage-1 pipeline beside it
    also the pseudo-gloss localisation map of each clip (the paper's Figure 4)."""

    def __init__(
        self,
        translation: Pipeline,
        heatmaps: Pipeline | None = None,
        num_beams: int | None = None,
        no_repeat_ngram_size: int | None = None,
    ) -> None:
        self.pipeline = translation
        self.model = translation.expect(
            TranslationModel,
            "it cannot translate; give a stage-2 checkpoint (and this one as --heatmap-checkpoint)",
        )
        self.heatmaps = heatmaps
        self.pgp = (
            heatmaps.expect(PGPModel, "the heatmap checkpoint must be a stage-1 model")
            if heatmaps is not None
            else None
        )
        if self.pgp is not None and self.pgp.sign.modality is not self.model.sign.modality:
            raise CheckpointError(
                f"{heatmaps.folder if heatmaps else ''}: the heatmap model reads "
                f"{self.pgp.sign.modality.value}, the translation model "
                f"{self.model.sign.modality.value}"
            )
        self.search = BeamSearch.of(translation.cfg.train, num_beams, no_repeat_ngram_size)

    @classmethod
    def from_checkpoints(
        cls,
        checkpoint: str | Path,
        device: str = "cpu",
        num_beams: int | None = None,
        heatmap_checkpoint: str | Path | None = None,
        dtype: str | None = None,
        quantize: Quantize | None = None,
        no_repeat_ngram_size: int | None = None,
    ) -> Translator:
        """``dtype`` and ``quantize``: see :meth:`Pipeline.from_checkpoint` (the stage-2 model)."""
        heatmaps = (
            Pipeline.from_checkpoint(heatmap_checkpoint, device) if heatmap_checkpoint else None
        )
        translation = Pipeline.from_checkpoint(checkpoint, device, dtype=dtype, quantize=quantize)
        return cls(translation, heatmaps, num_beams, no_repeat_ngram_size)

    @property
    def load_seconds(self) -> float:
        return self.pipeline.load_seconds + (self.heatmaps.load_seconds if self.heatmaps else 0.0)

    @torch.no_grad()
    def translate(
        self,
        source: str | Path,
        heatmap_dir: str | Path | None = None,
        budget: WorkBudget | None = None,
    ) -> Translation:
        """One video file or frame folder; an unreadable input gives ``error``, not an
        exception; decoding past ``budget`` raises its OverBudget (the server's 413)."""
        result = Translation(str(source))
        start = time.perf_counter()
        try:
            clip = read_clip_input(self.pipeline, source, budget)
        except OverBudget:
            raise
        except DataError as exc:
            result.error = str(exc)
            return result
        result.decoded_frames, result.indices = clip.decoded, clip.indices
        batch = {"lengths": torch.tensor([clip.steps])}
        for key, value in (("frames", clip.frames), ("keypoints", clip.keypoints)):
            if value is not None:
                batch[key] = value
        device = self.pipeline.device
        with self.pipeline.autocast():
            z, mask = self.model.encode_batch(batch, device)
            result.text = self.model.translate(z, mask, self.search)[0]
        result.sampled_frames = clip.steps
        result.pictures = self._pictures(clip)
        if self.pgp is not None and heatmap_dir is not None:
            result.heatmap = str(self._heatmap(batch, result, Path(heatmap_dir)))
        result.seconds = time.perf_counter() - start
        return result

    def _pictures(self, clip: ClipInput) -> np.ndarray:
        """(T, H, W, 3) uint8: the frames the model saw, or its keypoints drawn."""
        from sign2gpt.metrics.plots import draw_keypoints

        sign = self.model.sign
        if clip.frames is not None:
            return sign.normalise.to_pictures(clip.frames)
        if clip.pictures is not None:
            return clip.pictures
        assert clip.keypoints is not None and sign.skeleton is not None
        return draw_keypoints(clip.keypoints.numpy(), sign.skeleton)

    def _heatmap(self, batch: dict[str, torch.Tensor], result: Translation, out: Path) -> Path:
        from sign2gpt.metrics.plots import plot_clip_localisation

        assert self.pgp is not None and self.heatmaps is not None
        vocab = self.heatmaps.pseudo_gloss_vocab().vocab
        z, mask = self.pgp.encode_batch(batch, self.pipeline.device)
        E = self.pgp.pseudo_glosses(z, mask).E[0].float().cpu().numpy()[:, : len(vocab)]
        name = Path(result.source).name or "clip"
        assert result.pictures is not None
        return plot_clip_localisation(
            E, vocab, result.pictures, f"{name}: {result.text}", out / f"{name}_heatmap.png"
        )
