"""The range test as one figure: above, loss against learning rate, one line per
optimizer (raw per-step losses thin, their moving average thick); below, one row per
optimizer with its band (the bar) and suggested rate (the marker)."""

from __future__ import annotations

from collections.abc import Sequence

from autolr.report import style
from autolr.report.chart import Axis, Chart, KeyEntry, Line, Look, Mark, Panel, Points, Text
from autolr.report.find.data import FindCurve, loss_at, loss_ceiling

BAND_TITLE = "each optimizer's band (tune searches it widened 3x) and suggested rate"


def loss_figure(curves: Sequence[FindCurve], title: str, subtitle: str, note: str) -> Chart:
    losses: list[Mark] = []
    bands: list[Mark] = []
    for c in curves:
        colour, name = style.colour(c.optimizer), c.optimizer
        label = name + ("" if c.verdict.valley else " (no valley)")
        losses.append(
            Line(
                c.rates,
                c.losses,
                Look(colour, width=0.8, opacity=0.3),
                group=name,
                hover=_hover(name, "loss", c.rates, c.losses),
            )
        )
        losses.append(
            Line(
                c.rates,
                c.smoothed,
                Look(colour, width=2.2, dash=style.dash(name)),
                legend=label,
                group=name,
                hover=_hover(name, "moving average", c.rates, c.smoothed),
                tag=f"smoothed:{name}",
            )
        )
        band, suggestion = c.verdict.band, c.verdict.suggestion
        if band is None or suggestion is None:
            bands.append(Text(None, name, "no usable valley", colour="#595959"))
            continue
        bands.append(
            Line(
                list(band),
                [name, name],
                Look(colour, width=9, opacity=0.45),
                group=name,
                hover=f"{name} band {band[0]:.3g} .. {band[1]:.3g}",
                tag=f"band:{name}",
            )
        )
        marker = Look(colour, symbol=style.symbol(name), size=9, edge="black")
        hover = f"{name}: suggested rate {suggestion:.3g}"
        losses.append(
            Points([suggestion], [loss_at(c, suggestion)], marker, group=name, hover=hover)
        )
        bands.append(
            Points([suggestion], [name], marker, group=name, hover=hover, tag=f"suggestion:{name}")
        )
    tested = [r for c in curves for r in c.rates]
    span = (min(tested) / 1.2, max(tested) * 1.2) if tested else None
    rates = Axis(style.LEARNING_RATE, log=True, range=span, powers=True)
    key = [
        KeyEntry("loss at each step", Look("#808080", width=1, opacity=0.4), "line"),
        KeyEntry("moving average", Look("#4d4d4d", width=2), "line"),
        KeyEntry("band", Look("#808080", width=6, opacity=0.5), "line", marks="band:"),
        KeyEntry("suggested rate", Look("#999999", size=8, edge="black"), marks="suggestion:"),
    ]
    return Chart(
        title,
        subtitle,
        [
            Panel(
                losses,
                Axis(style.LEARNING_RATE, log=True, range=span, show_labels=False),
                Axis("training loss", range=(0, loss_ceiling(curves))),
            ),
            Panel(
                bands,
                rates,
                Axis(categories=[c.optimizer for c in curves], grid=False),
                title=BAND_TITLE,
                row=1,
            ),
        ],
        rows=2,
        heights=(3, 1.1),
        size=(12.0, 7.0),
        legend_title="optimizer",
        key=key,
        footnote=note,
        right_column=True,
    )


def _hover(name: str, what: str, rates: Sequence[float], values: Sequence[float]) -> list[str]:
    return [f"{name}\nlr {r:.3g}\n{what} {v:.3g}" for r, v in zip(rates, values, strict=True)]
