"""sign2gpt.evaluate: a checkpoint scored on a split (``sign2gpt evaluate``): translation scores
with their signatures, or pseudo-gloss precision, recall, mAP and localisation."""
