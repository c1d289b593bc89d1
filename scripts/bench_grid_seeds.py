"""A grid's best at three seeds: the ground truth that the search's medians are judged by.

`bench_search.py` judges the search's answer, a median over three seeds, against the
model's grid, which is one seed (0). The grid's best is the fastest of 48 rates x 6 or 7
optimizers at that one seed: the luckiest draw of a noise that moves a run by a check or
two. This script re-trains every grid run in contention (steps within 1.5x of the grid's
best, or two checks, any optimizer) at the seeds the searches took their medians over: a
search at seed s runs its leaders at s, s+1 and s+2, so for search seeds 0-2 that is
seeds 1-4 (seed 0 is the grid's own run). For each search seed it gives each optimizer
the median over the same three seeds of its best rate (the rate of lowest median), and:
  - best_median: the lowest of those medians, the 3-seed grid's best;
  - tied: the optimizers tied with that best by the rule `autolr best` uses
    (autolr/search/contenders.py: each median within the other's seeds' spread), applied
    to every candidate's optimizer; `best` first keeps only the optimizers within 1.5x
    (or, since commit 3f765cc, two checks) at the study's own seed.

The candidates come from seed 0 alone: a rate slow at seed 0 and fast at seeds 1-4 is
never trained again. So the "3-seed best" is an upper bound on the true one, and an
answer can beat it.

Runs are cached one by one in the JSON (a kill loses at most the run in progress).

Given `bench_search.py`'s output files (--searches), it judges their default and
prior-none rows again against this truth (a prior-none answer's "median" is often one
seed: with one optimizer leading, no seeds are run): the median within 1.25x of the
3-seed best, and a 3-seed tie reported when `best` names at least two of its optimizers
as tied. The one-seed
judgments stay in bench_search's own table; this adds a column, it replaces none.

    python scripts/bench_grid_seeds.py --data ../shared/data/mnist.npz \
        --grids bench-results/search [--models cnn,mlp,convnet] \
        [--searches bench-results/bench_search.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import platform
import statistics
import sys
from pathlib import Path

import optuna
from bench_common import GOOD_MARGIN, finished, reached

from autolr.search.contenders import Contender, extra_seeds, tied
from autolr.search.ties import whole_steps
from autolr.store.stored import stored_settings

CHECK_EVERY = 50  # the benchmarks' check interval (autolr's default)


def candidates(trials: list[optuna.trial.FrozenTrial]) -> list[tuple[str, float, int]]:
    """(optimizer, rate, steps at seed 0) of every grid run within the margin of the best,
    or within two checks of it (at 150 steps the margin alone would leave out 250, which
    a seed's noise can reach)."""
    good = [t for t in trials if reached(t)]
    best = min(int(t.user_attrs["steps"]) for t in good)
    limit = max(GOOD_MARGIN * best, best + 2 * CHECK_EVERY)
    return sorted(
        (str(t.params["optimizer"]), float(t.params["learning_rate"]), int(t.user_attrs["steps"]))
        for t in good
        if t.user_attrs["steps"] <= limit
    )


def run_seeds(storage: str, model: str, data: str, cache: Path, searches: list[int]) -> dict:
    """Train each candidate at the seeds the searches used (cached run by run); the
    truth for each search seed s, over the seeds that search's medians span."""
    from autolr.settings import DataSpec
    from autolr.trainer import Trainer

    done: dict = json.loads(cache.read_text()) if cache.exists() else {"runs": {}}
    study = optuna.load_study(study_name=f"grid-{model}", storage=storage)
    settings = stored_settings(study)
    found = candidates(finished(storage, f"grid-{model}"))
    for optimizer, rate, steps in found:
        done["runs"][f"{optimizer}:{rate!r}:0"] = steps  # the grid's own run
    needed = sorted({s for search in searches for s in seed_set(search)} - {0})
    for seed in needed:
        trainer = None
        for optimizer, rate, _ in found:
            key = f"{optimizer}:{rate!r}:{seed}"
            if key in done["runs"]:
                continue
            if trainer is None:
                spec = DataSpec(path=data, train_size=settings.data.train_size)
                train = dataclasses.replace(settings.train, seed=seed)
                trainer = Trainer(settings.model, spec, train, dict(settings.optimizer_fns))
            result = trainer.train(optimizer, rate)
            done["runs"][key] = result.reached_step if result.reached else None
            print(f"{model} {optimizer} {rate:.4g} seed {seed}: {done['runs'][key]}", flush=True)
            cache.write_text(json.dumps(done, indent=2))
    truths = {str(search): truth(found, done["runs"], seed_set(search)) for search in searches}
    done.update(
        {
            "model": model,
            "candidates": len(found),
            "truths": truths,
            "extra_steps": sum(
                done["runs"][f"{optimizer}:{rate!r}:{seed}"] or settings.train.max_steps
                for optimizer, rate, _ in found
                for seed in needed
            ),
        }
    )
    cache.write_text(json.dumps(done, indent=2))
    return done


def seed_set(search: int) -> tuple[int, ...]:
    """The seeds a search at `search` takes its medians over: its own and the extra ones."""
    return (search, *extra_seeds(search))


def truth(found: list[tuple[str, float, int]], runs: dict, seeds: tuple[int, ...]) -> dict:
    """Each optimizer's best rate by median over `seeds`; the best median; who ties."""
    per_optimizer: dict[str, dict] = {}
    for optimizer, rate, _ in found:
        steps = [float(runs[f"{optimizer}:{rate!r}:{s}"] or "inf") for s in seeds]
        median = statistics.median(steps)
        known = per_optimizer.get(optimizer)
        if known is None or (median, steps[0], rate) < (
            known["median"],
            known["seeds"][0],
            known["rate"],
        ):
            per_optimizer[optimizer] = {"rate": rate, "seeds": steps, "median": median}
    contenders = [
        Contender(name, r["rate"], tuple(_whole(s) for s in r["seeds"]))
        for name, r in per_optimizer.items()
    ]
    leaders = tied(contenders)
    return {
        "seeds": list(seeds),
        "per_optimizer": per_optimizer,
        "best_median": leaders[0].median,
        "tied": sorted(c.optimizer for c in leaders),
    }


ARMS = ("default", "prior-none")  # bench_search's arms that answer with a median


def rejudge(truths: dict, searches: list[str]) -> dict:
    """bench_search's rows (each arm in ARMS), judged against the 3-seed truth as well."""
    rows: dict[str, dict] = {}
    for path in searches:
        for model, result in json.loads(Path(path).read_text())["results"].items():
            if model not in truths:
                continue
            for row in result["rows"]:
                truth = truths[model]["truths"].get(str(row["seed"]))
                for arm in ARMS:
                    r = row.get(arm)
                    if not r or r["answer"] is None or truth is None:
                        continue
                    tie_good = (
                        len(truth["tied"]) < 2 or len(set(truth["tied"]) & set(r["tied"])) >= 2
                    )
                    rows[f"{arm} {model}-{row['seed']}"] = {
                        "answer": r["answer"][0],
                        "median": r["median"],
                        "one_seed_best": result["truth"]["best_steps"],
                        "three_seed_best": truth["best_median"],
                        "median_good": r["median"] <= 1.25 * truth["best_median"],
                        "tied": r["tied"],
                        "three_seed_tied": truth["tied"],
                        "tie_reported": tie_good,
                    }
    print("\n| arm model-seed | answer | median / 1-seed best / 3-seed best | tied (3-seed tie) |")
    print("|---|---|---|---|")
    for key, r in sorted(rows.items()):
        print(
            f"| {key} | {r['answer']} | {r['median']:g} / {r['one_seed_best']:g} / "
            f"{r['three_seed_best']:g}{'' if r['median_good'] else ' NO'} | "
            f"{', '.join(r['tied'])} ({', '.join(r['three_seed_tied'])})"
            f"{'' if r['tie_reported'] else ' NO'} |"
        )
    for arm in ARMS:
        mine = [r for key, r in rows.items() if key.startswith(f"{arm} ")]
        if mine:
            medians = sum(r["median_good"] for r in mine)
            ties = sum(r["tie_reported"] for r in mine)
            n = len(mine)
            print(f"{arm} against the 3-seed grid: median {medians}/{n}, ties {ties}/{n}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--grids", required=True, help="folder of <model>.db with grid-<model>")
    parser.add_argument("--models", default="cnn,mlp,convnet")
    parser.add_argument("--seeds", default="0,1,2", help="the search seeds to give a truth for")
    parser.add_argument("--searches", default="", help="bench_search.py outputs, comma-separated")
    parser.add_argument("--out", default="bench-results/bench_grid_seeds.json")
    args = parser.parse_args()
    data = str(Path(args.data).resolve())
    searches = [int(s) for s in args.seeds.split(",")]
    results = {}
    for model in args.models.split(","):
        storage = f"sqlite:///{Path(args.grids, f'{model}.db').resolve()}"
        cache = Path(args.grids, f"grid-{model}-seeds.json")
        results[model] = run_seeds(storage, model, data, cache, searches)
    print("\n| model | seeds | best median | tied | leaders' best rates (steps per seed) |")
    print("|---|---|---|---|---|")
    for model, r in results.items():
        for t in r["truths"].values():
            leaders = ", ".join(
                f"{n} {p['rate']:.3g} {[_shown(s) for s in p['seeds']]}"
                for n, p in sorted(t["per_optimizer"].items(), key=lambda kv: kv[1]["median"])
                if p["median"] <= GOOD_MARGIN * t["best_median"]
            )
            print(
                f"| {model} | {','.join(map(str, t['seeds']))} | {t['best_median']:g} "
                f"| {', '.join(t['tied'])} | {leaders} |"
            )
        print(f"{model}: {r['candidates']} candidates, {r['extra_steps']:,} extra steps")
    rows = rejudge(results, args.searches.split(",")) if args.searches else {}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(
        json.dumps({"machine": platform.platform(), "results": results, "rows": rows}, indent=2)
    )


def _whole(steps: float) -> float:
    """Whole steps, as `best` compares them; a run that missed the target stays inf."""
    return whole_steps(steps) if math.isfinite(steps) else steps


def _shown(steps: float) -> int | None:
    return None if steps == float("inf") else int(steps)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
