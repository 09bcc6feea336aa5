"""The one external weights file of a streamed export (`model.onnx.data`): tensors are appended as they are
produced, page-aligned, and the graph only holds a TensorProto naming each one's offset and length.

Nothing is kept after it is written, so the exporter's memory is one tensor chunk, whatever the model's size.
A full disk ends the export with one line (the caller removes the `.partial` folder).
"""
from __future__ import annotations

import errno
import os
from typing import Iterable, Sequence

import numpy as np

from training.common import Fatal

ALIGN = 4096  # page-aligned offsets let ONNX Runtime memory-map the initializers


class WeightsFile:
    def __init__(self, folder: str, name: str = "model.onnx.data"):
        self.name = name
        self.path = os.path.join(folder, name)
        self._f = open(self.path, "wb")
        self.bytes = 0
        self.names = []

    def add(self, name: str, dims: Sequence[int], onnx_type: int, chunks: Iterable[np.ndarray]):
        """Appends the concatenation of `chunks` (C order) as tensor `name` of shape `dims`; returns its
        TensorProto (external data)."""
        from onnx import TensorProto, helper

        pad = -self.bytes % ALIGN
        if pad:
            self._write(b"\0" * pad)
        offset = self.bytes
        want = int(np.prod(dims, dtype=np.int64)) * np.dtype(helper.tensor_dtype_to_np_dtype(onnx_type)).itemsize
        for c in chunks:
            self._write(np.ascontiguousarray(c).tobytes())
        length = self.bytes - offset
        if length != want:
            raise Fatal(f"internal error: {name} wrote {length} bytes for shape {list(dims)} ({want} expected)")
        t = TensorProto()
        t.name = name
        t.data_type = onnx_type
        t.dims.extend(int(d) for d in dims)
        t.data_location = TensorProto.EXTERNAL
        for k, v in (("location", self.name), ("offset", str(offset)), ("length", str(length))):
            e = t.external_data.add()
            e.key, e.value = k, v
        self.names.append(name)
        return t

    def _write(self, data: bytes) -> None:
        try:
            self._f.write(data)
        except OSError as e:
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                raise Fatal(f"the disk is full while writing {self.path} ({self.bytes / 1e9:.2f} GB written); "
                            "free space or choose another output folder") from None
            raise
        self.bytes += len(data)

    def close(self) -> None:
        try:
            self._f.flush()
            os.fsync(self._f.fileno())
        except OSError as e:
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                raise Fatal(f"the disk is full while writing {self.path}; free space or choose another output folder"
                            ) from None
            raise
        finally:
            self._f.close()
