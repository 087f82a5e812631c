"""sign2gpt.train"""
