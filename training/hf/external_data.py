"""Put an ONNX model's weights into one external file, `model.onnx.data`, without loading them all at once.

A protobuf cannot exceed 2 GB, so a 7B model's weights must live outside `model.onnx`. torch.onnx.export
(1.13) does this on its own past 2 GB, but writes one file per tensor, named after the tensor, beside the graph:
hundreds of files. This rewrites the graph so every large initializer points into a single data file, copying
each tensor's bytes in chunks; peak memory is the small graph proto plus one chunk. Offsets are page-aligned so
ONNX Runtime can memory-map the file.
"""
from __future__ import annotations

import os
from typing import Iterator, List, Optional

from training.common import Fatal

DATA_SUFFIX = ".data"
ALIGN = 4096
CHUNK = 64 * 1024 * 1024
# Below this, a tensor stays inside the graph (shapes, small constants): ORT reads those from the proto anyway.
MIN_EXTERNAL_BYTES = 1024
PROTO_LIMIT = 2 * 1024 ** 3


def _tensors(graph) -> Iterator:
    """Every TensorProto that can hold weights: initializers and Constant-node values, subgraphs included."""
    for t in graph.initializer:
        yield t
    for node in graph.node:
        for attr in node.attribute:
            if attr.HasField("t"):
                yield attr.t
            for t in attr.tensors:
                yield t
            if attr.HasField("g"):
                yield from _tensors(attr.g)
            for g in attr.graphs:
                yield from _tensors(g)


def _external_info(t) -> dict:
    return {e.key: e.value for e in t.external_data}


def total_weight_bytes(model_path: str) -> int:
    """Bytes of tensor data a model holds, inline or external, read without loading external files."""
    import onnx

    m = onnx.load(model_path, load_external_data=False)
    total = 0
    for t in _tensors(m.graph):
        if t.data_location == onnx.TensorProto.EXTERNAL:
            total += int(_external_info(t).get("length", 0))
        else:
            total += len(t.raw_data)
    return total


def consolidate(model_path: str, force_external: bool = False) -> Optional[str]:
    """Rewrite `model_path` so its weights are inline (small models) or in `<model>.data` (past 2 GB, or when
    forced). Returns the data file's name, or None when everything is inline."""
    import onnx
    from onnx import numpy_helper

    folder = os.path.dirname(os.path.abspath(model_path))
    data_name = os.path.basename(model_path) + DATA_SUFFIX
    m = onnx.load(model_path, load_external_data=False)
    tensors = list(_tensors(m.graph))
    already_external = [t for t in tensors if t.data_location == onnx.TensorProto.EXTERNAL]
    if not force_external and not already_external and m.ByteSize() < PROTO_LIMIT:
        return None  # small and self-contained: nothing to do
    old_files: List[str] = []
    tmp_path = os.path.join(folder, data_name + ".tmp")
    offset = 0
    with open(tmp_path, "wb") as out:
        for t in tensors:
            if t.data_location == onnx.TensorProto.EXTERNAL:
                info = _external_info(t)
                src = os.path.join(folder, info["location"])
                if not os.path.exists(src):
                    raise Fatal(f"{model_path}: tensor {t.name!r} points at missing external file {info['location']}")
                start, length = int(info.get("offset", 0)), info.get("length")
                length = int(length) if length is not None else os.path.getsize(src) - start
                offset = _pad(out, offset)
                _copy(src, start, length, out)
                if info["location"] != data_name:
                    old_files.append(src)
            else:
                blob = t.raw_data if t.HasField("raw_data") else numpy_helper.to_array(t).tobytes()
                if len(blob) < MIN_EXTERNAL_BYTES:
                    continue
                offset = _pad(out, offset)
                out.write(blob)
                length = len(blob)
                _clear_inline(t)
            del t.external_data[:]
            t.data_location = onnx.TensorProto.EXTERNAL
            for key, value in (("location", data_name), ("offset", str(offset)), ("length", str(length))):
                entry = t.external_data.add()
                entry.key, entry.value = key, value
            offset += length
    os.replace(tmp_path, os.path.join(folder, data_name))
    onnx.save_model(m, model_path)  # the proto now holds only the graph and small constants
    for f in set(old_files):
        if os.path.abspath(f) != os.path.abspath(os.path.join(folder, data_name)) and os.path.exists(f):
            os.unlink(f)
    return data_name


def _pad(out, offset: int) -> int:
    pad = -offset % ALIGN
    if pad:
        out.write(b"\0" * pad)
    return offset + pad


def _chunks(src: str, start: int, length: int) -> Iterator[bytes]:
    """The bytes [start, start + length) of a file, CHUNK at a time."""
    with open(src, "rb") as f:
        f.seek(start)
        left = length
        while left:
            chunk = f.read(min(CHUNK, left))
            if not chunk:
                raise Fatal(f"external data file {src} is shorter than its graph says")
            yield chunk
            left -= len(chunk)


def _copy(src: str, start: int, length: int, out) -> None:
    for chunk in _chunks(src, start, length):
        out.write(chunk)


def _clear_inline(t) -> None:
    t.ClearField("raw_data")
    for field in ("float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data"):
        t.ClearField(field)


def _digest_file(path: str, start: int, length: int) -> str:
    import hashlib

    h = hashlib.sha256()
    for chunk in _chunks(path, start, length):
        h.update(chunk)
    return h.hexdigest()


def share_into(main_path: str, other_path: str) -> List[str]:
    """Points every tensor of `other_path` whose bytes equal one of `main_path`'s external tensors at that copy, so
    two graphs of one model (model.onnx and window.onnx) read a single weights file. Streams and hashes the bytes
    (a 7B model's are never all in memory). Per-tensor files the other graph no longer needs are deleted. Returns
    the names of the tensors over MIN_EXTERNAL_BYTES that found no twin (they stay where they were)."""
    import hashlib

    import onnx
    from onnx import numpy_helper

    main_folder = os.path.dirname(os.path.abspath(main_path))
    folder = os.path.dirname(os.path.abspath(other_path))
    if main_folder != folder:
        raise Fatal("share_into: both graphs must sit in the same folder (external data paths are relative)")
    main = onnx.load(main_path, load_external_data=False)
    table = {}
    for t in _tensors(main.graph):
        if t.data_location != onnx.TensorProto.EXTERNAL:
            continue
        info = _external_info(t)
        start, length = int(info.get("offset", 0)), int(info["length"])
        key = (t.data_type, tuple(t.dims), _digest_file(os.path.join(folder, info["location"]), start, length))
        table[key] = (info["location"], start, length)
    other = onnx.load(other_path, load_external_data=False)
    unshared, dropped, kept = [], set(), set()
    for t in _tensors(other.graph):
        if t.data_location == onnx.TensorProto.EXTERNAL:
            info = _external_info(t)
            src = os.path.join(folder, info["location"])
            start = int(info.get("offset", 0))
            length = int(info["length"]) if info.get("length") is not None else os.path.getsize(src) - start
            digest, size = _digest_file(src, start, length), length
        else:
            blob = t.raw_data if t.HasField("raw_data") else numpy_helper.to_array(t).tobytes()
            digest, size, src = hashlib.sha256(blob).hexdigest(), len(blob), None
        hit = table.get((t.data_type, tuple(t.dims), digest))
        if hit is None:
            if size > MIN_EXTERNAL_BYTES:
                unshared.append(t.name)
            if src:
                kept.add(os.path.abspath(src))
            continue
        if src:
            dropped.add(os.path.abspath(src))
        _clear_inline(t)
        del t.external_data[:]
        t.data_location = onnx.TensorProto.EXTERNAL
        for key, value in (("location", hit[0]), ("offset", str(hit[1])), ("length", str(hit[2]))):
            entry = t.external_data.add()
            entry.key, entry.value = key, value
    onnx.save_model(other, other_path)
    main_data = {os.path.abspath(os.path.join(folder, loc)) for loc, _, _ in table.values()}
    for f in dropped - kept - main_data:
        if os.path.exists(f):
            os.unlink(f)
    return unshared
