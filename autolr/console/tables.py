"""Results as tables and sentences: best, studies, trace, report, train."""

from __future__ import annotations

import shlex
from typing import Any

from rich.table import Table
from rich.text import Text

from autolr.console.base import out, rate


def show_train_result(result: dict[str, Any]) -> None:
    outcome = result["outcome"]
    out.print(
        f"{result['optimizer']} lr={rate(result['learning_rate'])}: {outcome} after "
        f"{result['steps']} steps, {result['train_seconds']:.2f}s training "
        f"({result['total_seconds']:.2f}s total), {result['metric']} {result['final_value']:.4g}"
    )


def show_recommendation(rec: Any, objective_unit: str) -> None:
    low, high = rec.band
    out.print(
        Text.assemble(
            (rec.study, "bold"),
            ": use ",
            (rec.optimizer, "bold"),
            " with learning rate ",
            (rate(rec.learning_rate), "bold"),
            f" ({rec.value:.4g} {objective_unit} to {rec.goal or f'{rec.target:g} accuracy'}"
            f", batch {rec.batch_size})",
        )
    )
    span = _span(low, high)
    measured = rec.per_optimizer[rec.optimizer].band_measured
    how = "edges measured on the grid, 6 rates a decade" if measured else "the runs it saw"
    out.print(f"rates that work: {span} (within {rec.margin:g}x of the best; {how})")
    if rec.thin_band:
        out.print(_thin(rec.band_rates))
    if rec.reason:
        out.print(f"why {rec.optimizer}: {rec.reason}")
    if rec.follow_up_trials:
        out.print(
            f"measuring the band and the ties took {rec.follow_up_trials} runs, "
            f"{rec.follow_up_steps:,} steps"
        )
    table = Table(title=f"per optimizer ({rec.finished_trials} finished trials)")
    columns = ["optimizer", "best rate", objective_unit, "band", "reached / trials"]
    if rec.seed_steps:
        columns.append("at 3 seeds")
    for column in columns:
        table.add_column(column, justify="right" if column != "optimizer" else "left")
    for name, r in rec.per_optimizer.items():
        band = "-"
        if r.band:
            low, high = r.band
            band = _span(low, high)
            band += " (thin)" if r.thin_band else " (measured)" if r.band_measured else ""
        value = "-" if r.value is None else f"{r.value:.4g}"
        row = [name, rate(r.learning_rate), value, band, f"{r.reached_trials} / {r.trials}"]
        if rec.seed_steps:
            row.append(seed_cell(rec, name, r.learning_rate))
        table.add_row(*row)
    out.print(table)


def seed_cell(rec: Any, name: str, best_rate: float | None) -> str:
    """A leader's steps at each seed, with its median and whether it ties: "median 20
    (10, 20, 30) tied", and "at 0.0068" when the seeds ran another rate than the row's
    best (a band run found later at the same steps can be shown instead)."""
    steps = rec.seed_steps.get(name)
    if not steps:
        return ""
    shown = sorted(steps)[len(steps) // 2]
    tie = " tied" if name in rec.tied and len(rec.tied) > 1 else ""
    ran = rec.seed_rates.get(name)
    where = f" at {rate(ran)}" if ran is not None and rate(ran) != rate(best_rate) else ""
    return f"median {shown:g} ({', '.join(f'{s:g}' for s in steps)}){where}{tie}"


def _span(low: float, high: float) -> str:
    """A band, or one rate when its ends print alike."""
    a, b = rate(low), rate(high)
    return f"{a} only" if a == b else f"{a} .. {b}"


def _thin(rates: int) -> str:
    return (
        f"  a thin band: {rates} rate{'' if rates == 1 else 's'} within the margin, too few to "
        "say how far it reaches; try rates either side"
    )


def show_pbt_recommendation(rec: Any) -> None:
    steps = "steps" if rec.objective == "steps" else "seconds"
    out.print(
        Text.assemble(
            (rec.study, "bold"),
            " (PBT): use ",
            (rec.optimizer, "bold"),
            " with learning rate ",
            (rate(rec.learning_rate), "bold"),
            f" ({rec.value:.4g} lineage {steps} to {rec.goal or f'{rec.target:g} accuracy'}, "
            f"batch {rec.batch_size})",
        )
    )
    out.print(
        f"the constant rate of the fastest lineage of generation {rec.generation}, the first in "
        f"which any member reached ({rec.reached_members} did): the step-weighted geometric "
        f"mean of its rates (last {rate(rec.final_learning_rate)})"
    )
    out.print(f"rates that work: {_span(*rec.band)} ({rec.band_source()})")
    if rec.thin_band:
        out.print(_thin(rec.band_rates))
    if rec.at_chance or rec.diverged:
        out.print(
            f"{rec.at_chance} member-interval(s) ended early at chance, {rec.diverged} "
            "diverged (such a member is replaced at the next exploit, if one follows)"
        )
    table = Table(title="winning lineage: learning-rate schedule")
    for column in ("steps", "optimizer", "rate", "member", "action", rec.metric):
        table.add_column(column, justify="left" if column in ("optimizer", "action") else "right")
    for interval in rec.schedule:
        table.add_row(
            f"{interval.start_step}-{interval.start_step + interval.steps}",
            interval.optimizer,
            rate(interval.learning_rate),
            str(interval.member),
            interval.action,
            f"{interval.final_value:.4g}",
        )
    out.print(table)


def show_studies(rows: list[dict[str, Any]], storage: str) -> None:
    if not rows:
        out.print(Text(f"no studies in {storage}"))
        return
    table = Table(title=Text(f"studies in {storage}", style="italic"))
    for column in (
        "study",
        "kind",
        "target",
        "complete",
        "pruned",
        "failed",
        "running",
        "waiting",
        "best",
    ):
        table.add_column(column, justify="left" if column in ("study", "kind", "best") else "right")
    for row in rows:
        states = row["states"]
        table.add_row(
            Text(row["study"]),
            Text(str(row["sampler"])),
            "-" if row.get("target") is None else f"{row['target']:g}",
            *(str(states.get(s, 0)) for s in ("COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING")),
            Text(row["best"]),
        )
    out.print(table)


def show_trace(rows: list[dict[str, Any]], study: str) -> None:
    table = Table(title=Text(f"{study}: each optimizer at its best rate", style="italic"))
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
    out.print(Text(f"figures: autolr report --study {shlex.quote(study)}"))


def show_report(files: Any, summary: Any) -> None:
    figures = [f for f in files if str(f).endswith((".png", ".html"))]
    out.print(Text(f"wrote {len(figures)} figure files to {summary.parent}/"))
    for path in figures:
        out.print(Text(f"  {path}"))
    out.print(Text(f"summary: {summary}"))


def show_find(rows: list[dict[str, Any]], study: str, total_steps: int) -> None:
    """The range test: per optimizer, its suggested rate and band, or why it has none."""
    table = Table(
        title=Text(
            f"{study}: learning-rate range test ({total_steps} steps in all)", style="italic"
        )
    )
    for column in ("optimizer", "suggestion", "band", "lowest loss at", "steps", "verdict"):
        table.add_column(column, justify="left" if column in ("optimizer", "verdict") else "right")
    for row in rows:
        band = row["band"]
        table.add_row(
            row["optimizer"],
            rate(row["suggestion"]),
            f"{rate(band[0])} .. {rate(band[1])}" if band else "-",
            rate(row["lowest_rate"]),
            str(row["steps"]),
            Text(row["reason"]),
        )
    out.print(table)
