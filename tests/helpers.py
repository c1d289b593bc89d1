"""Running autolr the way users do: in-process through CliRunner, or as real processes."""

from __future__ import annotations

import os
import queue
import re
import select
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import optuna
from typer.testing import CliRunner

from autolr.cli import app

SCALE = "0.25"

# A grid small enough for a test: 2 optimizers x 5 rates (0.0215 .. 0.1), short budgets.
SMALL_GRID_POINTS = 10


# The session's real grid (tests/conftest.py's grid_study): 2 optimizers x 5 rates, every
# rate run to its end so that figures have full lines; adam reaches the target at the low
# rates, momentum at the high ones.
GRID_STUDY = "small-grid"
GRID_OPTIMIZERS = ("adam", "momentum")
GRID_FLAGS = {
    "sampler": "grid",
    "optimizers": list(GRID_OPTIMIZERS),
    "lr_min": 0.01,
    "lr_max": 0.05,  # 5 grid rates
    "scale": float(SCALE),
    "train_size": 2000,
    "target": 0.9,
    "max_steps": 150,
    "prune": False,
}
GRID_POINTS = 10


def copy_of(url: str, folder: Path) -> str:
    """A private copy of a session study's SQLite file, for tests that write to it."""
    source = Path(url.removeprefix("sqlite:///"))
    target = folder / source.name
    shutil.copy(source, target)
    return f"sqlite:///{target}"


def grid_study_args(mnist: str, *extra: str) -> list[str]:
    """`autolr tune` with the session grid's settings (GRID_FLAGS), as a user types them."""
    args = ["tune", "--study", GRID_STUDY]
    for name, value in {**GRID_FLAGS, "optimizers": ",".join(GRID_OPTIMIZERS)}.items():
        option = name.replace("_", "-")
        if isinstance(value, bool):
            args.append(f"--{option}" if value else f"--no-{option}")
        else:
            args += [f"--{option}", str(value)]
    return [*args, "--data", mnist, "--quiet", *extra]


def small_grid_args(study: str, mnist: str, *extra: str) -> list[str]:
    return [
        "tune",
        "--study",
        study,
        "--sampler",
        "grid",
        "--optimizers",
        "adam,sgd",
        "--lr-min",
        "0.02",
        "--lr-max",
        "0.1",
        "--scale",
        SCALE,
        "--train-size",
        "2000",
        "--target",
        "0.9",
        "--max-steps",
        "150",
        "--data",
        mnist,
        "--quiet",
        *extra,
    ]


def small_pbt_args(study: str, mnist: str, *extra: str) -> list[str]:
    """4 members x 3 intervals of 50 steps; the target is out of reach, so all 12 run."""
    return [
        "tune",
        "--study",
        study,
        "--sampler",
        "pbt",
        "--population",
        "4",
        "--interval",
        "50",
        "--optimizers",
        "adam,sgd",
        "--lr-min",
        "0.001",
        "--lr-max",
        "0.3",
        "--scale",
        SCALE,
        "--train-size",
        "2000",
        "--target",
        "0.999",
        "--max-steps",
        "150",
        "--prior",
        "none",
        "--data",
        mnist,
        "--quiet",
        *extra,
    ]


def assert_population_complete_once(study_name: str, storage: str) -> optuna.Study:
    """Every (generation, member) slot trained exactly once; every interval started from
    exactly the weights its parent interval ended with."""
    study = optuna.load_study(study_name=study_name, storage=storage)
    done = Counter(
        (t.user_attrs["generation"], t.user_attrs["member"])
        for t in study.trials
        if t.state.name == "COMPLETE"
    )
    assert done == Counter({(g, m): 1 for g in range(3) for m in range(4)}), done
    by_number = {t.number: t for t in study.trials}
    for trial in study.trials:
        parent = trial.user_attrs.get("parent_trial")
        if trial.state.name == "COMPLETE" and parent is not None:
            assert (
                trial.user_attrs["start_fingerprint"]
                == by_number[parent].user_attrs["end_fingerprint"]
            )
    return study


def invoke(*args: str, env: dict[str, str] | None = None):
    """Run the CLI in this process; returns typer's Result (exit_code, stdout, stderr)."""
    return CliRunner().invoke(app, list(args), env=env)


def assert_clean_error(result, fragment: str) -> None:
    """A user error: non-zero exit, one line on stderr that says what is wrong."""
    assert result.exit_code not in (0, None), result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.output  # one line, and last
    assert fragment in errors[0], errors[0]
    assert "Traceback" not in result.output


class AutolrProcess:
    """`python -m autolr ...` in a real process, with its stderr readable line by line."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autolr", *args],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout: float = 180) -> re.Match[str]:
        """Block until a stderr line matches `pattern` (the process's own progress log)."""
        regex = re.compile(pattern)
        while True:
            line = self._queue.get(timeout=timeout)
            if line is None:
                raise AssertionError(f"process ended before {pattern!r}:\n" + "\n".join(self.lines))
            match = regex.search(line)
            if match:
                return match

    def finish(self, timeout: float = 300) -> int:
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return code

    @property
    def output(self) -> str:
        return "\n".join(self.lines)


def grid_counts(study_name: str, storage: str) -> tuple[Counter, Counter]:
    """(finished trials per grid point, trials per state) of a stored grid study."""
    study = optuna.load_study(study_name=study_name, storage=storage)
    finished = Counter(
        t.user_attrs.get("grid_point")
        for t in study.trials
        if t.state.name in ("COMPLETE", "PRUNED")
    )
    return finished, Counter(t.state.name for t in study.trials)


def assert_grid_complete_once(study_name: str, storage: str, points: int) -> Counter:
    """The grid invariant: every point finished exactly once, none missing."""
    finished, states = grid_counts(study_name, storage)
    assert sorted(finished) == list(range(points)), finished
    assert set(finished.values()) == {1}, finished
    assert states["RUNNING"] == 0 and states["WAITING"] == 0, states
    return states


def wait_gone(pid: int, timeout: float) -> bool:
    """Block until process `pid` (not necessarily our child) exits; False if it outlives
    `timeout`."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([handle], [], [], timeout)[0])
    finally:
        os.close(handle)


def with_flags(args: list[str], change: dict[str, str]) -> list[str]:
    """`args` with each flag in `change` set to its value (replaced, or added)."""
    args = list(args)
    for flag, value in change.items():
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    return args
