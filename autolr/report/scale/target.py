"""`autolr best --for-scale S --figure DIR`: the best-rate-vs-size figure with the size
asked about marked, beside the numbers `best` prints (the same fit, from the same study)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import optuna
from optuna.storages import RDBStorage

from autolr.answers.scaling import best_by_size
from autolr.report import style, to_html, to_png
from autolr.report.data import ReportError
from autolr.report.scale.data import RATE_TITLE, Target, rate_series
from autolr.report.scale.rate_figure import rate_vs_size

NAME = "rate_vs_size"


def write_rate_figure(
    storage: RDBStorage, study: str, advice: dict[str, Any], folder: Path
) -> list[Path]:
    """Draw STUDY-scale's best rate per size with the target of `advice` marked; returns
    the PNG and HTML written into `folder`."""
    scale_study = f"{study}-scale"
    best = best_by_size(
        optuna.load_study(study_name=scale_study, storage=storage).get_trials(deepcopy=False)
    )
    axis = advice["axis"]
    series = [s for s in rate_series(best, axis) if s.sizes]
    wanted = advice["target"]["weights" if axis == "weights" else "scale"]
    target = Target(
        size=float(wanted),
        label=f"{_describe(advice['target'])} ({advice['optimizer']})",
        rate=float(advice["fitted_rate"]),
        interval=(float(advice["interval"][0]), float(advice["interval"][1])),
    )
    title = style.title(scale_study, RATE_TITLE)
    subtitle = (
        f"prediction for {_describe(advice['target'])}: {advice['optimizer']} "
        f"lr {advice['learning_rate']:.3g}"
        + (" (the same rate)" if advice["transfers"] else " (extrapolated)")
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        chart = rate_vs_size(series, target, title, subtitle)
        png = to_png.save(chart, folder / f"{NAME}.png")
        html = to_html.write(to_html.render(chart), folder / f"{NAME}.html")
    except OSError as exc:
        raise ReportError(f"cannot write the figure to {folder}: {exc.strerror or exc}") from exc
    return [png, html]


def _describe(target: dict[str, Any]) -> str:
    if target["scale"] is not None:
        return f"x{target['scale']:g}"
    return f"{target['weights']:,} weights"
