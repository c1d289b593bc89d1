"""How fast can workers claim trials from one PostgreSQL study, and how long is the lock held?

Starts N worker processes (tests/stub_worker.py: the runner's real claim and record path,
a stub instead of training) on one fresh grid study (6 optimizers x 48 rates = 288
trials) and lets them run it to the end. Reports claims per second (over the span from
the first claim to the last; and trials over the whole run's wall time), the wait and
hold times of the claim's lock (the claimers' turn around trial creation; or with
--claims locked, the study lock), the hold of a queue slot's row, and of Optuna's lock on
the study's row while it creates a trial, p50 and p99, and CPU per trial.

The machine's other users are measured too: the CPU time the machine spent on anything
but these workers and the server, during each run, in cores ("others").

    python scripts/bench_claims.py                       # starts its own local server
    python scripts/bench_claims.py --storage postgresql://...  --workers 1,8,32

Targets (docs/benchmarks.md): >= 50 claims/s at N = 32, lock hold p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import optuna

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autolr.store.storage import STORAGE_ENV, open_storage  # noqa: E402
from autolr.study.opening import open_study  # noqa: E402
from tests import pg_server  # noqa: E402
from tests.stub_worker import GRID_FLAGS, STUDY_ROW, LockTimes  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (no interpolation: every number reported was observed)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def server_cpu_seconds() -> float:
    """CPU time used so far by the PostgreSQL processes on this machine, including
    backends that have exited (counted in their parent's children's time)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, fields = text[text.index("(") + 1 : text.rindex(")")], text.rsplit(")", 1)[1].split()
        if name.startswith("postgres"):
            total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / ticks


def machine_busy_seconds() -> float:
    """CPU time the machine (all its cores) has spent busy so far (/proc/stat)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def stats(records: list[tuple[str, float, float]], prefix: str) -> dict:
    """p50/p99/max of the holds and waits of the locks whose name starts with `prefix`."""
    holds = [hold for lock, _, hold in records if lock.startswith(prefix)]
    waits = [wait for lock, wait, _ in records if lock.startswith(prefix)]
    if not holds:
        return {}
    return {
        "taken": len(holds),
        "hold_p50_ms": 1000 * percentile(holds, 0.50),
        "hold_p99_ms": 1000 * percentile(holds, 0.99),
        "hold_max_ms": 1000 * max(holds),
        "wait_p50_ms": 1000 * percentile(waits, 0.50),
        "wait_p99_ms": 1000 * percentile(waits, 0.99),
    }


def run(url: str, workers: int, bare: bool, mechanism: str) -> dict:
    name = f"bench-claims-{workers}-{uuid.uuid4().hex[:6]}"
    times = LockTimes()
    lock_log = logging.getLogger("autolr.store.lock")
    lock_log.addHandler(times)
    lock_log.setLevel(logging.DEBUG)
    open_study(open_storage(url), name, None, GRID_FLAGS)  # made once, as a first worker would
    lock_log.removeHandler(times)
    create_hold = max(hold for _, _, hold in times.records)
    env = {**os.environ, STORAGE_ENV: url, "PYTHONPATH": str(REPO)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.stub_worker", "--study", name, "--wait-for-go"]
            + (["--bare"] if bare else [])
            + (["--locked"] if mechanism == "locked" else []),
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    for process in processes:  # all imported and connected before anyone claims
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    load_before = os.getloadavg()[0]
    server_before, busy_before, started = server_cpu_seconds(), machine_busy_seconds(), time.time()
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
    server_cpu = server_cpu_seconds() - server_before
    busy, wall = machine_busy_seconds() - busy_before, time.time() - started
    workers_cpu = sum(r["cpu_s"] for r in reports)
    claims = sorted(t for r in reports for t in r["claimed_at"])
    records = [tuple(record) for r in reports for record in r["locks"]]
    span = claims[-1] - claims[0]
    claim_lock = "study:" if mechanism == "locked" else "create:"
    check_grid(url, name)
    return {
        "workers": workers,
        "objective": "bare" if bare else "results",
        "claims": mechanism,
        "create_hold_ms": 1000 * create_hold,
        "study": name,
        "trials": len(claims),
        "claims_per_s": (len(claims) - 1) / span if span > 0 else float("nan"),
        "claim_lock": stats(records, claim_lock),
        "slot": stats(records, "slot:"),
        "study_row": stats(records, STUDY_ROW),
        # CPU per trial, client (all workers) and server: what bounds claims/s on 2 cores.
        "client_cpu_ms_per_trial": 1000 * workers_cpu / len(claims),
        "server_cpu_ms_per_trial": 1000 * server_cpu / len(claims),
        # Everything else the machine did meanwhile (other users' jobs), in cores.
        "others_cores": max(0.0, busy - workers_cpu - server_cpu) / wall,
        "wall_s": wall,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
    }


def check_grid(url: str, name: str) -> None:
    """The grid invariant, at every N: each point finished once, nothing left running."""
    trials = optuna.load_study(study_name=name, storage=url).get_trials(deepcopy=False)
    finished = Counter(
        t.user_attrs.get("grid_point")
        for t in trials
        if t.state.is_finished() and t.state.name != "FAIL"
    )
    running = sum(not t.state.is_finished() for t in trials)
    if set(finished.values()) != {1} or len(finished) != 288 or running:
        raise SystemExit(f"grid invariant broken in {name}: {finished}, {running} unfinished")


# Columns per lock. A slot row is never waited for (SKIP LOCKED): its hold is what it adds.
COLUMNS = {
    "claim_lock": ("hold_p50_ms", "hold_p99_ms", "hold_max_ms", "wait_p50_ms", "wait_p99_ms"),
    "slot": ("hold_p50_ms", "hold_p99_ms"),
    "study_row": ("hold_p50_ms", "hold_p99_ms", "wait_p50_ms", "wait_p99_ms"),
}


def cell(row: dict, key: str, field: str, digits: int = 0) -> str:
    value = row[key].get(field)
    return "-" if value is None else f"{value:,.{digits}f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", help="a PostgreSQL URL [start a local server]")
    parser.add_argument("--workers", default="1,8,32")
    parser.add_argument(
        "--objective",
        default="results,bare",
        help="results: each trial stores what Objective stores (2 parameters, 8 results); "
        "bare: only its 2 parameters",
    )
    parser.add_argument(
        "--claims",
        default="queued",
        help="queued: the runner's claim for planned studies on PostgreSQL (slots, SKIP "
        "LOCKED); locked: under the study lock, as other studies claim (comma-separated: both)",
    )
    parser.add_argument("--out", default="bench-results/bench_claims.json")
    args = parser.parse_args()
    server = None
    url = args.storage
    if url is None:
        server = Path(tempfile.mkdtemp(prefix="autolr-bench-pg-"))
        url = pg_server.start(server)
    try:
        rows = [
            run(url, int(n), kind == "bare", mechanism)
            for mechanism in args.claims.split(",")
            for kind in args.objective.split(",")
            for n in args.workers.split(",")
        ]
    finally:
        if server is not None:
            pg_server.stop(server)
            shutil.rmtree(server, ignore_errors=True)
    print(
        "| claims | objective | workers | claims/s | 288 / wall | claim lock hold p50 | p99 "
        "| max | wait p50 | p99 | slot row hold p50 | p99 | study row hold p50 | p99 "
        "| wait p50 | p99 | CPU/trial: workers | server | others (cores) | load avg before |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    for r in rows:
        locks = [
            cell(r, lock, field, 0 if field in ("hold_max_ms", "wait_p99_ms") else 1)
            for lock, fields in COLUMNS.items()
            for field in fields
        ]
        print(
            f"| {r['claims']} | {r['objective']} | {r['workers']} | {r['claims_per_s']:.0f} | "
            f"{r['trials'] / r['wall_s']:.0f}/s | "
            + " | ".join(locks)
            + f" | {r['client_cpu_ms_per_trial']:.0f} ms | {r['server_cpu_ms_per_trial']:.0f} ms"
            f" | {r['others_cores']:.1f} | {r['load_average_before']:.1f} |"
        )
    creating = ", ".join(f"{r['create_hold_ms']:.0f}" for r in rows)
    print(f"creating each study held the lock (ms): {creating}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    machine = {"cpus": os.cpu_count(), "python": platform.python_version()}
    out.write_text(json.dumps({"machine": machine, "time": time.time(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
