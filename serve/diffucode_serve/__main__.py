"""`python -m diffucode_serve`: start (or join) Ray, deploy the DiffuCode application, print its URL, and on
SIGINT / SIGTERM (or, with --stop-on-stdin-eof, when the parent that launched us goes away) take everything down
and leave no process behind. `diffucode serve` (src/cli/serve.ts) is the usual way in."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time

from .config import PACKAGE_ROOT, ServerConfig
from .http import TOKEN_ENV, TokenSource, token_file_warning

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def parse(argv: list[str]) -> tuple[argparse.Namespace, ServerConfig]:
    d = ServerConfig()
    p = argparse.ArgumentParser(prog="diffucode serve", description="Serve a DiffuCode model over HTTP with Ray Serve.")
    p.add_argument("--model", default=d.model_dir, help="model folder (default: the embedded model)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--replicas", type=int, default=d.replicas, help="fixed number of model replicas")
    p.add_argument("--min-replicas", type=int, help="autoscaling lower bound (with --max-replicas)")
    p.add_argument("--max-replicas", type=int, help="autoscaling upper bound (with --min-replicas)")
    p.add_argument("--target-ongoing", type=float, default=d.target_ongoing_requests, help="autoscaling: requests in flight per replica")
    p.add_argument("--max-concurrent", type=int, default=d.max_concurrent, help="requests one replica accepts at once")
    p.add_argument("--threads", type=int, help="ONNX Runtime intra-op threads per replica")
    p.add_argument("--provider", help="execution provider per replica: cpu | cuda | ... (falls back to cpu)")
    p.add_argument("--replica-cpus", type=float, default=d.replica_cpus, help="Ray CPUs reserved per replica")
    p.add_argument("--replica-gpus", type=float, help="Ray GPUs per replica (default 1 with --provider cuda, else 0)")
    p.add_argument("--timeout", type=float, default=d.request_timeout_s, help="request timeout, seconds")
    p.add_argument("--max-body-bytes", type=int, default=d.max_body_bytes)
    p.add_argument("--token-file", help=f"file holding the bearer token (else ${TOKEN_ENV})")
    p.add_argument("--address", help="join this Ray cluster (e.g. auto, ray://head:10001) instead of starting a local head")
    p.add_argument("--num-cpus", type=float, help="CPUs the local Ray head offers (default: what the replicas need)")
    p.add_argument("--temp-dir", help="Ray's session folder for the local head (logs land under it)")
    p.add_argument("--node", default=d.node, help="Node binary that runs the worker")
    p.add_argument("--root", default=PACKAGE_ROOT, help="DiffuCode package root (dist/worker.js, serve/bridge.cjs)")
    p.add_argument("--stop-on-stdin-eof", action="store_true", help="shut down when standard input closes (the launching process died)")
    a = p.parse_args(argv)
    gpus = a.replica_gpus if a.replica_gpus is not None else (1.0 if (a.provider or "").lower() == "cuda" else 0.0)
    cfg = ServerConfig.from_dict(
        {
            "model_dir": os.path.abspath(a.model),
            "root": os.path.abspath(a.root),
            "node": a.node,
            "replicas": a.replicas,
            "min_replicas": a.min_replicas,
            "max_replicas": a.max_replicas,
            "target_ongoing_requests": a.target_ongoing,
            "max_concurrent": a.max_concurrent,
            "provider": a.provider,
            "threads": a.threads,
            "replica_cpus": a.replica_cpus,
            "replica_gpus": gpus,
            "request_timeout_s": a.timeout,
            "max_body_bytes": a.max_body_bytes,
            "token_file": os.path.abspath(a.token_file) if a.token_file else None,
        }
    )
    return a, cfg


def preflight(a: argparse.Namespace, cfg: ServerConfig) -> None:
    """Everything that can be checked before Ray starts (seconds) rather than in a replica's log."""
    if not os.path.isfile(os.path.join(cfg.model_dir, "manifest.json")):
        raise SystemExit(f"diffucode serve: {cfg.model_dir} is not a model folder (no manifest.json)")
    if not os.path.isfile(cfg.worker_script):
        raise SystemExit(f"diffucode serve: {cfg.worker_script} is missing; build it with `node esbuild.mjs`")
    try:
        TokenSource(cfg.token_file)
    except ValueError as e:
        raise SystemExit(f"diffucode serve: {e}") from None
    if cfg.token_file and (w := token_file_warning(cfg.token_file)):
        print(f"diffucode serve: warning: {w}", file=sys.stderr)
    if a.host not in LOOPBACK:
        print(
            f"diffucode serve: warning: listening on {a.host}, reachable from other machines. The bearer token "
            "travels in clear text over plain HTTP: put a TLS proxy in front.",
            file=sys.stderr,
        )


def own_descendants() -> set[int]:
    """Pids of every process below this one (Linux /proc; elsewhere empty). Taken before shutdown so that any
    straggler (a Ray worker, a bridge, a Node worker) can be waited for and, if it lingers, killed by pid."""
    children: dict[int, list[int]] = {}
    try:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read().decode("utf-8", "replace")
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    except OSError:
        return set()
    out: set[int] = set()
    todo = [os.getpid()]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().decode("utf-8", "replace").rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def main(argv: list[str]) -> int:
    a, cfg = parse(argv)
    preflight(a, cfg)
    # No phoning home: Ray's usage statistics are the only thing it would send off this machine.
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    # Replicas import this package: put serve/ on their path (workers inherit the raylet's environment).
    serve_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (serve_dir, os.environ.get("PYTHONPATH", "")) if p)

    stop = threading.Event()

    def on_signal(*_: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    if a.stop_on_stdin_eof:

        def watch_stdin() -> None:
            # os.read, not sys.stdin: a daemon thread blocked inside the buffered reader aborts interpreter shutdown.
            try:
                while os.read(0, 4096):
                    pass
            except OSError:
                pass
            stop.set()

        threading.Thread(target=watch_stdin, daemon=True).start()

    import ray
    from ray import serve

    from .app import APP_NAME, build

    local = a.address is None
    t0 = time.monotonic()
    if local:
        num_cpus = a.num_cpus if a.num_cpus is not None else max(1.0, cfg.replica_cpus * cfg.most_replicas())
        ray.init(
            num_cpus=int(num_cpus + 0.999),
            num_gpus=int(cfg.replica_gpus * cfg.most_replicas() + 0.999) or None,
            include_dashboard=False,
            # The object store only carries small JSON dicts here; the default (30 % of RAM) reserves GBs of /dev/shm.
            object_store_memory=128 * 1024 * 1024,
            _node_ip_address="127.0.0.1" if a.host in LOOPBACK else None,
            _temp_dir=a.temp_dir,
            log_to_driver=False,
            logging_level=logging.WARNING,
            configure_logging=True,
        )
    else:
        ray.init(address=a.address, log_to_driver=False, logging_level=logging.WARNING)
    # ray.init puts its own SIGTERM handler in (it aborts the process with a stack dump): take the signals back so
    # that SIGTERM shuts down as cleanly as Ctrl+C.
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    logging.getLogger("ray.serve").setLevel(logging.WARNING)
    code = 0
    try:
        serve.start(http_options={"host": a.host, "port": a.port, "request_timeout_s": cfg.request_timeout_s + 30})
        if stop.is_set():
            return 130
        serve.run(build(cfg.to_dict()), name=APP_NAME, route_prefix="/", blocking=False)
        host = f"[{a.host}]" if ":" in a.host else a.host
        n = f"{cfg.min_replicas}-{cfg.max_replicas} (autoscaling)" if cfg.autoscaling else str(cfg.replicas)
        logs = ray.get_runtime_context().gcs_address if not local else os.path.join(a.temp_dir or "/tmp/ray", "session_latest", "logs")
        print(f"DiffuCode server ready at http://{host}:{a.port} ({n} replica(s) of {os.path.basename(cfg.model_dir)}, "
              f"started in {time.monotonic() - t0:.0f} s; logs: {logs}). Ctrl+C stops it.", flush=True)
        while not stop.wait(0.5):
            pass
        print("diffucode serve: shutting down", file=sys.stderr, flush=True)
    except Exception as e:  # noqa: BLE001 - report, then still clean up
        print(f"diffucode serve: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        why = deployment_failure(serve)
        if why:
            print(f"diffucode serve: the replicas failed to start: {why}", file=sys.stderr, flush=True)
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        before = own_descendants()
        try:
            if local:
                serve.shutdown()
            else:
                serve.delete(APP_NAME)
        except Exception as e:  # noqa: BLE001
            print(f"diffucode serve: shutting Serve down: {e}", file=sys.stderr)
        ray.shutdown()
        if local:
            reap(before)
    return code


def deployment_failure(serve) -> str:
    """The replicas' own error when a deployment failed (a bad model folder, a missing Node): Serve's exception
    only says that it failed; the deployment status holds the replica's traceback, whose last line says why."""
    try:
        from .app import APP_NAME

        app = serve.status().applications.get(APP_NAME)
        for d in (app.deployments.values() if app else []):
            lines = [l.strip() for l in (d.message or "").splitlines() if l.strip()]
            if lines and d.status != "HEALTHY":
                return lines[-1][:2000]
    except Exception:  # noqa: BLE001 - only a better message is lost
        pass
    return ""


def reap(pids: set[int], grace_s: float = 10.0) -> None:
    """Waits for the processes this server started to exit; kills (by pid) any still there after the grace."""
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        left = [p for p in pids if alive(p)]
        if not left:
            return
        time.sleep(0.2)
    for p in pids:
        if alive(p):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
