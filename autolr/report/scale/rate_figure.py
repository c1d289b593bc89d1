"""The best learning rate against model size, described once (a `Chart`): each size's best
rate with the span of rates its search could not tell apart, the fit log(rate) = a +
b·log(size) with its bootstrap interval, and (from `best --for-scale`) the size asked about."""

from __future__ import annotations

from collections.abc import Sequence

from autolr.answers.sizefit import CONFIDENCE
from autolr.report import style
from autolr.report.chart import (
    Area,
    Axis,
    Chart,
    KeyEntry,
    Look,
    Mark,
    Panel,
    Points,
    Rule,
    Segments,
    Text,
)
from autolr.report.scale.data import AXIS_LABELS, RateSeries, Target, axis_value
from autolr.report.scale.fit_lines import fit_lines

SIZE = (11.0, 5.8)
KEY_GREY = "#4d4d4d"
PAD = 1.3  # log axes this far beyond what is drawn


def rate_vs_size(
    series: Sequence[RateSeries], target: Target | None, title: str, subtitle: str
) -> Chart:
    axis = series[0].axis
    marks: list[Mark] = []
    for s in series:
        marks += _fit_marks(s, target) + _best_marks(s)
    if target is not None:
        marks += _target_marks(target, axis)
    xs = [axis_value(b.size(axis), axis) for s in series for b in s.sizes]
    ys = [r for s in series for span in _spans(s) for r in span]
    if target is not None:
        xs.append(axis_value(target.size, axis))
        ys += target.interval
    key = [
        KeyEntry(
            "best rate at a size; bar: rates\nits search could not tell apart", Look(KEY_GREY)
        ),
        KeyEntry("fit, over the sizes measured", Look(KEY_GREY), "line"),
        KeyEntry("fit, extrapolated", Look(KEY_GREY, dash="dash"), "line"),
        KeyEntry(f"{CONFIDENCE:.0%} interval (bootstrap)", Look(KEY_GREY, opacity=0.2), "patch"),
    ]
    if target is not None:
        key.append(
            KeyEntry("size asked about", Look("black", dash="dot", symbol="star", size=12), "line")
        )
    return Chart(
        title,
        subtitle,
        [
            Panel(
                marks,
                _log_axis(AXIS_LABELS[axis] + " (log)", xs),
                _log_axis("best learning rate (log)", ys),
            )
        ],
        size=SIZE,
        legend_title="optimizer: slope of log rate vs log size",
        key=key,
        footnote=f"Sizes drawn by {axis}; the fit and its interval use the same axis.",
    )


def _spans(s: RateSeries) -> tuple[tuple[float, float], ...]:
    rates = [float(b.learning_rate or 0) for b in s.sizes]
    return s.fit.spans if s.fit else tuple((r, r) for r in rates)


def _best_marks(s: RateSeries) -> list[Mark]:
    colour, name, axis = style.colour(s.optimizer), s.optimizer, s.axis
    xs = [axis_value(b.size(axis), axis) for b in s.sizes]
    spans = _spans(s)
    return [
        Segments(
            [((x, lo), (x, hi)) for x, (lo, hi) in zip(xs, spans, strict=True)],
            Look(colour, width=1.5),
            group=name,
            tag=f"span:{name}",
        ),
        Points(
            xs,
            [float(b.learning_rate or 0) for b in s.sizes],
            Look(colour, symbol=style.symbol(name), size=8),
            legend=slope_label(s),
            group=name,
            hover=[
                f"{name}: {style.scale_label(b.scale)}, {b.weights:,} weights\nbest lr "
                f"{b.learning_rate:.3g} ({b.steps} steps)\nindistinguishable {lo:.3g} .. {hi:.3g}"
                for b, (lo, hi) in zip(s.sizes, spans, strict=True)
            ],
            tag=f"best:{name}",
        ),
    ]


def _fit_marks(s: RateSeries, target: Target | None) -> list[Mark]:
    """The interval (shaded) and the fit, solid over the sizes measured, dashed out to
    the size asked about."""
    fit, axis, name, colour = s.fit, s.axis, s.optimizer, style.colour(s.optimizer)
    if fit is None:
        return []
    low, high = min(fit.sizes), max(fit.sizes)
    reach_low = min(low, target.size) if target else low
    reach_high = max(high, target.size) if target else high
    sizes, lower, upper = s.band(reach_low, reach_high)
    found: list[Mark] = [
        Area(
            [axis_value(x, axis) for x in sizes],
            lower,
            upper,
            colour,
            opacity=0.15,
            group=name,
            tag=f"interval:{name}",
        )
    ]
    before, after = (reach_low, low, "extrapolated"), (high, reach_high, "extrapolated")
    pieces = [before, (low, high, "fit"), after]
    return found + fit_lines(pieces, fit.predict, axis, colour, name, "log rate = a + b·log size")


def _target_marks(target: Target, axis: str) -> list[Mark]:
    x = axis_value(target.size, axis)
    low, high = target.interval
    text = f"{target.label}\nlr {target.rate:.3g}\n({low:.3g} .. {high:.3g})"
    return [
        Rule("x", x, Look("#404040", width=1.2, dash="dot"), tag="target-size"),
        Segments([((x, low), (x, high))], Look("black", width=1.5), tag="target-interval"),
        Points(
            [x],
            [target.rate],
            Look("black", symbol="star", size=14),
            hover=text,
            tag="target",
        ),
        # Above the fit's dashed line, which runs level into the star.
        Text(x / 1.15, target.rate * 1.8, text, align="right", tag="target-label"),
    ]


def _log_axis(label: str, values: Sequence[float]) -> Axis:
    """A log axis with plain round ticks, as the report's other figures have."""
    low, high = min(values), max(values)
    return Axis(
        label, log=True, range=(low / PAD, high * PAD), ticks=style.nice_log_ticks(low, high)
    )


def slope_label(series: RateSeries) -> str:
    fit = series.fit
    if fit is None:
        return f"{series.optimizer}\nno fit: reached at < 2 sizes"
    low, high = fit.slope_interval
    verdict = "holds 0: no measurable drift" if fit.transfers else "excludes 0: drifts"
    return (
        f"{series.optimizer}: slope {two_places(fit.slope)} per decade\n"
        f"{CONFIDENCE:.0%} interval {two_places(low)} .. {two_places(high)}\n"
        f"{verdict}, {len(fit.sizes)} sizes"
    )


def two_places(value: float) -> str:
    """A slope to two decimals, without a "-0.00" for a slope that is 0 to that precision."""
    return f"{round(value, 2) + 0.0:.2f}"
