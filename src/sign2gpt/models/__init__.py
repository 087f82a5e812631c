"""sign2gpt.models"""
