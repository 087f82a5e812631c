"""Fixtures shared by the test modules, built from the tiny configurations in tiny.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny import make_tokenizer, save_tiny_lm
from transformers import PreTrainedTokenizerFast


@pytest.fixture(scope="session")
def lm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random XGLM with its tokenizer, saved as `lm-pretrain` writes a folder."""
    return save_tiny_lm(tmp_path_factory.mktemp("lm") / "tiny-xglm")


@pytest.fixture(scope="session")
def tokenizer() -> PreTrainedTokenizerFast:
    return make_tokenizer()
