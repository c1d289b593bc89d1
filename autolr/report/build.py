"""Write a study's report into one folder: each figure as PNG and HTML, summary.md, and
index.html showing them all (with one copy of plotly.js, shared by every page).

The one function the CLI calls. It picks the study's kind of report (`KINDS`: fixed-rate
searches here, traces, scale studies, PBT and range tests in their own subpackages),
decides which of its figures the study can support, draws those, and says which it
skipped and why, so a half-finished study still gets a report.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import plotly.graph_objects as go

from autolr.answers.results import NoResultError, Recommendation, recommend
from autolr.names import inside
from autolr.report import figures, page, to_html, to_png
from autolr.report.bands import BandRow, band_rows
from autolr.report.data import ReportError, Run, envelope, read_runs
from autolr.report.files import PLOTLY_JS, write_text
from autolr.report.find import FIND_REPORT
from autolr.report.kinds import Answer, FigureSpec, ReportKind, Skipped, always
from autolr.report.pbt import PBT_REPORT
from autolr.report.scale import SCALE_REPORT
from autolr.report.summary import FigureEntry, render
from autolr.report.trace import TRACE_REPORT
from autolr.settings import StudySettings
from autolr.store.stored import stored_settings

REPORTS_DIR = Path("reports")
MIN_RUNS = 2  # below this there is nothing to compare, whatever the figure
SUMMARY = "summary.md"


# Each kind of report reads its study once into inputs of its own (find/kind.py,
# trace/kind.py, ...): alike in shape (study, settings, runs), different runs.
@dataclass(frozen=True)
class ReportInputs:
    """Everything a figure is drawn from, read from the study once."""

    study: str
    settings: StudySettings
    runs: tuple[Run, ...]
    recommendation: Recommendation
    bands: tuple[BandRow, ...]


@dataclass(frozen=True)
class ReportResult:
    out_dir: Path
    files: tuple[Path, ...]  # every file written, summary.md last
    skipped: tuple[Skipped, ...]  # figures the study could not support, with why
    # `autolr best`'s answer: a Recommendation for grid, TPE and random studies, a
    # PBTRecommendation for PBT (None while no member reached), None for trace and scale
    # studies, which follow up another study's answer rather than give one.
    recommendation: Answer
    bands: tuple[BandRow, ...]  # the band table, one row per optimizer (fixed-rate only)
    graphs: tuple[tuple[str, go.Figure], ...] = ()  # (name, interactive figure) drawn

    @property
    def summary(self) -> Path:
        return self.out_dir / SUMMARY

    @property
    def index(self) -> Path:
        return self.out_dir / page.INDEX


def _too_few_reached(inputs: ReportInputs) -> str | None:
    n = sum(r.reached for r in inputs.runs)
    return None if n >= 2 else f"only {n} run reached the target, so there is no curve to draw"


def _nothing_to_compare(inputs: ReportInputs) -> str | None:
    """The envelope compares optimizers at one rate: it needs a rate two of them reached."""
    if envelope(inputs.runs, "steps").shared_rates:
        return None
    if len({r.optimizer for r in inputs.runs if r.reached}) < 2:
        return "only one optimizer reached the target, so there is no other to compare it with"
    return (
        "no two optimizers reached the target at the same learning rate (to a sixth of a "
        "decade), so there is no fastest and slowest to compare"
    )


FIGURES: tuple[FigureSpec[ReportInputs], ...] = (
    FigureSpec(
        "time_to_target",
        "Time to target vs learning rate",
        "Training time and steps to the target at each learning rate, one line per "
        "optimizer (markers only for TPE and random studies, whose rates are scattered). "
        "The dashed line is the recommended rate, the shading its band; the footnote says "
        "what else is drawn.",
        _too_few_reached,
        lambda i: figures.time_to_target(i.runs, i.settings, i.study, i.recommendation),
    ),
    FigureSpec(
        "envelope",
        "Fastest and slowest optimizer at each learning rate",
        "At each learning rate, the fastest (filled marker) and slowest (open marker) of the "
        "optimizers that reached the target there, the spread between them, and below, how "
        "many optimizers reached the target at that rate (TPE and random rates are grouped "
        "into bins of a sixth of a decade, as the figure says).",
        _nothing_to_compare,
        lambda i: figures.envelope_figure(i.runs, i.settings, i.study),
    ),
    FigureSpec(
        "bands",
        "Success band per optimizer",
        "Per optimizer: the rates that reached the target, the band within the margin of "
        "its best and its best rate, drawn as the key shows (a band of one rate is its "
        "star alone). A band from fewer than 3 rates is marked thin.",
        always,
        lambda i: figures.bands_figure(i.bands, i.runs, i.settings, i.study),
    ),
)


def default_out_dir(study_name: str) -> Path:
    """reports/NAME: never outside reports/, whatever a stored study is called."""
    return inside(REPORTS_DIR, study_name)


def read_inputs(study: optuna.Study) -> ReportInputs:
    """A fixed-rate study's runs and answer, or a one-line ReportError if it is too small."""
    name = study.study_name
    settings = stored_settings(study)
    trials = study.get_trials(deepcopy=False)
    runs = tuple(read_runs(settings, trials))
    if len(runs) < MIN_RUNS:
        raise ReportError(
            f"study {name!r} has {len(runs)} finished trial(s); a report needs at least "
            f"{MIN_RUNS}: let `autolr tune --study {shlex.quote(name)}` run longer"
        )
    try:
        rec = recommend(name, settings, trials)
    except NoResultError as exc:
        raise ReportError(f"nothing to report: {exc}") from exc
    return ReportInputs(name, settings, runs, rec, tuple(band_rows(rec, runs)))


def _fixed_summary(inputs: ReportInputs, entries: Sequence[FigureEntry]) -> str:
    return render(inputs.recommendation, inputs.bands, inputs.runs, inputs.settings, entries)


FIXED_RATE_REPORT = ReportKind(
    read=read_inputs,
    figures=FIGURES,
    summary=_fixed_summary,
    answer=lambda i: i.recommendation,
    bands=lambda i: i.bands,
)

# The report of each sampler's studies.
KINDS: dict[str, ReportKind[Any]] = {
    "grid": FIXED_RATE_REPORT,
    "tpe": FIXED_RATE_REPORT,
    "random": FIXED_RATE_REPORT,
    "trace": TRACE_REPORT,
    "scale": SCALE_REPORT,
    "pbt": PBT_REPORT,
    "find": FIND_REPORT,
}


def write_report(study: optuna.Study, out_dir: Path | None = None) -> ReportResult:
    """Write the figures (PNG and HTML), summary.md and index.html into `out_dir`
    (reports/NAME/)."""
    kind = kind_of(study)
    inputs = kind.read(study)
    out = out_dir if out_dir is not None else default_out_dir(study.study_name)
    try:
        files, skipped, graphs = _write(kind, inputs, out, study.study_name)
    except OSError as exc:
        raise ReportError(f"cannot write the report to {out}: {exc.strerror or exc}") from exc
    return ReportResult(out, files, skipped, kind.answer(inputs), kind.bands(inputs), graphs)


def kind_of(study: optuna.Study) -> ReportKind[Any]:
    sampler = stored_settings(study).sampler
    kind = KINDS.get(sampler)
    if kind is None:
        raise ReportError(f"reports for {sampler} studies are not available yet")
    return kind


def interactive(spec: FigureSpec[Any], inputs: object) -> go.Figure:
    """Only the interactive figure (for the dashboard: no PNG is drawn)."""
    return to_html.render(spec.chart(inputs))


def _write(
    kind: ReportKind[Any], inputs: object, out: Path, study: str
) -> tuple[tuple[Path, ...], tuple[Skipped, ...], tuple[tuple[str, go.Figure], ...]]:
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    skipped: list[Skipped] = []
    entries: list[FigureEntry] = []
    graphs: list[tuple[str, go.Figure]] = []
    for spec in kind.figures:
        png, html = out / f"{spec.name}.png", out / f"{spec.name}.html"
        reason = spec.missing(inputs)
        if reason is not None:
            skipped.append(Skipped(spec.name, reason))
            entries.append(FigureEntry(spec.title, spec.caption, None, None, reason))
            for stale in (png, html):  # from an earlier report of the same study
                stale.unlink(missing_ok=True)
            continue
        described = spec.chart(inputs)
        interactive = to_html.render(described)
        files += [to_png.save(described, png), to_html.write(interactive, html)]
        graphs.append((spec.name, interactive))
        entries.append(FigureEntry(spec.title, spec.caption, png.name, html.name))
    if graphs:
        files.append(out / PLOTLY_JS)
    summary = kind.summary(inputs, entries)
    fragments = {name: to_html.fragment(fig) for name, fig in graphs}
    index = write_text(out / page.INDEX, page.render(f"{study}: autolr report", summary, fragments))
    files += [index, write_text(out / SUMMARY, summary)]
    return tuple(files), tuple(skipped), tuple(graphs)
