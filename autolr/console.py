"""Everything autolr shows a person: progress, tables, messages (the only rich user).

Human-facing output goes to stderr; results meant for scripts (`--json`) go to stdout
as plain JSON, so `autolr best --json | jq` always works.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from typing import Any

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

err = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)
log = logging.getLogger("autolr")


def error(message: str) -> None:
    err.print(f"[bold red]error:[/] {_escape(message)}")


def note(message: str) -> None:
    err.print(_escape(message))


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()


def _escape(text: str) -> str:
    return text.replace("[", r"\[")


def rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def setup_logging(quiet: bool) -> None:
    """--quiet: one plain log line per event instead of live progress bars."""
    handler: logging.Handler
    if quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    else:
        handler = RichHandler(console=err, show_path=False, show_time=False)
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False


def describe_trial(trial: Any) -> str:
    attrs = trial.user_attrs
    state = trial.state.name.lower()
    if "member" in attrs and state == "complete":
        end = attrs.get("lineage_steps", 0) + attrs.get("steps", 0)
        verdict = (
            f"member {attrs['member']} generation {attrs['generation']} "
            f"({attrs.get('action')}): accuracy {attrs.get('final_accuracy', 0):.3f} "
            f"at step {end}"
            + (", target reached" if attrs.get("reached") else "")
            + (", diverged" if attrs.get("diverged") else "")
        )
    elif state == "complete" and attrs.get("reached"):
        step = attrs.get("reached_step", attrs.get("steps"))
        seconds = attrs.get("reached_seconds", attrs.get("train_seconds", 0.0))
        verdict = f"reached at step {step} ({seconds:.1f}s)"
    elif state == "complete":
        verdict = "diverged" if attrs.get("diverged") else "budget spent, target not reached"
    elif state == "pruned":
        verdict = f"pruned at step {attrs.get('steps')} (slower than its optimizer's best)"
    else:
        verdict = f"{state}: {attrs['error']}" if attrs.get("error") else state
    params = trial.params
    return (
        f"trial {trial.number} {params.get('optimizer')} lr={rate(params.get('learning_rate'))}"
        f": {verdict}"
    )


def describe_best(best: Any, objective: str) -> str:
    if best is None:
        return "no trial has reached the target yet"
    unit = "steps" if objective == "steps" else "s"
    value = f"{best.value:.0f}" if objective == "steps" else f"{best.value:.1f}"
    return (
        f"best: {best.params['optimizer']} lr={rate(best.params['learning_rate'])} ({value} {unit})"
    )


class TuneLog:
    """Observer for --quiet: plain log lines."""

    objective = "steps"

    def study_ready(self, name: str, settings: Any, total: int, done: int) -> None:
        self.objective = settings.objective
        log.info(
            f"study {name}: sampler {settings.sampler}, {done}/{total} trials done, "
            f"target {settings.train.target:g}, {settings.model.describe()}"
        )

    def trial_started(self, number: int, optimizer: str, learning_rate: float) -> None:
        log.info(f"trial {number} {optimizer} lr={rate(learning_rate)}: started")

    def check(self, number: int, check: Any) -> None:
        pass

    def trial_finished(self, trial: Any, done: int, best: Any) -> None:
        log.info(f"{describe_trial(trial)} [{done} done; {describe_best(best, self.objective)}]")

    def waiting(self, running_elsewhere: int) -> None:
        pass

    def recovered(self, numbers: list[int]) -> None:
        log.info(f"marked trial(s) {', '.join(map(str, numbers))} failed: their worker died")

    def __enter__(self) -> TuneLog:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class TuneDisplay(TuneLog):
    """Live progress: trials done/total, the running trial's step and accuracy, best."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        )
        self.trials: TaskID | None = None
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
        self.progress.console.print(
            f"study [bold]{name}[/]: {settings.sampler} over {','.join(settings.optimizers)}, "
            f"lr {settings.lr_min:g}..{settings.lr_max:g}, target {settings.train.target:g}, "
            f"{_escape(settings.model.describe())}; {done}/{total} trials done"
        )
        self.max_steps = settings.train.max_steps
        self.trials = self.progress.add_task(f"[bold]{name}[/] trials", total=total, completed=done)
        self.current = self.progress.add_task("waiting for a trial", total=self.max_steps)

    def trial_started(self, number: int, optimizer: str, learning_rate: float) -> None:
        self.trial_label = f"trial {number} {optimizer} lr={rate(learning_rate)}"
        if self.current is not None:
            self.progress.reset(
                self.current, total=self.max_steps, description=f"{self.trial_label} step 0"
            )

    def check(self, number: int, check: Any) -> None:
        if self.current is None:
            return
        loss = "nan" if not math.isfinite(check.loss) else f"{check.loss:.3g}"
        self.progress.update(
            self.current,
            completed=check.step,
            description=f"{self.trial_label} acc {check.accuracy:.3f} loss {loss}",
        )

    def trial_finished(self, trial: Any, done: int, best: Any) -> None:
        self.progress.console.print(_escape(describe_trial(trial)))
        if self.trials is not None:
            self.best_text = describe_best(best, self.objective)
            self.progress.update(
                self.trials, completed=done, description=f"trials · {_escape(self.best_text)}"
            )

    def waiting(self, running_elsewhere: int) -> None:
        if self.current is not None:
            self.progress.update(
                self.current, description=f"waiting: {running_elsewhere} trial(s) run elsewhere"
            )

    def recovered(self, numbers: list[int]) -> None:
        self.progress.console.print(
            f"marked trial(s) {', '.join(map(str, numbers))} failed: their worker died; "
            "their work is handed out again"
        )


class JobsDisplay:
    """Progress for --jobs: the parent polls the study while worker processes train."""

    def __init__(self, name: str, total: int, quiet: bool) -> None:
        self.quiet = quiet
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        )
        self.task = self.progress.add_task(f"{name} trials", total=total)
        self.last_done = -1

    def __enter__(self) -> JobsDisplay:
        if not self.quiet:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.quiet:
            self.progress.stop()

    def update(self, done: int, running: int, best_text: str) -> None:
        if self.quiet:
            if done != self.last_done:
                log.info(f"{done} trials done, {running} running; {best_text}")
            self.last_done = done
            return
        self.progress.update(
            self.task, completed=done, description=f"{running} running · {_escape(best_text)}"
        )


def show_train_result(result: dict[str, Any]) -> None:
    outcome = result["outcome"]
    out.print(
        f"{result['optimizer']} lr={rate(result['learning_rate'])}: {outcome} after "
        f"{result['steps']} steps, {result['train_seconds']:.2f}s training "
        f"({result['total_seconds']:.2f}s total), accuracy {result['final_accuracy']:.4f}"
    )


def show_recommendation(rec: Any, objective_unit: str) -> None:
    low, high = rec.band
    out.print(
        f"[bold]{rec.study}[/]: use [bold]{rec.optimizer}[/] with learning rate "
        f"[bold]{rate(rec.learning_rate)}[/] ({rec.value:.4g} {objective_unit} to "
        f"{rec.target:g} accuracy)"
    )
    out.print(f"rates that work: {rate(low)} .. {rate(high)} (within {rec.margin:g}x of the best)")
    table = Table(title=f"per optimizer ({rec.finished_trials} finished trials)")
    for column in ("optimizer", "best rate", objective_unit, "band", "reached / trials"):
        table.add_column(column, justify="right" if column != "optimizer" else "left")
    for name, r in rec.per_optimizer.items():
        band = f"{rate(r.band[0])} .. {rate(r.band[1])}" if r.band else "-"
        value = "-" if r.value is None else f"{r.value:.4g}"
        table.add_row(name, rate(r.learning_rate), value, band, f"{r.reached_trials} / {r.trials}")
    out.print(table)


def show_larger_model(advice: dict[str, Any] | None, study: str) -> None:
    if advice is None:
        out.print(
            "for a larger model of the same family: the same rate (the 2018 study's best "
            "rate held from 1x to 10x); `autolr best --for-scale S` says more"
        )
        return
    out.print(
        f"at scale x{advice['scale']:g} ({advice['weights']:,} weights): use lr "
        f"{rate(advice['learning_rate'])}, as the 2018 study found the best rate carries "
        "over between sizes"
    )
    fit = advice["fit"]
    if fit is None:
        out.print(f"no time prediction: run `autolr scale --study {study}` first")
    else:
        out.print(
            f"expected training time to the target: {advice['predicted_seconds']:.1f}s "
            f"(c + k*n from {fit['study']} at lr {rate(fit['learning_rate'])}, "
            f"R^2 {fit['r2']:.2f})"
        )


def show_pbt_recommendation(rec: Any) -> None:
    low, high = rec.band
    out.print(
        f"[bold]{rec.study}[/] (PBT): the winning lineage reached {rec.target:g} accuracy in "
        f"{rec.value:.0f} steps with [bold]{rec.optimizer}[/]"
    )
    out.print(
        f"constant rate to use: [bold]{rate(rec.learning_rate)}[/] (step-weighted geometric "
        f"mean of the lineage's rates, {rate(low)} .. {rate(high)}; "
        f"last {rate(rec.final_learning_rate)})"
    )
    table = Table(title="winning lineage: learning-rate schedule")
    for column in ("steps", "optimizer", "rate", "member", "action", "accuracy"):
        table.add_column(column, justify="left" if column in ("optimizer", "action") else "right")
    for interval in rec.schedule:
        table.add_row(
            f"{interval.start_step}-{interval.start_step + interval.steps}",
            interval.optimizer,
            rate(interval.learning_rate),
            str(interval.member),
            interval.action,
            f"{interval.final_accuracy:.3f}",
        )
    out.print(table)


def show_studies(rows: list[dict[str, Any]], storage: str) -> None:
    if not rows:
        out.print(f"no studies in {storage}")
        return
    table = Table(title=f"studies in {storage}")
    for column in (
        "study",
        "sampler",
        "complete",
        "pruned",
        "failed",
        "running",
        "waiting",
        "best",
    ):
        table.add_column(
            column, justify="left" if column in ("study", "sampler", "best") else "right"
        )
    for row in rows:
        states = row["states"]
        table.add_row(
            row["study"],
            row["sampler"],
            *(str(states.get(s, 0)) for s in ("COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING")),
            row["best"],
        )
    out.print(table)


def show_trace(rows: list[dict[str, Any]], study: str) -> None:
    table = Table(title=f"{study}: each optimizer at its best rate")
    for column in ("optimizer", "rate", "target at step", "steps", "train acc", "val acc"):
        table.add_column(column, justify="left" if column == "optimizer" else "right")
    for row in rows:
        table.add_row(
            row["optimizer"],
            rate(row["learning_rate"]),
            "-" if row["reached_step"] is None else str(row["reached_step"]),
            str(row["steps"]),
            f"{row['train_accuracy']:.4f}",
            "-" if row["val_accuracy"] is None else f"{row['val_accuracy']:.4f}",
        )
    out.print(table)
    out.print(f"figures: autolr report --study {study}")


def show_scale(
    fits: dict[float, Any], fastest: dict[float, Any], runs: list[Any], study: str
) -> None:
    table = Table(title=f"{study}: training time to target = c + k * n (n = weights)")
    for column in ("rate", "c (s)", "k (s per M weights)", "R^2", "runs"):
        table.add_column(column, justify="right")
    for learning_rate, fit in fits.items():
        if fit is None:
            table.add_row(rate(learning_rate), "-", "-", "-", "fewer than 2 reached")
        else:
            table.add_row(
                rate(learning_rate),
                f"{fit.c:.2f}",
                f"{fit.k * 1e6:.3f}",
                f"{fit.r2:.3f}",
                str(fit.points),
            )
    out.print(table)
    winners = ", ".join(f"x{scale:g}: {rate(lr)}" for scale, lr in fastest.items())
    out.print(f"fastest rate per scale: {winners}")
    out.print(f"figures: autolr report --study {study}")


def show_report(files: Any, summary: Any) -> None:
    figures = [f for f in files if str(f).endswith((".png", ".html"))]
    out.print(f"wrote {len(figures)} figure files to {summary.parent}/")
    for path in figures:
        out.print(f"  {path}")
    out.print(f"summary: {summary}")
