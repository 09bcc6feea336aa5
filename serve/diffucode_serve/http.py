"""The HTTP edge, free of Ray so it can be unit-tested: the bearer token, the body limit, request shape checks.

Everything here runs before a request reaches a model replica, so a bad or unauthenticated request costs no
model time.
"""

from __future__ import annotations

import hmac
import json
import os
import stat
from typing import Any, Optional

TOKEN_ENV = "DIFFUCODE_SERVE_TOKEN"
MIN_TOKEN_CHARS = 16


class HttpError(Exception):
    def __init__(self, status: int, message: str, code: str, headers: Optional[dict] = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"message": str(self), "code": self.code}}


class TokenSource:
    """The server's bearer token, from a file (re-read when it changes, so a token can be rotated without a
    restart) or from the DIFFUCODE_SERVE_TOKEN environment variable. The token itself is never logged, put in an
    error message or passed through Ray: replicas read it from the file or their own environment."""

    def __init__(self, token_file: Optional[str]):
        self.token_file = token_file
        self._mtime: Optional[float] = None
        self._token: Optional[bytes] = None
        self.load()

    def load(self) -> None:
        if self.token_file:
            try:
                st = os.stat(self.token_file)
            except OSError as e:
                raise ValueError(f"cannot read the token file {self.token_file}: {e.strerror}") from None
            if st.st_mtime == self._mtime and self._token is not None:
                return
            with open(self.token_file, "rb") as f:
                raw = f.read().strip()
            where = f"the token file {self.token_file}"
            self._mtime = st.st_mtime
        else:
            raw = os.environ.get(TOKEN_ENV, "").strip().encode("utf-8")
            where = f"${TOKEN_ENV}"
            if not raw:
                raise ValueError(f"no token: give a token file or set {TOKEN_ENV}")
        if len(raw) < MIN_TOKEN_CHARS or any(c < 0x21 or c > 0x7E for c in raw):
            raise ValueError(
                f"{where} must hold one token of at least {MIN_TOKEN_CHARS} printable characters without spaces "
                "(make one with: head -c 32 /dev/urandom | base64 > FILE)"
            )
        self._token = raw

    def check(self, authorization: Optional[str]) -> None:
        """Raises HttpError(401) unless `authorization` is `Bearer <token>`. Constant-time comparison."""
        if self.token_file:
            try:
                self.load()
            except ValueError:
                # The file vanished or went bad mid-flight: keep the last good token rather than locking out.
                pass
        challenge = {"WWW-Authenticate": 'Bearer realm="diffucode"'}
        if not authorization:
            raise HttpError(401, "missing bearer token (send 'Authorization: Bearer <token>')", "unauthorized", challenge)
        scheme, _, given = authorization.partition(" ")
        assert self._token is not None
        # compare_digest takes the same time wherever the first difference is, so timing does not leak the token.
        ok = scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("utf-8", "replace"), self._token)
        if not ok:
            raise HttpError(401, "invalid bearer token", "unauthorized", challenge)


def token_file_warning(path: str) -> Optional[str]:
    """A warning when the token file can be read by other users (it is a password)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        return f"the token file {path} is readable by other users; consider: chmod 600 {path}"
    return None


def parse_json_body(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise HttpError(400, f"request body is not valid JSON: {e}", "bad_json") from None


def validate_infill(req: Any) -> dict:
    """Shape checks of the engine's InfillRequest (src/engine/types.ts), with messages that name the field.
    The engine validates values again (sampler ranges, context fit) and its errors come back as 400 too."""

    def bad(msg: str) -> HttpError:
        return HttpError(400, f"invalid infill request: {msg}", "bad_request")

    if not isinstance(req, dict):
        raise bad("the body must be a JSON object {pieces, gaps, sampler?, budget?}")
    unknown = set(req) - {"pieces", "gaps", "sampler", "budget"}
    if unknown:
        raise bad(f"unknown field(s): {', '.join(sorted(unknown))}")
    pieces, gaps = req.get("pieces"), req.get("gaps")
    if not isinstance(pieces, list) or not all(isinstance(p, str) for p in pieces):
        raise bad('"pieces" must be an array of strings')
    if not isinstance(gaps, list) or not gaps:
        raise bad('"gaps" must be a non-empty array')
    if len(pieces) != len(gaps) + 1:
        raise bad(f'"pieces" must have one more element than "gaps" (got {len(pieces)} pieces, {len(gaps)} gaps)')
    for i, g in enumerate(gaps):
        if not isinstance(g, dict):
            raise bad(f"gaps[{i}] must be an object {{maxTokens, singleLine?}}")
        n = g.get("maxTokens")
        if not isinstance(n, int) or isinstance(n, bool) or n < 1 or n > 4096:
            raise bad(f"gaps[{i}].maxTokens must be an integer from 1 to 4096")
        if "singleLine" in g and not isinstance(g["singleLine"], bool):
            raise bad(f"gaps[{i}].singleLine must be true or false")
    for key in ("sampler", "budget"):
        if key in req and req[key] is not None and not isinstance(req[key], dict):
            raise bad(f'"{key}" must be an object')
    return req


# Engine error codes (EngineError.code in src/engine) that mean "this request cannot be served as asked", as
# opposed to "the server failed" (BAD_MODEL, INTERNAL, UNLOADED: 500).
_CLIENT_CODES = {"BAD_REQUEST", "TOO_LONG", "BAD_SAMPLER", "BAD_OPTION"}


def status_for_worker_error(name: str, code: Optional[str]) -> int:
    if name == "AbortError":
        return 499
    if code in _CLIENT_CODES or name in ("RangeError", "TypeError", "MarkerError"):
        return 400
    return 500
