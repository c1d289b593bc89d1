"""What the README promises, checked against what autolr does."""

from __future__ import annotations

import json
import re
from pathlib import Path

from autolr.study.schedules import DEFAULT_SAMPLED_TRIALS
from tests.helpers import invoke

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_main_job_is_twenty_tpe_trials_in_all_not_per_optimizer() -> None:
    assert f"then {DEFAULT_SAMPLED_TRIALS} TPE trials in all" in _one_line(README)
    assert "TPE trials within each optimizer's band" not in _one_line(README)


def test_best_for_scale_promises_steps_and_time_only_where_given(
    mixed_study: tuple[str, str],
) -> None:
    """Without a scale study `best --for-scale` gives a rate and says why steps and time are
    missing; the README's line for it promises no more; the advice measures sizes from
    the searched one (x0.25) toward the target, never further from it."""
    url, name = mixed_study
    for target, scales in (("4", "0.25,0.5,1"), ("0.01", "0.0625,0.125,0.25")):
        shown = invoke("best", "--study", name, "--storage", url, "--for-scale", target, "--json")
        assert shown.exit_code == 0, shown.output
        advice = json.loads(shown.stdout)["larger_model"]
        assert advice["steps"] is None and advice["seconds"] is None
        assert set(advice["not_given"]) == {"steps", "seconds"}
        assert f"--scales {scales}`" in advice["more"]
    (line,) = [row for row in README.splitlines() if "--json --for-scale" in row]
    assert "steps and time after `autolr scale`" in line
