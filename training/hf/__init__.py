"""Hugging Face Dream/DiffuCoder checkpoints: reading, validation, tokenizer conversion, export."""
