"""Fixtures shared by the test modules, built from the tiny configurations in tiny.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny import make_tokenizer, run_ok, save_tiny_lm, tiny_recipe
from transformers import PreTrainedTokenizerFast

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def lm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random XGLM with its tokenizer, saved as `lm-pretrain` writes a folder."""
    return save_tiny_lm(tmp_path_factory.mktemp("lm") / "tiny-xglm")


@pytest.fixture(scope="session")
def tokenizer() -> PreTrainedTokenizerFast:
    return make_tokenizer()


TINY_RECIPE = tiny_recipe(REPO / "configs" / "demo" / "base.yaml")


@pytest.fixture(scope="session")
def chain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The tiny corpus run through the whole command chain once for the session: corpus, store,
    pseudo-glosses, stand-in LM, a stage-1 (pgp/) and a stage-2 (tr/) run."""
    root = tmp_path_factory.mktemp("chain")
    paths = {
        "root": root,
        "corpus": root / "corpus",
        "store": root / "store",
        "pg": root / "pg.json",
        "lm": root / "lm",
        "recipe": root / "tiny.yaml",
    }
    paths["recipe"].write_text(TINY_RECIPE)
    run_ok("synth", "--out", str(paths["corpus"]), "--preset", "tiny")
    run_ok(
        "prepare",
        "--dataset",
        "phoenix14t",
        "--root",
        str(paths["corpus"]),
        "--out",
        str(paths["store"]),
        "--size",
        "48",
        "--workers",
        "1",
    )
    run_ok(
        "pseudo-gloss",
        "--dataset",
        "phoenix14t",
        "--root",
        str(paths["corpus"]),
        "--lang",
        "de",
        "--out",
        str(paths["pg"]),
    )
    paths["common"] = [  # type: ignore[assignment]
        f"data.root={paths['corpus']}",
        f"data.store={paths['store']}",
        f"data.pseudo_glosses={paths['pg']}",
        f"model.lm.pretrained={paths['lm']}",
        f"lm_pretrain.out_dir={paths['lm']}",
    ]
    run_ok("lm-pretrain", "--config", str(paths["recipe"]), *paths["common"])
    run_ok(
        "pretrain",
        "--config",
        str(paths["recipe"]),
        *paths["common"],
        f"train.out_dir={root / 'pgp'}",
    )
    run_ok(
        "train",
        "--config",
        str(paths["recipe"]),
        *paths["common"],
        f"train.out_dir={root / 'tr'}",
        f"train.init_from={root / 'pgp' / 'best'}",
        # stage 2 (and, through its checkpoint, `evaluate`) loads batches with two threads
        "data.loader=threads",
        "data.num_workers=2",
    )
    return paths
