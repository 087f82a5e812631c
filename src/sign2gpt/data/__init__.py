"""sign2gpt.data"""
