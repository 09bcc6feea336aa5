"""What a conversion reads, in one shape for every source: gguf_source.py opens GGUF files into it. The product's
converter uses the TypeScript port (src/models/convert/input.ts); this stays for the GGUF reader's test reference."""
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
    weights: object  # families.WeightSource
    close: Callable[[], None]
    dtypes: dict
    nbytes: int
    license: Optional[str]
    sha_key: str  # provenance key of `sha256`
    sha256: str
    card_dir: Optional[str]  # a folder with the upstream README.md / LICENSE, if any
