"""Run a graph v2 model (written by the TypeScript converter, src/models/convert) with Python onnxruntime: the tests' and the bench's way in.

    run_graph(session, layers, kv_heads, head_dim, ids, positions) -> {output name: array}

A full pass by default; `start` + `past` (per layer (keys, values) of the positions outside the window) make it a
window pass; `head` = (k, scale, bias_ids, bias) asks the confidence head.
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np


def open_session(folder_or_graph: str, accuracy_level: Optional[int] = None):
    import onnxruntime as ort

    path = folder_or_graph if folder_or_graph.endswith(".onnx") else os.path.join(folder_or_graph, "model.onnx")
    so = ort.SessionOptions()
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def layer_count(session) -> int:
    return sum(1 for i in session.get_inputs() if i.name.startswith("past_key."))


def run_graph(session, ids: Sequence[int], positions: Sequence[int], *, start: int = 0,
              past: Optional[List[Tuple[np.ndarray, np.ndarray]]] = None,
              head: Optional[tuple] = None, outputs: Optional[List[str]] = None) -> Dict[str, np.ndarray]:
    inputs = {i.name: i for i in session.get_inputs()}
    kv, hd = inputs["past_key.0"].shape[1], inputs["past_key.0"].shape[3]
    n = len(positions)
    k, scale, bias_ids, bias = head or (2, 1.0, [], np.zeros((n, 0), np.float32))
    feeds = {"input_ids": np.asarray([ids], np.int64), "start": np.array([start], np.int64),
             "positions": np.asarray(positions, np.int64), "head_k": np.array([k], np.int64),
             "head_scale": np.array([scale], np.float32), "bias_ids": np.asarray(bias_ids, np.int64),
             "bias": np.asarray(bias, np.float32).reshape(n, len(bias_ids))}
    empty = np.zeros((1, kv, 0, hd), np.float32)
    for i in range(layer_count(session)):
        keys, values = past[i] if past else (empty, empty)
        feeds[f"past_key.{i}"] = np.ascontiguousarray(keys, np.float32)
        feeds[f"past_value.{i}"] = np.ascontiguousarray(values, np.float32)
    names = outputs or [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, feeds)))


def cut_window(present_keys: np.ndarray, present_values: np.ndarray, lo: int, hi: int):
    """A full pass's present [layers, kv, S, d] -> per layer (keys, values) [1, kv, S - (hi - lo), d] without the
    window's slots: what a window pass over [lo, hi) takes as its past."""
    keep = np.r_[0:lo, hi:present_keys.shape[2]]
    return [(present_keys[i:i + 1][:, :, keep], present_values[i:i + 1][:, :, keep])
            for i in range(present_keys.shape[0])]
