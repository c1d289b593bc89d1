"""Ctrl-C that lands while a worker is claiming a trial (created, not yet training)
leaves that trial failed, never RUNNING with nobody left to finish it."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from optuna.trial import TrialState

from autolr.errors import failed_on_interrupt
from tests.stub_worker import SMALL_GRID_FLAGS, make_worker


def _interrupt_after_first(method: Any) -> Any:
    """`method`, which sends this process a real SIGINT right after its first call."""
    calls = []

    def interrupting(*args: Any, **kwargs: Any) -> Any:
        result = method(*args, **kwargs)
        if not calls:
            calls.append(1)
            signal.raise_signal(signal.SIGINT)
        return result

    return interrupting


@pytest.mark.parametrize("moment", ["creating", "reading back"])
def test_an_interrupted_claim_fails_its_trial(tmp_path: Path, moment: str) -> None:
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    worker = make_worker(url, "interrupted-claim", SMALL_GRID_FLAGS)
    storage = worker.storage
    if moment == "creating":  # inside the claim, just after the trial is written
        storage.create_new_trial = _interrupt_after_first(storage.create_new_trial)  # type: ignore[method-assign]
    else:  # after the claim, while the new trial is read back
        storage.get_trial = _interrupt_after_first(storage.get_trial)  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt) as interrupt:
        worker.run(None, 10)
    # The exit message will say a trial was recorded as failed, not "no trial was running".
    assert failed_on_interrupt(interrupt.value) == ["the trial it had just claimed is"]
    trials = worker.study.get_trials(deepcopy=False)
    assert len(trials) == 1
    assert trials[0].state == TrialState.FAIL
    assert "interrupted" in trials[0].user_attrs["error"]
