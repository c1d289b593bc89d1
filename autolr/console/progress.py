"""Live progress while tuning: trials done/total, the running trial, best so far."""

from __future__ import annotations

import math
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from autolr.config import describe_goal
from autolr.console.base import describe_best, describe_trial, err, log, rate


def study_line(settings: Any) -> str:
    """What a study is about to do, in one line."""
    if settings.sampler == "find":
        return (
            f"learning-rate range test of {','.join(settings.optimizers)}, rate "
            f"{settings.lr_min:g}..{settings.lr_max:g} over {settings.find_steps} steps each, "
            f"{settings.model.describe()}"
        )
    return (
        f"{settings.sampler} over {','.join(settings.optimizers)}, "
        f"lr {settings.lr_min:g}..{settings.lr_max:g}, to {describe_goal(settings.train)}, "
        f"batch {settings.train.batch_size}, budget {settings.train.describe_budget()}, "
        f"{settings.model.describe()}"
    )


def measured(check: Any) -> str:
    """A check's numbers, those it has: " acc 0.912 loss 0.31 val_loss 0.35"."""
    parts = []
    for label, value, digits in (
        ("acc", check.accuracy, ".3f"),
        ("loss", check.loss, ".3g"),
        ("val_acc", getattr(check, "val_accuracy", None), ".3f"),
        ("val_loss", getattr(check, "val_loss", None), ".3g"),
    ):
        if value is None or (label != "loss" and math.isnan(value)):
            continue
        parts.append(f" {label} {value:{digits}}" if math.isfinite(value) else f" {label} nan")
    return "".join(parts)


def follow_up_text(count: int) -> str:
    """What a trials bar says of the runs after the search (band and ties), if any: the
    bar stops at the trials asked for ("12/12 +5 follow-up runs", never "17/12")."""
    return "" if count <= 0 else f" +{count} follow-up run{'' if count == 1 else 's'}"


class TuneLog:
    """Observer for --quiet: plain log lines."""

    objective = "steps"
    finding = False  # a range test: no fixed rate per trial, and no target to reach

    def study_ready(self, name: str, settings: Any, total: int, done: int) -> None:
        self.objective = settings.objective
        self.finding = settings.sampler == "find"
        log.info(f"study {name}: {study_line(settings)}; {done}/{total} trials done")

    def trial_started(self, number: int, optimizer: str, learning_rate: float) -> None:
        log.info(f"{self.trial_label(number, optimizer, learning_rate)}: started")

    def trial_label(self, number: int, optimizer: str, learning_rate: float) -> str:
        """A trial in a line: "trial 3 adam lr=0.01"; a range test's rate rises, so it has none."""
        if self.finding:
            return f"trial {number} {optimizer} range test"
        return f"trial {number} {optimizer} lr={rate(learning_rate)}"

    def done_text(self, searched: int, follow_ups: int, best: Any) -> str:
        """Trials done, and the best (a range test has no target, so no best run)."""
        done = f"{searched} done{follow_up_text(follow_ups)}"
        if self.finding:
            return done
        return f"{done}; {describe_best(best, self.objective)}"

    def check(self, number: int, check: Any) -> None:
        pass

    def trial_finished(self, trial: Any, searched: int, follow_ups: int, best: Any) -> None:
        log.info(f"{describe_trial(trial)} [{self.done_text(searched, follow_ups, best)}]")

    def waiting(self, running_elsewhere: int) -> None:
        pass

    def recovered(self, numbers: list[int]) -> None:
        log.info(f"marked trial(s) {', '.join(map(str, numbers))} failed: their worker died")

    def note(self, text: str) -> None:
        log.info(text)

    def __enter__(self) -> TuneLog:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class TuneDisplay(TuneLog):
    """Live progress: trials done/total, the running trial's step and accuracy, best."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description}", markup=False),  # study names are not markup
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        )
        self.trials: TaskID | None = None
        self.total = 0
        self.current: TaskID | None = None
        self.best_text = ""

    def __enter__(self) -> TuneDisplay:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.current is not None:
            self.progress.update(self.current, visible=False)
        self.progress.stop()

    def study_ready(self, name: str, settings: Any, total: int, done: int) -> None:
        self.objective = settings.objective
        self.finding = settings.sampler == "find"
        self.progress.console.print(
            Text.assemble(
                "study ", (name, "bold"), f": {study_line(settings)}; {done}/{total} trials done"
            )
        )
        finding = settings.sampler == "find"
        self.max_steps = settings.find_steps if finding else settings.train.max_steps
        self.total = total
        self.trials = self.progress.add_task(f"{name} trials", total=total, completed=done)
        self.current = self.progress.add_task("waiting for a trial", total=self.max_steps)

    def trial_started(self, number: int, optimizer: str, learning_rate: float) -> None:
        self.running = self.trial_label(number, optimizer, learning_rate)
        if self.current is not None:
            self.progress.reset(
                self.current, total=self.max_steps, description=f"{self.running} step 0"
            )

    def check(self, number: int, check: Any) -> None:
        if self.current is None:
            return
        self.progress.update(
            self.current, completed=check.step, description=f"{self.running}{measured(check)}"
        )

    def trial_finished(self, trial: Any, searched: int, follow_ups: int, best: Any) -> None:
        self.progress.console.print(Text(describe_trial(trial)))
        if self.trials is not None:
            self.best_text = "" if self.finding else describe_best(best, self.objective)
            extra = follow_up_text(follow_ups)
            self.progress.update(
                self.trials,
                completed=min(searched, self.total),
                description=f"trials{extra}" + (f" · {self.best_text}" if self.best_text else ""),
            )

    def waiting(self, running_elsewhere: int) -> None:
        if self.current is not None:
            self.progress.update(
                self.current, description=f"waiting: {running_elsewhere} trial(s) run elsewhere"
            )

    def note(self, text: str) -> None:
        self.progress.console.print(Text(text))

    def recovered(self, numbers: list[int]) -> None:
        self.progress.console.print(
            Text(
                f"marked trial(s) {', '.join(map(str, numbers))} failed: their worker died; "
                "their work is handed out again"
            )
        )


class JobsDisplay:
    """Progress for --jobs: the parent polls the study while worker processes train."""

    def __init__(self, name: str, total: int, quiet: bool) -> None:
        self.quiet = quiet
        self.progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        )
        self.total = total
        self.task = self.progress.add_task(f"{name} trials", total=total)
        self.last = (-1, -1, -1)

    def __enter__(self) -> JobsDisplay:
        if not self.quiet:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.quiet:
            self.progress.stop()

    def update(self, searched: int, running: int, best_text: str, follow_ups: int) -> None:
        """`searched`: the search's finished trials; `follow_ups`: the finished runs after
        it (counted apart by the study's roles, so the bar never mistakes one for the
        other)."""
        if self.quiet:
            if (searched, follow_ups, running) != self.last:
                done = f"{searched} trials done{follow_up_text(follow_ups)}"
                log.info(f"{done}, {running} running; {best_text}")
            self.last = (searched, follow_ups, running)
            return
        self.progress.update(
            self.task,
            completed=min(searched, self.total),
            description=f"{running} running{follow_up_text(follow_ups)} · {best_text}",
        )
