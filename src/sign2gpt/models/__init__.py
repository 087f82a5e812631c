"""sign2gpt.models: the method's networks (the sign model, the PGP head, the gated LM in lm/),
the two stage models built from them, and their checkpoint folders (checkpoint.py)."""
