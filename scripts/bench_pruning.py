"""Does pruning pay? The same grid study with and without the slow-run pruner.

Reports total training steps (deterministic: comparable across machines), wall time,
trials pruned, and checks that every optimizer's best rate and band are unchanged.
Target: at least 40% fewer steps with pruning, same answers.

    python scripts/bench_pruning.py --data ../shared/data/mnist.npz
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import optuna

from autolr.answers.catalog import recommendation
from autolr.store.storage import open_storage
from autolr.study.runner import NullObserver, TuneRequest
from autolr.study.tuning import tune


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--optimizers", default="sgd,adam,rmsprop")
    parser.add_argument("--lr-min", type=float, default=1e-6)
    parser.add_argument("--lr-max", type=float, default=100.0)
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument("--train-size", type=int, default=5000)
    parser.add_argument("--target", type=float, default=0.97)
    parser.add_argument("--max-steps", type=int, default=1000)
    parser.add_argument("--out", default="bench-results/bench_pruning.json")
    args = parser.parse_args()
    flags = {
        "sampler": "grid",
        "optimizers": args.optimizers.split(","),
        "lr_min": args.lr_min,
        "lr_max": args.lr_max,
        "scale": args.scale,
        "train_size": args.train_size,
        "target": args.target,
        "max_steps": args.max_steps,
        "max_seconds": 1e6,
        "data": args.data,
    }
    storage = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    runs = {}
    for name, prune in (("no-prune", False), ("prune", True)):
        tick = time.perf_counter()
        tune(TuneRequest(name, storage, {**flags, "prune": prune}), NullObserver())
        trials = optuna.load_study(study_name=name, storage=storage).trials
        runs[name] = {
            "trials": len(trials),
            "pruned": sum(t.state.name == "PRUNED" for t in trials),
            "total_steps": sum(t.user_attrs["steps"] for t in trials),
            "wall_seconds": time.perf_counter() - tick,
        }
    opened = open_storage(storage)
    answers = {}
    for name in runs:
        rec = recommendation(opened, name, storage)
        answers[name] = {
            "best": [rec.optimizer, rec.learning_rate],
            "per_optimizer": {
                k: [v.learning_rate, v.value, list(v.band) if v.band else None]
                for k, v in rec.per_optimizer.items()
            },
        }
    saving = 1 - runs["prune"]["total_steps"] / runs["no-prune"]["total_steps"]
    same = answers["prune"] == answers["no-prune"]
    print(
        f"\ngrid: {args.optimizers} x lr {args.lr_min:g}..{args.lr_max:g}, scale {args.scale}, "
        f"{args.train_size} images, target {args.target}, max {args.max_steps} steps"
    )
    print(f"{'run':>9} {'trials':>7} {'pruned':>7} {'total steps':>12} {'wall s':>8}")
    for name, r in runs.items():
        print(
            f"{name:>9} {r['trials']:>7} {r['pruned']:>7} {r['total_steps']:>12,} "
            f"{r['wall_seconds']:>8.0f}"
        )
    print(f"steps saved by pruning: {100 * saving:.1f}%   same best rate and bands: {same}")
    for name, r in answers["prune"]["per_optimizer"].items():
        print(f"  {name:>9}: best lr {r[0]}, band {r[2]}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "settings": flags,
                "runs": runs,
                "answers": answers,
                "steps_saved": saving,
                "answers_identical": same,
                "machine": platform.platform(),
            },
            indent=2,
        )
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
