"""sign2gpt.synth: a synthetic continuous-signing corpus in the layouts of the real datasets.

``generate_corpus(out, preset, fmt, seed, signer_independent, workers)`` renders it and returns
its manifest; ``render_preview(clip_dir, out_png)`` draws a contact sheet of one clip.
"""

from sign2gpt.synth.corpus import PRESETS
from sign2gpt.synth.generate import generate_corpus
from sign2gpt.synth.preview import render_preview

__all__ = ["PRESETS", "generate_corpus", "render_preview"]
