"""What a checkpoint's own files say for the manifest (docs/model-contract.md): special-token ids from its tokenizer
files and config.json, licence from its model card or LICENSE file. The reference that the TypeScript converter's
src/models/checkpoint/resolveTokens.ts and license.ts follow (their tests compare against it); the manifest itself
is written by the converter (src/models/convert/manifest.ts).

Token rules (documented in docs/diffucoder.md):
- mask: config.json `mask_token_id`, which must agree with the tokenizer's mask token when both exist.
- bos: tokenizer_config.json `bos_token`, else the `<|beginoftext|>` added token, else config.json
  `bos_token_id`. Dream's infilling canvas starts with `<|beginoftext|>` while DiffuCoder's config.json says
  bos = `<|endoftext|>`, hence the tokenizer first.
- eos: config.json `eos_token_id` (the model-level end of text; inside a gap it means "shorter").
- expand: only when asked (`--expand-token`) or when an added token is literally `<|expand|>` (DreamOn style);
  never inferred from an id, because 151667 is `<|dlm_pad|>` in DiffuCoder but the expand token in DreamOn.
- stop: eos plus every end/pad marker the tokenizer has (`<|endoftext|>`, `<|im_end|>`, `<|dlm_pad|>`, the pad
  token), minus mask and expand.
"""
from __future__ import annotations

import os
import re
from typing import List, Optional

from training.common import Fatal
from training.hf.tokenizer_files import config_token, token_id, tokenizer_size

EXPAND_NAME = "<|expand|>"
STOP_NAMES = ("<|endoftext|>", "<|im_end|>", "<|dlm_pad|>")


def _first_id(value) -> Optional[int]:
    if isinstance(value, list):
        value = value[0] if value else None
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _named(tok: dict, tok_cfg: dict, key: str) -> Optional[int]:
    name = config_token(tok_cfg, key)
    if name is None:
        return None
    tid = token_id(tok, name)
    if tid is None:
        raise Fatal(f"tokenizer_config.json names {key} {name!r}, which the tokenizer does not contain")
    return tid


def resolve_tokens(cfg: dict, tok: dict, tok_cfg: dict, expand_token: Optional[str] = None,
                   extra_stop_names: tuple = ()) -> dict:
    mask_cfg = _first_id(cfg.get("mask_token_id"))
    mask_tok = _named(tok, tok_cfg, "mask_token")
    if mask_tok is None:
        mask_tok = token_id(tok, "<|mask|>")
    if mask_cfg is not None and mask_tok is not None and mask_cfg != mask_tok:
        raise Fatal(f"config.json mask_token_id {mask_cfg} disagrees with the tokenizer's mask token id {mask_tok}")
    mask = mask_cfg if mask_cfg is not None else mask_tok
    if mask is None:
        raise Fatal("no mask token: config.json has no mask_token_id and the tokenizer has no <|mask|>")

    eos = _first_id(cfg.get("eos_token_id"))
    if eos is None:
        eos = _named(tok, tok_cfg, "eos_token")
    if eos is None:
        eos = token_id(tok, "<|endoftext|>")
    if eos is None:
        raise Fatal("no end-of-text token: config.json has no eos_token_id and the tokenizer names none")

    bos = _named(tok, tok_cfg, "bos_token")
    if bos is None:
        bos = token_id(tok, "<|beginoftext|>")
    if bos is None:
        bos = _first_id(cfg.get("bos_token_id"))
    if bos is None:
        raise Fatal("no begin-of-text token in tokenizer_config.json, the tokenizer or config.json")

    pad = _named(tok, tok_cfg, "pad_token")
    if pad is None:
        pad = _first_id(cfg.get("pad_token_id"))
    if pad is None:
        pad = eos

    expand = _expand_id(tok, expand_token)
    stop = {eos}
    stop.update(x for x in (_first_id([v]) for v in _as_list(cfg.get("eos_token_id"))) if x is not None)
    stop.update(x for x in (token_id(tok, n) for n in STOP_NAMES + tuple(extra_stop_names)) if x is not None)
    named_eos = _named(tok, tok_cfg, "eos_token")
    stop.update(x for x in (pad, named_eos) if x is not None)
    stop -= {mask, expand}

    tokens = {"bos": bos, "eos": eos, "pad": pad, "mask": mask, "expand": expand, "stop": sorted(stop)}
    limit = tokenizer_size(tok)
    for role, value in tokens.items():
        for tid in value if isinstance(value, list) else [value]:
            if tid is not None and not 0 <= tid < limit:
                raise Fatal(f"{role} token id {tid} is outside the tokenizer's {limit} ids")
    if bos == mask or mask == eos or (expand is not None and expand in (mask, eos, bos)):
        raise Fatal(f"special token roles collide: {tokens}")
    return tokens


def _as_list(value) -> List:
    return value if isinstance(value, list) else [value]


def _expand_id(tok: dict, expand_token: Optional[str]) -> Optional[int]:
    if expand_token is None:
        return token_id(tok, EXPAND_NAME)
    if expand_token.isdigit():
        tid = int(expand_token)
        if tid >= tokenizer_size(tok):
            raise Fatal(f"--expand-token {tid} is not a token id of this tokenizer")
        return tid
    tid = token_id(tok, expand_token)
    if tid is None:
        raise Fatal(f"--expand-token {expand_token!r} is not in the tokenizer")
    return tid


def read_license(ckpt_dir: str) -> Optional[str]:
    """`license:` (and `license_name:`) from the model card's YAML front matter, else a LICENSE file's title."""
    readme = os.path.join(ckpt_dir, "README.md")
    if os.path.exists(readme):
        with open(readme, encoding="utf-8", errors="replace") as f:
            text = f.read()
        m = re.match(r"---\s*\n(.*?)\n---", text, re.S)
        if m:
            front = dict(re.findall(r"^(license(?:_name|_link)?):\s*(.+?)\s*$", m.group(1), re.M))
            if "license" in front:
                lic = front["license"].strip("'\"")
                if lic == "other" and "license_name" in front:
                    lic = front["license_name"].strip("'\"")
                return lic + (f" ({front['license_link']})" if "license_link" in front else "")
    for name in ("LICENSE", "LICENSE.txt", "LICENSE.md"):
        path = os.path.join(ckpt_dir, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                first = next((line.strip() for line in f if line.strip()), "")
            return f"see LICENSE ({first[:80]})" if first else "see LICENSE"
    return None
