"""Exports a training checkpoint to a model folder in the `diffucode-model/1` contract (docs/model-contract.md):
model.onnx, tokenizer.json (+ tokenizer_config.json), manifest.json, MODEL_CARD.md.

The graph takes input_ids int64 [1, seq] and positions int64 [n] and returns logits float32 [n, vocab]: it gathers
the requested raw rows before the final norm and the vocabulary projection, so the full canvas of logits is never
computed. The folder is assembled in a temporary sibling, validated (onnx.checker, signature, vocabulary against the
tokenizer, manifest fields), and only then renamed into place, so a failed export never leaves a broken model.

    .venv/bin/python training/export.py --checkpoint training/runs/tiny/last.pt --out models/diffucode-tiny \\
        [--card MODEL_CARD.md] [--context-length 512]
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from training.common import (BOS_ID, DATA, EOS_ID, MASK_ID, SPECIALS, Fatal, require, run_main,  # noqa: E402
                             write_json_atomic)
from training.hf.manifest import build_manifest as build_folder_manifest  # noqa: E402
from training.onnx_utils import dedupe_tied_head, legacy_exporter  # noqa: E402

OPSET = 17
TWO_GB = 2 * 1024 ** 3


def export_onnx(model, path: str, opset: int = OPSET) -> None:
    """torch.onnx.export of DreamLM.forward with dynamic seq and n axes, fp32."""
    torch = require("torch", "python3-torch")
    model = model.float().eval()
    ids = torch.randint(3, model.config.vocab_size, (1, 12), dtype=torch.long)
    ids[0, 0] = model.config.bos_token_id
    pos = torch.tensor([0, 5, 11], dtype=torch.long)
    big = sum(p.numel() * 4 for p in model.parameters()) > TWO_GB
    with torch.no_grad():
        torch.onnx.export(model, (ids, pos), path, opset_version=opset, input_names=["input_ids", "positions"],
                          output_names=["logits"], dynamic_axes={"input_ids": {1: "seq"}, "positions": {0: "n"},
                                                                 "logits": {0: "n"}},
                          do_constant_folding=True, **legacy_exporter())
    if not big and getattr(model.config, "tie_word_embeddings", False):
        dedupe_tied_head(path)


def check_onnx(path: str, vocab_size: int) -> None:
    """Structural validation: the checker, and the exact signature the runtime expects."""
    onnx = require("onnx", "python3-onnx")
    try:
        onnx.checker.check_model(path)  # path form: works with external data too
        m = onnx.load(path, load_external_data=False)
    except Exception as e:
        raise Fatal(f"exported ONNX graph is invalid: {e}")
    ins = {i.name: i for i in m.graph.input}
    outs = {o.name: o for o in m.graph.output}
    if set(ins) != {"input_ids", "positions"} or set(outs) != {"logits"}:
        raise Fatal(f"exported graph has inputs {sorted(ins)} / outputs {sorted(outs)}; expected "
                    f"input_ids, positions -> logits")
    int64, f32 = onnx.TensorProto.INT64, onnx.TensorProto.FLOAT
    if ins["input_ids"].type.tensor_type.elem_type != int64 or ins["positions"].type.tensor_type.elem_type != int64:
        raise Fatal("exported graph inputs must be int64")
    lt = outs["logits"].type.tensor_type
    dims = [d.dim_value if d.HasField("dim_value") else d.dim_param for d in lt.shape.dim]
    if lt.elem_type != f32 or len(dims) != 2 or dims[1] != vocab_size:
        raise Fatal(f"exported logits are {dims} of type {lt.elem_type}; expected float32 [n, {vocab_size}]")


# The embedded model's recommendation: threshold decoding, greedy (tuned per release with the bench).
TINY_SAMPLER = {"algorithm": "threshold", "threshold": 0.8, "temperature": 0, "topP": 1, "stepsPerToken": 1}


def build_manifest(cfg, name: str, context_length: int, provenance: dict, license_: str = "MIT") -> dict:
    """A trained checkpoint's manifest through the one builder (training/hf/manifest.py): this project's
    special ids from the model config, end of text as the only stop token, no expand token."""
    tokens = {"bos": cfg.bos_token_id, "eos": cfg.eos_token_id, "pad": cfg.pad_token_id,
              "mask": cfg.mask_token_id, "expand": None, "stop": [cfg.eos_token_id]}
    return build_folder_manifest(name=name, cfg=cfg.to_dict(), tokens=tokens, context_length=context_length, license=license_,
                                 provenance=provenance, sampler=TINY_SAMPLER)


def validate_folder(d: str, max_mb: float = None) -> dict:
    """Checks a model folder the way the runtime will: files present, manifest fields, ids against the tokenizer."""
    for f in ("manifest.json", "model.onnx", "tokenizer.json", "MODEL_CARD.md"):
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
    if man["shiftedLogits"] is not True:
        raise Fatal("a Dream-family model must declare shiftedLogits: true")
    check_onnx(os.path.join(d, man["graph"]), man["vocabSize"])
    if man.get("windowGraph"):
        from training.export_window import check_window_onnx
        check_window_onnx(os.path.join(d, man["windowGraph"]), man["vocabSize"])
    if max_mb is not None:
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        if size > max_mb * 1e6:
            raise Fatal(f"model folder is {size / 1e6:.1f} MB, over the {max_mb} MB limit")
    return man


def default_card(man: dict) -> str:
    p = man["provenance"]
    return (f"# {man['name']}\n\nA masked-diffusion code model of the Dream/DiffuCoder architecture "
            f"({man['architecture']}), exported by training/export.py.\n\nLicence: {man['license']}. "
            f"Data: {p.get('data')}. Training tokens: {p.get('tokens')}. Hardware: {p.get('hardware')}.\n")


def write_folder(model, tokenizer_dir: str, out: str, manifest: dict, card_text: str = None, max_mb: float = None,
                 window: bool = True):
    """Assembles the folder next to `out`, validates it, then swaps it into place. window: also the cached-window
    graph (training/export_window.py), sharing one weights file with model.onnx."""
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".export-", dir=parent)
    try:
        export_onnx(model, os.path.join(tmp, "model.onnx"))
        if window:
            from training.export_window import add_window_graph
            manifest = dict(manifest, windowGraph=add_window_graph(tmp, model, OPSET))
        for f in ("tokenizer.json", "tokenizer_config.json"):
            src = os.path.join(tokenizer_dir, f)
            if not os.path.isfile(src):
                raise Fatal(f"{src} not found")
            shutil.copyfile(src, os.path.join(tmp, f))
        write_json_atomic(os.path.join(tmp, "manifest.json"), manifest)
        with open(os.path.join(tmp, "MODEL_CARD.md"), "w", encoding="utf-8") as f:
            f.write(card_text if card_text is not None else default_card(manifest))
        validate_folder(tmp, max_mb)
        os.chmod(tmp, 0o755)  # mkdtemp makes 0700
        old = None
        if os.path.exists(out):
            old = tempfile.mkdtemp(prefix=".old-", dir=parent)
            os.rmdir(old)
            os.replace(out, old)
        os.replace(tmp, out)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, help="a training checkpoint (.pt) with 'model' and 'config'")
    ap.add_argument("--out", required=True)
    ap.add_argument("--tokenizer-dir", default=os.path.join(DATA, "tokenizer"))
    ap.add_argument("--name", default="diffucode-tiny")
    ap.add_argument("--context-length", type=int, default=384,
                    help="the longest canvas the model was trained on (RoPE positions past it were never seen)")
    ap.add_argument("--card", help="MODEL_CARD.md to ship (default: a short generated card)")
    ap.add_argument("--hardware", default="2-core x86-64 CPU (no GPU), bf16 autocast")
    ap.add_argument("--data", default="Python stdlib (PSF-2.0), numpy/torch Python sources (BSD-3-Clause), "
                                      "TypeScript lib*.d.ts (Apache-2.0), MIT/Apache/BSD/ISC npm packages; "
                                      "see training/README.md")
    ap.add_argument("--max-mb", type=float, default=40.0)
    ap.add_argument("--sampler", help="JSON object merged into the manifest's recommended sampler settings")
    ap.add_argument("--no-window", action="store_true", help="skip the cached-window graph (window.onnx)")
    ap.add_argument("--history", help="JSON list of training stages (release.py passes it for continued runs)")
    a = ap.parse_args(argv)
    require("torch", "python3-torch")
    from training.model import DreamConfig, DreamLM, load_state_dict_checked
    from training.train import load_checkpoint
    ck = load_checkpoint(a.checkpoint)
    cfg = DreamConfig.from_dict(ck["config"])
    model = DreamLM(cfg)
    try:
        load_state_dict_checked(model, {k: v.float() for k, v in ck["model"].items()})
    except ValueError as e:
        raise Fatal(f"{a.checkpoint}: {e}")
    prov = {"trainedBy": "DiffuCode training pipeline (training/train.py)", "data": a.data,
            "tokens": int(ck.get("tokens_seen", 0)), "steps": int(ck.get("step", 0)),
            "wallTimeSeconds": round(float(ck.get("elapsed", 0.0))), "hardware": a.hardware,
            "parameters": model.num_parameters()}
    history = ck.get("history") or json.loads(a.history or "null")
    if history:  # a run continued from earlier releases: count every stage
        prov.update(tokens=sum(int(st["tokens"]) for st in history), steps=sum(int(st["steps"]) for st in history),
                    wallTimeSeconds=sum(int(st["seconds"]) for st in history), stages=len(history))
    man = build_manifest(cfg, a.name, a.context_length, prov)
    if a.sampler:
        try:
            man["sampler"].update(json.loads(a.sampler))
        except (ValueError, TypeError, AttributeError):
            raise Fatal(f"--sampler must be a JSON object, got {a.sampler!r}")
    card = None
    if a.card:
        with open(a.card, encoding="utf-8") as f:
            card = f.read()
    write_folder(model, a.tokenizer_dir, a.out, man, card, a.max_mb, window=not a.no_window)
    size = sum(os.path.getsize(os.path.join(a.out, f)) for f in os.listdir(a.out))
    print(f"exported {a.checkpoint} -> {a.out} ({size / 1e6:.1f} MB, {model.num_parameters() / 1e6:.2f}M params)")


if __name__ == "__main__":
    run_main(main)
