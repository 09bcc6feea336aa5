"""What an export reads, in one shape for every source: export_checkpoint.py opens checkpoint folders and
gguf_source.py GGUF files into it (a module of its own so the two do not import each other)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from training.hf.families import Family


@dataclass
class Input:
    """What an export reads, whatever it came from (a checkpoint folder or a GGUF file): the family, the canonical
    config, the tokenizer, and the weights under the builder's canonical names."""
    family: Family
    cfg: dict
    tok: dict
    tok_cfg: dict
    weights: object  # graph_builder.WeightSource
    close: Callable[[], None]
    dtypes: dict
    nbytes: int
    license: Optional[str]
    sha_key: str  # provenance key of `sha256`
    sha256: str
    card_dir: Optional[str]  # a folder with the upstream README.md / LICENSE, if any
