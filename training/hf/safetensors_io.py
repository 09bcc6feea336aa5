"""Minimal safetensors reader/writer on numpy (no `safetensors` package on this machine).

Format (huggingface/safetensors): an 8-byte little-endian unsigned header length N, then N bytes of JSON
mapping tensor name -> {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the byte after
the header; an optional "__metadata__" entry holds string->string), then the raw little-endian tensor bytes.

Reading memory-maps the file, so a 7B checkpoint is visited one tensor at a time: only the tensor being
converted is resident, never the whole shard.
"""
from __future__ import annotations

import json
import os
import struct
from typing import Dict, Iterator, List, Mapping, Optional, Tuple

import numpy as np

# The header is JSON describing at most a few thousand tensors; anything bigger is a corrupt or foreign file.
MAX_HEADER_BYTES = 100 * 1024 * 1024

# safetensors dtype name -> numpy storage dtype. BF16 has no numpy type: it is stored as uint16 bits.
_STORAGE = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "BF16": np.dtype("<u2"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "I16": np.dtype("<i2"), "I8": np.dtype("i1"),
    "U8": np.dtype("u1"), "BOOL": np.dtype("?"),
}
FLOAT_DTYPES = ("F64", "F32", "F16", "BF16")


class SafetensorsError(ValueError):
    """A safetensors file is malformed or does not hold what was asked for."""


def bf16_bits_to_f32(bits: np.ndarray) -> np.ndarray:
    """bf16 is the top 16 bits of an IEEE fp32, so widening is exact: shift into the high half."""
    return (bits.astype(np.uint32) << np.uint32(16)).view(np.float32)


def f32_to_bf16_bits(values: np.ndarray) -> np.ndarray:
    """Round fp32 to the nearest bf16 (ties to even), as torch does; NaN stays a quiet NaN."""
    u = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    rounding = np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1))
    out = ((u + rounding) >> np.uint32(16)).astype(np.uint16)
    nan = np.isnan(values.astype(np.float32))
    out[nan] = np.uint16(0x7FC0)
    return out


class SafetensorsFile:
    """One .safetensors file, memory-mapped. `tensor(name)` returns float32 for every float dtype."""

    def __init__(self, path: str):
        self.path = path
        size = os.path.getsize(path)
        if size < 8:
            raise SafetensorsError(f"{path}: {size} bytes is too short for a safetensors file")
        with open(path, "rb") as f:
            (header_len,) = struct.unpack("<Q", f.read(8))
            if header_len > MAX_HEADER_BYTES or 8 + header_len > size:
                raise SafetensorsError(
                    f"{path}: header length {header_len} does not fit in a {size}-byte file "
                    "(not a safetensors file, or truncated)")
            try:
                header = json.loads(f.read(header_len).decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise SafetensorsError(f"{path}: header is not valid JSON ({e})") from None
        if not isinstance(header, dict):
            raise SafetensorsError(f"{path}: header must be a JSON object")
        self.metadata: Dict[str, str] = header.pop("__metadata__", None) or {}
        self._entries: Dict[str, dict] = header
        self._data_start = 8 + header_len
        self._data_len = size - self._data_start
        for name, entry in header.items():
            self._check_entry(name, entry)
        # A zero-length data section cannot be mapped; only possible when every tensor is empty.
        self._map = np.memmap(path, dtype=np.uint8, mode="r", offset=self._data_start) if self._data_len else None

    def _check_entry(self, name: str, entry: dict) -> None:
        dtype = entry.get("dtype")
        if dtype not in _STORAGE:
            raise SafetensorsError(f"{self.path}: tensor {name!r} has unsupported dtype {dtype!r}")
        shape = entry.get("shape")
        offsets = entry.get("data_offsets")
        if not isinstance(shape, list) or not isinstance(offsets, list) or len(offsets) != 2:
            raise SafetensorsError(f"{self.path}: tensor {name!r} has a malformed header entry {entry!r}")
        begin, end = offsets
        expected = int(np.prod(shape, dtype=np.int64)) * _STORAGE[dtype].itemsize
        if not (0 <= begin <= end <= self._data_len) or end - begin != expected:
            raise SafetensorsError(
                f"{self.path}: tensor {name!r} ({dtype} {shape}) claims bytes [{begin}, {end}) but needs "
                f"{expected} bytes inside a {self._data_len}-byte data section (truncated or corrupt file)")

    def keys(self) -> List[str]:
        return list(self._entries)

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    def dtype(self, name: str) -> str:
        return self._entry(name)["dtype"]

    def shape(self, name: str) -> Tuple[int, ...]:
        return tuple(self._entry(name)["shape"])

    def _entry(self, name: str) -> dict:
        try:
            return self._entries[name]
        except KeyError:
            raise SafetensorsError(f"{self.path}: no tensor named {name!r}") from None

    def raw(self, name: str) -> np.ndarray:
        """The stored values as a read-only view of the map (BF16 as uint16 bits), no copy."""
        entry = self._entry(name)
        storage = _STORAGE[entry["dtype"]]
        shape = tuple(entry["shape"])
        begin, end = entry["data_offsets"]
        if end == begin:
            return np.zeros(shape, dtype=storage)
        assert self._map is not None
        return self._map[begin:end].view(storage).reshape(shape)

    def tensor(self, name: str) -> np.ndarray:
        """A fresh writable array; float dtypes are widened to float32 (exactly, for bf16 and f16)."""
        dtype = self.dtype(name)
        raw = self.raw(name)
        if dtype == "BF16":
            return bf16_bits_to_f32(raw)
        if dtype in FLOAT_DTYPES:
            return raw.astype(np.float32)
        return np.array(raw)

    def rows(self, name: str, lo: int, hi: int) -> np.ndarray:
        """Rows [lo, hi) of a tensor along its first axis, as float32, read with pread rather than through the
        map: a streaming export visits every byte of a 15 GB checkpoint once, and mapped pages would stay counted
        in its resident memory while plain reads only pass through the page cache."""
        entry = self._entry(name)
        storage = _STORAGE[entry["dtype"]]
        shape = tuple(entry["shape"])
        row_items = int(np.prod(shape[1:], dtype=np.int64)) if len(shape) > 1 else 1
        count = (hi - lo) * row_items
        buf = np.empty(count, dtype=storage)
        begin = self._data_start + entry["data_offsets"][0] + lo * row_items * storage.itemsize
        with open(self.path, "rb", buffering=0) as f:
            f.seek(begin)
            got = f.readinto(memoryview(buf).cast("B"))
        if got != buf.nbytes:
            raise SafetensorsError(f"{self.path}: tensor {name!r} is cut short ({got} of {buf.nbytes} bytes read)")
        out = buf.reshape((hi - lo,) + shape[1:])
        if entry["dtype"] == "BF16":
            return bf16_bits_to_f32(out)
        return out.astype(np.float32, copy=False) if entry["dtype"] in FLOAT_DTYPES else out

    def close(self) -> None:
        # Dropping the reference unmaps the file once no returned view is alive.
        self._map = None


def write_safetensors(path: str, tensors: Mapping[str, np.ndarray], dtype: Optional[str] = None,
                      metadata: Optional[Mapping[str, str]] = None) -> None:
    """Write `tensors` (name -> array). With dtype="BF16"/"F16"/"F32", float arrays are stored in that dtype.

    Used to build test checkpoints in the exact on-disk format Hugging Face writes.
    """
    header: Dict[str, object] = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    blobs: List[bytes] = []
    offset = 0
    for name in sorted(tensors):  # safetensors writers sort names; keeps files reproducible
        arr = np.asarray(tensors[name])
        st_dtype, data = _encode(arr, dtype)
        blob = data.tobytes()
        header[name] = {"dtype": st_dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)  # the reference writer pads the header to 8-byte alignment
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for blob in blobs:
            f.write(blob)


def _encode(arr: np.ndarray, dtype: Optional[str]) -> Tuple[str, np.ndarray]:
    if arr.dtype.kind == "f" and dtype is not None:
        if dtype == "BF16":
            return "BF16", f32_to_bf16_bits(arr)
        if dtype in ("F16", "F32", "F64"):
            return dtype, arr.astype(_STORAGE[dtype])
        raise SafetensorsError(f"cannot write float tensors as {dtype!r}")
    for name, storage in _STORAGE.items():
        if name != "BF16" and arr.dtype.kind == storage.kind and arr.dtype.itemsize == storage.itemsize:
            return name, arr.astype(storage)
    raise SafetensorsError(f"no safetensors dtype for numpy {arr.dtype}")


def iter_tensors(f: SafetensorsFile) -> Iterator[Tuple[str, np.ndarray]]:
    for name in f.keys():
        yield name, f.tensor(name)
