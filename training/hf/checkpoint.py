"""A Hugging Face Dream/DiffuCoder checkpoint folder: its safetensors shards, validated against config.json,
and loaded tensor by tensor into the project's torch model (training/model.py).

Loading never holds more than the model plus one tensor: shards are memory-mapped and each tensor is widened to
fp32 and copied into its parameter before the next is read.
"""
from __future__ import annotations

import json
import os
from typing import Dict, Iterable, List, Optional

import numpy as np

from training.common import Fatal
from training.hf.dream_config import expected_shapes
from training.hf.safetensors_io import SafetensorsError, SafetensorsFile

INDEX_FILE = "model.safetensors.index.json"
SINGLE_FILE = "model.safetensors"

# Buffers some exporters write that carry no learned state (recomputed from rope_theta).
_IGNORED_SUFFIXES = (".rotary_emb.inv_freq",)


class CheckpointTensors:
    """Name -> tensor over all shards of a checkpoint (sharded with an index, or one model.safetensors)."""

    def __init__(self, ckpt_dir: str):
        self.dir = ckpt_dir
        self._files: Dict[str, SafetensorsFile] = {}
        self._where: Dict[str, str] = {}
        index_path = os.path.join(ckpt_dir, INDEX_FILE)
        if os.path.exists(index_path):
            self._from_index(index_path)
        elif os.path.exists(os.path.join(ckpt_dir, SINGLE_FILE)):
            f = self._open(SINGLE_FILE)
            self._where = {name: SINGLE_FILE for name in f.keys()}
        else:
            other = [n for n in os.listdir(ckpt_dir) if n.endswith((".bin", ".pt", ".pth", ".ckpt"))]
            hint = f" (found {', '.join(sorted(other))}: only safetensors is supported)" if other else ""
            raise Fatal(f"{ckpt_dir} has neither {INDEX_FILE} nor {SINGLE_FILE}{hint}")

    def _from_index(self, index_path: str) -> None:
        try:
            with open(index_path, encoding="utf-8") as f:
                weight_map = json.load(f).get("weight_map")
        except json.JSONDecodeError as e:
            raise Fatal(f"{index_path} is not valid JSON: {e}") from None
        if not isinstance(weight_map, dict) or not weight_map:
            raise Fatal(f"{index_path} has no weight_map")
        shards = sorted(set(weight_map.values()))
        missing = [s for s in shards if not os.path.exists(os.path.join(self.dir, s))]
        if missing:
            raise Fatal(f"checkpoint shard(s) missing from {self.dir}: {', '.join(missing)} "
                        f"(listed in {INDEX_FILE}; the download is incomplete)")
        for shard in shards:
            self._open(shard)
        for name, shard in weight_map.items():
            if name not in self._files[shard]:
                raise Fatal(f"{INDEX_FILE} says {name!r} is in {shard}, but that shard does not contain it")
        self._where = dict(weight_map)

    def _open(self, shard: str) -> SafetensorsFile:
        try:
            f = SafetensorsFile(os.path.join(self.dir, shard))
        except SafetensorsError as e:
            raise Fatal(str(e)) from None
        self._files[shard] = f
        return f

    def names(self) -> List[str]:
        return list(self._where)

    def __contains__(self, name: str) -> bool:
        return name in self._where

    def shape(self, name: str):
        return self._files[self._where[name]].shape(name)

    def dtypes(self) -> Dict[str, int]:
        """How many tensors of each stored dtype (reported in the provenance)."""
        counts: Dict[str, int] = {}
        for name, shard in self._where.items():
            d = self._files[shard].dtype(name)
            counts[d] = counts.get(d, 0) + 1
        return counts

    def tensor(self, name: str) -> np.ndarray:
        """float32 copy (exact widening of bf16/f16)."""
        return self._files[self._where[name]].tensor(name)

    def rows(self, name: str, lo: int, hi: int) -> np.ndarray:
        """float32 rows [lo, hi) of a tensor, read without mapping (see SafetensorsFile.rows)."""
        return self._files[self._where[name]].rows(name, lo, hi)

    def close(self) -> None:
        """Unmap the shards: their pages would otherwise stay counted in the exporter's resident memory."""
        for f in self._files.values():
            f.close()

    def shard_bytes(self) -> int:
        return sum(os.path.getsize(f.path) for f in self._files.values())


def validate_tensors(tensors: CheckpointTensors, cfg: dict, expected: Optional[Dict[str, tuple]] = None,
                     label: str = "Dream") -> None:
    """Every expected tensor present with the right shape; nothing unexpected (a sign of another architecture).
    `expected`: another family's names and shapes (training/hf/families.py); Dream's by default."""
    expected = expected if expected is not None else expected_shapes(cfg)
    names = set(tensors.names())
    missing = sorted(set(expected) - names)
    if missing:
        raise Fatal(f"checkpoint lacks {len(missing)} tensor(s) required by config.json, e.g. {_few(missing)}")
    unexpected = sorted(n for n in names - set(expected) if not n.endswith(_IGNORED_SUFFIXES)
                        and not (n == "lm_head.weight" and cfg.get("tie_word_embeddings")))
    if unexpected:
        raise Fatal(f"checkpoint has {len(unexpected)} tensor(s) a {label} model does not use, e.g. {_few(unexpected)}"
                    " (different architecture, or config.json does not match the weights)")
    wrong = [f"{n}: {tuple(tensors.shape(n))} (config.json implies {shape})"
             for n, shape in expected.items() if tuple(tensors.shape(n)) != shape]
    if wrong:
        raise Fatal(f"{len(wrong)} tensor shape(s) do not match config.json: {_few(wrong)}")


def _few(items: Iterable[str], n: int = 3) -> str:
    items = list(items)
    more = f" (+{len(items) - n} more)" if len(items) > n else ""
    return ", ".join(items[:n]) + more


def load_into(module, tensors: CheckpointTensors, cfg: dict, log: Optional[callable] = None) -> None:
    """Copy every checkpoint tensor into the torch module's parameter of the same name, one at a time."""
    import torch

    params = dict(module.named_parameters())
    params.update(dict(module.named_buffers()))
    expected = expected_shapes(cfg)
    absent = sorted(n for n in expected if n not in params)
    if absent:
        raise Fatal(f"training/model.py's module has no parameter(s) {_few(absent)}; it does not follow the "
                    "HF Qwen2/Dream naming this loader relies on")
    # The module is built without initialising its weights, so a parameter the checkpoint does not fill would
    # export as garbage: every one must be covered.
    uncovered = sorted(n for n, _ in module.named_parameters() if n not in expected)
    if uncovered:
        raise Fatal(f"training/model.py's module has parameter(s) no checkpoint tensor fills: {_few(uncovered)}")
    with torch.no_grad():
        for i, name in enumerate(sorted(expected)):
            target = params[name]
            value = torch.from_numpy(tensors.tensor(name))
            if tuple(target.shape) != tuple(value.shape):
                raise Fatal(f"{name}: module expects {tuple(target.shape)}, checkpoint has {tuple(value.shape)}")
            target.copy_(value)
            del value
            if log and (i % 50 == 0 or i == len(expected) - 1):
                log(f"loaded {i + 1}/{len(expected)} tensors")
        if cfg.get("tie_word_embeddings") and "lm_head.weight" in params:
            lm = params["lm_head.weight"]
            emb = params["model.embed_tokens.weight"]
            if lm.data_ptr() != emb.data_ptr():  # the module may already share the storage
                lm.copy_(emb)
