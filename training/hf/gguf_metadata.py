"""Reading a GGUF file's metadata, shared by the weights (gguf_source.py) and the tokenizer (gguf_tokenizer.py)."""


def field(reader, key: str):
    """A metadata value as Python (str, int, float, bool, list), or None."""
    f = reader.fields.get(key)
    return None if f is None else f.contents()
