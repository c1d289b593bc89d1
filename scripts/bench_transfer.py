"""Does the rate found on small models predict the best rate of a larger one?

For each model family (the reference CNN, and an MLP whose hidden width scales, defined
below as a `--model` function with a `scale` keyword):
  1. a grid search at the smallest size (the source study);
  2. `autolr scale` at 3 small sizes: each size searches the source's band, widened;
  3. the prediction `autolr best --for-scale BIG` makes from them, per optimizer;
  4. `autolr scale` at BIG (at least 4x the largest small size), searching a wider
     window: the measured best rate, its band and its steps.
It prints predicted vs measured rate (and whether the measured best is inside the
predicted interval) and steps, and writes JSON. Step counts are deterministic; wall
times are not (say how loaded the machine was).

    python scripts/bench_transfer.py --data ../shared/data/mnist.npz [--families cnn,mlp]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import optuna

from autolr.answers.results import recommend
from autolr.answers.scaling import best_by_size, reference_weight_count
from autolr.answers.transfer import Target, with_scale_study
from autolr.store.stored import stored_settings
from autolr.study.experiments import scale_settings
from autolr.study.runner import NullObserver, TuneRequest
from autolr.study.tuning import tune

MLP_WIDTH = 256  # hidden units of each of the MLP's two layers at scale 1

FAMILIES: dict[str, dict[str, Any]] = {
    "cnn": {"model": None, "small": [0.0625, 0.125, 0.25], "big": 1.0},
    "mlp": {"model": f"{Path(__file__).resolve()}:mlp", "small": [0.25, 0.5, 1.0], "big": 4.0},
}


def mlp(scale: float = 1.0) -> Any:
    """Two hidden layers of round(256 * scale) units: the benchmark's second family."""
    import keras

    width = max(1, round(MLP_WIDTH * scale))
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(width, activation="relu"),
            keras.layers.Dense(width, activation="relu"),
            keras.layers.Dense(10),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--families", default="cnn,mlp")
    parser.add_argument("--optimizers", default="adam,sgd")
    parser.add_argument("--train-size", type=int, default=5000)
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--max-steps", type=int, default=600)
    parser.add_argument("--widen", type=float, default=3.0, help="each small size's window")
    parser.add_argument("--verify-widen", type=float, default=4.0, help="the big size's window")
    parser.add_argument("--out", default="bench-results/bench_transfer.json")
    parser.add_argument(
        "--storage", help="reuse this storage: finished studies resume at once [a fresh one]"
    )
    args = parser.parse_args()
    storage = args.storage or f"sqlite:///{tempfile.mkdtemp()}/transfer.db"
    print(f"storage: {storage}")
    rows, timings = [], {}
    for family in args.families.split(","):
        family_rows, family_times = run_family(family, FAMILIES[family], storage, args)
        rows += family_rows
        timings[family] = family_times
        print_table(rows)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": machine(),
        "settings": {k: v for k, v in vars(args).items() if k != "out"},
        "families": {k: {**v, "model": v["model"] and "mlp"} for k, v in FAMILIES.items()},
        "wall_seconds": timings,
        "rows": rows,
    }
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"wrote {out}")


def run_family(
    family: str, spec: dict[str, Any], storage: str, args: argparse.Namespace
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    optimizers = args.optimizers.split(",")
    source = f"{family}-source"
    flags = {
        "sampler": "grid",
        "optimizers": optimizers,
        "lr_min": 1e-4,
        "lr_max": 1.0,
        "scale": spec["small"][0],
        "model": spec["model"],
        "train_size": args.train_size,
        "target": args.target,
        "max_steps": args.max_steps,
        "max_seconds": 1e6,  # steps decide, not a loaded machine's clock
        "data": args.data,
    }
    times = {}
    tick = time.perf_counter()
    tune(TuneRequest(source, storage, {k: v for k, v in flags.items() if v is not None}), NULL)
    times["source_grid"] = time.perf_counter() - tick
    study = optuna.load_study(study_name=source, storage=storage)
    settings = stored_settings(study)
    rec = recommend(source, settings, study.get_trials(deepcopy=False))
    small, times["small_sizes"] = follow_up(
        source, "scale", (settings, rec), spec["small"], args.widen, storage, args
    )
    big, times["big_size"] = follow_up(
        source, "big", (settings, rec), [spec["big"]], args.verify_widen, storage, args
    )
    weights = reference_weight_count(spec["big"]) if spec["model"] is None else None
    target = Target("scale", spec["big"], weights)
    axis = "weights" if weights is not None else "scale"
    rows = []
    for optimizer in optimizers:
        result = rec.per_optimizer[optimizer]
        if result.learning_rate is None or optimizer not in small:
            continue
        predicted = with_scale_study(
            optimizer, result.learning_rate, small[optimizer], target, axis, source, 50
        )
        rows.append(compare(family, optimizer, predicted, big.get(optimizer, [None])[0]))
    return rows, times


NULL = NullObserver()


def follow_up(
    source: str,
    suffix: str,
    answer: tuple[Any, Any],
    scales: list[float],
    widen: float,
    storage: str,
    args: argparse.Namespace,
) -> tuple[dict[str, Any], float]:
    """`autolr scale` in-process: each size's search, and its best rate per optimizer."""
    settings, rec = answer
    optimizers = args.optimizers.split(",")
    planned = scale_settings(source, settings, rec, scales, None, optimizers, None, widen)
    planned = dataclasses.replace(planned, data=dataclasses.replace(planned.data, path=args.data))
    name = f"{source}-{suffix}"
    tick = time.perf_counter()
    tune(TuneRequest(name, storage, {}, settings=planned), NULL)
    seconds = time.perf_counter() - tick
    trials = optuna.load_study(study_name=name, storage=storage).get_trials(deepcopy=False)
    return best_by_size(trials), seconds


def compare(
    family: str, optimizer: str, predicted: dict[str, Any], measured: Any
) -> dict[str, Any]:
    low, high = predicted["interval"] or (None, None)
    best = None if measured is None else measured.learning_rate
    steps = predicted["steps"] or {}
    return {
        "family": family,
        "optimizer": optimizer,
        "sizes": [s["scale"] for s in predicted.get("sizes", [])],
        "small_best": [s["best_rate"] for s in predicted.get("sizes", [])],
        "small_steps": [s["steps"] for s in predicted.get("sizes", [])],
        "slope": predicted.get("slope"),
        "transfers": predicted["transfers"],
        "predicted_rate": predicted["learning_rate"],
        "fitted_rate": predicted.get("fitted_rate"),
        "interval": predicted["interval"],
        "measured_rate": best,
        "measured_band": None if measured is None else measured.band,
        "measured_at_edge": None if measured is None else list(measured.at_edge),
        "inside": None if best is None or low is None else low <= best <= high,
        # Would the predicted rate itself have worked: inside the big size's band?
        "predicted_in_band": None
        if measured is None or measured.band is None
        else measured.band[0] <= predicted["learning_rate"] <= measured.band[1],
        "predicted_steps": steps.get("predicted"),
        "steps_interval": steps.get("interval"),
        "measured_steps": None if measured is None else measured.steps,
        "predicted_seconds": (predicted["seconds"] or {}).get("predicted"),
        "measured_seconds": None if measured is None else measured.seconds,
        "extrapolation_factor": predicted["extrapolation_factor"],
        "caveats": predicted.get("caveats", []),
    }


def print_table(rows: list[dict[str, Any]]) -> None:
    def g(value: Any) -> str:
        return "-" if value is None else f"{value:.3g}"

    def pair(values: Any) -> str:
        low, high = values or (None, None)
        return f"{g(low)} .. {g(high)}"

    header = (
        "family",
        "opt",
        "small-size best",
        "slope [95%]",
        "predicted [95%]",
        "measured (band)",
        "inside",
        "in band",
        "steps predicted [95%]",
        "measured",
    )
    table = [header]
    for r in rows:
        slope = r["slope"] or {"value": None, "interval": None}
        table.append(
            (
                r["family"],
                r["optimizer"],
                ", ".join(g(x) for x in r["small_best"]),
                f"{slope['value']:+.2f} [{pair(slope['interval'])}]"
                if slope["value"] is not None
                else "-",
                f"{g(r['predicted_rate'])} [{pair(r['interval'])}]",
                f"{g(r['measured_rate'])} ({pair(r['measured_band'])})",
                {True: "yes", False: "no", None: "-"}[r["inside"]],
                {True: "yes", False: "no", None: "-"}[r["predicted_in_band"]],
                f"{g(r['predicted_steps'])} [{pair(r['steps_interval'])}]",
                g(r["measured_steps"]),
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    print()
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "processor": platform.processor(),
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
    }


if __name__ == "__main__":
    main()
