"""What the Python side makes of a GGUF file, as JSON for the TypeScript GGUF reader's tests: every tensor's float32
sha256 as the gguf package dequantizes it (GGUFReader + gguf.quants), the Q4_0/Q8_0 MatMulNBits blocks and the
config, tokenizer and tokens as training/hf/gguf_source.py reads them (or {"error"} where it refuses the file).

    .venv/bin/python src/models/checkpoint/testing/gguf_reference.py FILE.gguf...

prints {path: result} for every file.
"""
import hashlib
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.getcwd())

from gguf import GGUFReader, quants  # noqa: E402

from training.common import Fatal  # noqa: E402


def sha(a) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def main():
    print(json.dumps({path: read(path) for path in sys.argv[1:]}, ensure_ascii=False))


def read(path):
    out = {}
    try:
        reader = GGUFReader(path, "r")
    except Exception:  # a corrupt file: the importer's refusal below says why
        reader = None
    if reader is not None:
        tensors = {}
        for t in reader.tensors:
            values = np.asarray(quants.dequantize(np.asarray(t.data), t.tensor_type), dtype=np.float32)
            tensors[t.name] = {"type": t.tensor_type.name, "shape": [int(d) for d in reversed(t.shape)],
                               "sha256": sha(values)}
        out["tensors"] = tensors
    try:
        from training.hf.families import resolve_family_tokens
        from training.hf.gguf_source import open_gguf
        src = open_gguf(path)
        out.update({"cfg": src.cfg, "tokenizer": src.tok, "tokenizerConfig": src.tok_cfg, "dtypes": src.dtypes,
                    "nbytes": src.nbytes, "license": src.license, "sha256": src.sha256})
        out["tokens"] = resolve_family_tokens(src.family, src.cfg, src.tok, src.tok_cfg)
        packed = {}
        for canon, gname in src.weights.map.items():
            for bits in (4, 8):
                p = src.weights.packed(canon, 0, src.weights.shape(canon)[0], bits, 32)
                if p is not None:
                    packed[f"{canon}/{bits}"] = {"data": sha(p[0]), "scales": sha(p[1].astype(np.float32))}
        out["packed"] = packed
        out["rename"] = src.weights.map
    except Fatal as e:
        out["error"] = str(e)
    return out


main()
