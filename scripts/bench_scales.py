"""Steps/s of the reference CNN at several scales, for choosing a CPU proxy preset.

Adam trains a fixed number of steps (the target out of reach) at each scale in turn,
round after round, so machine noise hits every scale alike; the first round (build and
compile) is left out and the median of the others reported, with each scale's speed
relative to the last one given (ratios within one run are what a loaded machine allows).

    python scripts/bench_scales.py --data ../shared/data/mnist.npz --scales 0.25,0.5,0.75,1
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path

from autolr.config import DataSpec, ModelSpec, TrainSettings
from autolr.trainer import Trainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--scales", default="0.25,0.5,0.75,1")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--train-size", type=int, default=10_000)
    parser.add_argument("--out", default="bench-results/bench_scales.json")
    args = parser.parse_args()
    scales = [float(s) for s in args.scales.split(",")]
    settings = TrainSettings(target=1.0, max_steps=args.steps, max_seconds=1e9)
    data = DataSpec(path=args.data, train_size=args.train_size)
    trainers = {s: Trainer(ModelSpec(scale=s), data, settings) for s in scales}
    speeds: dict[float, list[float]] = {s: [] for s in scales}
    weights: dict[float, int] = {}
    for round_ in range(args.rounds + 1):
        for scale, trainer in trainers.items():
            result = trainer.train("adam", 1e-3)
            weights[scale] = result.weight_count
            if round_:  # the first round pays build and compile
                speeds[scale].append(result.steps / result.train_seconds)
    reference = statistics.median(speeds[scales[-1]])
    rows = [
        {
            "scale": s,
            "weights": weights[s],
            "steps_per_s": statistics.median(speeds[s]),
            "x_faster_than_last": statistics.median(speeds[s]) / reference,
            "rounds": speeds[s],
        }
        for s in scales
    ]
    print(f"{'scale':>6} {'weights':>10} {'steps/s':>8} {'x faster than x' + str(scales[-1]):>20}")
    for r in rows:
        print(
            f"{r['scale']:>6g} {r['weights']:>10,} {r['steps_per_s']:>8.1f} "
            f"{r['x_faster_than_last']:>20.1f}"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"load_average": os.getloadavg(), "rows": rows}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
