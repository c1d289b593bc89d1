"""Which PBT defaults work on the laptop proxy? Population, interval and quantile, measured.

For each model and seed, the range test runs once (it depends on none of the PBT knobs:
find.py's find_settings) and each configuration's study starts from a copy of it; its
steps still count in every total, as they would for a user. Each configuration is a
`autolr tune --sampler pbt` with the given --population, --interval and --quantile, other
settings at their defaults. Reported per run: the answer (`autolr best`: optimizer,
constant rate, lineage steps), whether those steps are within 1.5x of the grid's best
(bench_search.py's cached grid, when there is one), the generations trained, and the
total training steps (range test included).

    python scripts/bench_pbt.py --data ../shared/data/mnist.npz --configs 8x100x0.25,16x500x0.25
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import optuna
from bench_common import (
    GOOD_MARGIN,
    REPO,
    best_json,
    finished,
    in_grid_band,
    reached,
    run_tune,
    share_range_test,
)


def measure_pbt(storage: str, study: str, truth: dict | None) -> dict:
    """To good, total and answer of a PBT study: a member-interval is good when it
    reached within the margin in lineage steps (its value); the answer is `autolr
    best`'s (the constant rate of the fastest lineage, and that lineage's steps)."""
    trials = finished(storage, study)
    spent = sum(int(t.user_attrs.get("steps", 0)) for t in finished(storage, f"{study}-find"))
    find_steps, to_good = spent, None
    for trial in trials:
        spent += int(trial.user_attrs.get("steps", 0))
        lineage = math.floor(trial.value or 0.0)
        good = truth is not None and lineage <= GOOD_MARGIN * truth["best_steps"]
        if to_good is None and reached(trial) and good:
            to_good = spent
    best = best_json(REPO, storage, study)
    answer = None
    if best is not None:
        answer = {
            "optimizer": best["optimizer"],
            "learning_rate": best["learning_rate"],
            "steps": best["value"],
            "band": best["band"],
            "band_rates": best["band_rates"],
            "in_grid_band": truth is not None
            and in_grid_band(truth, best["optimizer"], best["learning_rate"]),
            "within_margin_of_grid_best": truth is not None
            and best["value"] <= GOOD_MARGIN * truth["best_steps"],
        }
    members = [t for t in trials if "generation" in t.user_attrs]  # not the band runs
    generations = 1 + max(int(t.user_attrs["generation"]) for t in members)
    at_chance = sum(t.user_attrs.get("stop_reason") == "chance" for t in members)
    return {
        "to_good": to_good,
        "total": spent,
        "find_steps": find_steps,
        "answer": answer,
        "generations": generations,
        "intervals": len(members),
        "at_chance": at_chance,
        "band_runs": len(trials) - len(members),
        "band_steps": sum(int(t.user_attrs.get("steps", 0)) for t in trials if t not in members),
        "band_measured": bool(best and best.get("band_measured")),
    }


def pbt_against_tpe(results: dict) -> list[dict]:
    """Per (model, seed): PBT's answer and total against TPE's (after)."""
    print(
        f"\n{'model':>8} {'seed':>4} {'pbt answer':>28} {'<=1.5x':>6} {'in band':>7} "
        f"{'pbt total':>9} {'tpe total':>9} {'tpe answer':>24} {'pbt vs tpe':>10}"
    )
    rows = []
    for model, result in results.items():
        best = result["truth"]["best_steps"]
        for row in result["rows"]:
            pbt, tpe = row["pbt"], row["after"]
            ours, theirs = pbt["answer"], tpe["answer"]
            versus = "-"
            if ours and theirs:
                versus = (
                    "fewer"
                    if ours["steps"] < theirs["steps"]
                    else "same"
                    if ours["steps"] == theirs["steps"]
                    else "more"
                )
            line = {
                "model": model,
                "seed": row["seed"],
                "grid_best_steps": best,
                "pbt_answer": ours,
                "pbt_total": pbt["total"],
                "tpe_total": tpe["total"],
                "tpe_answer": theirs,
                "pbt_steps_vs_tpe": versus,
            }
            rows.append(line)
            print(
                f"{model:>8} {row['seed']:>4} {describe(ours):>28} "
                f"{bool(ours and ours['within_margin_of_grid_best'])!s:>6} "
                f"{bool(ours and ours['in_grid_band'])!s:>7} {pbt['total']:>9,} "
                f"{tpe['total']:>9,} {describe(theirs):>24} {versus:>10}"
            )
    return rows


def describe(answer: dict | None) -> str:
    if not answer:
        return "none"
    return f"{answer['optimizer']} {answer['learning_rate']:.3g} @{answer['steps']:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--model", default="cnn")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--configs", default="8x100x0.25", help="POPULATIONxINTERVALxQUANTILE,...")
    parser.add_argument("--workdir", default="bench-results/pbt")
    parser.add_argument("--grids", default="bench-results/search")
    parser.add_argument("--out", default="bench-results/bench_pbt.json")
    args = parser.parse_args()
    work = Path(args.workdir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    grid = Path(args.grids) / f"grid-{args.model}.json"
    truth = json.loads(grid.read_text()) if grid.exists() else None
    storage = f"sqlite:///{work}/{args.model}.db"
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        first: str | None = None
        for config in args.configs.split(","):
            population, interval, quantile = config.split("x")
            study = f"pbt-{args.model}-{seed}-{config}"
            if first is not None:
                share_range_test(storage, first, study)
            first = first or study
            if study not in optuna.get_all_study_names(storage):
                knobs = ["--population", population, "--interval", interval]
                knobs += ["--quantile", quantile, "--sampler", "pbt", "--seed", str(seed)]
                run_tune(REPO, storage, study, args.model, knobs, args.data)
            row = {"seed": seed, "config": config, **measure_pbt(storage, study, truth)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"model": args.model, "rows": rows}, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
