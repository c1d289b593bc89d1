"""Is the answer a measured band? The default search against the grid, per model.

For each model (the laptop proxy CNN, an MLP and a convnet; 10,000 MNIST images, target
0.97, a 1,500-step budget), 3 seeds of `autolr tune --sampler tpe` two ways:
  - default: the range-test prior, 20 TPE trials, then the follow-ups (`--band measure`:
    the leaders at two more seeds, ties, each tied optimizer's band bracketed on the grid);
  - prior-none: the same with `--prior none` (TPE over the whole range).
Ground truth is the model's full 6 x 48 grid (pruned with the exact rule only, which keeps
every best rate and band; cached in the workdir).

Per (model, seed, arm) it reports `autolr best --json`'s answer and:
  - band edges: the recommended optimizer's band against its grid band, in grid steps
    (10^(1/6)) at each edge; good within 2 steps (a third of a decade) at both;
  - median: the recommended optimizer's median steps over its seeds (its steps when no
    seeds ran), against the grid's best steps; good within 1.25x;
  - ties: optimizers whose grid best equals the grid's best steps tie on the grid; such a
    tie is reported when `best` names at least two of them as tied;
  - total: every step (range test, search, follow-ups), against the search before the
    range-test prior (the recorded means of commit 2766e9c, or --baseline to rerun it),
    and as a multiple of one run of the answer's own steps;
  - search phase: the range test and the search's own trials, before any follow-up (what
    `--band none` would spend), with its fastest run, good within 1.25x of the grid's
    best: item 5 compares the default's with prior-none's like for like.
Targets (issue 17): band edges good in 8 of 9 (model, seed); median within 1.25x; grid ties
reported; default total at most 50% of before, and at most 70% of prior-none's.

The arm `pbt` (issue 20) runs `autolr tune --sampler pbt` at its defaults from a copy of
the default arm's range test (the same settings, so the same test; its steps still count
in PBT's total). Its answer (the constant rate of the fastest lineage, and the lineage's
steps) is judged against the grid's best (within 1.5x in 9 of 9) and its total against
the default search's on the same model and seed (at most), seed by seed.

    python scripts/bench_search.py --data ../shared/data/mnist.npz [--models cnn] [--seeds 0,1,2]
    python scripts/bench_search.py --data ../shared/data/mnist.npz --arms default,pbt
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
from pathlib import Path

import optuna
from bench_common import (
    GOOD_MARGIN,
    MODELS,
    REPO,
    best_json,
    finished,
    reached,
    run_tune,
    share_range_test,
)
from bench_pbt import measure_pbt, pbt_against_tpe

from autolr.search.roles import ROLE_ATTR

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


BEFORE_TOTAL = {"cnn": 17_817, "mlp": 15_517, "convnet": 15_950}  # 2766e9c, seeds 0-2
ARMS: dict[str, list[str]] = {
    "default": [],
    "prior-none": ["--prior", "none"],
    # Candidates for issue 17 item 5 (does the range test pay its way?), run on request:
    "find-12": ["--n-trials", "12"],  # the prior's suggestions and 6 TPE trials
    "find-none": ["--band", "none"],  # the search alone, no follow-ups
    # PBT at its defaults (issue 20), from the default arm's range test (same settings).
    "pbt": ["--sampler", "pbt"],
}
GRID_STEP = 10 ** (1 / 6)


def steps_of(storage: str, study: str) -> int:
    names = optuna.get_all_study_names(storage)
    if study not in names:
        return 0
    return sum(int(t.user_attrs.get("steps", 0)) for t in finished(storage, study))


def edge_steps(band: list[float], grid: list[float]) -> tuple[float, float]:
    """How far each edge of `band` is from the grid band's, in grid steps."""
    return (
        abs(math.log(band[0] / grid[0]) / math.log(GRID_STEP)),
        abs(math.log(band[1] / grid[1]) / math.log(GRID_STEP)),
    )


def search_phase(storage: str, study: str, truth: dict, find: int) -> dict:
    """The range test (`find` steps) and the search's own trials, before any follow-up:
    what `--band none` would have spent, and its fastest run (judged like the answer)."""
    trials = [t for t in finished(storage, study) if t.user_attrs.get(ROLE_ATTR) is None]
    found = [t for t in trials if reached(t)]
    spent = find + sum(int(t.user_attrs.get("steps", 0)) for t in trials)
    if not found:
        return {"steps": spent, "best": None, "good": False}
    best = min(found, key=lambda t: (t.user_attrs["steps"], t.value))
    steps = best.user_attrs["steps"]
    return {
        "steps": spent,
        "best": [best.params["optimizer"], best.params["learning_rate"], steps],
        "good": steps <= 1.25 * truth["best_steps"],
    }


def measure(storage: str, study: str, truth: dict) -> dict:
    """The answer of one finished study, judged against the grid."""
    answer = best_json(REPO, storage, study)
    find = steps_of(storage, f"{study}-find")
    row: dict = {
        "total": steps_of(storage, study) + find,
        "find": find,
        "search_phase": search_phase(storage, study, truth, find),
    }
    if answer is None:
        return {**row, "answer": None}
    name = answer["optimizer"]
    grid = truth["per_optimizer"].get(name)
    seeds = answer.get("seed_steps", {}).get(name) or [answer["value"]]
    median = statistics.median(seeds)
    grid_tied = sorted(
        n for n, r in truth["per_optimizer"].items() if r["best_steps"] == truth["best_steps"]
    )
    edges = None if grid is None else edge_steps(answer["band"], grid["band"])
    return {
        **row,
        "answer": [name, answer["learning_rate"], answer["value"]],
        "band": answer["band"],
        "grid_band": None if grid is None else grid["band"],
        "edge_steps": edges,
        "edges_good": edges is not None and max(edges) <= 2 + 1e-9,
        "median": median,
        "median_good": median <= 1.25 * truth["best_steps"],
        "tied": answer.get("tied", []),
        "grid_tied": grid_tied,
        "tie_reported": len(grid_tied) < 2
        or len(set(grid_tied) & set(answer.get("tied", []))) >= 2,
        "follow_ups": answer.get("follow_up_steps", 0),
        "runs_of_the_answer": row["total"] / max(answer["value"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--baseline", help="checkout of 2766e9c to rerun [its recorded means]")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--arms", default="default,prior-none")
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
            for arm in args.arms.split(","):
                study = f"{arm}-{model}-{seed}"
                if study not in optuna.get_all_study_names(storage):
                    how = ["--sampler", "tpe", "--n-trials", str(TRIALS), "--seed", str(seed)]
                    if arm == "pbt":
                        how = ["--seed", str(seed)]
                        share_range_test(storage, f"default-{model}-{seed}", study)
                    run_tune(REPO, storage, study, model, [*how, *ARMS[arm]], args.data)
                if arm == "pbt":
                    row[arm] = measure_pbt(storage, study, truth)
                else:
                    row[arm] = measure(storage, study, truth)
                print(f"{model} seed {seed} {arm}: {json.dumps(row[arm])}", flush=True)
            if args.baseline:
                study = f"before-{model}-{seed}"
                if study not in optuna.get_all_study_names(storage):
                    tpe = ["--sampler", "tpe", "--n-trials", str(TRIALS), "--seed", str(seed)]
                    run_tune(Path(args.baseline), storage, study, model, tpe, args.data)
                row["before_total"] = steps_of(storage, study)
            rows.append(row)
        results[model] = {"truth": truth, "rows": rows}
    if not args.grids_only:
        summarise(results, args.out, args.arms.split(","))


def summarise(results: dict, out: str, arms: list[str]) -> None:
    print(
        "\n| model | seed | arm | answer (steps) | band vs grid band | edges (grid steps) "
        "| median / grid best | tied (grid tie) | total | of before | of prior-none "
        "| runs of the answer |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    counts: dict[str, list[int]] = {arm: [0, 0, 0, 0] for arm in arms if arm != "pbt"}
    for model, result in results.items():
        truth = result["truth"]
        for row in result["rows"]:
            before = row.get("before_total") or BEFORE_TOTAL[model]
            for arm in arms:
                if arm == "pbt":  # judged below, against the default search
                    continue
                r = row[arm]
                if r["answer"] is None:
                    print(
                        f"| {model} | {row['seed']} | {arm} | none | | | | | {r['total']:,} | | | |"
                    )
                    continue
                name, rate, value = r["answer"]
                other = row.get("prior-none") if arm == "default" else None
                vs_none = f"{r['total'] / other['total']:.0%}" if other else ""
                low, high = r["edge_steps"] or (float("nan"), float("nan"))
                edges = f"{low:.1f} / {high:.1f}"
                grid = r["grid_band"] or [float("nan")] * 2
                print(
                    f"| {model} | {row['seed']} | {arm} | {name} {rate:.3g} ({value:g}) | "
                    f"{r['band'][0]:.3g}..{r['band'][1]:.3g} vs {grid[0]:.3g}..{grid[1]:.3g} | "
                    f"{edges}{'' if r['edges_good'] else ' NO'} | "
                    f"{r['median']:g} / {truth['best_steps']:g}"
                    f"{'' if r['median_good'] else ' NO'} | "
                    f"{','.join(r['tied']) or '-'} ({','.join(r['grid_tied'])})"
                    f"{'' if r['tie_reported'] else ' NO'} | {r['total']:,} | "
                    f"{r['total'] / before:.0%} | {vs_none} | {r['runs_of_the_answer']:.0f} |"
                )
                c = counts[arm]
                c[0] += r["edges_good"]
                c[1] += r["median_good"]
                c[2] += r["tie_reported"]
                c[3] += r["total"] <= 0.5 * before
    n = sum(len(r["rows"]) for r in results.values())
    for arm, (edges, median, ties, cheap) in counts.items():
        print(f"{arm}: band edges {edges}/{n}, median {median}/{n}, ties {ties}/{n}, "
              f"at most 50% of before {cheap}/{n}")  # fmt: skip
    if "default" in arms and "prior-none" in arms:
        print("\nThe search phases (range test and search, no follow-ups): default / prior-none")
        for model, result in results.items():
            for row in result["rows"]:
                mine, other = row["default"]["search_phase"], row["prior-none"]["search_phase"]
                print(
                    f"{model} seed {row['seed']}: {mine['steps']:,} / {other['steps']:,} steps "
                    f"({mine['steps'] / other['steps']:.0%}); fastest run {mine['best']} "
                    f"{'good' if mine['good'] else 'NO'} / {other['best']} "
                    f"{'good' if other['good'] else 'NO'}"
                )
    summary = {}
    if "pbt" in arms and "default" in arms:
        summary["pbt_vs_tpe"] = pbt_against_tpe(_as_pbt_rows(results))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(
        json.dumps(
            {"results": results, "summary": summary, "machine": platform.platform()}, indent=2
        )
    )
    print(f"wrote {out}")


def _as_pbt_rows(results: dict) -> dict:
    """The default search's rows in the shape bench_pbt's comparison reads ('after')."""
    shaped = {}
    for model, result in results.items():
        rows = []
        for row in result["rows"]:
            tpe = row["default"]
            answer = None
            if tpe["answer"] is not None:
                name, rate, steps = tpe["answer"]
                answer = {"optimizer": name, "learning_rate": rate, "steps": steps}
            rows.append({**row, "after": {"total": tpe["total"], "answer": answer}})
        shaped[model] = {**result, "rows": rows}
    return shaped


if __name__ == "__main__":
    main()
