"""A tiny translation checkpoint and a tiny stage-1 checkpoint for the serve tests, built from
random weights (no training, seconds), and the synthetic clips they translate.

The weights are drawn large enough that different clips give different sentences, so a test that
compares the server's sentence with the CLI's would notice the server translating the wrong thing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from data_fixtures import video_frames, write_video
from tiny import make_tokenizer, model_config, randomise_, save_tiny_lm

from sign2gpt.config import Config
from sign2gpt.models.checkpoint import save_checkpoint
from sign2gpt.models.pgp_model import PGPModel
from sign2gpt.models.translation_model import TranslationModel
from sign2gpt.text.pseudo_gloss import PseudoGlossVocab

WORDS = ["sonne", "regen", "wind", "nord", "abend", "nacht", "kalt"]
CLIP_SIZE = (64, 48)  # (H, W), portrait like a phone clip


def _config(lm: Path, stage: str) -> Config:
    cfg = Config(model=model_config(lm))
    cfg.train.stage = stage  # type: ignore[assignment]
    cfg.data.lang = "de"
    cfg.data.image_size = 32
    cfg.data.store_size = 48
    cfg.train.num_beams = 2
    cfg.train.max_new_tokens = 12
    return cfg


def build_checkpoints(root: Path) -> tuple[Path, Path]:
    """(stage-2 checkpoint, stage-1 checkpoint) folders under ``root``."""
    lm = save_tiny_lm(root / "lm")
    torch.manual_seed(0)
    cfg = _config(lm, "translate")
    model = TranslationModel.build(cfg.model, tokenizer=make_tokenizer())
    randomise_(model, seed=0, std=1.0)
    translate = save_checkpoint(root / "translate", model.eval(), cfg)

    cfg = _config(lm, "pgp")
    prototypes = torch.randn(len(WORDS), 32)  # P = the LM width, as the LM-embedding prototypes
    pgp = PGPModel.build(cfg.model, prototypes=prototypes)
    randomise_(pgp, seed=3)
    one = dict.fromkeys(WORDS, 1)
    vocab = PseudoGlossVocab(
        vocab=WORDS,
        counts=one,
        sentence_counts=one,
        clips={},
        splits={},
        lang="de",
        backend={},
        pos=[],
        max_sentence_fraction=0.4,
    )
    stage1 = save_checkpoint(root / "pgp", pgp.eval(), cfg, vocab=vocab)
    return translate, stage1


def clip_frames(clip: int, num_frames: int) -> np.ndarray:
    return video_frames(clip, num_frames, *CLIP_SIZE)


def write_clip(path: Path, clip: int, num_frames: int, fps: int = 25) -> Path:
    write_video(path, clip_frames(clip, num_frames), fps=fps)
    return path


def write_faststart_mp4(path: Path, clip: int, num_frames: int) -> Path:
    """An mp4 whose index (moov) comes before the frames, as phones and the web write them: cut
    short, it still opens, with frames missing."""
    import av

    frames = clip_frames(clip, num_frames)
    with av.open(str(path), "w", options={"movflags": "faststart"}) as container:
        stream = container.add_stream("mpeg4", rate=25)
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = "yuv420p"
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def build_pose_checkpoint(root: Path) -> Path:
    """A tiny stage-2 checkpoint of input ``pose`` (the synthetic corpus's 22-point skeleton)."""
    from sign2gpt.config import Modality
    from sign2gpt.data.pose.skeletons import synth_skeleton

    lm = save_tiny_lm(root / "lm")
    torch.manual_seed(1)
    cfg = _config(lm, "translate")
    cfg.model.input = Modality.POSE
    cfg.model.pose.hidden_dim = 8
    model = TranslationModel.build(cfg.model, tokenizer=make_tokenizer(), skeleton=synth_skeleton())
    randomise_(model, seed=2, std=1.0)
    return save_checkpoint(root / "pose", model.eval(), cfg)


def write_keypoints(path: Path, num_frames: int, seed: int) -> Path:
    """An .npz of random but plausible synth-22 keypoints (pixels of a 48 x 64 picture)."""
    from sign2gpt.data.pose.keypoints import Keypoints, write_npz
    from sign2gpt.data.pose.skeletons import synth_skeleton

    rng = np.random.default_rng(seed)
    points = np.ones((num_frames, 22, 3), np.float32)
    points[..., 0] = rng.uniform(5, 43, (num_frames, 22))
    points[..., 1] = rng.uniform(5, 59, (num_frames, 22))
    return write_npz(Keypoints(points, synth_skeleton(), 25.0, 48, 64), path)
