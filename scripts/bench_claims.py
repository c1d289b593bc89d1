"""How fast can workers claim trials from one PostgreSQL study, and how long is the lock held?

Starts N worker processes (tests/stub_worker.py: the runner's real claim and record path,
a stub instead of training) on one fresh grid study (6 optimizers x 48 rates = 288
trials) and lets them run it to the end. Reports claims per second (over the span from
the first claim to the last) and the study lock's hold and wait times, p50 and p99.

    python scripts/bench_claims.py                       # starts its own local server
    python scripts/bench_claims.py --storage postgresql://...  --workers 1,8,32

Targets (docs/benchmarks.md): >= 50 claims/s at N = 32, lock hold p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autolr.study.runner import open_study  # noqa: E402
from autolr.study.storage import STORAGE_ENV, open_storage  # noqa: E402
from tests import pg_server  # noqa: E402
from tests.stub_worker import GRID_FLAGS  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (no interpolation: every number reported was observed)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def run(url: str, workers: int) -> dict:
    name = f"bench-claims-{workers}-{uuid.uuid4().hex[:6]}"
    open_study(open_storage(url), name, None, GRID_FLAGS)  # made once, as a first worker would
    env = {**os.environ, STORAGE_ENV: url, "PYTHONPATH": str(REPO)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.stub_worker", "--study", name, "--wait-for-go"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    for process in processes:  # all imported and connected before anyone claims
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    reports = []
    for process in processes:
        output, _ = process.communicate(timeout=900)
        if process.returncode != 0:
            raise SystemExit(f"a worker failed (exit {process.returncode})")
        reports.append(json.loads(output.strip().splitlines()[-1]))
    claims = sorted(t for r in reports for t in r["claimed_at"])
    holds = [hold for r in reports for _, _, hold in r["locks"]]
    waits = [wait for r in reports for _, wait, _ in r["locks"]]
    span = claims[-1] - claims[0]
    return {
        "workers": workers,
        "study": name,
        "trials": len(claims),
        "claims_per_s": (len(claims) - 1) / span if span > 0 else float("nan"),
        "locks_taken": len(holds),
        "hold_p50_ms": 1000 * percentile(holds, 0.50),
        "hold_p99_ms": 1000 * percentile(holds, 0.99),
        "hold_max_ms": 1000 * max(holds),
        "wait_p50_ms": 1000 * percentile(waits, 0.50),
        "wait_p99_ms": 1000 * percentile(waits, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", help="a PostgreSQL URL [start a local server]")
    parser.add_argument("--workers", default="1,8,32")
    parser.add_argument("--out", default="bench-results/bench_claims.json")
    args = parser.parse_args()
    server = None
    url = args.storage
    if url is None:
        server = Path(tempfile.mkdtemp(prefix="autolr-bench-pg-"))
        url = pg_server.start(server)
    try:
        rows = [run(url, int(n)) for n in args.workers.split(",")]
    finally:
        if server is not None:
            pg_server.stop(server)
            shutil.rmtree(server, ignore_errors=True)
    print(
        "| workers | trials | claims/s | lock hold p50 | p99 | max | lock wait p50 | p99 |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    for r in rows:
        print(
            f"| {r['workers']} | {r['trials']} | {r['claims_per_s']:.0f} | "
            f"{r['hold_p50_ms']:.1f} ms | {r['hold_p99_ms']:.1f} ms | {r['hold_max_ms']:.0f} ms | "
            f"{r['wait_p50_ms']:.0f} ms | {r['wait_p99_ms']:.0f} ms |"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    machine = {"cpus": os.cpu_count(), "python": platform.python_version()}
    out.write_text(json.dumps({"machine": machine, "time": time.time(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
