"""The optional cached-window graph (window.onnx) of a model folder, for Fast-dLLM's dual cache.

A denoising step changes only the masks of the block being decoded, yet a plain forward pass recomputes every
position of the canvas. The window graph runs only a window of the canvas (the block, plus the row before it for the
shifted logits) and lets it attend over keys/values of the whole canvas cached from an earlier full pass:

    input_ids int64 [1, W], start int64 [1], past_keys / past_values float32 [layers, kv_heads, S, head_dim],
    positions int64 [n] (rows relative to the window)
    -> logits float32 [n, vocab], present_keys / present_values float32 [layers, kv_heads, S, head_dim]

The window = the whole canvas (start 0, any past) is an exact forward pass that also returns the cache (a prefill).
Approximation: positions outside the window keep the keys/values of the canvas the cache was computed on; the engine
refreshes the cache at every block boundary (Fast-dLLM, Wu et al. 2025, "DualCache").

Both graphs read one weights file, model.onnx.data: the window graph points at the main graph's tensors (matched by
content), so the folder holds the weights once.
"""
import os

from training.common import Fatal, require
from training.onnx_utils import dedupe_tied_head, legacy_exporter

WINDOW_GRAPH = "window.onnx"
WINDOW_INPUTS = ["input_ids", "start", "past_keys", "past_values", "positions"]
WINDOW_OUTPUTS = ["logits", "present_keys", "present_values"]


def _graph_module(model):
    import torch

    class WindowGraph(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, start, past_keys, past_values, positions):
            return self.m.window_forward(input_ids, start, past_keys, past_values, positions)

    return WindowGraph(model)


def export_window_onnx(model, path: str, opset: int) -> None:
    torch = require("torch", "python3-torch")
    model = model.float().eval()
    seq = 12
    ids = torch.randint(3, model.config.vocab_size, (1, 5), dtype=torch.long)
    start = torch.tensor([4], dtype=torch.long)
    past = torch.zeros(model.cache_shape(seq))
    pos = torch.tensor([0, 3], dtype=torch.long)
    with torch.no_grad():
        torch.onnx.export(_graph_module(model), (ids, start, past, past.clone(), pos), path, opset_version=opset,
                          input_names=WINDOW_INPUTS, output_names=WINDOW_OUTPUTS,
                          dynamic_axes={"input_ids": {1: "window"}, "past_keys": {2: "seq"},
                                        "past_values": {2: "seq"}, "positions": {0: "n"}, "logits": {0: "n"},
                                        "present_keys": {2: "seq"}, "present_values": {2: "seq"}},
                          do_constant_folding=True, **legacy_exporter())
    if getattr(model.config, "tie_word_embeddings", False):
        dedupe_tied_head(path, "m.model.embed_tokens.weight")  # the wrapper module adds the "m." prefix


def add_window_graph(folder: str, model, opset: int) -> str:
    """Writes window.onnx beside folder/model.onnx, both reading one weights file (model.onnx.data): the main graph's
    tensors are moved there first, then every window tensor with the same bytes points at them. Refuses a window
    graph that would carry its own copy of large weights."""
    from training.hf.external_data import consolidate, share_into
    main = os.path.join(folder, "model.onnx")
    win = os.path.join(folder, WINDOW_GRAPH)
    consolidate(main, force_external=True)
    export_window_onnx(model, win, opset)
    unshared = share_into(main, win)
    if unshared:
        raise Fatal(f"the window graph has weights the main graph lacks ({', '.join(unshared[:4])}...); "
                    f"refusing to store them twice")
    return WINDOW_GRAPH


def check_window_onnx(path: str, vocab_size: int) -> None:
    onnx = require("onnx", "python3-onnx")
    try:
        onnx.checker.check_model(path)
        m = onnx.load(path, load_external_data=False)
    except Exception as e:
        raise Fatal(f"exported window graph is invalid: {e}")
    ins, outs = [i.name for i in m.graph.input], [o.name for o in m.graph.output]
    if ins != WINDOW_INPUTS or outs != WINDOW_OUTPUTS:
        raise Fatal(f"window graph has inputs {ins} / outputs {outs}; expected {WINDOW_INPUTS} -> {WINDOW_OUTPUTS}")
    lt = m.graph.output[0].type.tensor_type
    dims = [d.dim_value if d.HasField("dim_value") else d.dim_param for d in lt.shape.dim]
    if len(dims) != 2 or dims[1] != vocab_size:
        raise Fatal(f"window graph logits are {dims}; expected [n, {vocab_size}]")
