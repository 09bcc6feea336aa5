"""Small helpers shared by the training scripts: paths, fatal errors, package checks, atomic writes."""
import json
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAINING = os.path.join(ROOT, "training")
DATA = os.path.join(TRAINING, "data")

# The special tokens every DiffuCode-tiny tokenizer carries; ids are fixed so manifests, tests and the engine agree.
EOS, MASK, BOS = "<|endoftext|>", "<|mask|>", "<|beginoftext|>"
SPECIALS = [EOS, MASK, BOS]
EOS_ID, MASK_ID, BOS_ID = 0, 1, 2


class Fatal(Exception):
    """An error with a message meant for the user; scripts print it and exit non-zero (no traceback)."""


def die(msg: str, code: int = 2) -> None:
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(code)


def run_main(main) -> None:
    """Runs a script's main, turning Fatal into a one-line message and exit status 2."""
    try:
        main()
    except Fatal as e:
        die(str(e))


def require(module: str, debian_pkg: str):
    """Imports a module or stops with the Debian package that provides it (the only registry these machines reach)."""
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError:
        raise Fatal(f"python module '{module}' is missing: create the project's environment "
                    f"(`python3 -m venv .venv && .venv/bin/pip install -r training/requirements.txt`) and run "
                    f"with .venv/bin/python (Debian: `apt-get install {debian_pkg}` and /usr/bin/python3 also work)")


def file_sha256(path: str) -> str:
    """Fingerprint of a file (a checkpoint), so a result can say which weights it belongs to."""
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json_atomic(path: str, obj) -> None:
    write_bytes_atomic(path, (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def write_bytes_atomic(path: str, data: bytes) -> None:
    """Write to a temp file in the same folder then rename, so a crash never leaves a half-written file."""
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; these files are shipped and read by others
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
