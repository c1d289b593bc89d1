"""Where output goes and the small helpers every display uses.

Human-facing output goes to stderr; results meant for scripts (`--json`) go to stdout
as plain JSON, so `autolr best --json | jq` always works. Text that comes from a user
(study names, paths, error messages) is printed as rich `Text`, never parsed as markup.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from rich.console import Console
from rich.logging import RichHandler
from rich.text import Text

from autolr.metrics import final_metric

err = Console(stderr=True, highlight=False, soft_wrap=True)  # an error stays one line
out = Console(highlight=False, soft_wrap=True)
log = logging.getLogger("autolr")


def error(message: str) -> None:
    err.print(Text.assemble(("error:", "bold red"), " ", message))


def note(message: str) -> None:
    err.print(Text(message))


_json_out: list[TextIO] = []  # where print_json writes while json_only() holds stdout


def print_json(data: Any) -> None:
    out = _json_out[-1] if _json_out else sys.stdout
    out.write(json.dumps(data, indent=2, default=str) + "\n")
    out.flush()


@contextlib.contextmanager
def json_only() -> Iterator[None]:
    """Keep stdout for print_json alone: whatever else is written there meanwhile (Keras's
    download bar, a model's summary, a native library writing to file descriptor 1, a
    worker process) goes to stderr, so `--json | jq` never meets a stray line."""
    sys.stdout.flush()
    fd = _fileno(sys.stdout)
    target = _fileno(sys.stderr)
    if fd is None or target is None:  # no real descriptors (a test runner's buffers)
        _json_out.append(sys.stdout)
        try:
            with contextlib.redirect_stdout(sys.stderr):
                yield
        finally:
            _json_out.pop()
        return
    saved = os.dup(fd)
    os.dup2(target, fd)
    with os.fdopen(os.dup(saved), "w") as real:
        _json_out.append(real)
        try:
            with contextlib.redirect_stdout(sys.stderr):
                yield
        finally:
            _json_out.pop()
            sys.stdout.flush()
            os.dup2(saved, fd)
            os.close(saved)


def _fileno(stream: TextIO) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


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
            f"member {attrs['member']} generation {attrs.get('generation', '?')} "
            f"({attrs.get('action')}): {_final(attrs)} "
            f"at step {end}"
            + (", target reached" if attrs.get("reached") else "")
            + (", diverged" if attrs.get("diverged") else "")
            + (", at chance" if attrs.get("stop_reason") == "chance" else "")
            + (": interval ended early" if attrs.get("outcome") == "chance" else "")
        )
    elif state == "complete" and "valley" in attrs:  # a range test (autolr find)
        band = attrs.get("band")
        verdict = (
            f"range test over {attrs.get('steps')} steps: suggests {rate(attrs['suggestion'])}, "
            f"band {rate(band[0])}..{rate(band[1])}"
            if attrs.get("valley") and band
            else f"range test over {attrs.get('steps')} steps: {attrs.get('reason')}"
        )
    elif state == "complete" and attrs.get("reached"):
        step = attrs.get("reached_step", attrs.get("steps"))
        seconds = attrs.get("reached_seconds", attrs.get("train_seconds", 0.0))
        verdict = f"reached at step {step} ({seconds:.1f}s)"
    elif state == "complete":
        verdict = {
            "diverged": "diverged",
            "time": "cut by the time budget, target not reached",
        }.get(attrs.get("outcome", ""), "budget spent, target not reached")
        if attrs.get("diverged"):
            verdict = "diverged"
        verdict += _projection(attrs)
    elif state == "pruned":
        why = PRUNE_REASONS.get(attrs.get("stop_reason", ""), "stopped early")
        verdict = f"pruned at step {attrs.get('steps')} ({why})" + _projection(attrs)
    else:
        verdict = f"{state}: {attrs['error']}" if attrs.get("error") else state
    params = trial.params
    # A range test's rate rises through the run: it has no one rate to show.
    lr = f" lr={rate(params['learning_rate'])}" if "learning_rate" in params else ""
    return f"trial {trial.number} {params.get('optimizer')}{lr}{_role(attrs)}: {verdict}"


def _role(attrs: dict[str, Any]) -> str:
    """A follow-up says what it measures (search/roles.py): " (band edge)", " (seed 2)"."""
    role = attrs.get("role")
    if role == "band":
        return " (band edge)"
    if role == "seed":
        return f" (seed {attrs.get('seed')})"
    return ""


def _final(attrs: dict[str, Any]) -> str:
    """The metric a run ended at: "final metric 0.912" (its name is the study's)."""
    value = final_metric(attrs)
    return "no measurement" if math.isnan(value) else f"metric {value:.4g}"


PRUNE_REASONS = {
    "slower": "slower than a finished run",
    "stalled": "stalled: not on course for the target",
    "behind": "behind the median of finished runs at the same step",
}


def _projection(attrs: dict[str, Any]) -> str:
    projected = attrs.get("projected_steps")
    if attrs.get("diverged") or "projected_steps" not in attrs:
        return ""
    if projected is None:
        return ", not on course (projected beyond 8x the budget)"
    return f", projected {projected:.0f} steps"


def describe_best(best: Any, objective: str) -> str:
    if best is None:
        return "no trial has reached the target yet"
    unit = "steps" if objective == "steps" else "s"
    value = f"{best.value:.0f}" if objective == "steps" else f"{best.value:.1f}"
    return (
        f"best: {best.params['optimizer']} lr={rate(best.params['learning_rate'])} ({value} {unit})"
    )
