"""sign2gpt.workflow: the steps a user runs one by one (synth, prepare, pseudo-gloss,
lm-pretrain, pretrain, train, extract-features, evaluate) as typed functions, and the
:class:`~sign2gpt.workflow.chain.StepChain` that runs them in order for ``sign2gpt demo`` and
``sign2gpt ablate``.

A part of its own above the front doors: it calls train, evaluate, infer and the library
directly; the CLI commands call the same step functions, so each step exists once. It never
imports the CLI or the server.
"""

from sign2gpt.workflow.chain import StepChain

__all__ = ["StepChain"]
