"""The Ray Serve application: an HTTP ingress (auth, limits, validation, one retry) in front of N model replicas,
each owning one DiffuCode worker process.

    client --HTTP--> Serve proxy --> Ingress (FastAPI, no model) --handle--> DiffuCodeModel replica --> worker

Two deployments rather than one so that a replica that dies mid-request (killed, out of memory, node lost) costs
the client nothing: the ingress sees the actor die and sends the same request once more, to another replica.
Infill requests are pure (same request and seed, same answer), so a retry is always safe.

Build with `build(args)` (Serve's application-builder convention: `import_path: diffucode_serve.app:build`).
"""

# No `from __future__ import annotations`: FastAPI reads the route signatures' types (Request) at run time.
import asyncio
import json
import logging
import time
from typing import Any, AsyncIterator, Optional

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from ray import serve
from ray.exceptions import ActorDiedError, ActorUnavailableError, RayActorError
from ray.serve.handle import DeploymentHandle

from .config import ServerConfig
from .http import HttpError, TokenSource, parse_json_body, status_for_worker_error, validate_infill
from .worker import EngineWorker, WorkerDied, WorkerError, WorkerOptions

# Serve routes the "ray.serve" logger of a replica to its log file (logs/serve/replica_*.log).
log = logging.getLogger("ray.serve")

APP_NAME = "diffucode"
# Workers that die this often within RESTART_WINDOW_S make the replica report itself unhealthy, so Serve replaces
# the whole replica instead of the replica restarting its worker in a loop.
MAX_RESTARTS = 3
RESTART_WINDOW_S = 60.0
# After a cancel, a worker that does not confirm within this long is stuck in a native call: kill it.
CANCEL_GRACE_S = 10.0


def _envelope_error(status: int, message: str, code: str, retry: bool = False) -> dict:
    return {"error": {"message": message, "code": code}, "status": status, "retry": retry}


@serve.deployment(health_check_period_s=2, health_check_timeout_s=10, graceful_shutdown_timeout_s=5)
class DiffuCodeModel:
    """One replica: one worker process holding the model. Answers in envelopes ({result} | {error, status,
    retry}) so that the ingress can tell a request's own failure from a replica's."""

    async def __init__(self, cfg: dict):
        self.cfg = ServerConfig.from_dict(cfg)
        self.worker: Optional[EngineWorker] = None
        self._starting: Optional[asyncio.Future] = None
        self._restarts: list[float] = []
        self.info = await self._ensure_worker()

    def _new_worker(self) -> EngineWorker:
        c = self.cfg
        return EngineWorker(
            WorkerOptions(
                node=c.node,
                bridge=c.bridge,
                worker_script=c.worker_script,
                model_dir=c.model_dir,
                provider=c.provider,
                threads=c.threads,
            )
        )

    async def _ensure_worker(self) -> dict:
        """The running worker, or a fresh one when it died (one start at a time; callers wait for it)."""
        if self.worker is not None and self.worker.alive and self.worker.info is not None:
            return self.worker.info
        return await asyncio.shield(self._kick_start())

    def _kick_start(self) -> asyncio.Future:
        if self._starting is None or self._starting.done():
            self._starting = asyncio.ensure_future(self._start_worker())
        return self._starting

    async def _start_worker(self) -> dict:
        if self.worker is not None:
            log.warning("restarting the DiffuCode worker: %s", self.worker.exit_reason)
            self.worker.kill()
            now = time.monotonic()
            self._restarts = [t for t in self._restarts if now - t < RESTART_WINDOW_S] + [now]
        w = self._new_worker()
        self.worker = w
        info = await w.start()
        log.info("DiffuCode worker pid %s ready: model %s on %s", w.worker_pid, info.get("name"), info.get("provider"))
        return info

    async def check_health(self) -> None:
        # Serve calls this every health_check_period_s; raising makes it replace the replica. Async so that it runs
        # on the replica's event loop (the worker's pump lives there), never in a thread pool.
        if len(self._restarts) >= MAX_RESTARTS:
            raise RuntimeError(f"the DiffuCode worker died {len(self._restarts)} times within {RESTART_WINDOW_S:.0f} s")
        if self.worker is None or not self.worker.alive:
            # Dead between requests: restart it now rather than on the next request.
            start = self._kick_start()
            start.add_done_callback(lambda f: f.cancelled() or f.exception())  # failures surface on the next request

    async def model_info(self) -> dict:
        info = await self._ensure_worker()
        w = self.worker
        return {
            **{k: v for k, v in info.items() if k not in ("modelDir", "cardPath")},
            "replica": {
                "threads": self.cfg.threads,
                "maxConcurrent": self.cfg.max_concurrent,
                "cancelled": w.cancelled if w else 0,
                "maxPassesAfterCancel": w.max_passes_after_cancel if w else 0,
            },
        }

    async def infill(self, request: dict) -> dict:
        async for ev in self._run(request, progress=False):
            if "progress" not in ev:
                return ev
        return _envelope_error(500, "the worker ended the request without an answer", "internal")

    async def infill_stream(self, request: dict) -> AsyncIterator[dict]:
        async for ev in self._run(request, progress=True):
            yield ev

    async def _run(self, request: dict, progress: bool) -> AsyncIterator[dict]:
        try:
            await self._ensure_worker()
        except Exception as e:  # noqa: BLE001 - reported to the client, and the next request tries again
            yield _envelope_error(503, f"the model could not be loaded on this replica: {e}", "unavailable", retry=True)
            return
        assert self.worker is not None
        worker = self.worker
        gen = worker.infill(request, progress)
        deadline = time.monotonic() + self.cfg.request_timeout_s
        try:
            while True:
                left = deadline - time.monotonic()
                try:
                    kind, payload = await asyncio.wait_for(gen.__anext__(), timeout=max(left, 0.001))
                except StopAsyncIteration:
                    return
                if kind == "progress":
                    yield {"progress": payload}
                else:
                    yield {"result": payload}
                    return
        except asyncio.TimeoutError:
            self._watch_cancel(worker)
            yield _envelope_error(
                504,
                f"the model did not finish within {self.cfg.request_timeout_s:g} s (the server's request timeout); "
                "it was cancelled. Ask for fewer tokens or steps, or raise the timeout.",
                "timeout",
            )
        except WorkerDied as e:
            yield _envelope_error(503, str(e), "worker_died", retry=True)
        except WorkerError as e:
            status = status_for_worker_error(e.name, e.code)
            yield _envelope_error(status, str(e), (e.code or e.name).lower())
        finally:
            # Cancelled by Serve (client gone) or closed early: closing the generator sends the worker `cancel`.
            await gen.aclose()

    def _watch_cancel(self, worker: EngineWorker) -> None:
        """A timed-out request was cancelled; if the worker is wedged in a native call and never confirms, it is
        killed so the replica restarts it instead of queueing behind it forever."""
        before = worker.cancelled

        async def watch() -> None:
            await asyncio.sleep(CANCEL_GRACE_S)
            if worker.alive and worker.cancelled == before:
                log.warning("the worker did not stop within %.0f s of a cancel; killing it", CANCEL_GRACE_S)
                worker.kill()

        asyncio.ensure_future(watch())

    def __del__(self) -> None:
        # Graceful replica shutdown (serve.shutdown, scale-down): stop the worker now. A replica killed outright
        # never gets here; its bridge then sees stdin close and stops the worker itself.
        if getattr(self, "worker", None) is not None:
            self.worker.close()


api = FastAPI(title="DiffuCode", docs_url=None, redoc_url=None, openapi_url=None)


def _json_error(e: HttpError) -> JSONResponse:
    return JSONResponse(e.body(), status_code=e.status, headers=e.headers)


# Retry once on these: the replica's actor died or became unreachable. Its request never finished, and infill is
# pure, so sending it again to another replica is safe.
_REPLICA_GONE = (ActorDiedError, ActorUnavailableError, RayActorError)


@serve.deployment(ray_actor_options={"num_cpus": 0}, max_ongoing_requests=1000)
@serve.ingress(api)
class Ingress:
    def __init__(self, model: DeploymentHandle, cfg: dict):
        self.cfg = ServerConfig.from_dict(cfg)
        self.model = model
        self.tokens = TokenSource(self.cfg.token_file)
        self.retries = 0

    # -- routes -------------------------------------------------------------------------------------------------

    @api.get("/healthz")
    async def healthz(self) -> JSONResponse:
        # Unauthenticated on purpose (load balancers, Kubernetes probes): says nothing but "up".
        return JSONResponse({"status": "ok"})

    @api.get("/v1/model")
    async def model(self, request: Request) -> JSONResponse:
        try:
            self.tokens.check(request.headers.get("authorization"))
        except HttpError as e:
            return _json_error(e)
        info = await self.model.model_info.remote()
        c = self.cfg
        info["server"] = {
            "replicas": c.replicas if not c.autoscaling else {"min": c.min_replicas, "max": c.max_replicas},
            "maxConcurrentPerReplica": c.max_concurrent,
            "requestTimeoutSeconds": c.request_timeout_s,
            "maxBodyBytes": c.max_body_bytes,
            "retriedRequests": self.retries,
        }
        return JSONResponse(info)

    @api.post("/v1/infill")
    async def infill(self, request: Request):
        try:
            self.tokens.check(request.headers.get("authorization"))
            body = await self._read_body(request)
            req = validate_infill(parse_json_body(body))
        except HttpError as e:
            return _json_error(e)
        wants_stream = "text/event-stream" in request.headers.get("accept", "") or request.query_params.get("stream") in ("1", "true")
        if wants_stream:
            return StreamingResponse(
                self._sse(req),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
            )
        out = await self._with_retry(lambda: self.model.infill.remote(req))
        if "result" in out:
            return JSONResponse(out["result"])
        return JSONResponse({"error": out["error"]}, status_code=out["status"])

    # -- helpers ------------------------------------------------------------------------------------------------

    async def _read_body(self, request: Request) -> bytes:
        limit = self.cfg.max_body_bytes
        too_big = HttpError(413, f"request body larger than {limit} bytes (the server's max_body_bytes)", "too_large")
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise too_big
        chunks: list[bytes] = []
        size = 0
        # Chunked bodies have no length up front: count while reading and stop at the limit.
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_big
            chunks.append(chunk)
        return b"".join(chunks)

    async def _with_retry(self, call) -> dict:
        for attempt in (1, 2):
            response = call()
            try:
                out = await response
            except asyncio.CancelledError:
                # The client went away. Serve's own propagation of that to the replica is best effort (a stream
                # queued in a busy worker was seen to run to the end): cancel the downstream call explicitly.
                response.cancel()
                raise
            except _REPLICA_GONE as e:
                if attempt == 2:
                    return _envelope_error(503, f"two replicas failed in a row: {type(e).__name__}", "unavailable")
                self._note_retry(type(e).__name__)
                continue
            if out.get("retry") and attempt == 1:
                self._note_retry(out["error"]["code"])
                continue
            return out
        raise AssertionError("unreachable")

    def _note_retry(self, why: str) -> None:
        self.retries += 1
        log.warning("a replica failed (%s); retrying the request once on another replica", why)

    async def _sse(self, req: dict) -> AsyncIterator[str]:
        def event(name: str, data: Any) -> str:
            return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"

        for attempt in (1, 2):
            stream = self.model.options(stream=True).infill_stream.remote(req)
            try:
                async for ev in stream:
                    if "progress" in ev:
                        yield event("progress", ev["progress"])
                    elif "result" in ev:
                        yield event("result", ev["result"])
                        return
                    elif ev.get("retry") and attempt == 1:
                        self._note_retry(ev["error"]["code"])
                        break
                    else:
                        yield event("error", {**ev["error"], "status": ev["status"]})
                        return
            except (asyncio.CancelledError, GeneratorExit):
                # The client closed the stream: stop the replica's work now (see _with_retry).
                stream.cancel()
                raise
            except _REPLICA_GONE as e:
                if attempt == 2:
                    yield event("error", {"message": f"two replicas failed in a row: {type(e).__name__}", "code": "unavailable", "status": 503})
                    return
                self._note_retry(type(e).__name__)
            # A retried stream starts its progress over; clients take each progress event as the whole state.
        yield event("error", {"message": "the request failed on two replicas", "code": "unavailable", "status": 503})


def build(args: dict) -> serve.Application:
    """Serve application builder. `args` are ServerConfig fields."""
    cfg = ServerConfig.from_dict(args)
    opts: dict[str, Any] = {
        "max_ongoing_requests": cfg.max_concurrent,
        "ray_actor_options": {"num_cpus": cfg.replica_cpus, "num_gpus": cfg.replica_gpus},
    }
    if cfg.autoscaling:
        opts["autoscaling_config"] = {
            "min_replicas": cfg.min_replicas,
            "max_replicas": cfg.max_replicas,
            "target_ongoing_requests": cfg.target_ongoing_requests,
        }
    else:
        opts["num_replicas"] = cfg.replicas
    model = DiffuCodeModel.options(**opts).bind(cfg.to_dict())
    return Ingress.bind(model, cfg.to_dict())
