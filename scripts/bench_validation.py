"""What validation metrics cost: a trial of the laptop proxy (reference CNN x0.25, 10,000
MNIST images, batch 100, a check every 50 steps) judged by training accuracy, against
the same trial judged by validation accuracy, measured at every check on the first N
validation examples. Target (issue 16): at the default N, validation adds at most 10% to
a trial's time.

Trials alternate (accuracy, then each validation size) so that machine noise hits all
alike; each is the same 1,000 steps (the target out of reach), after one warm-up trial
that compiles everything.

    python scripts/bench_validation.py [--data ../shared/data/mnist.npz] [--sizes 500,1000,2000,0]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

from autolr.config import DEFAULT_VAL_SIZE, DataSpec, ModelSpec, TrainSettings
from autolr.trainer import Trainer

STEPS = 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="mnist.npz [the copy shipped with autolr]")
    parser.add_argument("--sizes", default="500,1000,2000,0", help="validation sizes (0: all)")
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--out", default="bench-results/bench_validation.json")
    args = parser.parse_args()
    data = DataSpec(path=args.data, train_size=10_000)
    arms = {"accuracy": _trainer(data, "accuracy", DEFAULT_VAL_SIZE)}
    for size in (int(s) for s in args.sizes.split(",")):
        arms[f"val_accuracy, N={size or 'all'}"] = _trainer(data, "val_accuracy", size)
    for trainer in arms.values():
        trainer.train("adam", 1e-3)  # compile and warm up
    seconds: dict[str, list[float]] = {name: [] for name in arms}
    for _ in range(args.trials):
        for name, trainer in arms.items():
            tick = time.perf_counter()
            result = trainer.train("adam", 1e-3)
            seconds[name].append(time.perf_counter() - tick)
            assert result.steps == STEPS
    base = statistics.median(seconds["accuracy"])
    rows = [
        {
            "arm": name,
            "validation_examples": len(trainer.dataset.x_val[: trainer.settings.val_size or None])
            if trainer.settings.metric.startswith("val_")
            else 0,
            "median_seconds": statistics.median(times),
            "added": statistics.median(times) / base - 1,
        }
        for (name, trainer), times in zip(arms.items(), seconds.values(), strict=True)
    ]
    print(f"{STEPS}-step trials, median of {args.trials}; default N = {DEFAULT_VAL_SIZE}")
    print(f"{'metric':<26}{'examples':>10}{'seconds':>10}{'added':>9}")
    for row in rows:
        print(
            f"{row['arm']:<26}{row['validation_examples']:>10}"
            f"{row['median_seconds']:>10.2f}{row['added']:>+9.1%}"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    machine = {"platform": platform.platform(), "cpus": os.cpu_count()}
    out.write_text(json.dumps({"machine": machine, "steps": STEPS, "rows": rows}, indent=2))
    print(f"wrote {out}")


def _trainer(data: DataSpec, metric: str, val_size: int) -> Trainer:
    settings = TrainSettings(
        metric=metric, target=1.0, max_steps=STEPS, val_size=val_size, stop_at_target=False
    )
    return Trainer(ModelSpec(scale=0.25), data, settings)


if __name__ == "__main__":
    main()
