"""How robust is `autolr find`'s rule: across seeds and numbers of steps, and against the grid?

Runs the range test on the laptop proxy (the reference CNN at 0.25, 10,000 images) for
every optimizer at --steps (default 100, 200, 400) x --seeds, and prints per optimizer:
  - the suggestion's spread across seeds and step counts (in decades);
  - how often the band, and the band widened 3x (what `tune --prior find` searches),
    contain the grid's best rate for that optimizer (from bench_search.py's cached grid).

    python scripts/bench_find.py --data ../shared/data/mnist.npz \
        --grid bench-results/search/grid-cnn.json
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
from pathlib import Path

from autolr.config import OPTIMIZERS, DataSpec, ModelSpec, TrainSettings
from autolr.search import lr_range
from autolr.search.prior import PRIOR_MARGIN
from autolr.trainer import Trainer
from autolr.trainer.range_test import range_test

LR_MIN, LR_MAX = 1e-6, 100.0


def one_test(
    trainer: Trainer, optimizer: str, steps: int
) -> tuple[lr_range.RangeVerdict, list[float | None]]:
    rates = lr_range.ramp(LR_MIN, LR_MAX, steps)
    smoother = lr_range.Smoother(LR_MIN, LR_MAX, steps)
    run = range_test(
        trainer, optimizer, rates, lambda s, r, loss: smoother.diverged(smoother.add(loss))
    )
    verdict = lr_range.read_curve(run.learning_rates, run.losses, LR_MIN, LR_MAX, steps, optimizer)
    return verdict, [loss if math.isfinite(loss) else None for loss in run.losses]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--grid", help="bench_search.py's grid-cnn.json (best rates)")
    parser.add_argument("--steps", default="100,200,400")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--out", default="bench-results/bench_find.json")
    args = parser.parse_args()
    truth = json.loads(Path(args.grid).read_text())["per_optimizer"] if args.grid else {}
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        trainer = Trainer(
            ModelSpec(scale=0.25),
            DataSpec(path=args.data, train_size=10000),
            TrainSettings(seed=seed),
        )
        for steps in (int(s) for s in args.steps.split(",")):
            for optimizer in OPTIMIZERS:
                verdict, losses = one_test(trainer, optimizer, steps)
                rows.append(
                    {
                        "seed": seed,
                        "steps": steps,
                        "optimizer": optimizer,
                        "used_steps": len(losses),
                        **verdict.to_json(),
                        "losses": losses,  # per step: the curve, to check other rules offline
                    }
                )
                print({k: v for k, v in rows[-1].items() if k != "losses"}, flush=True)
    summary = summarise(rows, truth)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"rows": rows, "summary": summary, "machine": platform.platform()}, indent=2)
    )
    print(f"wrote {out}")


def summarise(rows: list[dict], truth: dict) -> dict:
    print(
        f"\n{'optimizer':>9} {'steps':>6} {'suggestion (median)':>20} {'spread':>8} "
        f"{'no valley':>9} {'grid best':>10} {'in band':>8} {'in band x3':>10}"
    )
    summary = {}
    for optimizer in OPTIMIZERS:
        for steps in sorted({r["steps"] for r in rows}):
            mine = [r for r in rows if r["optimizer"] == optimizer and r["steps"] == steps]
            found = [r for r in mine if r["valley"]]
            suggestions = [r["suggestion"] for r in found]
            spread = math.log10(max(suggestions) / min(suggestions)) if suggestions else None
            best = truth.get(optimizer, {}).get("best_rate")
            inside = sum(bool(best and r["band"][0] <= best <= r["band"][1]) for r in found)
            wide = sum(
                bool(best and r["band"][0] / PRIOR_MARGIN <= best <= r["band"][1] * PRIOR_MARGIN)
                for r in found
            )
            median = statistics.median(suggestions) if suggestions else None
            summary[f"{optimizer}/{steps}"] = {
                "median_suggestion": median,
                "spread_decades": spread,
                "no_valley": len(mine) - len(found),
                "grid_best": best,
                "in_band": inside,
                "in_widened_band": wide,
                "tests": len(mine),
            }
            print(
                f"{optimizer:>9} {steps:>6} {'-' if median is None else f'{median:.3g}':>20} "
                f"{'-' if spread is None else f'{spread:.2f}':>8} {len(mine) - len(found):>9} "
                f"{'-' if best is None else f'{best:.3g}':>10} {inside:>5}/{len(found)} "
                f"{wide:>7}/{len(found)}"
            )
    return summary


if __name__ == "__main__":
    main()
