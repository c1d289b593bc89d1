"""Shell completion, through real bash: the script `--show-completion` prints, sourced,
completes commands, options, samplers, optimizers and the studies in a storage."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

AUTOLR = Path(sys.executable).with_name("autolr")  # the console script pip installed


def _complete(line: str, cwd: Path, env: dict[str, str] | None = None) -> list[str]:
    """What Tab offers at the end of `line` in bash with autolr's completion loaded."""
    words = line.split(" ")
    script = (
        f'source <("{AUTOLR}" --show-completion bash)\n'
        f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
        f"COMP_CWORD={len(words) - 1}\n"
        f'_autolr_completion "{AUTOLR}"\n'
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(
        ["bash", "--norc", "-c", script],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


@pytest.fixture(scope="module")
def shell_ready() -> None:
    if not AUTOLR.is_file() or shutil.which("bash") is None:
        raise pytest.UsageError(f"completion tests need bash and {AUTOLR} (pip install -e .)")


def test_commands_options_and_values_complete(shell_ready: None, tmp_path: Path) -> None:
    assert _complete("autolr tu", tmp_path) == ["tune"]
    assert set(_complete("autolr ", tmp_path)) >= {"tune", "best", "studies", "report", "train"}
    assert "--sampler" in _complete("autolr tune --sa", tmp_path)
    assert _complete("autolr tune --sampler ", tmp_path) == ["grid", "tpe", "random", "pbt"]
    assert _complete("autolr tune --optimizers adam,s", tmp_path) == ["adam,sgd"]
    assert _complete("autolr train --optimizer ada", tmp_path) == [
        "adam",
        "adagrad",
        "adadelta",
        "adamw",
        "adamax",
        "adafactor",
    ]


def test_study_names_complete_from_the_storage_without_writing(
    shell_ready: None, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    storage = f"sqlite:///{folder}/s.db"
    for name in ("mnist", "mnist-trace", "other"):
        optuna.create_study(study_name=name, storage=storage)
    before = sorted(p.name for p in folder.iterdir())
    assert _complete(f"autolr best --storage {storage} --study mn", tmp_path) == [
        "mnist",
        "mnist-trace",
    ]
    offered = _complete("autolr report --study ", tmp_path, {"AUTOLR_STORAGE": storage})
    assert offered == ["mnist", "mnist-trace", "other"]
    assert sorted(p.name for p in folder.iterdir()) == before  # no .lock, no journal
    # No storage here: nothing to offer, and nothing created.
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _complete("autolr best --study ", empty, {"AUTOLR_STORAGE": ""}) == []
    assert list(empty.iterdir()) == []


def test_install_completion_writes_the_script_for_the_shell(
    shell_ready: None, tmp_path: Path
) -> None:
    # As a user runs it: from their shell, which typer detects by looking at its parent.
    done = subprocess.run(
        ["bash", "--norc", "-c", f'"{AUTOLR}" --install-completion; exit $?'],
        env={**os.environ, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    script = (tmp_path / ".bash_completions" / "autolr.sh").read_text()
    assert "_AUTOLR_COMPLETE=complete_bash" in script
    assert ".bash_completions/autolr.sh" in (tmp_path / ".bashrc").read_text()
