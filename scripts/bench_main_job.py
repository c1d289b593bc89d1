"""The README's main job, timed: does it answer on a laptop within 10 minutes?

Runs exactly the README's command (`autolr tune --study mnist --sampler tpe`) in a fresh
folder with an empty home and no $AUTOLR_MNIST, as on a new machine offline (it reads the
MNIST images shipped with autolr), then `autolr best --json`, and checks the answer
against the full grid of the same setup (the mnist preset is bench_search.py's `cnn`
model, whose grid is cached in bench-results/search/grid-cnn.json). Prints a table and
writes JSON.

    python scripts/bench_main_job.py --grid bench-results/search/grid-cnn.json
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

import optuna

TARGET_SECONDS = 600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", required=True)
    parser.add_argument("--out", default="bench-results/bench_main_job.json")
    args = parser.parse_args()
    truth = json.loads(Path(args.grid).read_text())
    work = Path(tempfile.mkdtemp(prefix="autolr-main-job-"))
    command = [sys.executable, "-m", "autolr", "tune", "--study", "mnist", "--sampler", "tpe"]
    command += ["--quiet"]
    env = {k: v for k, v in os.environ.items() if k not in ("AUTOLR_STORAGE", "AUTOLR_MNIST")}
    env["HOME"] = str(work)  # no Keras cache: nothing but what ships with autolr
    load_before = os.getloadavg()[0]  # wall time means little on a busy machine: say so
    tick = time.perf_counter()
    subprocess.run(command, cwd=work, env=env, check=True)
    wall = time.perf_counter() - tick
    best = subprocess.run(
        [sys.executable, "-m", "autolr", "best", "--study", "mnist", "--json"],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    answer = json.loads(best.stdout)
    storage = f"sqlite:///{work}/studies/autolr.db"
    steps = {
        name: sum(
            int(t.user_attrs.get("steps", 0))
            for t in optuna.load_study(study_name=name, storage=storage).trials
        )
        for name in ("mnist-find", "mnist")
    }
    grid = truth["per_optimizer"].get(answer["optimizer"], {})
    band = grid.get("band")
    in_band = bool(band and band[0] * 0.999 <= answer["learning_rate"] <= band[1] * 1.001)
    result = {
        "wall_seconds": wall,
        "steps": steps,
        "answer": {k: answer[k] for k in ("optimizer", "learning_rate", "value", "band")},
        "grid_band": band,
        "in_grid_band": in_band,
        "within_10_minutes": wall <= TARGET_SECONDS,
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_before_after": [load_before, os.getloadavg()[0]],
    }
    print(f"{'wall':>8} {'find steps':>11} {'tune steps':>11} {'answer':>24} {'grid band':>22} ok")
    print(f"follow-ups (band and ties): {answer.get('follow_up_steps', 0):,} of those steps")
    print(
        f"{wall:>7.0f}s {steps['mnist-find']:>11,} {steps['mnist']:>11,} "
        f"{answer['optimizer'] + ' ' + format(answer['learning_rate'], '.3g'):>24} "
        f"{'-' if not band else f'{band[0]:.3g}..{band[1]:.3g}':>22} "
        f"{'yes' if in_band and wall <= TARGET_SECONDS else 'NO'}"
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(f"load average (1 min) before/after: {load_before:.1f} / {os.getloadavg()[0]:.1f}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
