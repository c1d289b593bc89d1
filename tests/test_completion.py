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


def _complete(
    completion: Path, line: str, cwd: Path, env: dict[str, str] | None = None
) -> list[str]:
    """What Tab offers at the end of `line` in bash with autolr's completion loaded from
    `completion` (the script `autolr --show-completion bash` printed)."""
    words = line.split(" ")
    script = (
        f'source "{completion}"\n'
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
def completion(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """autolr's bash completion script, as `autolr --show-completion bash` prints it
    (once for the module: each Tab below then runs autolr once, as a user's does)."""
    if not AUTOLR.is_file() or shutil.which("bash") is None:
        raise pytest.UsageError(f"completion tests need bash and {AUTOLR} (pip install -e .)")
    shown = subprocess.run(
        ["bash", "--norc", "-c", f'"{AUTOLR}" --show-completion bash'],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0 and "_autolr_completion" in shown.stdout, shown.stderr
    script = tmp_path_factory.mktemp("completion") / "autolr.bash"
    script.write_text(shown.stdout)
    return script


def test_commands_options_and_values_complete(completion: Path, tmp_path: Path) -> None:
    assert _complete(completion, "autolr tu", tmp_path) == ["tune"]
    assert set(_complete(completion, "autolr ", tmp_path)) >= {
        "tune",
        "best",
        "studies",
        "report",
        "train",
    }
    assert "--sampler" in _complete(completion, "autolr tune --sa", tmp_path)
    assert _complete(completion, "autolr tune --sampler ", tmp_path) == [
        "grid",
        "tpe",
        "random",
        "pbt",
    ]
    assert _complete(completion, "autolr tune --optimizers adam,s", tmp_path) == ["adam,sgd"]
    assert _complete(completion, "autolr train --optimizer ada", tmp_path) == [
        "adam",
        "adagrad",
        "adadelta",
        "adamw",
        "adamax",
        "adafactor",
    ]


def test_study_names_complete_from_the_storage_without_writing(
    completion: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    storage = f"sqlite:///{folder}/s.db"
    for name in ("mnist", "mnist-trace", "other"):
        optuna.create_study(study_name=name, storage=storage)
    before = sorted(p.name for p in folder.iterdir())
    assert _complete(completion, f"autolr best --storage {storage} --study mn", tmp_path) == [
        "mnist",
        "mnist-trace",
    ]
    offered = _complete(completion, "autolr report --study ", tmp_path, {"AUTOLR_STORAGE": storage})
    assert offered == ["mnist", "mnist-trace", "other"]
    assert sorted(p.name for p in folder.iterdir()) == before  # no .lock, no journal
    # No storage here: nothing to offer, and nothing created.
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _complete(completion, "autolr best --study ", empty, {"AUTOLR_STORAGE": ""}) == []
    assert list(empty.iterdir()) == []


def test_install_completion_writes_the_script_for_the_shell(
    completion: Path, tmp_path: Path
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
