"""Export a Hugging Face Dream/DiffuCoder checkpoint folder into a DiffuCode model folder.

    .venv/bin/python -m training.hf.export_checkpoint CHECKPOINT_DIR OUT_MODEL_DIR [--dtype int4|int8|fp16|fp32]
        [--block-size 32] [--accuracy-level 4] [--head-bits 8] [--dry-run] [--name NAME] [--expand-token TOKEN|ID]
        [--context-length N] [--assume-dream] [--license TEXT] [--force] [--quiet]

Writes model.onnx + model.onnx.data, tokenizer.json (+ tokenizer_config.json), manifest.json and MODEL_CARD.md
(docs/model-contract.md). The graph is written by the streaming builder (training/hf/graph_builder.py) straight
from the shards, one tensor chunk at a time: no torch module, no tracing, so a 7.6B export fits in a few GB of
RAM. The torch module (training/model.py) stays the numerical reference the tests compare against. The folder
is assembled under OUT_MODEL_DIR.partial and renamed only when complete, so an interrupted export never looks
like a model.
See docs/diffucoder.md for the DiffuCoder-7B walk-through and hardware needs.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sys

from training.common import Fatal, file_sha256, run_main

from training.hf.checkpoint import CheckpointTensors, validate_tensors
from training.hf.dream_config import param_count
from training.hf.export_input import Input
from training.hf.families import RenamedSource, apply_to_manifest, read_family, resolve_family_tokens
from training.hf.weights_file import WeightsFile
from training.hf.graph_builder import DTYPES, GRAPH_OUTPUTS, BuildOptions, build_graph, graph_inputs
from training.hf.manifest import build_manifest, default_context_length, read_license, resolve_tokens
from training.hf.model_card import render_card
from training.hf.tokenizer_files import (build_tokenizer_json, read_tokenizer_config, runtime_tokenizer_config,
                                         tokenizer_size)

USAGE = 2  # exit status of a usage error (argparse's too)


_quiet = False


def log(msg: str) -> None:
    if not _quiet:
        print(f"[export] {msg}", file=sys.stderr, flush=True)


def write_json(path: str, obj) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=None if os.path.basename(path) == "tokenizer.json" else 2, ensure_ascii=False)
        f.write("\n")


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


def open_input(path: str, assume_dream: bool) -> Input:
    if path.endswith(".gguf") or os.path.isfile(path):
        from training.hf.gguf_source import open_gguf
        return open_gguf(path, assume_dream)
    fam, cfg = read_family(path, assume_dream=assume_dream)
    tok = build_tokenizer_json(path)
    tok_cfg = read_tokenizer_config(path)
    tensors = CheckpointTensors(path)
    try:
        validate_tensors(tensors, cfg, fam.expected_shapes(cfg), fam.label)
    except BaseException:
        tensors.close()
        raise
    return Input(fam, cfg, tok, tok_cfg, RenamedSource(tensors, fam.rename(cfg)), tensors.close, tensors.dtypes(),
                 tensors.shard_bytes(), read_license(path), "configSha256",
                 file_sha256(os.path.join(path, "config.json")), path)


def check_graph(onnx_path: str, vocab_size: int, layers: int, data_bytes: int) -> None:
    """The graph's signature (docs/model-contract.md, graph v2) and every external tensor inside the data file,
    read without loading the weights (a session would hold them all in memory)."""
    import onnx

    m = onnx.load(onnx_path, load_external_data=False)
    ins = [i.name for i in m.graph.input]
    outs = [o.name for o in m.graph.output]
    if ins != graph_inputs(layers) or outs != GRAPH_OUTPUTS:
        raise Fatal(f"internal error: the built graph has inputs {ins[:4]}... / outputs {outs}")
    dims = [d.dim_value or d.dim_param for d in m.graph.output[0].type.tensor_type.shape.dim]
    if dims[1] != vocab_size:
        raise Fatal(f"internal error: logits are {dims}, expected [n, {vocab_size}]")
    for t in m.graph.initializer:
        ext = {e.key: e.value for e in t.external_data}
        if ext and int(ext["offset"]) + int(ext["length"]) > data_bytes:
            raise Fatal(f"internal error: tensor {t.name} lies past the end of the weights file")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkpoint_dir")
    ap.add_argument("out_dir")
    ap.add_argument("--dtype", choices=DTYPES, default="int4",
                    help="weights: int4 (default; MatMulNBits, about 0.6 bytes a parameter), int8, fp16 (GPU "
                         "providers), fp32")
    ap.add_argument("--int8", action="store_true", help="same as --dtype int8")
    ap.add_argument("--block-size", type=int, default=32, help="int4/int8: values per quantization block (32)")
    ap.add_argument("--accuracy-level", type=int, choices=[0, 1, 2, 3, 4], default=4,
                    help="int4/int8: MatMulNBits accuracy_level; 4 = int8 activations and integer dot products "
                         "(default, measured faster here), 0 = float activations")
    ap.add_argument("--head-bits", type=int, choices=[4, 8],
                    help="int4: bits of the embedding table and vocabulary head (default 8: the head decides every "
                         "token's confidence)")
    ap.add_argument("--dry-run", action="store_true", help="validate the checkpoint and print the manifest only")
    ap.add_argument("--name", help="model name in the manifest (default: the checkpoint folder's name)")
    ap.add_argument("--expand-token", help="DreamOn: the expand token (string or id); default: an <|expand|> token "
                                           "if the tokenizer has one, else none")
    ap.add_argument("--context-length", type=int, help="canvas limit (default: min(max_position_embeddings, 2048))")
    ap.add_argument("--assume-dream", action="store_true",
                    help="accept a Qwen2 config for weights trained as a bidirectional diffusion model")
    ap.add_argument("--license", help="licence text when the checkpoint does not state one")
    ap.add_argument("--force", action="store_true", help="replace a non-empty OUT_MODEL_DIR")
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = ap.parse_args(argv)
    global _quiet
    _quiet = args.quiet

    if args.int8:
        args.dtype = "int8"
    if args.head_bits is None:
        args.head_bits = 8 if args.dtype == "int4" else None
    ckpt = args.checkpoint_dir
    src = open_input(ckpt, args.assume_dream)
    fam, cfg, tok, tok_cfg = src.family, src.cfg, src.tok, src.tok_cfg
    tokens = resolve_family_tokens(fam, cfg, tok, tok_cfg, args.expand_token)
    if tokenizer_size(tok) > cfg["vocab_size"]:
        raise Fatal(f"the tokenizer has {tokenizer_size(tok)} ids but the model only {cfg['vocab_size']} rows")
    license_text = args.license or src.license
    if not license_text:
        raise Fatal(f"{ckpt} states no licence (no README.md front matter, no LICENSE file); pass --license")
    context = args.context_length or default_context_length(cfg)
    name = args.name or os.path.splitext(os.path.basename(os.path.abspath(ckpt)))[0]
    provenance = {
        "trainedBy": f"upstream authors of {cfg.get('_name_or_path') or name} (see MODEL_CARD.md)",
        "data": "see the upstream model card in MODEL_CARD.md",
        "tokens": 0,  # not stated by a checkpoint; the upstream card has the training details
        "hardware": "see the upstream model card in MODEL_CARD.md",
        "convertedFrom": os.path.basename(os.path.abspath(ckpt)),
        src.sha_key: src.sha256,
        "weightsDtypes": src.dtypes,
        "exportedBy": "training/hf/export_checkpoint.py",
        "exportedAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "quantization": args.dtype,
    }
    manifest = apply_to_manifest(build_manifest(name=name, cfg=cfg, tokens=tokens, context_length=context,
                                                license=license_text, provenance=provenance), fam)
    if args.dtype in ("int4", "int8"):
        from training.hf.quantize import check_shape
        check_shape(cfg["hidden_size"], args.block_size, "hidden_size")
        check_shape(cfg["intermediate_size"], args.block_size, "intermediate_size")
        manifest["weights"] = {"dtype": args.dtype, "blockSize": args.block_size, "accuracyLevel": args.accuracy_level,
                               "headBits": args.head_bits}
    else:
        manifest["weights"] = {"dtype": args.dtype}
    params = param_count(cfg)
    log(f"{name} ({fam.label}): {params / 1e6:,.1f} M params, input {src.nbytes / 1e6:,.1f} MB; streaming "
        f"{args.dtype} export (one tensor chunk in memory at a time)")
    if args.dry_run:
        src.close()
        print(json.dumps(manifest, indent=2))
        return

    try:
        staging = prepare_out_dir(args.out_dir, args.force, ckpt)
    except BaseException:
        src.close()
        raise
    try:
        onnx_bytes, data = build_folder(staging, src, manifest, args)
    except OSError as e:  # a disk full while saving the graph or the small files, a folder turned read-only
        shutil.rmtree(staging, ignore_errors=True)
        raise Fatal(f"could not write {staging}: {e.strerror or e}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # a failed export leaves no half folder (up to 30 GB) behind
        raise
    finish_out_dir(staging, args.out_dir)
    log(f"wrote {args.out_dir} ({onnx_bytes / 1e6:,.1f} MB of ONNX{', external data in ' + data if data else ''})")


def build_folder(staging: str, src: "Input", manifest: dict, args) -> tuple:
    ckpt, cfg, tok, tok_cfg = src.card_dir, src.cfg, src.tok, src.tok_cfg
    weights = WeightsFile(staging)
    try:
        model = build_graph(cfg, src.weights, weights, BuildOptions(
            dtype=args.dtype, block_size=args.block_size, accuracy_level=args.accuracy_level, head_bits=args.head_bits,
            max_positions=manifest["contextLength"]), log=log)
    finally:
        weights.close()
        src.close()
    onnx_path = os.path.join(staging, "model.onnx")
    import onnx
    onnx.save(model, onnx_path)  # the graph alone: every weight is already in model.onnx.data
    check_graph(onnx_path, cfg["vocab_size"], cfg["num_hidden_layers"], weights.bytes)
    data = weights.name
    onnx_bytes = os.path.getsize(onnx_path) + weights.bytes
    # Plain writes: the whole staging folder is renamed into place at the end, which is the atomic step.
    write_json(os.path.join(staging, "tokenizer.json"), tok)
    write_json(os.path.join(staging, "tokenizer_config.json"), runtime_tokenizer_config(tok_cfg))
    write_json(os.path.join(staging, "manifest.json"), manifest)
    card = render_card(ckpt_dir=ckpt or "", manifest=manifest, cfg=cfg,
                       weights_dtypes=manifest["provenance"]["weightsDtypes"], onnx_bytes=onnx_bytes, dtype=args.dtype)
    with open(os.path.join(staging, "MODEL_CARD.md"), "w", encoding="utf-8") as f:
        f.write(card)
    for lic in ("LICENSE", "LICENSE.txt", "LICENSE.md"):
        if ckpt and os.path.exists(os.path.join(ckpt, lic)):
            shutil.copyfile(os.path.join(ckpt, lic), os.path.join(staging, lic))
    return onnx_bytes, data


if __name__ == "__main__":
    run_main(main)
