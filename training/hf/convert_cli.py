"""Export through the one graph builder: the TypeScript converter (`node dist/cli.js convert`, src/models/convert).
Python keeps only what needs torch (training, the torch reference passes the parity tests compare against); every
model folder the tests, the training release and the bench write comes from the product's own converter.

    convert(src, out, *flags) -> the model folder; raises Fatal with the converter's one-line message on failure
    export_main([src, out, *flags])   the same, argv-style (the removed Python exporter's argv)

dist/ is rebuilt first when any TypeScript source is newer than dist/cli.js (or it is missing), unless
DIFFUCODE_NO_BUILD=1 (a machine with a carried dist/ and no node_modules, e.g. the GPU recipe's device).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from typing import Optional, Sequence

from training.common import ROOT, Fatal

CLI = os.path.join(ROOT, "dist", "cli.js")
USAGE = 2  # the converter's exit status for bad input (one line)


def _newest_source() -> float:
    newest = 0.0
    for top in ("src", "esbuild.mjs"):
        path = os.path.join(ROOT, top)
        if os.path.isfile(path):
            newest = max(newest, os.path.getmtime(path))
            continue
        for folder, _, files in os.walk(path):
            for name in files:
                if name.endswith(".ts"):
                    newest = max(newest, os.path.getmtime(os.path.join(folder, name)))
    return newest


def ensure_built() -> str:
    """dist/cli.js, rebuilt with esbuild when stale."""
    node = shutil.which("node")
    if node is None:
        raise Fatal("node is not on PATH; models are converted by the TypeScript converter (node dist/cli.js convert)")
    if os.environ.get("DIFFUCODE_NO_BUILD") == "1":
        if not os.path.exists(CLI):
            raise Fatal(f"{CLI} is missing (DIFFUCODE_NO_BUILD=1): run node esbuild.mjs where the sources are")
        return node
    if not os.path.exists(CLI) or os.path.getmtime(CLI) < _newest_source():
        proc = subprocess.run([node, "esbuild.mjs"], cwd=ROOT, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise Fatal(f"node esbuild.mjs failed: {proc.stderr.strip()[-2000:]}")
    return node


class ConvertFailed(Fatal):
    """The converter refused or failed; `status` is its exit code (2: bad input, 1: a failure while writing)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def run_convert(argv: Sequence[str], timeout: Optional[float] = 3600) -> subprocess.CompletedProcess:
    """`node dist/cli.js convert *argv` as it is, for tests of its exit status and messages."""
    node = ensure_built()
    return subprocess.run([node, CLI, "convert", *map(str, argv)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def convert(src: str, out: str, *flags: str, timeout: Optional[float] = 3600) -> str:
    proc = run_convert([src, out, *flags], timeout)
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.strip().splitlines() if not ln.startswith("[convert]")]
        msg = lines[-1] if lines else f"exit {proc.returncode}"
        raise ConvertFailed(msg.removeprefix("diffucode convert: "), proc.returncode)
    return proc.stdout.strip().splitlines()[-1]


def export_main(argv: Sequence[str]) -> str:
    return convert(argv[0], argv[1], *argv[2:])
