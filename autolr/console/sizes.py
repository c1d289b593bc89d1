"""Model sizes: a scale study's best rate per size, and `best --for-scale`'s advice."""

from __future__ import annotations

import shlex
from typing import Any

from rich.table import Table
from rich.text import Text

from autolr.console.base import out, rate


def say(text: str) -> None:
    """Plain text: names and numbers are never read as rich markup."""
    out.print(Text(text))


def show_scale(summary: dict[str, Any], study: str) -> None:
    """Per optimizer: each size's best rate and band, then how the rate moves with size
    and the c + k·n line of the steps and seconds to the target."""
    table = Table(title=Text(f"{study}: each size's best rate", style="italic"))
    for column in ("optimizer", "scale", "weights", "best rate", "band", "steps", "seconds"):
        table.add_column(column, justify="left" if column == "optimizer" else "right")
    for optimizer, entry in summary.items():
        for size in entry["sizes"]:
            band = size["band"]
            table.add_row(
                optimizer,
                f"x{size['scale']:g}",
                f"{size['weights']:,}",
                rate(size["best_rate"]) + ("*" if size["at_edge"] else ""),
                f"{rate(band[0])} .. {rate(band[1])}" if band else "-",
                "-" if size["steps"] is None else str(size["steps"]),
                "-" if size["seconds"] is None else f"{size['seconds']:.3g}",
            )
    out.print(table)
    if any(s["at_edge"] for e in summary.values() for s in e["sizes"]):
        say("* the band reaches an end of the rates tried: the best may lie beyond (raise --widen)")
    for optimizer, entry in summary.items():
        say(f"{optimizer}: {_slope_sentence(entry['rate_fit'])}")
        for key, unit in (("steps", "steps"), ("seconds", "s")):
            line = entry[key]
            if line is not None:
                say(f"  {key} = c + k·n: {_line_sentence(line, unit)}")
    say(f"figures: autolr report --study {shlex.quote(study)}")


def show_larger_model(advice: dict[str, Any] | None, study: str) -> None:
    if advice is None:
        say(
            "for a larger model of the same family: the same rate is the 2018 study's "
            "finding; `autolr best --for-scale S` says what this study's data support"
        )
        return
    where = _target(advice["target"])
    if advice.get("transfers") is None:
        say(f"{where}: lr {rate(advice['learning_rate'])} ({advice['optimizer']})")
        say(f"evidence: {advice['evidence']}")
        if advice.get("more"):
            say(advice["more"])
    else:
        low, high = advice["interval"]
        slope = advice["slope"]
        verdict = (
            "the same rate as searched: the slope's interval holds 0 "
            if advice["transfers"]
            else "extrapolated: the best rate moves with size "
        )
        say(
            f"{where}: {advice['optimizer']} lr {rate(advice['learning_rate'])}, "
            f"{verdict}(slope {_two(slope['value'])} per {slope['per']}, "
            f"{slope['confidence']:.0%} interval {_two(slope['interval'][0])} .. "
            f"{_two(slope['interval'][1])})"
        )
        say(
            f"  the fit puts the best rate there at {rate(advice['fitted_rate'])} "
            f"({slope['confidence']:.0%} interval {rate(low)} .. {rate(high)}); "
            f"{advice['evidence']}"
        )
        for key, unit in (("steps", "steps"), ("seconds", "s")):
            line = advice[key]
            if line is not None:
                say(f"  {key} to the target: {_prediction(line, unit)}")
    for why, keys in _by_reason(advice.get("not_given", {})).items():
        say(f"  {' and '.join(keys)} to the target: not given ({why})")
    for caveat in advice.get("caveats", []):
        say(f"  note: {caveat}")
    if advice.get("warning"):
        out.print(Text.assemble(("warning:", "bold yellow"), f" {advice['warning']}"))


def _by_reason(not_given: dict[str, str]) -> dict[str, list[str]]:
    """{"steps": why, "seconds": why} as {why: ["steps", "seconds"]}: said once."""
    grouped: dict[str, list[str]] = {}
    for key, why in not_given.items():
        grouped.setdefault(why, []).append(key)
    return grouped


def _target(target: dict[str, Any]) -> str:
    if target["scale"] is not None:
        weights = f" ({target['weights']:,} weights)" if target["weights"] is not None else ""
        return f"at scale x{target['scale']:g}{weights}"
    return f"at {target['weights']:,} weights"


def _slope_sentence(fit: dict[str, Any] | None) -> str:
    if fit is None:
        return "best rate vs size: fewer than 2 sizes reached the target, no fit"
    low, high = fit["interval"]
    verdict = "holds 0: no measurable drift" if fit["transfers"] else "excludes 0: it drifts"
    text = (
        f"best rate vs size: slope {_two(fit['value'])} per {fit['per']} "
        f"({fit['confidence']:.0%} interval {_two(low)} .. {_two(high)}, {verdict})"
    )
    return text + (f"; {fit['caveat']}" if fit["caveat"] else "")


def _line_sentence(line: dict[str, Any], unit: str) -> str:
    note = f"; {line['c_note']}" if line["c_note"] else ""
    per_million = line["k"] * 1e6
    return (
        f"c {line['c']:.3g} {unit}, k {per_million:.3g} {unit} per M weights, "
        f"{line['quality']}{note}"
    )


def _prediction(line: dict[str, Any], unit: str) -> str:
    if line["predicted"] is None:
        return f"no prediction ({line['note']})"
    interval = line["interval"]
    span = (
        f"{line['confidence']:.0%} interval {interval[0]:.3g} .. {interval[1]:.3g}"
        if interval is not None
        else "no interval from 2 sizes"
    )
    note = f"; {line['c_note']}" if line["c_note"] else ""
    if line.get("counted_every"):
        note += f"; counted at checks every {line['counted_every']} steps, the interval allows one"
    return f"{line['predicted']:.3g} {unit} ({span}; c + k·x, {line['quality']}{note})"


def _two(value: float) -> str:
    """Two decimals, without "-0.00" for what is 0 at that precision."""
    return f"{round(value, 2) + 0.0:.2f}"
