"""Server configuration: one dataclass, built from `python -m diffucode_serve` flags or from a Serve config file's
`args` (the KubeRay RayService manifest in docs/serving.md uses the latter). Defaults live here only."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from typing import Any, Optional

# serve/diffucode_serve/config.py -> the package root (the folder with package.json, dist/, models/).
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass
class ServerConfig:
    # The model folder (manifest.json, model.onnx, tokenizer.json), as seen by the replicas.
    model_dir: str = os.path.join(PACKAGE_ROOT, "models", "diffucode-tiny")
    # The DiffuCode package root on the replicas' machines: dist/worker.js and serve/bridge.cjs live under it.
    root: str = PACKAGE_ROOT
    # The Node binary that runs the worker.
    node: str = "node"
    # Fixed replica count, or autoscaling between min_replicas and max_replicas when both are set.
    replicas: int = 1
    min_replicas: Optional[int] = None
    max_replicas: Optional[int] = None
    # Autoscaling aims at this many requests in flight per replica.
    target_ongoing_requests: float = 1.0
    # Requests one replica accepts at once. Its worker runs one at a time; a second one queued in the worker
    # starts without a round trip when the first ends (throughput), more only add latency.
    max_concurrent: int = 2
    # ONNX Runtime execution provider and intra-op threads of each replica's worker (None = the engine's default).
    provider: Optional[str] = None
    threads: Optional[int] = None
    # Ray resources reserved per replica; a CUDA replica asks for one GPU so Ray places it on a GPU node.
    replica_cpus: float = 1.0
    replica_gpus: float = 0.0
    # A request that takes longer is cancelled in its worker and answered 504.
    request_timeout_s: float = 60.0
    # Request bodies above this are refused with 413 before they are read.
    max_body_bytes: int = 1024 * 1024
    # The bearer token: this file, else the DIFFUCODE_SERVE_TOKEN environment variable of the replicas.
    token_file: Optional[str] = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ServerConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown server option(s): {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})")
        cfg = cls(**d)
        cfg.check()
        return cfg

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def autoscaling(self) -> bool:
        return self.min_replicas is not None and self.max_replicas is not None

    def check(self) -> None:
        if self.autoscaling:
            assert self.min_replicas is not None and self.max_replicas is not None
            if not 0 <= self.min_replicas <= self.max_replicas or self.max_replicas < 1:
                raise ValueError("autoscaling needs 0 <= min_replicas <= max_replicas and max_replicas >= 1")
        elif (self.min_replicas is None) != (self.max_replicas is None):
            raise ValueError("give both min_replicas and max_replicas for autoscaling, or neither")
        elif self.replicas < 1:
            raise ValueError("replicas must be >= 1")
        if self.max_concurrent < 1:
            raise ValueError("max_concurrent must be >= 1")
        if self.request_timeout_s <= 0:
            raise ValueError("request_timeout_s must be > 0")
        if self.max_body_bytes < 1024:
            raise ValueError("max_body_bytes must be >= 1024")
        if self.threads is not None and self.threads < 0:
            raise ValueError("threads must be >= 0")

    @property
    def worker_script(self) -> str:
        return os.path.join(self.root, "dist", "worker.js")

    @property
    def bridge(self) -> str:
        return os.path.join(self.root, "serve", "bridge.cjs")

    def most_replicas(self) -> int:
        return self.max_replicas if self.autoscaling and self.max_replicas is not None else self.replicas
