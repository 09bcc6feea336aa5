"""Call the JavaScript consumers of an exported model from Python: ONNX Runtime (onnxruntime-node) and
@huggingface/tokenizers. There is no onnxruntime or tokenizers Python package on these machines, and checking
the export in the exact libraries the engine uses is the stronger test anyway."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import List, Sequence

import numpy as np

from training.common import ROOT, Fatal

HERE = os.path.dirname(os.path.abspath(__file__))


def _node(script: str, args: Sequence[str], payload) -> object:
    node = shutil.which("node")
    if node is None:
        raise Fatal("node is not on PATH; the ONNX/tokenizer checks run through onnxruntime-node")
    proc = subprocess.run([node, os.path.join(HERE, script), *args], input=json.dumps(payload), cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise Fatal(f"node {script} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout)


def run_onnx(model_path: str, input_ids: Sequence[int], positions: Sequence[int]) -> dict:
    """{"logits": float32 [n, vocab], "inputs": [...], "outputs": [...], "type": "float32"}."""
    out = _node("run_onnx.mjs", [model_path], {"input_ids": [list(map(int, input_ids))],
                                               "positions": list(map(int, positions))})
    out["logits"] = np.asarray(out["logits"], dtype=np.float32).reshape(out["dims"])
    return out


def run_window(model_path: str, input_ids: Sequence[int], start: int, past_keys: np.ndarray, past_values: np.ndarray,
               positions: Sequence[int]) -> dict:
    """A cached-window graph (window.onnx): logits [n, vocab] plus present_keys / present_values as arrays."""
    out = _node("run_onnx.mjs", [model_path], {
        "input_ids": [list(map(int, input_ids))], "positions": list(map(int, positions)), "start": int(start),
        "past_keys": past_keys.astype(np.float32).ravel().tolist(),
        "past_values": past_values.astype(np.float32).ravel().tolist(), "past_dims": list(past_keys.shape)})
    out["logits"] = np.asarray(out["logits"], dtype=np.float32).reshape(out["dims"])
    for k in ("present_keys", "present_values"):
        out[k] = np.asarray(out[k], dtype=np.float32).reshape(out["present_dims"])
    return out


def run_tokenizer(model_dir: str, texts: List[str]) -> List[dict]:
    return _node("run_tokenizer.mjs", [model_dir], texts)
