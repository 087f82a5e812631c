"""sign2gpt: gloss-free sign language translation with a frozen LLM (Sign2GPT, ICLR 2024)."""

__version__ = "0.1.0"
