"""A training checkpoint of this project (training/train.py's .pt, full or slim) -> a graph v2 model folder through
the one graph builder (the TypeScript converter, `node dist/cli.js convert`). The trained weights are first written
as a Hugging Face Dream checkpoint folder (F32 safetensors) beside `out`, converted like any other checkpoint, then
removed.

    convert_trained(ck, out, ...)   the converted folder with the converter's own manifest (training/release.py
                                    then writes the release's manifest and card over it)
    export_trained(checkpoint, ...) the same with the bundled model's manifest (its tokens, sampler, gate and
                                    contract) and card beside; used by the GPU recipe and bench/quantized_bundled.py
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import Optional

from training.common import ROOT

BUNDLED = os.path.join(ROOT, "models", "diffucode-tiny")


def parameters(ck: dict) -> int:
    """The checkpoint's parameter count, a tied head counted once."""
    tied = ck["config"].get("tie_word_embeddings")
    return sum(int(v.numel()) for k, v in ck["model"].items() if not (tied and k == "lm_head.weight"))


def convert_trained(ck: dict, out: str, dtype: str, tokenizer_dir: str, name: str, license_: str,
                    context_length: int, head_bits: Optional[int] = None) -> dict:
    """Writes `out` (which must not exist) from a loaded checkpoint; returns the converter's manifest. The special
    ids come from the checkpoint's config (the converter checks them against the tokenizer)."""
    from training.hf.convert_cli import convert
    from training.hf.safetensors_io import write_safetensors
    cfg = dict(ck["config"])
    tied = bool(cfg.get("tie_word_embeddings"))
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=parent, prefix=".hf-checkpoint-") as hf:
        hf_cfg = {**cfg, "architectures": ["DreamModel"], "model_type": "Dream",
                  "max_position_embeddings": context_length}
        with open(os.path.join(hf, "config.json"), "w", encoding="utf-8") as f:
            json.dump(hf_cfg, f, indent=2)
        state = {k: v.float().numpy() for k, v in ck["model"].items() if not (tied and k == "lm_head.weight")}
        write_safetensors(os.path.join(hf, "model.safetensors"), state, dtype="F32", metadata={"format": "pt"})
        del state
        for f in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copyfile(os.path.join(tokenizer_dir, f), os.path.join(hf, f))
        flags = ["--dtype", dtype, "--quiet", "--name", name, "--license", license_,
                 "--context-length", str(context_length)]
        if head_bits:
            flags += ["--head-bits", str(head_bits)]
        convert(hf, out, *flags)
    for f in ("tokenizer.json", "tokenizer_config.json"):  # the project's own files, byte for byte
        shutil.copyfile(os.path.join(tokenizer_dir, f), os.path.join(out, f))
    with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


def export_trained(checkpoint: str, out: str, dtype: str, head_bits: Optional[int] = None,
                   tokenizer_dir: Optional[str] = None, training_run: Optional[dict] = None) -> dict:
    """Writes `out` (which must not hold anything yet); returns the checkpoint's config. `training_run`: recorded in
    the manifest as trainingRun, with the checkpoint's steps and tokens added."""
    from training.train import load_checkpoint
    ck = load_checkpoint(checkpoint)
    with open(os.path.join(BUNDLED, "manifest.json"), encoding="utf-8") as f:
        man = json.load(f)
    ck["config"] = {**ck["config"], "mask_token_id": man["tokens"]["mask"]}
    convert_trained(ck, out, dtype, tokenizer_dir or BUNDLED, man["name"], man["license"], man["contextLength"],
                    head_bits)
    shutil.copyfile(os.path.join(BUNDLED, "MODEL_CARD.md"), os.path.join(out, "MODEL_CARD.md"))
    man.pop("windowGraph", None)  # graph v2 serves the dual cache itself
    man["weights"] = {"dtype": dtype, **({"headBits": head_bits} if head_bits else {})}
    if training_run is not None:
        man["trainingRun"] = {**training_run, "steps": ck.get("step"), "tokens": ck.get("tokens_seen"),
                              "parameters": parameters(ck)}
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(man, f, indent=2)
    return dict(ck["config"])
