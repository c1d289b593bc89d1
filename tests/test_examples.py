"""The worked examples in docs/examples/README.md, run exactly as written (each in a copy
of the folder, so nothing is stored in the repository): every command finishes and
`autolr best` gives an answer in the example's own metric."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
COMMANDS = re.findall(r"```bash\n(.+?)\n```", (EXAMPLES / "README.md").read_text())


def _run(line: str, cwd: Path) -> None:
    """One README line: `python X` and `autolr ...` steps joined by &&, run as written
    (autolr as `python -m autolr`, the interpreter running the tests)."""
    for step in line.split(" && "):
        words = shlex.split(step)
        if words[0] == "autolr":
            words = [sys.executable, "-m", "autolr", *words[1:]]
        elif words[0] == "python":
            words = [sys.executable, *words[1:]]
        done = subprocess.run(words, cwd=cwd, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "Traceback" not in done.stderr


def test_the_readme_shows_each_kind_of_model() -> None:
    joined = "\n".join(COMMANDS)
    for needed in (
        "--metric val_accuracy",
        "--task regression",
        "--metric val_loss",
        "--data tokens.npz",
        "--optimizer-fn",
    ):
        assert needed in joined


@pytest.mark.slow
@pytest.mark.parametrize(
    "line", COMMANDS, ids=[re.search(r"--study (\S+)", c)[1] for c in COMMANDS]
)
def test_each_example_runs_as_written_and_best_answers_in_its_metric(
    line: str, tmp_path: Path
) -> None:
    folder = tmp_path / "examples"
    shutil.copytree(EXAMPLES, folder)
    _run(line, folder)
    study = re.search(r"--study (\S+)", line)[1]
    metric = re.search(r"--metric (\S+)", line)
    best = subprocess.run(
        [sys.executable, "-m", "autolr", "best", "--study", study, "--json"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert best.returncode == 0, best.stdout + best.stderr
    answer = json.loads(best.stdout)
    assert answer["metric"] == (metric[1] if metric else "accuracy")
    assert answer["batch_size"] == 32
    assert answer["learning_rate"] > 0 and answer["value"] > 0
