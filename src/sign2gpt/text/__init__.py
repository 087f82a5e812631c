"""sign2gpt.text: tokenizers and the text format of each LM, pseudo-gloss extraction
(pseudo_gloss/) and the part-of-speech taggers it uses (backends/)."""
