"""Export a Hugging Face Dream/DiffuCoder checkpoint folder into a DiffuCode model folder.

    /usr/bin/python3 -m training.hf.export_checkpoint CHECKPOINT_DIR OUT_MODEL_DIR [--int8] [--dry-run]
        [--name NAME] [--expand-token TOKEN|ID] [--context-length N] [--external-data auto|always]
        [--assume-dream] [--license TEXT] [--force] [--quiet]

Writes model.onnx (+ model.onnx.data past 2 GB), tokenizer.json (+ tokenizer_config.json), manifest.json and
MODEL_CARD.md (docs/model-contract.md). The graph comes from the same torch module and ONNX exporter as the
project's own tiny model (training/model.py, training/export.py). The folder is assembled under
OUT_MODEL_DIR.partial and renamed only when complete, so an interrupted export never looks like a model.
See docs/diffucoder.md for the DiffuCoder-7B walk-through and hardware needs.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import shutil
import sys

from training.common import Fatal, run_main
from training.hf.checkpoint import CheckpointTensors, load_into, validate_tensors
from training.hf.dream_config import param_count, read_config
from training.hf.external_data import consolidate
from training.hf.manifest import build_manifest, default_context_length, read_license, resolve_tokens
from training.hf.model_card import render_card
from training.hf.tokenizer_files import (build_tokenizer_json, read_tokenizer_config, runtime_tokenizer_config,
                                         tokenizer_size)

INT8_UNAVAILABLE = 2  # exit status when --int8 cannot run here (documented in docs/diffucoder.md)


_quiet = False


def log(msg: str) -> None:
    if not _quiet:
        print(f"[export] {msg}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def skip_weight_init():
    """Constructing the module would random-initialise every weight (minutes for 7B) only for the checkpoint to
    overwrite it; the loader fills every parameter, so the initialisers are no-ops while the module is built."""
    import torch.nn.init as init

    names = ("normal_", "uniform_", "zeros_", "ones_", "kaiming_uniform_", "kaiming_normal_", "trunc_normal_")
    saved = {n: getattr(init, n) for n in names}
    try:
        for n in names:
            setattr(init, n, lambda tensor, *a, **k: tensor)
        yield
    finally:
        for n, fn in saved.items():
            setattr(init, n, fn)


def build_model(cfg: dict):
    from training.model import DreamConfig, DreamLM

    # DreamConfig defaults to tied embeddings (the tiny model); a HF config without the key means untied.
    model_cfg = DreamConfig.from_dict({**cfg, "tie_word_embeddings": bool(cfg.get("tie_word_embeddings", False))})
    with skip_weight_init():
        model = DreamLM(model_cfg)
    return model.eval()


def check_int8_available() -> None:
    try:
        import onnxruntime.quantization  # noqa: F401
    except ImportError:
        print("error: --int8 needs ONNX Runtime's Python quantization tools (`import onnxruntime.quantization`), "
              "which are not installed for this Python. Install the `onnxruntime` Python package on the export "
              "machine (pip install onnxruntime), or export without --int8 (fp32).", file=sys.stderr)
        sys.exit(INT8_UNAVAILABLE)


def quantize_int8(model_path: str) -> None:
    """Dynamic int8 quantization of the MatMul/Gather weights (activations stay fp32 between layers; ORT quantizes
    them on the fly). Weights go to external data so the result may also exceed 2 GB."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = model_path + ".int8.onnx"
    quantize_dynamic(model_path, tmp, weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul", "Gather"], use_external_data_format=True)
    folder = os.path.dirname(model_path)
    for name in os.listdir(folder):  # drop the fp32 graph and data before moving the int8 one in
        if name.startswith(os.path.basename(model_path)) and not name.startswith(os.path.basename(tmp)):
            os.unlink(os.path.join(folder, name))
    os.replace(tmp, model_path)
    consolidate(model_path, force_external=True)


def write_json(path: str, obj) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=None if os.path.basename(path) == "tokenizer.json" else 2, ensure_ascii=False)
        f.write("\n")


def sha256_file(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def prepare_out_dir(out_dir: str, force: bool, ckpt: str) -> str:
    out_abs, ckpt_abs = os.path.realpath(out_dir), os.path.realpath(ckpt)
    if out_abs == ckpt_abs or ckpt_abs.startswith(out_abs + os.sep):  # --force would delete the checkpoint
        raise Fatal(f"the output folder {out_dir} must not be or contain the checkpoint folder {ckpt}")
    if os.path.exists(out_dir) and os.listdir(out_dir) and not force:
        raise Fatal(f"{out_dir} exists and is not empty; pass --force to replace it")
    staging = out_dir.rstrip("/") + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    return staging


def finish_out_dir(staging: str, out_dir: str) -> None:
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.replace(staging, out_dir)


def export_graph(model, onnx_path: str) -> None:
    # The one exporter shared with the project's tiny model (same graph signature, same gather-before-head).
    from training.export import export_onnx

    export_onnx(model, onnx_path)


def check_graph(onnx_path: str, vocab_size: int) -> None:
    from training.export import check_onnx

    check_onnx(onnx_path, vocab_size)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkpoint_dir")
    ap.add_argument("out_dir")
    ap.add_argument("--int8", action="store_true", help="int8 weight quantization (needs onnxruntime.quantization)")
    ap.add_argument("--dry-run", action="store_true", help="validate the checkpoint and print the manifest only")
    ap.add_argument("--name", help="model name in the manifest (default: the checkpoint folder's name)")
    ap.add_argument("--expand-token", help="DreamOn: the expand token (string or id); default: an <|expand|> token "
                                           "if the tokenizer has one, else none")
    ap.add_argument("--context-length", type=int, help="canvas limit (default: min(max_position_embeddings, 2048))")
    ap.add_argument("--external-data", choices=["auto", "always"], default="auto",
                    help="weights in model.onnx.data: past 2 GB (auto) or always")
    ap.add_argument("--assume-dream", action="store_true",
                    help="accept a Qwen2 config for weights trained as a bidirectional diffusion model")
    ap.add_argument("--license", help="licence text when the checkpoint does not state one")
    ap.add_argument("--force", action="store_true", help="replace a non-empty OUT_MODEL_DIR")
    ap.add_argument("--no-window", action="store_true",
                    help="skip window.onnx, the cached-window graph for the engine's dual cache (Fast-dLLM)")
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = ap.parse_args(argv)
    global _quiet
    _quiet = args.quiet

    if args.int8:
        check_int8_available()  # before any slow work
    ckpt = args.checkpoint_dir
    cfg = read_config(ckpt, assume_dream=args.assume_dream)
    tok = build_tokenizer_json(ckpt)
    tok_cfg = read_tokenizer_config(ckpt)
    tokens = resolve_tokens(cfg, tok, tok_cfg, args.expand_token)
    if tokenizer_size(tok) > cfg["vocab_size"]:
        raise Fatal(f"the tokenizer has {tokenizer_size(tok)} ids but the model only {cfg['vocab_size']} rows")
    tensors = CheckpointTensors(ckpt)
    validate_tensors(tensors, cfg)
    license_text = args.license or read_license(ckpt)
    if not license_text:
        raise Fatal(f"{ckpt} states no licence (no README.md front matter, no LICENSE file); pass --license")
    context = args.context_length or default_context_length(cfg)
    name = args.name or os.path.basename(os.path.abspath(ckpt))
    provenance = {
        "trainedBy": f"upstream authors of {cfg.get('_name_or_path') or name} (see MODEL_CARD.md)",
        "data": "see the upstream model card in MODEL_CARD.md",
        "tokens": 0,  # not stated by a checkpoint; the upstream card has the training details
        "hardware": "see the upstream model card in MODEL_CARD.md",
        "convertedFrom": os.path.basename(os.path.abspath(ckpt)),
        "configSha256": sha256_file(os.path.join(ckpt, "config.json")),
        "weightsDtypes": tensors.dtypes(),
        "exportedBy": "training/hf/export_checkpoint.py",
        "exportedAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "quantization": "int8-dynamic" if args.int8 else "none",
    }
    manifest = build_manifest(name=name, cfg=cfg, tokens=tokens, context_length=context, license=license_text,
                              provenance=provenance)
    params = param_count(cfg)
    log(f"{name}: {params / 1e6:,.1f} M params, shards {tensors.shard_bytes() / 1e6:,.1f} MB; the fp32 export holds "
        f"{params * 4 / 1e6:,.0f} MB of weights in RAM plus the ONNX writer's working set")
    if args.dry_run:
        print(json.dumps(manifest, indent=2))
        return

    staging = prepare_out_dir(args.out_dir, args.force, ckpt)
    try:
        onnx_bytes, data = build_folder(staging, ckpt, cfg, tensors, tok, tok_cfg, manifest, args)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # a failed export leaves no half folder (up to 30 GB) behind
        raise
    finish_out_dir(staging, args.out_dir)
    log(f"wrote {args.out_dir} ({onnx_bytes / 1e6:,.1f} MB of ONNX{', external data in ' + data if data else ''})")


def build_folder(staging: str, ckpt: str, cfg: dict, tensors: CheckpointTensors, tok: dict, tok_cfg: dict,
                 manifest: dict, args) -> tuple:
    model = build_model(cfg)
    load_into(model, tensors, cfg, log=log)
    tensors.close()
    onnx_path = os.path.join(staging, "model.onnx")
    log("exporting ONNX")
    export_graph(model, onnx_path)
    # The window graph shares model.onnx.data with the main graph, so the weights go external; an int8 graph's
    # weights differ from the window graph's fp32 ones, so int8 exports go without it.
    window = not args.no_window and not args.int8
    data = consolidate(onnx_path, force_external=args.external_data == "always" or window)
    check_graph(onnx_path, cfg["vocab_size"])
    if window:
        from training.export import OPSET
        from training.export_window import add_window_graph, check_window_onnx
        log("exporting the cached-window graph (window.onnx)")
        manifest["windowGraph"] = add_window_graph(staging, model, OPSET)
        check_window_onnx(os.path.join(staging, manifest["windowGraph"]), cfg["vocab_size"])
    del model
    if args.int8:
        log("quantizing to int8")
        quantize_int8(onnx_path)
        data = "model.onnx.data"
    onnx_bytes = sum(os.path.getsize(os.path.join(staging, f)) for f in ("model.onnx", data, manifest.get("windowGraph")) if f)
    # Plain writes: the whole staging folder is renamed into place at the end, which is the atomic step.
    write_json(os.path.join(staging, "tokenizer.json"), tok)
    write_json(os.path.join(staging, "tokenizer_config.json"), runtime_tokenizer_config(tok_cfg))
    write_json(os.path.join(staging, "manifest.json"), manifest)
    card = render_card(ckpt_dir=ckpt, manifest=manifest, cfg=cfg,
                       weights_dtypes=manifest["provenance"]["weightsDtypes"], onnx_bytes=onnx_bytes, int8=args.int8)
    with open(os.path.join(staging, "MODEL_CARD.md"), "w", encoding="utf-8") as f:
        f.write(card)
    for lic in ("LICENSE", "LICENSE.txt", "LICENSE.md"):
        if os.path.exists(os.path.join(ckpt, lic)):
            shutil.copyfile(os.path.join(ckpt, lic), os.path.join(staging, lic))
    return onnx_bytes, data

if __name__ == "__main__":
    run_main(main)
