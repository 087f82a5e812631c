"""sign2gpt.train: one training stage of a recipe: the model it trains (factory.py), the
Lightning modules (modules.py) and run (runner.py), how the best epoch is chosen (selection.py),
the optimiser and schedule, and the stand-in LM's pretraining (lm_pretrain.py)."""
