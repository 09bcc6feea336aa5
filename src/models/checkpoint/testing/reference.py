"""What the Python readers (training/hf) make of a checkpoint folder, as JSON for the TypeScript readers' tests:
family, canonical config, tokenizer.json, tokenizer_config, resolved tokens, licence, dtypes, and every
canonical tensor's shape and float32 sha256 (numpy, through training/hf/checkpoint.py). On a refused folder:
{"error": message}.

    .venv/bin/python src/models/checkpoint/testing/reference.py CHECKPOINT_DIR [--assume-dream] [--expand-token T]
"""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.getcwd())

import numpy as np  # noqa: E402

from training.common import Fatal, file_sha256  # noqa: E402
from training.hf.checkpoint import CheckpointTensors, validate_tensors  # noqa: E402
from training.hf.families import read_family, resolve_family_tokens  # noqa: E402
from training.hf.manifest import read_license  # noqa: E402
from training.hf.tokenizer_files import (build_tokenizer_json, read_tokenizer_config,  # noqa: E402
                                         tokenizer_size)


def main():
    path = sys.argv[1]
    assume = "--assume-dream" in sys.argv
    expand = sys.argv[sys.argv.index("--expand-token") + 1] if "--expand-token" in sys.argv else None
    try:
        fam, cfg = read_family(path, assume_dream=assume)
        tok = build_tokenizer_json(path)
        tok_cfg = read_tokenizer_config(path)
        tensors = CheckpointTensors(path)
        validate_tensors(tensors, cfg, fam.expected_shapes(cfg), fam.label)
        tokens = resolve_family_tokens(fam, cfg, tok, tok_cfg, expand)
        if tokenizer_size(tok) > cfg["vocab_size"]:
            raise Fatal(f"the tokenizer has {tokenizer_size(tok)} ids but the model only {cfg['vocab_size']} rows")
    except Fatal as e:
        print(json.dumps({"error": str(e)}))
        return
    weights = {}
    for canon, native in fam.rename(cfg).items():
        a = np.ascontiguousarray(tensors.tensor(native), dtype=np.float32)
        weights[canon] = {"shape": list(a.shape), "sha256": hashlib.sha256(a.tobytes()).hexdigest()}
    index = os.path.join(path, "model.safetensors.index.json")
    print(json.dumps({
        "family": fam.name, "label": fam.label, "shiftedLogits": fam.shifted_logits, "sampler": fam.sampler,
        "cfg": cfg, "tokenizer": tok, "tokenizerConfig": tok_cfg,
        "tokens": tokens, "license": read_license(path), "dtypes": tensors.dtypes(), "nbytes": tensors.shard_bytes(),
        "sha256": file_sha256(index if os.path.exists(index) else os.path.join(path, "model.safetensors")),
        "weights": weights,
    }, ensure_ascii=False))


main()
