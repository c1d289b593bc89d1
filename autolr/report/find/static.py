"""The range test as PNG: above, loss against learning rate, one line per optimizer;
below, one row per optimizer with its band (the bar) and suggested rate (the marker)."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from autolr.report import static_layout as layout
from autolr.report import style
from autolr.report.find.data import FindCurve, loss_at, loss_ceiling


def loss_figure(curves: Sequence[FindCurve], title: str, subtitle: str, note: str) -> Figure:
    fig = layout.new_figure(12.0, 7.0)
    losses, bands = fig.subplots(
        2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.1], "hspace": 0.08}
    )
    layout.heading(fig, title, subtitle)
    for row, c in enumerate(curves):
        colour = style.colour(c.optimizer)
        losses.plot(c.rates, c.losses, color=colour, alpha=0.25, linewidth=0.8)
        losses.plot(c.rates, c.smoothed, color=colour, linewidth=2)
        if c.verdict.band is not None and c.verdict.suggestion is not None:
            bands.plot(
                c.verdict.band,
                [row, row],
                color=colour,
                linewidth=7,
                alpha=0.45,
                solid_capstyle="butt",
            )
            for ax, y in ((bands, row), (losses, loss_at(c, c.verdict.suggestion))):
                ax.scatter(
                    [c.verdict.suggestion],
                    [y],
                    marker=style.mpl_marker(c.optimizer),
                    s=80,
                    color=colour,
                    edgecolors="black",
                    zorder=4,
                )
        else:
            bands.text(
                1.0,
                row,
                "no usable valley",
                transform=bands.get_yaxis_transform(),
                ha="right",
                va="center",
                fontsize=8.5,
                color="0.35",
            )
    losses.set_xscale("log")
    losses.set_ylim(0, loss_ceiling(curves))
    losses.set_ylabel("training loss")
    bands.set_yticks(range(len(curves)), [c.optimizer for c in curves], fontsize=9)
    bands.set_ylim(len(curves) - 0.5, -0.5)
    bands.set_xlabel(style.LEARNING_RATE)
    bands.set_title(
        "each optimizer's band (tune searches it widened 3x) and suggested rate",
        fontsize=9.5,
        loc="left",
        color="0.3",
    )
    for ax in (losses, bands):
        layout.gridlines(ax, "x")
    layout.gridlines(losses, "y")
    handles = [
        layout.optimizer_handle(c.optimizer + ("" if c.verdict.valley else " (no valley)"), True)
        for c in curves
    ]
    key = [
        Line2D([], [], color="0.5", alpha=0.4, linewidth=1, label="loss at each step"),
        Line2D([], [], color="0.3", linewidth=2, label="moving average"),
        Line2D([], [], color="0.5", alpha=0.5, linewidth=6, label="band"),
        Line2D(
            [],
            [],
            color="0.6",
            marker="o",
            markeredgecolor="black",
            linestyle="",
            label="suggested rate",
        ),
    ]
    layout.legend(fig, handles, "optimizer", key)
    fig.subplots_adjust(left=0.09, hspace=0.22)  # room for the band rows' names and title
    layout.footnote(fig, note)
    return fig
