"""sign2gpt.synth"""
