"""More training code beyond corpus.py's: permissively licensed Python packages installed on this machine (Debian's
python3-* packages and the pip virtual environment's), and more npm packages; near-duplicate-free against the
corpus and itself; encoded with the released tokenizer and merged with the corpus's train split for train.py.

Why a second corpus instead of a bigger corpus.py: the held-out cases (evaluate.py) are drawn from corpus.py's test
split, and every released model is compared on those same cases. Rebuilding corpus.py would move files between
splits; this adds train-only files and leaves the valid and test splits byte for byte as they were.

Licences: each source is listed in a table below with the licence it must carry and where that is checked at build
time: the DEP-5 `Files: *` licence (or licence text) of /usr/share/doc/<package>/copyright for Debian's, the
dist-info METADATA's licence fields for pip's, package.json for npm's. A source whose evidence does not say what the
table expects is skipped and recorded in the manifest, never used.

Near duplicates: MinHash over each file's set of normalised non-blank lines (64 hashes, 16 bands of 4), candidate
pairs confirmed by the exact Jaccard similarity of the line sets >= NEAR_DUP_JACCARD. The corpus's own files (all
three splits) are indexed first, so a near copy of a held-out file never enters training (torch 2.13's sources next
to the corpus's Debian torch 1.13, vendored copies of the same library, compiled copies of the same TypeScript).

    .venv/bin/python training/corpus_extra.py --max-mb 48      # -> data/corpus-extra/, data/tokens-extra/
    /usr/bin/python3 training/train.py --tokens training/data/tokens-extra ...
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import sysconfig
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from training.common import DATA, Fatal, require, run_main, write_json_atomic  # noqa: E402
from training.corpus import lang_of, normalised_hash, npm_sources, reject_reason, walk_files  # noqa: E402

# (import directory, Debian package, licence, what its copyright file must say). Only packages whose upstream code
# is under one permissive licence for `Files: *`; vendored trees are skipped (SKIP_DIRS).
DEBIAN = [
    ("argcomplete", "python3-argcomplete", "Apache-2.0", "Apache-2.0"),
    ("astunparse", "python3-astunparse", "BSD-3-Clause", "BSD-3-clause"),
    ("attr", "python3-attr", "MIT", "Expat"),
    ("blinker", "python3-blinker", "MIT", "Expat"),
    ("click", "python3-click", "BSD-3-Clause", "BSD-3-clause"),
    ("cryptography", "python3-cryptography", "Apache-2.0", "Apache"),
    ("dateutil", "python3-dateutil", "BSD-3-Clause", "BSD-3-clause"),
    ("distro", "python3-distro", "Apache-2.0", "Apache-2.0"),
    ("idna", "python3-idna", "BSD-3-Clause", "BSD-3-clause"),
    ("jwt", "python3-jwt", "MIT", "Expat"),
    ("mpmath", "python3-mpmath", "BSD-3-Clause", "BSD-3-clause"),
    ("oauthlib", "python3-oauthlib", "BSD-3-Clause", "BSD-3-clause"),
    ("OpenSSL", "python3-openssl", "Apache-2.0", "Apache-2.0"),
    ("psutil", "python3-psutil", "BSD-3-Clause", "BSD-3-clause"),
    ("pygments", "python3-pygments", "BSD-2-Clause", "BSD-2-clause"),
    ("pyparsing", "python3-pyparsing", "MIT", "Expat"),
    ("requests", "python3-requests", "Apache-2.0", "Apache"),
    ("sortedcontainers", "python3-sortedcontainers", "Apache-2.0", "Apache-2.0"),
    ("sympy", "python3-sympy", "BSD-3-Clause", "BSD-3-clause"),
    ("toml", "python3-toml", "MIT", "Expat"),
    ("urllib3", "python3-urllib3", "MIT", "Expat"),
    ("yaml", "python3-yaml", "MIT", "Permission is hereby granted, free of charge"),
    ("httplib2", "python3-httplib2", "MIT", "Expat"),
    ("future", "python3-future", "MIT", "Expat"),
    ("setuptools", "python3-setuptools", "MIT", "Permission is hereby granted, free of charge"),
]
# (import directory, dist-info name prefix, licence, a string its METADATA licence fields must contain).
PIP = [
    ("aiohttp", "aiohttp-", "Apache-2.0", "Apache-2.0"),
    ("anyio", "anyio-", "MIT", "MIT"),
    ("fastapi", "fastapi-", "MIT", "MIT"),
    ("starlette", "starlette-", "BSD-3-Clause", "BSD-3-Clause"),
    ("uvicorn", "uvicorn-", "BSD-3-Clause", "BSD-3-Clause"),
    ("pydantic", "pydantic-", "MIT", "MIT"),
    ("jinja2", "jinja2-", "BSD-3-Clause", "BSD License"),
    ("networkx", "networkx-", "BSD-3-Clause", "BSD-3-Clause"),
    ("onnx", "onnx-", "Apache-2.0", "Apache-2.0"),
    ("onnx_ir", "onnx_ir-", "Apache-2.0", "Apache-2.0"),
    ("onnxruntime", "onnxruntime-", "MIT", "MIT License"),
    ("ray", "ray-", "Apache-2.0", "Apache 2.0"),
    ("jsonschema", "jsonschema-", "MIT", "MIT"),
    ("h11", "h11-", "MIT", "MIT"),
    ("multidict", "multidict-", "Apache-2.0", "Apache License 2.0"),
    ("yarl", "yarl-", "Apache-2.0", "Apache-2.0"),
    ("fsspec", "fsspec-", "BSD-3-Clause", "BSD-3-Clause"),
    ("packaging", "packaging-", "Apache-2.0 OR BSD-2-Clause", "Apache-2.0 OR BSD-2-Clause"),
    ("platformdirs", "platformdirs-", "MIT", "MIT"),
    ("websockets", "websockets-", "BSD-3-Clause", "BSD-3-Clause"),
    ("smart_open", "smart_open-", "MIT", "MIT License"),
    ("gguf", "gguf-", "MIT", "MIT License"),
    ("msgpack", "msgpack-", "Apache-2.0", "Apache-2.0"),
    ("referencing", "referencing-", "MIT", "MIT"),
    ("dotenv", "python_dotenv-", "BSD-3-Clause", "BSD-3-Clause"),
    ("wrapt", "wrapt-", "BSD-2-Clause", "BSD-2-Clause"),
    ("torchgen", "torch-", "BSD-3-Clause", "BSD-3-Clause"),
    ("fontTools", "fonttools-", "MIT", "MIT"),
    ("virtualenv", "virtualenv-", "MIT", "MIT"),
    ("distlib", "distlib-", "PSF-2.0", "PSF-2.0"),
    ("torch", "torch-", "BSD-3-Clause", "BSD-3-Clause"),
]
NPM_EXTRA = ["ramda@0.30.1", "ajv@8.17.1", "io-ts@2.2.22", "monocle-ts@2.3.13", "inversify@6.2.1",
             "class-validator@0.14.1", "date-fns@4.1.0", "chalk@5.4.1", "eventemitter3@5.0.1", "async@3.2.6"]
SKIP_DIRS = ("test", "tests", "testing", "__pycache__", "_vendor", "vendor", "vendored", "idle_test", "node_modules",
             "dist", "bundles", "umd", "min", "build", "fp", "locale", "esm", "cjs")
SOURCE_CAP = 3_000_000
NEAR_DUP_JACCARD = 0.6
N_HASH, BANDS = 64, 16


def debian_licence_ok(deb: str, marker: str):
    """(ok, evidence): the copyright file's `Files: *` stanza licence, or the marker in its text."""
    path = f"/usr/share/doc/{deb}/copyright"
    if not os.path.isfile(path):
        return False, f"{path} missing"
    with open(path, encoding="utf-8", errors="replace") as f:
        ok, ev = copyright_says(f.read(), marker)
    return ok, f"{path}: {ev}"


def copyright_says(text: str, marker: str):
    """A DEP-5 copyright file: the licence of its `Files: *` stanza must start with `marker` (the upstream code's
    licence, not the packaging's); an older free-form file: the marker (e.g. the MIT grant) must be in the text."""
    m = re.search(r"^Files:\s*\*\s*$(.*?)(?:^\s*$|\Z)", text, re.M | re.S)
    if m:
        lic = re.search(r"^License:\s*(.+)$", m.group(1), re.M)
        got = lic.group(1).strip() if lic else ""
        return got.startswith(marker), f"Files: * License: {got or '(none)'}"
    return marker in text, f"licence text ({'has' if marker in text else 'lacks'} '{marker[:40]}')"


def pip_licence_ok(site: str, dist_prefix: str, marker: str):
    dists = sorted(d for d in os.listdir(site) if d.startswith(dist_prefix) and d.endswith(".dist-info")
                   and d[len(dist_prefix):len(dist_prefix) + 1].isdigit())
    if not dists:
        return False, f"no {dist_prefix}*.dist-info", None
    meta = os.path.join(site, dists[0], "METADATA")
    with open(meta, encoding="utf-8", errors="replace") as f:
        head = f.read().split("\n\n", 1)[0]
    fields = [l for l in head.splitlines() if l.startswith(("License:", "License-Expression:", "Classifier: License"))]
    ok = any(marker in l for l in fields)
    version = dists[0][len(dist_prefix):-len(".dist-info")]
    return ok, f"{dists[0]}/METADATA: {' | '.join(fields)[:200]}", version


def sources(want_npm: bool):
    out, refused = [], []
    for imp, deb, lic, marker in DEBIAN:
        root = os.path.join("/usr/lib/python3/dist-packages", imp)
        if not os.path.isdir(root):
            continue
        ok, ev = debian_licence_ok(deb, marker)
        (out if ok else refused).append({"name": f"debian:{deb}", "licence": lic, "evidence": ev, "root": root})
    site = sysconfig.get_paths()["purelib"]
    seen = set()
    for imp, dist, lic, marker in PIP:
        root = os.path.join(site, imp)
        if imp in seen or not os.path.isdir(root):
            continue
        seen.add(imp)
        ok, ev, version = pip_licence_ok(site, dist, marker)
        (out if ok else refused).append({"name": f"pip:{imp}", "licence": lic, "version": version, "evidence": ev,
                                         "root": root})
    npm, skipped = npm_sources(os.path.join(DATA, "npm-extra"), want_npm, NPM_EXTRA, project_types=False)
    for s in npm:
        s["evidence"] = "package.json license field"
    out += npm
    refused += [{"name": f"npm:{s['name']}", "licence": s["licence"], "evidence": "package.json"} for s in skipped]
    return out, refused


def line_set(text: str):
    """Normalised non-trivial lines: whitespace-insensitive, short lines (`}`, `else:`, `return`) left out."""
    return {" ".join(l.split()) for l in text.splitlines() if len(l.strip()) >= 8}


class NearDupIndex:
    """MinHash LSH over line sets; `add` returns the key of a near duplicate already indexed, or None."""

    def __init__(self, seed: int = 17):
        np = require("numpy", "python3-numpy")
        self.np = np
        rng = np.random.default_rng(seed)
        # a*h + b modulo 2^64 with odd a is a bijection of h: one random ordering of line hashes per column.
        self.a = rng.integers(0, 1 << 63, N_HASH, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        self.b = rng.integers(0, 1 << 63, N_HASH, dtype=np.uint64)
        self.buckets = [dict() for _ in range(BANDS)]
        self.sets = {}

    def signature(self, lines):
        np = self.np
        h = np.fromiter((int.from_bytes(hashlib.blake2b(l.encode("utf-8"), digest_size=8).digest(), "little")
                         for l in lines), dtype=np.uint64, count=len(lines))
        with np.errstate(over="ignore"):
            return (self.a[:, None] * h[None, :] + self.b[:, None]).min(axis=1)

    def add(self, key, text: str, index: bool = True):
        lines = line_set(text)
        if len(lines) < 3:
            return None
        sig = self.signature(sorted(lines))
        r = N_HASH // BANDS
        bands = [sig[i * r:(i + 1) * r].tobytes() for i in range(BANDS)]
        for i, band in enumerate(bands):
            for other in self.buckets[i].get(band, ()):
                o = self.sets[other]
                if len(lines & o) / len(lines | o) >= NEAR_DUP_JACCARD:
                    return other
        if index:
            self.sets[key] = lines
            for i, band in enumerate(bands):
                self.buckets[i].setdefault(band, []).append(key)
        return None


def build(corpus_dir: str, out_dir: str, want_npm: bool, max_mb: float):
    srcs, refused = sources(want_npm)
    index, exact = NearDupIndex(), set()
    t0 = time.time()
    for split in ("train", "valid", "test"):
        with open(os.path.join(corpus_dir, f"{split}.jsonl"), encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                exact.add(normalised_hash(rec["text"]))
                index.add(f"corpus:{rec['path']}", rec["text"])
    print(f"indexed the corpus ({len(index.sets)} files) in {time.time() - t0:.0f}s", flush=True)
    os.makedirs(out_dir, exist_ok=True)
    tmp = os.path.join(out_dir, "train.jsonl.tmp")
    stats, total, budget, near_examples = [], 0, int(max_mb * 1e6), []
    with open(tmp, "w", encoding="utf-8") as out:
        for src in srcs:
            st = {k: src.get(k) for k in ("name", "licence", "version", "evidence")}
            st.update({"files": 0, "bytes": 0, "by_lang": {}, "rejected": {}})
            for path in walk_files(src["root"], SKIP_DIRS + tuple(src.get("skip", ()))):
                lang = lang_of(path)
                if lang is None:
                    continue
                if total >= budget or st["bytes"] >= SOURCE_CAP:
                    st["rejected"]["over-budget"] = st["rejected"].get("over-budget", 0) + 1
                    continue
                try:
                    with open(path, "rb") as f:
                        raw = f.read()
                    text = raw.decode("utf-8")
                except (UnicodeDecodeError, OSError):
                    st["rejected"]["not-utf8"] = st["rejected"].get("not-utf8", 0) + 1
                    continue
                why = reject_reason(text, len(raw))
                rel = f"{src['name']}/{os.path.relpath(path, src['root'])}"
                if why is None:
                    h = normalised_hash(text)
                    if h in exact:
                        why = "duplicate"
                    else:
                        other = index.add(rel, text)
                        if other is not None:
                            why = "near-duplicate"
                            if len(near_examples) < 40:
                                near_examples.append([rel, other])
                        else:
                            exact.add(h)
                if why:
                    st["rejected"][why] = st["rejected"].get(why, 0) + 1
                    continue
                out.write(json.dumps({"source": src["name"], "path": rel, "lang": lang, "text": text},
                                     ensure_ascii=False) + "\n")
                st["files"] += 1
                st["bytes"] += len(raw)
                st["by_lang"][lang] = st["by_lang"].get(lang, 0) + 1
                total += len(raw)
            if st["files"]:
                stats.append(st)
            print(f"  {src['name']:<28} {st['licence']:<14} {st['files']:>5} files {st['bytes'] / 1e6:5.2f} MB "
                  f"rejected {st['rejected']}", flush=True)
    if not stats:
        raise Fatal("no extra source produced a usable file (are Debian's python3-* packages or .venv present?)")
    os.replace(tmp, os.path.join(out_dir, "train.jsonl"))
    for s in ("valid", "test"):  # empty: the held-out splits stay corpus.py's
        open(os.path.join(out_dir, f"{s}.jsonl"), "w").close()
    langs = {}
    for s in stats:
        for k, v in s["by_lang"].items():
            langs[k] = langs.get(k, 0) + v
    manifest = {"sources": stats, "refused": refused, "files": sum(s["files"] for s in stats), "bytes": total,
                "files_by_lang": langs, "near_duplicate": {"jaccard": NEAR_DUP_JACCARD, "hashes": N_HASH,
                                                           "bands": BANDS, "examples": near_examples},
                "against": os.path.relpath(corpus_dir, DATA), "tokens": None}
    write_json_atomic(os.path.join(out_dir, "manifest.json"), manifest)
    return manifest


def merge_tokens(base_dir: str, extra_npz: str, out_dir: str):
    """base train + extra train -> out/train.npz; valid/test copied: train.py reads a folder of the usual shape."""
    np = require("numpy", "python3-numpy")
    a, b = np.load(os.path.join(base_dir, "train.npz")), np.load(extra_npz)
    n = len(a["tokens"])
    ls_a = a["line_starts"][:-1]  # drop the sentinel; b's lines follow
    merged = {"tokens": np.concatenate([a["tokens"], b["tokens"]]),
              "line_starts": np.concatenate([ls_a, b["line_starts"] + n]),
              "file_lines": np.concatenate([a["file_lines"], b["file_lines"] + len(ls_a)]),
              "langs": np.concatenate([a["langs"], b["langs"]])}
    os.makedirs(out_dir, exist_ok=True)
    tmp = os.path.join(out_dir, "train.tmp.npz")
    np.savez(tmp, **merged)
    os.replace(tmp, os.path.join(out_dir, "train.npz"))
    for s in ("valid", "test"):
        shutil.copyfile(os.path.join(base_dir, f"{s}.npz"), os.path.join(out_dir, f"{s}.npz"))
    return n, len(b["tokens"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.join(DATA, "corpus"), help="corpus.py's output (indexed first)")
    ap.add_argument("--tokens", default=os.path.join(DATA, "tokens"), help="tokenizer.py's encoded corpus")
    ap.add_argument("--tokenizer", default=os.path.join(DATA, "tokenizer", "tokenizer.json"))
    ap.add_argument("--out", default=os.path.join(DATA, "corpus-extra"))
    ap.add_argument("--tokens-out", default=os.path.join(DATA, "tokens-extra"))
    ap.add_argument("--no-npm", action="store_true", help="do not install the extra npm packages (offline)")
    ap.add_argument("--max-mb", type=float, default=48.0)
    a = ap.parse_args()
    for p in (os.path.join(a.corpus, "test.jsonl"), os.path.join(a.tokens, "train.npz"), a.tokenizer):
        if not os.path.isfile(p):
            raise Fatal(f"{p} not found: build the corpus first (training/corpus.py, training/tokenizer.py)")
    m = build(a.corpus, a.out, not a.no_npm, a.max_mb)
    print(f"extra corpus: {m['files']} files, {m['bytes'] / 1e6:.1f} MB, by language {m['files_by_lang']}", flush=True)
    from training.tokenizer import encode_split, load
    t0 = time.time()
    extra_npz = os.path.join(a.out, "train.npz")
    n, per = encode_split(load(a.tokenizer), a.out, "train", extra_npz)
    for s in m["sources"]:
        s["tokens"] = per.get(s["name"], 0)
    m["tokens"] = n
    base, extra = merge_tokens(a.tokens, extra_npz, a.tokens_out)
    m["merged"] = {"corpus_train_tokens": base, "extra_train_tokens": extra, "folder": os.path.relpath(a.tokens_out, DATA)}
    write_json_atomic(os.path.join(a.out, "manifest.json"), m)
    print(f"encoded {n} tokens in {time.time() - t0:.0f}s; {a.tokens_out}/train.npz = {base} corpus + {extra} extra "
          f"tokens", flush=True)


if __name__ == "__main__":
    run_main(main)
