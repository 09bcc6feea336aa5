"""The release's export: a training checkpoint -> the staged model folder, through the one graph builder (the
TypeScript converter, via training/hf/export_trained.convert_trained; graph v2), with the release's manifest
(recommended sampler, provenance counting every stage) and model card written over the converter's, then checked
(training/model_folder.validate_folder). training/release.py then measures it, adds the ghost-text gate and the
card's release sections, checks it again and swaps it in."""
import json
import os
import shutil

from training.common import Fatal, write_json_atomic

NAME = "diffucode-tiny"
LICENSE = "MIT"
# The folder is fp32, as every release before: a 5M-parameter model gains nothing from int4/int8 weights here.
DTYPE = "fp32"
MAX_MB = 40.0
TRAINED_BY = "DiffuCode training pipeline (training/train.py)"
DATA_LINE = ("Python stdlib (PSF-2.0), numpy/torch Python sources (BSD-3-Clause), TypeScript lib*.d.ts (Apache-2.0), "
             "MIT/Apache/BSD/ISC npm packages; see training/README.md")
# The embedded model's recommendation under the release's own (from the evaluation's best decoder).
BASE_SAMPLER = {"algorithm": "threshold", "threshold": 0.8, "temperature": 0, "topP": 1, "stepsPerToken": 1}


def with_ghost_text(manifest, ghost):
    """The manifest with `ghostText` right after `sampler` (where the shipped manifest has it)."""
    out = {}
    for k, v in manifest.items():
        if k != "ghostText":
            out[k] = v
        if k == "sampler":
            out["ghostText"] = ghost
    out.setdefault("ghostText", ghost)
    return out


def provenance(ck: dict, history: list, hardware: str, data: str, params: int) -> dict:
    prov = {"trainedBy": TRAINED_BY, "data": data, "tokens": int(ck.get("tokens_seen", 0)),
            "steps": int(ck.get("step", 0)), "wallTimeSeconds": round(float(ck.get("elapsed", 0.0))),
            "hardware": hardware, "parameters": params}
    if history:  # a run continued from earlier releases: count every stage
        prov.update(tokens=sum(int(st["tokens"]) for st in history), steps=sum(int(st["steps"]) for st in history),
                    wallTimeSeconds=sum(int(st["seconds"]) for st in history), stages=len(history))
    return prov


def release_manifest(converted: dict, ck: dict, sampler: dict, history: list, hardware: str, data: str,
                     params: int) -> dict:
    """The converter's manifest (contract, graph, tokens, io, architecture, weights) with the release's sampler,
    licence and provenance; the converter's own provenance line about the graph is kept as exportedBy."""
    man = dict(converted)
    man["sampler"] = {**BASE_SAMPLER, **sampler}
    man["license"] = LICENSE
    prov = provenance(ck, history, hardware, data, params)
    exported_by = (converted.get("provenance") or {}).get("exportedBy")
    if exported_by:
        prov["exportedBy"] = exported_by
    man["provenance"] = prov
    man["card"] = "MODEL_CARD.md"
    return man


def export_release(ck: dict, out: str, card_text: str, sampler: dict, history: list, hardware: str,
                   tokenizer_dir: str, data: str = DATA_LINE) -> dict:
    """Writes `out` (removed first; it is the release's staging folder) and returns its manifest. Fatal (one line)
    when the converter refuses the checkpoint or the folder fails the check; nothing is left at `out` then."""
    from training.hf.export_trained import convert_trained, parameters
    from training.model_folder import validate_folder
    for f in ("tokenizer.json", "tokenizer_config.json"):
        if not os.path.isfile(os.path.join(tokenizer_dir, f)):
            raise Fatal(f"{os.path.join(tokenizer_dir, f)} not found")
    shutil.rmtree(out, ignore_errors=True)
    try:
        converted = convert_trained(ck, out, DTYPE, tokenizer_dir, NAME, LICENSE, int(ck["args"]["seq"]))
        man = release_manifest(converted, ck, sampler, history, hardware, data, parameters(ck))
        write_json_atomic(os.path.join(out, "manifest.json"), man)
        with open(os.path.join(out, "MODEL_CARD.md"), "w", encoding="utf-8") as f:
            f.write(card_text)
        validate_folder(out, MAX_MB)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    return man


def main(argv=None):
    """Re-exports a kept checkpoint (e.g. training/checkpoints/diffucode-tiny.pt) with a given card, sampler and
    gate, to compare the converter's folder with a shipped one; not a release (nothing measured or calibrated):

        .venv/bin/python -m training.release_export --checkpoint training/checkpoints/diffucode-tiny.pt \
            --out /tmp/tiny-v2 --like models/diffucode-tiny
    """
    import argparse
    from training.common import DATA
    from training.train import load_checkpoint
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--like", required=True, help="a released folder whose card, sampler, gate, hardware and data "
                                                  "line the new folder takes")
    ap.add_argument("--tokenizer-dir", help="default: the --like folder's tokenizer (else training/data/tokenizer)")
    a = ap.parse_args(argv)
    if os.path.exists(a.out):
        raise Fatal(f"{a.out} exists; this command writes a new folder")
    with open(os.path.join(a.like, "manifest.json"), encoding="utf-8") as f:
        like = json.load(f)
    with open(os.path.join(a.like, like.get("card") or "MODEL_CARD.md"), encoding="utf-8") as f:
        card = f.read()
    tok = a.tokenizer_dir or (a.like if os.path.isfile(os.path.join(a.like, "tokenizer_config.json"))
                              else os.path.join(DATA, "tokenizer"))
    ck = load_checkpoint(a.checkpoint)
    prov = like.get("provenance") or {}
    man = export_release(ck, a.out, card, like.get("sampler") or {}, ck.get("history") or [],
                         prov.get("hardware", ""), tok, prov.get("data", DATA_LINE))
    if like.get("ghostText"):
        write_json_atomic(os.path.join(a.out, "manifest.json"), with_ghost_text(man, like["ghostText"]))
    print(a.out)


if __name__ == "__main__":
    from training.common import run_main
    run_main(main)
