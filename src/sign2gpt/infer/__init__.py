"""sign2gpt.infer: a trained model on the user's own inputs: one clip read as the model reads it
(clip.py), files translated one by one (translator.py, used by ``translate`` and the web page),
stage-1 features cached for Sign(Z)2GPT (features.py)."""
