"""A training checkpoint of this project (training/train.py's .pt, full or slim) -> a graph v2 model folder through
the one graph builder (the TypeScript converter, `node dist/cli.js convert`), with the bundled model's tokenizer and
manifest (its tokens, sampler and contract) beside. The trained weights are first written as a Hugging Face Dream
checkpoint folder (F32 safetensors) beside `out`, converted like any other checkpoint, then removed.
Used by the GPU recipe's export and by bench/quantized_bundled.py."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import Optional

from training.common import ROOT

BUNDLED = os.path.join(ROOT, "models", "diffucode-tiny")


def export_trained(checkpoint: str, out: str, dtype: str, head_bits: Optional[int] = None,
                   tokenizer_dir: Optional[str] = None, training_run: Optional[dict] = None) -> dict:
    """Writes `out` (which must not hold anything yet); returns the checkpoint's config. `training_run`: recorded in
    the manifest as trainingRun, with the checkpoint's steps and tokens added."""
    from training.hf.convert_cli import convert
    from training.hf.safetensors_io import write_safetensors
    from training.train import load_checkpoint
    ck = load_checkpoint(checkpoint)
    sd = {k: v.float().numpy() for k, v in ck["model"].items()}
    cfg = dict(ck["config"])
    with open(os.path.join(BUNDLED, "manifest.json"), encoding="utf-8") as f:
        man = json.load(f)
    tok = tokenizer_dir or BUNDLED
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=parent, prefix=".hf-checkpoint-") as hf:
        tied = bool(cfg.get("tie_word_embeddings"))
        hf_cfg = {**cfg, "architectures": ["DreamModel"], "model_type": "Dream",
                  "max_position_embeddings": man["contextLength"], "mask_token_id": man["tokens"]["mask"]}
        with open(os.path.join(hf, "config.json"), "w", encoding="utf-8") as f:
            json.dump(hf_cfg, f, indent=2)
        state = {k: v for k, v in sd.items() if not (tied and k == "lm_head.weight")}
        write_safetensors(os.path.join(hf, "model.safetensors"), state, dtype="F32", metadata={"format": "pt"})
        for f in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copyfile(os.path.join(tok, f), os.path.join(hf, f))
        flags = ["--dtype", dtype, "--quiet", "--name", man["name"], "--license", man["license"],
                 "--context-length", str(man["contextLength"])]
        if head_bits:
            flags += ["--head-bits", str(head_bits)]
        convert(hf, out, *flags)
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(tok, f), os.path.join(out, f))
    shutil.copyfile(os.path.join(BUNDLED, "MODEL_CARD.md"), os.path.join(out, "MODEL_CARD.md"))
    man.pop("windowGraph", None)  # graph v2 serves the dual cache itself
    man["weights"] = {"dtype": dtype, **({"headBits": head_bits} if head_bits else {})}
    if training_run is not None:
        tied = cfg.get("tie_word_embeddings")
        params = sum(int(v.size) for k, v in sd.items() if not (tied and k == "lm_head.weight"))
        man["trainingRun"] = {**training_run, "steps": ck.get("step"), "tokens": ck.get("tokens_seen"),
                              "parameters": params}
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(man, f, indent=2)
    return cfg
