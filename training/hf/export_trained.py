"""A training checkpoint of this project (training/train.py's .pt, full or slim) -> a graph v2 model folder through
the streaming builder, with the bundled model's tokenizer and manifest (its tokens, sampler and contract) beside.
Used by the GPU recipe's export and by bench/quantized_bundled.py."""
from __future__ import annotations

import json
import os
import shutil
from typing import Optional

from training.common import ROOT

BUNDLED = os.path.join(ROOT, "models", "diffucode-tiny")


def export_trained(checkpoint: str, out: str, dtype: str, head_bits: Optional[int] = None,
                   tokenizer_dir: Optional[str] = None, training_run: Optional[dict] = None) -> dict:
    """Writes `out` (which must not hold anything yet); returns the checkpoint's config. `training_run`: recorded in
    the manifest as trainingRun, with the checkpoint's steps and tokens added."""
    import onnx
    from training.hf.graph_builder import ArraySource, BuildOptions, build_graph
    from training.hf.weights_file import WeightsFile
    from training.train import load_checkpoint
    ck = load_checkpoint(checkpoint)
    sd = {k: v.float().numpy() for k, v in ck["model"].items()}
    cfg = dict(ck["config"])
    with open(os.path.join(BUNDLED, "manifest.json"), encoding="utf-8") as f:
        man = json.load(f)
    os.makedirs(out, exist_ok=True)
    opts = {"dtype": dtype, **({"head_bits": head_bits} if head_bits else {})}
    weights = WeightsFile(out)
    try:
        graph = build_graph(cfg, ArraySource(sd), weights, BuildOptions(max_positions=man["contextLength"], **opts))
    finally:
        weights.close()
    onnx.save(graph, os.path.join(out, "model.onnx"))
    tok = tokenizer_dir or BUNDLED
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
