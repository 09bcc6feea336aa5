"""Checks a model folder the way the engine will load it (docs/model-contract.md), before the release puts it in
place: files present, manifest fields, special ids against the tokenizer, the graph's signature (graph v2 as the
converter writes it; graph v1 with its optional window graph, the format of folders released before the converter),
every external tensor inside the weights file, and the folder's size."""
import json
import os

from training.common import BOS_ID, EOS_ID, MASK_ID, SPECIALS, Fatal, require

V1_INPUTS = ["input_ids", "positions"]
V1_WINDOW_INPUTS = ["input_ids", "start", "past_keys", "past_values", "positions"]
V2_OUTPUTS = ["logits", "top_ids", "top_logits", "logsumexp", "entropy", "present_keys", "present_values"]


def v2_inputs(layers: int) -> list:
    """src/models/convert/graphBuilder.ts graphInputs."""
    past = [f"past_{kv}.{i}" for i in range(layers) for kv in ("key", "value")]
    return ["input_ids", "start", *past, "positions", "head_k", "head_scale", "bias_ids", "bias"]


def _dims(value_info) -> list:
    return [d.dim_value if d.HasField("dim_value") else d.dim_param for d in value_info.type.tensor_type.shape.dim]


def load_graph(path: str):
    """The graph without its weights, after ONNX Runtime has built a session from it (the converter's graph uses
    ONNX Runtime's own operators, SimplifiedLayerNormalization and the like, which onnx.checker does not know)."""
    onnx = require("onnx", "python3-onnx")
    ort = require("onnxruntime", "onnxruntime")
    if not os.path.isfile(path):
        raise Fatal(f"model folder lacks {os.path.basename(path)}")
    try:
        ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        return onnx.load(path, load_external_data=False)
    except Exception as e:
        raise Fatal(f"{path}: ONNX Runtime cannot load the graph: {str(e).splitlines()[0]}")


def check_external(m, folder: str, what: str) -> None:
    """Every tensor stored outside the graph lies inside its file (the converter checks the same before renaming)."""
    for t in m.graph.initializer:
        ext = {e.key: e.value for e in t.external_data}
        if not ext:
            continue
        path = os.path.join(folder, ext["location"])
        end = int(ext.get("offset", 0)) + int(ext.get("length", 0))
        if not os.path.isfile(path) or os.path.getsize(path) < end:
            raise Fatal(f"{what}: tensor {t.name} lies past the end of {ext['location']}")


def check_graph(folder: str, man: dict) -> int:
    """The main graph's signature; returns its version (2 or 1)."""
    onnx = require("onnx", "python3-onnx")
    m = load_graph(os.path.join(folder, man["graph"]))
    ins, outs = [i.name for i in m.graph.input], [o.name for o in m.graph.output]
    layers = (man.get("architecture") or {}).get("num_hidden_layers")
    if "past_key.0" in ins:
        version, want_ins, want_outs = 2, v2_inputs(layers or 0), V2_OUTPUTS
    else:
        version, want_ins, want_outs = 1, V1_INPUTS, ["logits"]
    if ins != want_ins or outs != want_outs:
        raise Fatal(f"{man['graph']} has inputs {ins[:4]}... / outputs {outs}; expected graph v{version}'s "
                    f"{want_ins[:4]}... -> {want_outs}")
    int64, f32 = onnx.TensorProto.INT64, onnx.TensorProto.FLOAT
    by_name = {i.name: i for i in m.graph.input}
    if any(by_name[n].type.tensor_type.elem_type != int64 for n in ("input_ids", "positions")):
        raise Fatal(f"{man['graph']}: input_ids and positions must be int64")
    logits = m.graph.output[0]
    dims = _dims(logits)
    if logits.type.tensor_type.elem_type != f32 or len(dims) != 2 or dims[1] != man["vocabSize"]:
        raise Fatal(f"{man['graph']}: logits are {dims}; expected float32 [n, {man['vocabSize']}]")
    check_external(m, folder, man["graph"])
    if version == 1 and man.get("windowGraph"):
        w = load_graph(os.path.join(folder, man["windowGraph"]))
        w_ins = [i.name for i in w.graph.input]
        if w_ins != V1_WINDOW_INPUTS or _dims(w.graph.output[0])[1:] != [man["vocabSize"]]:
            raise Fatal(f"{man['windowGraph']} has inputs {w_ins}; expected {V1_WINDOW_INPUTS} -> logits [n, vocab]")
        check_external(w, folder, man["windowGraph"])
    elif version == 2 and man.get("windowGraph"):
        raise Fatal("a graph v2 folder serves the dual cache itself: its manifest must not name a windowGraph")
    return version


def validate_folder(d: str, max_mb: float = None) -> dict:
    """Raises Fatal (one line) unless the folder loads as a Dream-family model of this project; returns its
    manifest."""
    for f in ("manifest.json", "tokenizer.json", "MODEL_CARD.md"):
        if not os.path.isfile(os.path.join(d, f)):
            raise Fatal(f"model folder {d} lacks {f}")
    with open(os.path.join(d, "manifest.json"), encoding="utf-8") as f:
        man = json.load(f)
    with open(os.path.join(d, "tokenizer.json"), encoding="utf-8") as f:
        tj = json.load(f)
    if man.get("contract") != "diffucode-model/1":
        raise Fatal(f"manifest contract is {man.get('contract')!r}, expected 'diffucode-model/1'")
    added = {t["content"]: t["id"] for t in tj["added_tokens"]}
    tok_size = max(list(tj["model"]["vocab"].values()) + list(added.values())) + 1
    if man["vocabSize"] < tok_size:
        raise Fatal(f"manifest vocabSize {man['vocabSize']} is smaller than the tokenizer ({tok_size} ids)")
    want = {"eos": SPECIALS[EOS_ID], "mask": SPECIALS[MASK_ID], "bos": SPECIALS[BOS_ID], "pad": SPECIALS[EOS_ID]}
    for k, s in want.items():
        if added.get(s) != man["tokens"][k]:
            raise Fatal(f"manifest tokens.{k} = {man['tokens'][k]} but the tokenizer has {s} = {added.get(s)}")
    if man.get("shiftedLogits") is not True:
        raise Fatal("a Dream-family model must declare shiftedLogits: true")
    check_graph(d, man)
    if max_mb is not None:
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        if size > max_mb * 1e6:
            raise Fatal(f"model folder is {size / 1e6:.1f} MB, over the {max_mb} MB limit")
    return man
