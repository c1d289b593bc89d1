"""What the search benchmarks share: the models, the proxy's settings, running `autolr`
in its own process (the checkout given first on its path), and reading finished studies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import optuna

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"
MODELS: dict[str, list[str]] = {
    "cnn": ["--scale", "0.25"],  # the reference CNN at a quarter width (the mnist preset)
    "mlp": ["--model", "bench_models:mlp"],
    "convnet": ["--model", "bench_models:convnet"],
}
COMMON = ["--train-size", "10000", "--target", "0.97", "--max-steps", "1500"]
GOOD_MARGIN = 1.5
SETTINGS_ATTR = "autolr"  # where a study keeps its settings (autolr/store/stored.py)


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


def best_json(source: Path, storage: str, study: str) -> dict[str, Any] | None:
    """`autolr best --json` of a study, as a user gets it (None: no answer)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(source), str(SCRIPTS)])}
    args = [sys.executable, "-m", "autolr", "best", "--study", study, "--storage", storage]
    done = subprocess.run([*args, "--json"], env=env, cwd=SCRIPTS, capture_output=True, text=True)
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer if done.returncode == 0 else None


def share_range_test(storage: str, source: str, study: str) -> None:
    """Give `study` the finished range test of `source` (the range test depends only on
    settings the two share: find.py's find_settings), so that it is not trained again."""
    names = optuna.get_all_study_names(storage)
    if f"{study}-find" in names or f"{source}-find" not in names:
        return
    optuna.copy_study(
        from_study_name=f"{source}-find",
        from_storage=storage,
        to_storage=storage,
        to_study_name=f"{study}-find",
    )
    copy = optuna.load_study(study_name=f"{study}-find", storage=storage)
    settings = copy.user_attrs[SETTINGS_ATTR]  # autolr/store/stored.py
    copy.set_user_attr(SETTINGS_ATTR, {**settings, "source": study})


def in_grid_band(truth: dict, optimizer: str, rate: float) -> bool:
    """The grid knows a band's edges only to its resolution: the true edge lies between
    the last grid rate inside and the next one out (a factor 10^(1/6))."""
    band = truth["per_optimizer"].get(optimizer, {}).get("band")
    step = 10 ** (1 / 6) * 1.001
    return bool(band and band[0] / step <= rate <= band[1] * step)
