"""Do two worker processes beat one on this machine? `autolr tune --jobs 1` vs `--jobs 2`.

Runs the same small grid study (fresh SQLite file each time) and reports wall time and
trials per minute. Each worker gets cores/jobs framework threads.

    python scripts/bench_jobs.py --data ../shared/data/mnist.npz
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", default="bench-results/bench_jobs.json")
    args = parser.parse_args()
    grid = [
        "--sampler",
        "grid",
        "--optimizers",
        "adam,sgd,rmsprop",
        "--lr-min",
        "1e-3",
        "--lr-max",
        "0.3",
        "--scale",
        "0.25",
        "--train-size",
        "3000",
        "--target",
        "0.95",
        "--max-steps",
        "300",
        "--data",
        args.data,
        "--quiet",
        "--no-prune",
    ]
    rows = []
    for repeat in range(args.repeats):
        for jobs in (int(j) for j in args.jobs.split(",")):
            storage = f"sqlite:///{tempfile.mkdtemp()}/jobs.db"
            command = [
                sys.executable,
                "-m",
                "autolr",
                "tune",
                "--study",
                "bench",
                "--storage",
                storage,
                "--jobs",
                str(jobs),
                *grid,
            ]
            tick = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            wall = time.perf_counter() - tick
            rows.append({"jobs": jobs, "repeat": repeat, "wall_seconds": wall})
            print(f"jobs={jobs} repeat={repeat}: {wall:.1f}s", flush=True)
    summary = {}
    for jobs in sorted({r["jobs"] for r in rows}):
        walls = [r["wall_seconds"] for r in rows if r["jobs"] == jobs]
        summary[jobs] = min(walls)
    base = summary[min(summary)]
    print(f"\n{'jobs':>5} {'best wall s':>12} {'speed-up':>9}   (cpus: {os.cpu_count()})")
    for jobs, wall in summary.items():
        print(f"{jobs:>5} {wall:>12.1f} {base / wall:>9.2f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "rows": rows,
                "best_wall_seconds": summary,
                "machine": platform.platform(),
                "cpus": os.cpu_count(),
            },
            indent=2,
        )
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
