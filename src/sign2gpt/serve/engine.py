"""The server's one door to the model: load a checkpoint once, translate one clip file.

Everything model-side goes through :class:`Engine`, which wraps
:class:`~sign2gpt.infer.translator.Translator`: the code path of ``sign2gpt translate``, so the page
says what the CLI says; it hands back the sampled frames for the contact sheet too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sign2gpt.data.frames import WorkBudget
from sign2gpt.errors import DataError
from sign2gpt.infer.translator import Translator
from sign2gpt.serve.sheet import write_contact_sheet


@dataclass
class EngineResult:
    text: str
    decoded_frames: int  # frames the clip holds
    sampled_frames: int  # frames the model saw (every frame_stride-th, at most max_frames)
    seconds: float  # decoding, the model and the pictures
    contact_sheet: Path
    heatmap: Path | None  # the stage-1 localisation map, with a heatmap checkpoint


@dataclass
class EngineInfo:
    model: str
    checkpoint: str
    heatmap_checkpoint: str | None
    device: str
    lang: str
    input: str  # model.input: rgb, pose, rgb+pose
    num_beams: int
    frame_stride: int
    max_frames: int  # frames the model samples at most (more are spread evenly)
    max_frame_bytes: int  # frame files larger than this are broken frames (data.max_frame_bytes)


class Engine:
    """A translation checkpoint (and optionally a stage-1 checkpoint for heatmaps), loaded once.

    Not thread-safe: the server calls :meth:`translate` from its single worker thread only.
    """

    def __init__(
        self,
        checkpoint: str | Path,
        device: str = "cpu",
        num_beams: int | None = None,
        heatmap_checkpoint: str | Path | None = None,
    ) -> None:
        self._translator = Translator.from_checkpoints(
            checkpoint, device, num_beams, heatmap_checkpoint=heatmap_checkpoint
        )
        cfg = self._translator.pipeline.cfg
        spatial = cfg.model.spatial
        backbone = Path(spatial.pretrained).name if spatial.pretrained else spatial.backbone
        lm = Path(cfg.model.lm.pretrained).name or "random"
        self.info = EngineInfo(
            model=f"Sign2GPT (backbone {backbone}, LM {lm})",
            checkpoint=str(Path(checkpoint).resolve()),
            heatmap_checkpoint=str(Path(heatmap_checkpoint).resolve())
            if heatmap_checkpoint
            else None,
            device=device,
            lang=cfg.data.lang,
            input=cfg.model.input.value,
            num_beams=self._translator.search.num_beams,
            frame_stride=cfg.data.frame_stride,
            max_frames=cfg.data.max_frames,
            max_frame_bytes=cfg.data.max_frame_bytes,
        )

    @property
    def has_heatmaps(self) -> bool:
        return self._translator.pgp is not None

    def translate(
        self, source: Path, out_dir: Path, budget: WorkBudget | None = None
    ) -> EngineResult:
        """Translate the video file or frame folder ``source``; pictures go to ``out_dir``;
        decoding stops past ``budget``.

        Raises :class:`DataError` (naming ``source``) when the clip cannot be read, its
        :class:`~sign2gpt.data.frames.OverBudget` when it costs too much."""
        start = time.perf_counter()
        result = self._translator.translate(
            source, heatmap_dir=out_dir if self.has_heatmaps else None, budget=budget
        )
        if result.error:
            raise DataError(result.error)
        assert result.pictures is not None and result.indices is not None
        sheet = write_contact_sheet(result.pictures, out_dir / "contact_sheet.png", result.indices)
        return EngineResult(
            text=result.text,
            decoded_frames=result.decoded_frames,
            sampled_frames=result.sampled_frames,
            seconds=time.perf_counter() - start,
            contact_sheet=sheet,
            heatmap=Path(result.heatmap) if result.heatmap else None,
        )
