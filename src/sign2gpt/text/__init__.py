"""sign2gpt.text"""
