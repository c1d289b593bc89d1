"""How many training steps does each search need to find a configuration that works?

Same space, seeds, data and target for grid, random, tpe and pbt (a scaled-down CNN on an
MNIST subset, so it runs on a CPU). For each method and seed it records, in the order the
trials finished:
  - found: total training steps spent until some configuration reached the target;
  - good:  total steps until one reached it within 1.5x the grid's best steps (the band);
  - total: all steps the method spent.
Target: tpe's and pbt's `found` below 25% of the grid's total (mean over seeds).

    python scripts/bench_search.py --data ../shared/data/mnist.npz --seeds 0,1,2
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

import optuna

from autolr.study.runner import NullObserver, TuneRequest, tune


def steps_until(trials: list[optuna.trial.FrozenTrial], good_steps: float | None) -> int | None:
    """Steps spent (trials in completion order) until one reached the target in at most
    `good_steps` steps (any number if None)."""
    spent = 0
    for trial in sorted(trials, key=lambda t: (t.datetime_complete, t.number)):
        spent += int(trial.user_attrs.get("steps", 0))
        reached = trial.state.name == "COMPLETE" and trial.user_attrs.get("reached")
        lineage = trial.user_attrs.get("lineage_steps", 0) + trial.user_attrs.get("steps", 0)
        if reached and (good_steps is None or lineage <= good_steps):
            return spent
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--optimizers", default="sgd,adam,rmsprop")
    parser.add_argument("--trials", type=int, default=30, help="tpe and random trials")
    parser.add_argument("--population", type=int, default=12)
    parser.add_argument("--interval", type=int, default=100)
    parser.add_argument("--out", default="bench-results/bench_search.json")
    args = parser.parse_args()
    space = {
        "optimizers": args.optimizers.split(","),
        "lr_min": 1e-6,
        "lr_max": 100.0,
        "scale": 0.25,
        "train_size": 5000,
        "target": 0.97,
        "max_steps": 1000,
        "max_seconds": 1e6,
        "data": args.data,
    }
    storage = f"sqlite:///{tempfile.mkdtemp()}/search.db"
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        runs = {
            "grid": ({"sampler": "grid"}, None),
            "random": ({"sampler": "random"}, args.trials),
            "tpe": ({"sampler": "tpe"}, args.trials),
            "pbt": (
                {"sampler": "pbt", "population": args.population, "interval": args.interval},
                None,
            ),
        }
        trials_by_method = {}
        for method, (flags, n_trials) in runs.items():
            name = f"{method}-{seed}"
            tick = time.perf_counter()
            tune(
                TuneRequest(name, storage, {**space, **flags, "seed": seed}, n_trials=n_trials),
                NullObserver(),
            )
            trials_by_method[method] = (
                optuna.load_study(study_name=name, storage=storage).get_trials(deepcopy=False),
                time.perf_counter() - tick,
            )
            print(f"seed {seed} {method}: {time.perf_counter() - tick:.0f}s", flush=True)
        grid_trials = trials_by_method["grid"][0]
        best = min(
            t.user_attrs["steps"]
            for t in grid_trials
            if t.state.name == "COMPLETE" and t.user_attrs.get("reached")
        )
        for method, (trials, wall) in trials_by_method.items():
            rows.append(
                {
                    "seed": seed,
                    "method": method,
                    "trials": len(trials),
                    "found": steps_until(trials, None),
                    "good": steps_until(trials, 1.5 * best),
                    "total": sum(int(t.user_attrs.get("steps", 0)) for t in trials),
                    "wall_seconds": wall,
                    "grid_best_steps": best,
                }
            )
    summarise(rows, args)


def summarise(rows: list[dict], args: argparse.Namespace) -> None:
    grid_total = statistics.mean(r["total"] for r in rows if r["method"] == "grid")
    print(
        f"\nspace: {args.optimizers} x lr 1e-6..100, CNN x0.25, 5000 images, target 0.97, "
        f"budget 1000 steps; mean over seeds {args.seeds}"
    )
    print(f"{'method':>7} {'found':>9} {'good':>9} {'total':>9} {'found/grid total':>17}")
    summary = {}
    for method in ("grid", "random", "tpe", "pbt"):
        mine = [r for r in rows if r["method"] == method]

        def mean(key: str, rows_: list[dict] = mine) -> float | None:
            values = [r[key] for r in rows_ if r[key] is not None]
            return statistics.mean(values) if len(values) == len(rows_) else None

        found, good, total = mean("found"), mean("good"), mean("total")
        share = None if found is None else found / grid_total
        summary[method] = {"found": found, "good": good, "total": total, "share": share}

        def show(value: float | None) -> str:
            return "never" if value is None else f"{value:,.0f}"

        print(
            f"{method:>7} {show(found):>9} {show(good):>9} {show(total):>9} "
            f"{'-' if share is None else f'{100 * share:.1f}%':>17}"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "rows": rows,
                "summary": summary,
                "grid_total": grid_total,
                "machine": platform.platform(),
            },
            indent=2,
        )
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
