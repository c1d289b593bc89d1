"""What the runner tells a progress display (a Protocol, so displays need no base class)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from optuna.trial import FrozenTrial

from autolr.settings import StudySettings

if TYPE_CHECKING:
    from autolr.trainer import Check


class TuneObserver(Protocol):
    """What a progress display hears from the runner (all optional to act on). Finished
    trials come counted apart: `searched` (the search's own, out of `total`) and
    `follow_ups` (the runs after it that measure the band and the ties)."""

    def study_ready(self, name: str, settings: StudySettings, total: int, done: int) -> None: ...
    def trial_started(self, number: int, optimizer: str, learning_rate: float) -> None: ...
    def check(self, number: int, check: Check) -> None: ...
    def trial_finished(
        self, trial: FrozenTrial, searched: int, follow_ups: int, best: Any
    ) -> None: ...
    def waiting(self, running_elsewhere: int) -> None: ...
    def recovered(self, numbers: list[int]) -> None: ...
    def note(self, text: str) -> None: ...


class NullObserver:
    """A TuneObserver that shows nothing (for scripts and the Python API)."""

    def study_ready(self, name: str, settings: StudySettings, total: int, done: int) -> None:
        return None

    def trial_started(self, number: int, optimizer: str, learning_rate: float) -> None:
        return None

    def check(self, number: int, check: Check) -> None:
        return None

    def trial_finished(self, trial: FrozenTrial, searched: int, follow_ups: int, best: Any) -> None:
        return None

    def waiting(self, running_elsewhere: int) -> None:
        return None

    def recovered(self, numbers: list[int]) -> None:
        return None

    def note(self, text: str) -> None:
        return None
