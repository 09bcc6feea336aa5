"""One DiffuCode worker process, driven from asyncio over serve/bridge.cjs.

The replica never reimplements the engine: it spawns `node bridge.cjs dist/worker.js` and speaks the worker's own
protocol (src/worker/protocol.ts) as JSON lines, so a fill from the server is the fill the editor would get. The
worker runs one request at a time and queues the rest; cancelling sends the protocol's `cancel`, and the worker
stops within one denoising step.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Optional

# Serve routes the "ray.serve" logger of a replica to its log file (logs/serve/replica_*.log).
log = logging.getLogger("ray.serve")

# Progress messages carry every gap's text; a long multi-gap request can make a line of several hundred kB.
_LINE_LIMIT = 64 * 1024 * 1024


class WorkerDied(Exception):
    """The worker process exited while requests were pending. Infill requests are pure, so callers may retry."""


class WorkerError(Exception):
    """The worker answered a request with an error (the protocol's WireError)."""

    def __init__(self, wire: dict):
        super().__init__(wire.get("message", "worker error"))
        self.name = wire.get("name", "Error")
        self.code = wire.get("code")
        self.wire = wire


@dataclass
class _Pending:
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)


@dataclass
class WorkerOptions:
    node: str
    bridge: str
    worker_script: str
    model_dir: str
    provider: Optional[str] = None
    threads: Optional[int] = None


class EngineWorker:
    """The worker process and its message pump. All methods run on one event loop (the replica's)."""

    def __init__(self, opts: WorkerOptions):
        self.opts = opts
        self.proc: Optional[asyncio.subprocess.Process] = None
        self.worker_pid: Optional[int] = None
        self.info: Optional[dict] = None
        self._next_id = 1
        self._pending: dict[int, _Pending] = {}
        self._reader: Optional[asyncio.Task] = None
        self._stderr: Optional[asyncio.Task] = None
        self.exit_reason: Optional[str] = None
        # Cancellations the worker has confirmed, with how many forward passes it STARTED after the cancel
        # arrived (0 = only the pass already running finished): the server's evidence that a cancelled request
        # freed its replica within one denoising step.
        self.cancelled = 0
        self.max_passes_after_cancel = 0

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None and self.exit_reason is None

    async def start(self) -> dict:
        """Spawns the worker and loads the model; returns the engine's ModelInfo. Raises on a bad model folder."""
        o = self.opts
        for path, what in ((o.bridge, "bridge script"), (o.worker_script, "worker script (run `node esbuild.mjs`)")):
            if not os.path.isfile(path):
                raise FileNotFoundError(f"DiffuCode {what} not found: {path}")
        self.proc = await asyncio.create_subprocess_exec(
            o.node,
            o.bridge,
            o.worker_script,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=_LINE_LIMIT,
        )
        self._reader = asyncio.ensure_future(self._read_messages())
        self._stderr = asyncio.ensure_future(self._read_stderr())
        config: dict[str, Any] = {"modelDir": o.model_dir}
        if o.provider:
            config["executionProvider"] = o.provider
        if o.threads:
            config["threads"] = o.threads
        self._send({"type": "init", "config": config})
        self.info = await self._call({"type": "load"})
        return self.info

    async def infill(self, request: dict, progress: bool) -> AsyncIterator[tuple[str, Any]]:
        """Yields ("progress", StepProgress)* then ("result", InfillResult). Raises WorkerError / WorkerDied.

        Closing the generator early (the HTTP client went away, Serve cancelled the call, a timeout) sends the
        protocol's `cancel` for this request.
        """
        rid, pending = self._open()
        finished = False
        try:
            self._send({"type": "infill", "id": rid, "request": request, "progress": progress})
            while True:
                kind, payload = await pending.queue.get()
                if kind == "progress":
                    yield kind, payload
                    continue
                finished = True
                if kind == "result":
                    yield kind, payload
                    return
                raise payload
        finally:
            if not finished and self.alive:
                self._send({"type": "cancel", "id": rid})
                # The worker confirms with an AbortError; wait for it in the background so that the count of
                # passes after the cancel is recorded without holding the caller.
                asyncio.ensure_future(self._await_cancel(rid, pending))
            elif finished:
                self._pending.pop(rid, None)

    async def _await_cancel(self, rid: int, pending: _Pending) -> None:
        try:
            while True:
                kind, payload = await asyncio.wait_for(pending.queue.get(), timeout=30)
                if kind == "progress":
                    continue
                if isinstance(payload, WorkerError) and payload.name == "AbortError":
                    self.cancelled += 1
                    after = int(payload.wire.get("passesStartedAfterCancel", 0) or 0)
                    self.max_passes_after_cancel = max(self.max_passes_after_cancel, after)
                    log.info("request %d cancelled; the worker started %d forward pass(es) after the cancel", rid, after)
                return
        except asyncio.TimeoutError:
            log.warning("request %d: the worker did not confirm a cancel within 30 s", rid)
        finally:
            self._pending.pop(rid, None)

    def close(self) -> None:
        """Stops the worker: closing the bridge's stdin makes it send `shutdown` (and SIGKILL after 2 s)."""
        self.exit_reason = self.exit_reason or "shut down"
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        try:
            if proc.stdin and not proc.stdin.is_closing():
                proc.stdin.close()
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass

    async def wait_closed(self, timeout: float = 5.0) -> None:
        if self.proc is None:
            return
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except asyncio.TimeoutError:
            self.proc.kill()
            await self.proc.wait()

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()

    # -- message pump -------------------------------------------------------------------------------------------

    def _open(self) -> tuple[int, _Pending]:
        if not self.alive:
            raise WorkerDied(f"DiffuCode worker is not running ({self.exit_reason or 'not started'})")
        rid = self._next_id
        self._next_id += 1
        pending = _Pending()
        self._pending[rid] = pending
        return rid, pending

    async def _call(self, msg: dict) -> Any:
        rid, pending = self._open()
        try:
            self._send({**msg, "id": rid})
            while True:
                kind, payload = await pending.queue.get()
                if kind == "progress":
                    continue
                if kind == "error":
                    raise payload
                return payload
        finally:
            self._pending.pop(rid, None)

    def _send(self, msg: dict) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        if self.proc.stdin.is_closing():
            raise WorkerDied(f"DiffuCode worker is not running ({self.exit_reason or 'stdin closed'})")
        self.proc.stdin.write((json.dumps(msg, separators=(",", ":")) + "\n").encode("utf-8"))

    async def _read_messages(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        try:
            while True:
                line = await self.proc.stdout.readline()
                if not line:
                    break
                try:
                    m = json.loads(line)
                except ValueError:
                    log.warning("worker bridge sent a line that is not JSON: %.200r", line)
                    continue
                self._dispatch(m)
        finally:
            code = await self.proc.wait()
            self.exit_reason = self.exit_reason or f"worker exited with code {code}"
            err = WorkerDied(f"DiffuCode worker died ({self.exit_reason}); the request can be retried")
            for p in list(self._pending.values()):
                p.queue.put_nowait(("error", err))

    def _dispatch(self, m: dict) -> None:
        t = m.get("type")
        if t == "started":
            self.worker_pid = m.get("pid")
        elif t == "log":
            log.info("[worker] %s", m.get("line"))
        elif t == "state":
            if m.get("state") == "error":
                log.warning("worker state error: %s", m.get("message"))
        elif t in ("progress", "result", "loaded", "error"):
            p = self._pending.get(m.get("id"))
            if p is None:
                return
            if t == "progress":
                p.queue.put_nowait(("progress", m["progress"]))
            elif t == "error":
                p.queue.put_nowait(("error", WorkerError(m.get("error") or {})))
            else:
                p.queue.put_nowait((t, m["result"] if t == "result" else m["info"]))

    async def _read_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        while True:
            line = await self.proc.stderr.readline()
            if not line:
                return
            log.info("[worker stderr] %s", line.decode("utf-8", "replace").rstrip())
