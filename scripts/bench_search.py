"""Does the search learn from every run? Today's TPE against the old one, and PBT, per model.

For each model, 3 seeds of each method:
  - before (with --baseline): the code before the range-test prior and the
    progress-aware objective (a checkout, run as a separate process): 20 TPE trials over
    the whole range, unreached runs valued at the budget, only the slower-than-best pruner;
  - after: today's `autolr tune --sampler tpe` defaults (20 trials): `autolr find` first
    (its steps counted), then TPE within the widened bands, progress-aware values, early
    stops;
  - pbt: today's `autolr tune --sampler pbt` defaults: the same range test (shared with
    the TPE study of the same model and seed, whose settings it has: trained once, its
    steps counted in both totals), then population-based training until the first
    generation in which a member reaches the target, trained to its end.
Ground truth is the model's full 6 x 48 grid (pruned with the exact rule only, which keeps
every best rate and band; cached in bench-results/).

Per model it reports, in the order trials finished:
  - to good: training steps until a run reached the target in at most 1.5x the grid's best;
  - total:   all steps of the study (range test included);
  - answer:  `autolr best`'s optimizer and rate (PBT: the constant rate of its fastest
             lineage, and the lineage's steps); "good" when the rate lies in its
             optimizer's band as the grid finds it (to the grid's resolution, 10^(1/6))
             and the run reached the target within 1.5x of the grid's best steps.
Targets: to-good at least 4x lower than before, total at most 30% of before, answers at
least as good; PBT: its answer within 1.5x of the grid's best in every (model, seed), its
total at most TPE's (after), its answer's steps against TPE's reported as they fall.

    git worktree add /tmp/autolr-before 2766e9c   # the commit before the prior
    python scripts/bench_search.py --data ../shared/data/mnist.npz --baseline /tmp/autolr-before
    python scripts/bench_search.py --data ../shared/data/mnist.npz --methods after,pbt
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
from pathlib import Path
from typing import Any

import optuna
from bench_common import (
    GOOD_MARGIN,
    MODELS,
    REPO,
    finished,
    in_grid_band,
    reached,
    run_tune,
    share_range_test,
)
from bench_pbt import measure_pbt, pbt_against_tpe

TRIALS = 20


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
        answer = {
            "optimizer": name,
            "learning_rate": rate,
            "steps": best.user_attrs["steps"],
            "in_grid_band": in_grid_band(truth, name, rate),
            "within_margin_of_grid_best": best.user_attrs["steps"]
            <= GOOD_MARGIN * truth["best_steps"],
        }
    return {"to_good": to_good, "total": spent, "find_steps": find_steps, "answer": answer}


def run_method(label: str, model: str, seed: int, storage: str, truth: dict, args: Any) -> dict:
    """One method's study for (model, seed), run unless it is stored, then measured."""
    study = f"{label}-{model}-{seed}"
    wall = None
    if study not in optuna.get_all_study_names(storage):
        source = Path(args.baseline).resolve() if label == "before" else REPO
        extra = ["--sampler", "tpe", "--n-trials", str(TRIALS)]
        if label == "pbt":
            extra = ["--sampler", "pbt"]  # its defaults
            share_range_test(storage, f"after-{model}-{seed}", study)
        wall = run_tune(source, storage, study, model, [*extra, "--seed", str(seed)], args.data)
    if label == "pbt":
        return {**measure_pbt(storage, study, truth), "wall": wall}
    return {**measure(storage, study, truth, label == "after"), "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--baseline", help="checkout of the code before (method 'before')")
    parser.add_argument("--methods", default="before,after", help="before, after, pbt")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--workdir", default="bench-results/search", help="grids (cached)")
    parser.add_argument("--runs", default=None, help="the methods' studies [--workdir]")
    parser.add_argument("--out", default="bench-results/bench_search.json")
    parser.add_argument("--grids-only", action="store_true", help="just the ground truths")
    args = parser.parse_args()
    methods = args.methods.split(",")
    if "before" in methods and not args.baseline:
        parser.error("method 'before' needs --baseline")
    work = Path(args.workdir).resolve()
    runs = Path(args.runs).resolve() if args.runs else work
    for folder in (work, runs):
        folder.mkdir(parents=True, exist_ok=True)
    results = {}
    for model in args.models.split(","):
        truth = grid_truth(
            f"sqlite:///{work}/{model}.db", model, args.data, work / f"grid-{model}.json"
        )
        print(f"{model} grid: {json.dumps(truth)}", flush=True)
        if args.grids_only:
            continue
        storage = f"sqlite:///{runs}/{model}.db"
        rows = []
        for seed in (int(s) for s in args.seeds.split(",")):
            row: dict = {"seed": seed}
            for label in methods:
                row[label] = run_method(label, model, seed, storage, truth, args)
                print(f"{model} seed {seed} {label}: {row[label]}", flush=True)
            rows.append(row)
        results[model] = {"truth": truth, "rows": rows}
    if not args.grids_only:
        summarise(results, methods, args.out)


def summarise(results: dict, methods: list[str], out: str) -> None:
    """Means over seeds, then PBT against TPE seed by seed. A study that never found a
    good run counts its total steps as its steps-to-good: a lower bound, marked with ">="
    (the truth is "not within the study")."""

    def show(value: float, bound: bool = False) -> str:
        return (">=" if bound else "") + f"{value:,.0f}"

    header = (
        f"{'model':>8} {'run':>7} {'to good':>10} {'missed':>7} {'total':>8} {'answer in band':>15}"
    )
    print("\n" + header)
    summary = {}
    for model, result in results.items():
        for label in methods:
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
        if "before" in methods and "after" in methods:
            before, after = summary[f"{model}/before"], summary[f"{model}/after"]
            print(
                f"{model:>8} ratio: to good {before['to_good'] / after['to_good']:.1f}x fewer"
                f"{' (at least)' if before['missed'] and not after['missed'] else ''}, total "
                f"{100 * after['total'] / before['total']:.0f}% of before"
            )
    if "pbt" in methods and "after" in methods:
        summary["pbt_vs_tpe"] = pbt_against_tpe(results)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(
        json.dumps(
            {"results": results, "summary": summary, "machine": platform.platform()}, indent=2
        )
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
