"""Video in, sentence out: translate sign language clips with a trained checkpoint."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from sign2gpt.errors import Sign2GPTError


@dataclass
class Translation:
    source: str
    text: str = ""
    frames: int = 0
    error: str = ""
    heatmap: str = ""


def load_clip_tensor(source: str | Path, cfg: Any) -> torch.Tensor:
    """(T, 3, S, S) uint8: the evaluation sampling and transform of SPEC section 5, as in
    training (the model normalises the frames)."""
    from sign2gpt.data.augment import eval_clip
    from sign2gpt.data.frames import read_clip
    from sign2gpt.data.sampling import sample_indices

    clip = read_clip(source, size=cfg.data.store_size).frames  # (T_all, H, W, 3) uint8
    indices = sample_indices(len(clip), cfg.data, train=False, rng=None)
    return eval_clip(clip[indices], cfg.data)


class Translator:
    """A loaded checkpoint, ready to translate many clips (and draw heatmaps with a stage-1
    checkpoint beside it)."""

    def __init__(
        self,
        checkpoint: str | Path,
        device: str = "cpu",
        num_beams: int | None = None,
        pgp_checkpoint: str | Path | None = None,
    ) -> None:
        from sign2gpt.models.checkpoint import load_checkpoint

        self.model, self.cfg, self.tokenizer = load_checkpoint(Path(checkpoint), device=device)
        if self.cfg.train.stage != "translate":
            raise Sign2GPTError(
                f"{checkpoint}: a stage-1 (pseudo-gloss) checkpoint cannot translate; "
                "give a stage-2 checkpoint (and this one as --heatmap-checkpoint)"
            )
        self.model.eval()
        self.device = device
        self.num_beams = num_beams or self.cfg.train.num_beams
        self.pgp = None
        if pgp_checkpoint:
            self.pgp, _, _ = load_checkpoint(Path(pgp_checkpoint), device=device)
            self.pgp.eval()
            from sign2gpt.text.pseudo_gloss import PseudoGlossVocab

            self.vocab = PseudoGlossVocab.load(Path(pgp_checkpoint) / "pseudo_glosses.json")

    @torch.no_grad()
    def translate(self, source: str | Path, heatmap_dir: str | Path | None = None) -> Translation:
        from sign2gpt.errors import DataError

        result = Translation(str(source))
        try:
            frames = load_clip_tensor(source, self.cfg)
        except DataError as exc:
            result.error = str(exc)
            return result
        lengths = torch.tensor([frames.shape[0]], device=self.device)
        frames = frames.to(self.device)
        z, mask = self.model.encode(frames, lengths)
        result.text = self.model.translate(
            z, mask, num_beams=self.num_beams, max_new_tokens=self.cfg.train.max_new_tokens
        )[0]
        result.frames = int(frames.shape[0])
        if self.pgp is not None and heatmap_dir is not None:
            result.heatmap = str(self._heatmap(frames, lengths, source, result.text, heatmap_dir))
        return result

    def _heatmap(
        self, frames: torch.Tensor, lengths: torch.Tensor, source: Any, text: str, out: Any
    ) -> Path:
        import numpy as np

        from sign2gpt.evaluate.heatmap import plot_localisation
        from sign2gpt.evaluate.runner import denormalise

        assert self.pgp is not None
        z, mask = self.pgp.encode(frames, lengths)
        E = self.pgp.pgp(z, mask, None).E[0].float().cpu().numpy()[:, : len(self.vocab.vocab)]
        rows = [int(v) for v in np.argsort(-E.max(0))[:8]]
        name = Path(str(source)).name or "clip"
        return plot_localisation(
            E,
            self.vocab.vocab,
            rows,
            denormalise(frames, self.cfg.data.mean, self.cfg.data.std),
            f"{name}: {text}",
            Path(out) / f"{name}_heatmap.png",
        )
