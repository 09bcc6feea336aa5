"""Which operators of our graphs each GPU execution provider of onnxruntime-node 1.30 runs, and which fall back to the
CPU. No GPU here, so the answer comes from what can be checked without one:

- the 1.30 binaries in node_modules: the WebGPU kernel classes named in macOS's libonnxruntime.1.dylib
  (kWebGpuExecutionProvider_<Op>_<domain>_ver<range>), DirectML's operator classes in Windows' onnxruntime.dll
  (RTTI names .?AVDmlOperator<X>@Dml@@) and CoreML's op builders in the dylib (coreml::<X>OpBuilder). The linker
  folds identical functions, so a missing WebGPU symbol is not proof of a missing kernel:
- onnxruntime's kernel registration sources (WEBGPU_SOURCE_ONLY below), for kernels whose symbols were folded.

The graphs: the bundled model (graph v1, opset 17: model.onnx and window.onnx) and graph v2 as training/hf/
the converter (src/models/convert/) writes it for real checkpoints (opset 21 + com.microsoft), in every dtype, with and without
Qwen3's q/k norm. Writes bench/results/provider-ops.json.

    .venv/bin/python bench/provider_ops.py
"""
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
BIN = os.path.join(ROOT, "node_modules", "onnxruntime-node", "bin", "napi-v6")
DYLIB = os.path.join(BIN, "darwin", "arm64", "libonnxruntime.1.dylib")
DLL = os.path.join(BIN, "win32", "x64", "onnxruntime.dll")
OUT = os.path.join(ROOT, "bench", "results", "provider-ops.json")

# WebGPU kernels registered in onnxruntime's sources whose symbols the 1.30 dylib does not name (folded):
# onnxruntime/core/providers/webgpu/webgpu_execution_provider.cc (microsoft/onnxruntime@003f772b) and
# contrib_ops/webgpu/webgpu_contrib_kernels.cc (@01671d9c; GroupQueryAttention is registered by its own function).
# Range is registered for float and int32 only: our graphs' Range is int64.
WEBGPU_SOURCE_ONLY = {
    ("ai.onnx", op): (13, None) for op in ("Add", "Sub", "Mul", "Div", "Concat", "Expand", "Gather", "Unsqueeze",
                                            "ReduceSum", "Reshape", "Where", "Cast", "Equal", "Pow")
}
WEBGPU_SOURCE_ONLY[("com.microsoft", "GroupQueryAttention")] = (1, None)
WEBGPU_TYPE_LIMITS = {("ai.onnx", "Range"): "registered for float and int32 only; our Range is int64"}

# DirectML: our op -> the DmlOperator class that implements it (names from the DirectML EP's sources,
# onnxruntime/core/providers/dml/DmlExecutionProvider/src/Operators/); present in the 1.30 DLL or not.
DML_CLASS = {
    "Add": "ElementwiseBinary", "Sub": "ElementwiseBinary", "Mul": "ElementwiseBinary", "Div": "ElementwiseBinary",
    "Max": "ElementwiseBinary", "Equal": "ElementwiseBinary", "Pow": "ElementwisePow", "Where": "ElementwiseIf",
    "Sqrt": "ElementwiseUnary", "Exp": "ElementwiseUnary", "Log": "ElementwiseUnary", "Sin": "ElementwiseUnary",
    "Cos": "ElementwiseUnary", "Neg": "Neg", "Sigmoid": "Activation", "Softmax": "Activation", "Cast": "Cast",
    "Concat": "Concat", "Split": "Split", "Slice": "Slice", "Gather": "Gather", "GatherElements": "GatherElements",
    "ScatterElements": "Scatter", "Expand": "Expand", "Range": "Range", "ConstantOfShape": "ConstantOfShape",
    "Shape": "Shape", "Transpose": "Transpose", "MatMul": "MatMul", "Gemm": "Gemm", "TopK": "TopK",
    "ReduceMean": "Reduce", "ReduceSum": "Reduce", "ReduceMax": "Reduce", "Reshape": "Copy", "Squeeze": "Copy",
    "Unsqueeze": "Copy", "Identity": "Copy", "SimplifiedLayerNormalization": "LayerNormalization",
    "SkipSimplifiedLayerNormalization": "SkipLayerNormalization", "GroupQueryAttention": "GroupQueryAttention",
    "MatMulNBits": "MatMulNBits", "GatherBlockQuantized": "GatherBlockQuantized",
}

# CoreML: our op -> the op builder that handles it (names as in onnxruntime/core/providers/coreml/builders/impl/);
# com.microsoft ops have no builder but QuickGelu. None: no builder handles the op.
COREML_BUILDER = {
    "Add": "Binary", "Sub": "Binary", "Mul": "Binary", "Div": "Binary", "Pow": "Binary", "Max": None,
    "Equal": "Logical", "Where": "Where", "Sqrt": "Unary", "Exp": "Unary", "Log": "Unary", "Sin": None, "Cos": None,
    "Neg": None, "Sigmoid": "Activation", "Softmax": "Softmax", "Cast": "Cast", "Concat": "Concat", "Split": "Split",
    "Slice": "Slice", "Gather": "Gather", "GatherElements": None, "ScatterElements": None, "Expand": None,
    "Range": None, "ConstantOfShape": None, "Shape": "Shape", "Transpose": "Transpose", "MatMul": "Gemm",
    "Gemm": "Gemm", "TopK": None, "ReduceMean": "Reduction", "ReduceSum": "Reduction", "ReduceMax": "Reduction",
    "Reshape": "Reshape", "Squeeze": "Squeeze", "Unsqueeze": "Squeeze", "Identity": "Identity",
    "SimplifiedLayerNormalization": None,
}


def strings(path):
    return subprocess.run(["strings", path], capture_output=True, text=True, check=True).stdout


def webgpu_kernels(text):
    """{(domain, op): [(since, end or None)]} from the dylib's kernel class names."""
    dom = {"kOnnxDomain": "ai.onnx", "kMSDomain": "com.microsoft"}
    out = collections.defaultdict(set)
    for op, d, rng in re.findall(r"kWebGpuExecutionProvider_([A-Za-z0-9]+)_(kOnnxDomain|kMSDomain)_ver(\d+(?:_\d+)?)", text):
        a, _, b = rng.partition("_")
        out[(dom[d], op)].add((int(a), int(b) if b else None))
    return out


def covers(ranges, version):
    return any(a <= version and (b is None or version <= b) for a, b in ranges)


def graph_ops(path_or_model):
    import onnx
    m = onnx.load(path_or_model, load_external_data=False) if isinstance(path_or_model, str) else path_or_model
    opset = {o.domain or "ai.onnx": o.version for o in m.opset_import}
    count = collections.Counter((n.domain or "ai.onnx", n.op_type) for n in m.graph.node if n.op_type != "Constant")
    return opset, count


def v2_graphs():
    """Graph v2 for tiny random checkpoints in every dtype, with and without Qwen3's q/k norm (Dream and CoDA), as the
    one graph builder (the TypeScript converter, `node dist/cli.js convert`) writes them."""
    import onnx
    from training.hf.convert_cli import convert
    from training.hf.make_tiny_checkpoint import make_tiny_checkpoint
    from training.hf.tiny_families import make_tiny_coda
    with tempfile.TemporaryDirectory() as d:
        for qk in (False, True):
            ckpt = os.path.join(d, "coda" if qk else "dream")
            (make_tiny_coda if qk else make_tiny_checkpoint)(ckpt)
            for dtype in ("int4", "int8", "fp16", "fp32"):
                out = os.path.join(d, f"{os.path.basename(ckpt)}-{dtype}")
                convert(ckpt, out, "--dtype", dtype, "--license", "mit")
                g = onnx.load(os.path.join(out, "model.onnx"), load_external_data=False)
                yield f"graph v2 {dtype}{' (Qwen3 q/k norm)' if qk else ''}", g


def classify(opset, count, evidence):
    """{provider: {"gpu": {op: nodes}, "cpu": {op: why}}} for one graph."""
    wg, dml_classes, coreml_builders = evidence
    out = {}
    for ep in ("webgpu", "dml", "coreml"):
        gpu, cpu = {}, {}
        for (domain, op), n in sorted(count.items()):
            key, ver = (domain, op), opset[domain]
            if ep == "webgpu":
                if key in WEBGPU_TYPE_LIMITS:
                    why = WEBGPU_TYPE_LIMITS[key]
                elif covers(wg.get(key, ()), ver):
                    why = None
                elif key in WEBGPU_SOURCE_ONLY and covers([WEBGPU_SOURCE_ONLY[key]], ver):
                    why = None
                elif key in wg:
                    why = f"kernels for opset {sorted(wg[key])}, not {ver}"
                else:
                    why = "no WebGPU kernel in the 1.30 binary's symbols or the sources read"
            elif ep == "dml":
                cls = DML_CLASS[op]  # KeyError: a new op in our graphs needs a row here
                why = None if cls in dml_classes else f"no DmlOperator{cls} in the 1.30 DLL"
            else:
                if domain != "ai.onnx":
                    why = "CoreML runs ONNX-domain operators only"
                else:
                    b = COREML_BUILDER[op]
                    why = None if b in coreml_builders else "no CoreML op builder for it"
            (cpu if why else gpu)[op] = why or n
        nodes = sum(count.values())
        on_gpu = sum(count[(d, o)] for (d, o) in count if o in gpu)
        out[ep] = {"gpu": gpu, "cpu": cpu, "gpuNodeShare": round(on_gpu / nodes, 3)}
    return out


def evidence():
    dy, dll = strings(DYLIB), strings(DLL)
    dml = set(re.findall(r"DmlOperator([A-Za-z0-9]+)@", dll))
    coreml = set(re.findall(r"coreml\d+([A-Za-z]+)OpBuilderE", dy))
    return webgpu_kernels(dy), dml, coreml


def main():
    ev = evidence()
    graphs = [("bundled model.onnx (v1)", os.path.join(ROOT, "models", "diffucode-tiny", "model.onnx")),
              ("bundled window.onnx (v1)", os.path.join(ROOT, "models", "diffucode-tiny", "window.onnx"))]
    result = {"onnxruntime": "1.30.0", "method": __doc__.strip().split("\n\n")[0], "graphs": {}}
    for name, g in graphs + list(v2_graphs()):
        opset, count = graph_ops(g)
        result["graphs"][name] = {"opset": opset, "nodes": sum(count.values()), "providers": classify(opset, count, ev)}
    result["evidence"] = {"webgpuKernelSymbols": len(ev[0]), "dmlOperatorClasses": sorted(ev[1]), "coremlBuilders": sorted(ev[2])}
    with open(OUT, "w") as f:
        json.dump(result, f, indent=1)
    for name, g in result["graphs"].items():
        print(name)
        for ep, r in g["providers"].items():
            print(f"  {ep:7} {r['gpuNodeShare']:.0%} of {g['nodes']} nodes; CPU: {', '.join(r['cpu']) or '-'}")


if __name__ == "__main__":
    main()
