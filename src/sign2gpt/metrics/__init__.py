"""sign2gpt.metrics: scores and pictures of results, as a library (no front door imports it
back): translation scores, pseudo-gloss counts, localisation, plots and text tables."""
