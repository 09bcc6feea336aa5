"""ONNX helpers shared by the exporters (export.py's model.onnx, export_window.py's window.onnx), kept apart so the
two exporters do not import each other."""
from training.common import require


def legacy_exporter() -> dict:
    """torch >= 2.5 defaults torch.onnx.export to the dynamo exporter (needs onnxscript, other graphs); these
    graphs are the TorchScript exporter's, which torch 1.13 (Debian) and 2.x (pip) both have."""
    import inspect
    import torch
    return {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}


def dedupe_tied_head(path: str, embedding: str = "model.embed_tokens.weight") -> None:
    """Constant folding stores the tied lm_head as a transposed copy of the embedding (+8 MB for the tiny model).
    Replace MatMul(h, E^T) by Gemm(h, E, transB=1) so the file holds the matrix once."""
    onnx = require("onnx", "python3-onnx")
    from onnx import helper, numpy_helper
    import numpy as np
    m = onnx.load(path)
    inits = {i.name: i for i in m.graph.initializer}
    emb = inits.get(embedding)
    if emb is None:
        return
    e = numpy_helper.to_array(emb)
    for idx, node in enumerate(m.graph.node):
        if node.op_type != "MatMul" or node.input[1] not in inits:
            continue
        w = inits[node.input[1]]
        if list(w.dims) != [e.shape[1], e.shape[0]] or not np.array_equal(numpy_helper.to_array(w), e.T):
            continue
        gemm = helper.make_node("Gemm", [node.input[0], emb.name], list(node.output), name=node.name + "_tied",
                                transB=1)
        m.graph.node.remove(node)
        m.graph.node.insert(idx, gemm)
        if not any(w.name in n.input for n in m.graph.node):
            m.graph.initializer.remove(w)
        onnx.save(m, path)
        return
