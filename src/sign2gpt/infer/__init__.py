"""sign2gpt.infer"""
