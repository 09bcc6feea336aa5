"""DiffuCode training pipeline: corpus, tokenizer, model, training, export, evaluation."""
