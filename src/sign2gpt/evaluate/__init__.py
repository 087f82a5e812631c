"""sign2gpt.evaluate"""
