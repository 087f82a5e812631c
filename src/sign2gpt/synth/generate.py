"""The one entry to a synthetic corpus by preset: the grammar presets (``corpus``) or the large
one, whose generated sentences go through the path of a user's own sentences (``sentences``)."""

from __future__ import annotations

from pathlib import Path

from sign2gpt.errors import DataError
from sign2gpt.synth.corpus import PRESETS, generate_grammar_corpus
from sign2gpt.synth.sentences import generate_large_corpus
from sign2gpt.synth.writers import LAYOUTS


def generate_corpus(
    out: Path | str,
    preset: str = "demo",
    fmt: str = "phoenix14t",
    seed: int = 0,
    signer_independent: bool = False,
    workers: int = 2,
    overwrite: bool = False,
    progress: bool = True,
    scale: float = 1.0,
) -> dict:
    """Render a synthetic corpus into ``out`` and return its manifest (also written to
    ``out/groundtruth/manifest.json``). ``scale`` shrinks the large preset (tests)."""
    if preset not in PRESETS:
        raise DataError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    if fmt not in LAYOUTS:
        raise DataError(f"unknown format {fmt!r}; choose one of {', '.join(LAYOUTS)}")
    if preset == "large":
        return generate_large_corpus(
            Path(out), fmt, seed, signer_independent, workers, overwrite, progress, scale
        )
    return generate_grammar_corpus(
        out, preset, fmt, seed, signer_independent, workers, overwrite, progress
    )


def describe_corpus(manifest: dict, out: Path | str) -> str:
    """One line of a rendered corpus: clips per split, frames, bad frames, glosses, signers."""
    m, c, f = manifest, manifest["counts"], manifest["frames"]
    held_out = m["held_out_signers"]
    return (
        f"{m['format']} corpus in {out}: train {c['train']}, dev {c['dev']}, "
        f"test {c['test']} clips; {f['total']} frames of {m['frame_size'][0]}x"
        f"{m['frame_size'][1]} ({f['truncated']} truncated, {f['empty']} empty: "
        f"{100 * m['bad_frame_share']:.2f} %); {m['glosses']} glosses, {m['word_forms']} "
        f"word forms; {len(m['signers'])} signers"
        + (f", held out: {', '.join(held_out)}" if held_out else "")
    )
