"""Does the search learn from every run? Today's TPE against the new default, per model.

For each model, 3 seeds of a 20-trial TPE study, run two ways:
  - before: the code before the range-test prior and the progress-aware objective
    (a checkout given by --baseline, run as a separate process): TPE over the whole
    range, unreached runs valued at the budget, only the slower-than-best pruner;
  - after: today's `autolr tune --sampler tpe` defaults: `autolr find` first (its steps
    counted), then TPE within the widened bands, progress-aware values, early stops.
Ground truth is the model's full 6 x 48 grid (pruned with the exact rule only, which keeps
every best rate and band; cached in bench-results/).

Per model it reports, in the order trials finished:
  - to good: training steps until a run reached the target in at most 1.5x the grid's best;
  - total:   all steps of the 20-trial study (range test included);
  - answer:  `autolr best`'s optimizer and rate; "good" when the rate lies in its
             optimizer's band as the grid finds it (to the grid's resolution, 10^(1/6))
             and the run reached the target within 1.5x of the grid's best steps.
Targets: to-good at least 4x lower than before, total at most 30% of before, answers at
least as good.

    git worktree add /tmp/autolr-before 2766e9c   # the commit before this change
    python scripts/bench_search.py --data ../shared/data/mnist.npz --baseline /tmp/autolr-before
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import optuna

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"
MODELS: dict[str, list[str]] = {
    "cnn": ["--scale", "0.25"],  # the reference CNN at a quarter width (the mnist preset)
    "mlp": ["--model", "bench_models:mlp"],
    "convnet": ["--model", "bench_models:convnet"],
}
COMMON = ["--train-size", "10000", "--target", "0.97", "--max-steps", "1500"]
TRIALS = 20
GOOD_MARGIN = 1.5


def run_tune(
    source: Path, storage: str, study: str, model: str, extra: list[str], data: str
) -> float:
    """One `autolr tune` in its own process, with `source` first on the path."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(source), str(SCRIPTS)])}
    args = [sys.executable, "-m", "autolr", "tune", "--study", study, "--storage", storage]
    args += [*MODELS[model], *COMMON, "--data", data, "--quiet", *extra]
    tick = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=SCRIPTS, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - tick


def finished(storage: str, study: str) -> list[optuna.trial.FrozenTrial]:
    trials = optuna.load_study(study_name=study, storage=storage).get_trials(deepcopy=False)
    return sorted(
        (t for t in trials if t.state.name in ("COMPLETE", "PRUNED")),
        key=lambda t: (t.datetime_complete, t.number),
    )


def reached(trial: optuna.trial.FrozenTrial) -> bool:
    return trial.state.name == "COMPLETE" and bool(trial.user_attrs.get("reached"))


def grid_truth(storage: str, model: str, data: str, cache: Path) -> dict:
    """Each optimizer's best steps and band (rates within 1.5x of its best) on the grid."""
    if cache.exists():
        return json.loads(cache.read_text())
    wall = run_tune(REPO, storage, f"grid-{model}", model, ["--sampler", "grid"], data)
    trials = finished(storage, f"grid-{model}")
    per_optimizer = {}
    for name in sorted({t.params["optimizer"] for t in trials}):
        good = [t for t in trials if reached(t) and t.params["optimizer"] == name]
        if not good:
            continue
        winner = min(
            good,
            key=lambda t: (
                t.user_attrs["steps"],
                -t.user_attrs.get("final_accuracy", 0.0),
                t.params["learning_rate"],
            ),
        )
        best = winner.user_attrs["steps"]
        band = [
            t.params["learning_rate"] for t in good if t.user_attrs["steps"] <= GOOD_MARGIN * best
        ]
        per_optimizer[name] = {
            "best_steps": best,
            "best_rate": winner.params["learning_rate"],
            "band": [min(band), max(band)],
        }
    truth = {
        "model": model,
        "best_steps": min(v["best_steps"] for v in per_optimizer.values()),
        "per_optimizer": per_optimizer,
        "total_steps": sum(int(t.user_attrs.get("steps", 0)) for t in trials),
        "trials": len(trials),
        "wall_seconds": wall,
    }
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(truth, indent=2))
    return truth


def measure(storage: str, study: str, truth: dict, with_find: bool) -> dict:
    """Steps to a good run, total steps and the answer of one finished study."""
    trials = finished(storage, study)
    spent = 0
    if with_find:
        spent = sum(int(t.user_attrs.get("steps", 0)) for t in finished(storage, f"{study}-find"))
    find_steps = spent
    to_good = None
    for trial in trials:
        spent += int(trial.user_attrs.get("steps", 0))
        good_enough = trial.user_attrs.get("steps", 0) <= GOOD_MARGIN * truth["best_steps"]
        if to_good is None and reached(trial) and good_enough:
            to_good = spent
    good = [t for t in trials if reached(t)]
    best = min(good, key=lambda t: (t.value, t.params["learning_rate"])) if good else None
    answer = None
    if best is not None:
        name, rate = best.params["optimizer"], best.params["learning_rate"]
        band = truth["per_optimizer"].get(name, {}).get("band")
        # The grid knows a band's edges only to its resolution: the true edge lies
        # between the last grid rate inside and the next one out (a factor 10^(1/6)).
        step = 10 ** (1 / 6) * 1.001
        answer = {
            "optimizer": name,
            "learning_rate": rate,
            "steps": best.user_attrs["steps"],
            "in_grid_band": bool(band and band[0] / step <= rate <= band[1] * step),
            "within_margin_of_grid_best": best.user_attrs["steps"]
            <= GOOD_MARGIN * truth["best_steps"],
        }
    return {"to_good": to_good, "total": spent, "find_steps": find_steps, "answer": answer}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--baseline", required=True, help="checkout of the code before")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--workdir", default="bench-results/search")
    parser.add_argument("--out", default="bench-results/bench_search.json")
    parser.add_argument("--grids-only", action="store_true", help="just the ground truths")
    args = parser.parse_args()
    work = Path(args.workdir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    results = {}
    for model in args.models.split(","):
        storage = f"sqlite:///{work}/{model}.db"
        truth = grid_truth(storage, model, args.data, work / f"grid-{model}.json")
        print(f"{model} grid: {json.dumps(truth)}", flush=True)
        if args.grids_only:
            continue
        rows = []
        for seed in (int(s) for s in args.seeds.split(",")):
            row: dict = {"seed": seed}
            for label, source, extra in (
                ("before", Path(args.baseline).resolve(), []),
                ("after", REPO, []),
            ):
                study = f"{label}-{model}-{seed}"
                names = optuna.get_all_study_names(storage)
                wall = None
                if study not in names:
                    tpe = ["--sampler", "tpe", "--n-trials", str(TRIALS), "--seed", str(seed)]
                    wall = run_tune(source, storage, study, model, [*tpe, *extra], args.data)
                row[label] = {**measure(storage, study, truth, label == "after"), "wall": wall}
                print(f"{model} seed {seed} {label}: {row[label]}", flush=True)
            rows.append(row)
        results[model] = {"truth": truth, "rows": rows}
    if not args.grids_only:
        summarise(results, args.out)


def summarise(results: dict, out: str) -> None:
    """Means over seeds. A study that never found a good run counts its total steps as
    its steps-to-good: a lower bound, marked with ">=" (the truth is "not within 20
    trials")."""

    def show(value: float, bound: bool = False) -> str:
        return (">=" if bound else "") + f"{value:,.0f}"

    header = (
        f"{'model':>8} {'run':>7} {'to good':>10} {'missed':>7} {'total':>8} {'answer in band':>15}"
    )
    print("\n" + header)
    summary = {}
    for model, result in results.items():
        for label in ("before", "after"):
            rows = [r[label] for r in result["rows"]]
            missed = sum(r["to_good"] is None for r in rows)
            to_good = statistics.mean(r["to_good"] or r["total"] for r in rows)
            total = statistics.mean(r["total"] for r in rows)
            in_band = sum(
                bool(
                    r["answer"]
                    and r["answer"]["in_grid_band"]
                    and r["answer"].get("within_margin_of_grid_best")
                )
                for r in rows
            )
            summary[f"{model}/{label}"] = {
                "to_good": to_good,
                "to_good_is_lower_bound": missed > 0,
                "missed": missed,
                "total": total,
                "in_band": in_band,
                "seeds": len(rows),
            }
            print(
                f"{model:>8} {label:>7} {show(to_good, missed > 0):>10} {missed:>5}/{len(rows)} "
                f"{show(total):>8} {in_band:>13}/{len(rows)}"
            )
        before, after = summary[f"{model}/before"], summary[f"{model}/after"]
        print(
            f"{model:>8} ratio: to good {before['to_good'] / after['to_good']:.1f}x fewer"
            f"{' (at least)' if before['missed'] and not after['missed'] else ''}, total "
            f"{100 * after['total'] / before['total']:.0f}% of before"
        )
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(
        json.dumps(
            {"results": results, "summary": summary, "machine": platform.platform()}, indent=2
        )
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
