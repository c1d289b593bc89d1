"""The CLI end to end on a real SQLite file: tune, best, studies, and every bad input."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import optuna
import pytest

from autolr.study.history import checks
from autolr.study.scaling import reference_weight_count
from tests.helpers import (
    SMALL_GRID_POINTS,
    assert_clean_error,
    assert_grid_complete_once,
    invoke,
    small_grid_args,
)

SECRET = "pw-Never-Shown-7"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUTOLR_STORAGE", raising=False)
    return tmp_path


@pytest.fixture(scope="module")
def finished_grid(tmp_path_factory: pytest.TempPathFactory, mnist: str) -> str:
    """A small grid study, run once through the CLI and shared by the read-only tests."""
    storage = f"sqlite:///{tmp_path_factory.mktemp('grid')}/grid.db"
    result = invoke(*small_grid_args("small", mnist, "--storage", storage))
    assert result.exit_code == 0, result.output
    assert "study small done: 10/10 trials" in result.stderr
    return storage


def test_a_small_grid_runs_to_the_end_and_stores_every_point(finished_grid: str) -> None:
    states = assert_grid_complete_once("small", finished_grid, SMALL_GRID_POINTS)
    assert states["COMPLETE"] + states["PRUNED"] == SMALL_GRID_POINTS


def test_running_a_finished_study_again_adds_nothing(finished_grid: str, mnist: str) -> None:
    result = invoke(*small_grid_args("small", mnist, "--storage", finished_grid))
    assert result.exit_code == 0
    assert "done: 10/10" in result.stderr
    assert_grid_complete_once("small", finished_grid, SMALL_GRID_POINTS)


def test_best_json_on_a_finished_study(finished_grid: str) -> None:
    result = invoke("best", "--study", "small", "--storage", finished_grid, "--json")
    assert result.exit_code == 0, result.output
    best = json.loads(result.stdout)
    assert best["study"] == "small" and best["optimizer"] in ("adam", "sgd")
    low, high = best["band"]
    assert low <= best["learning_rate"] <= high
    assert low >= 0.02 and high <= 0.1 + 1e-9
    assert set(best["per_optimizer"]) == {"adam", "sgd"}
    winner = best["per_optimizer"][best["optimizer"]]
    assert winner["learning_rate"] == best["learning_rate"] and winner["reached_trials"] >= 1
    assert best["value"] == min(
        r["value"] for r in best["per_optimizer"].values() if r["value"] is not None
    )


def test_best_prints_a_readable_recommendation(finished_grid: str) -> None:
    result = invoke("best", "--study", "small", "--storage", finished_grid)
    assert result.exit_code == 0
    assert "use " in result.stdout and "rates that work:" in result.stdout


def test_readers_answer_while_a_worker_holds_the_sqlite_write_lock(finished_grid: str) -> None:
    database = sqlite3.connect(finished_grid.removeprefix("sqlite:///"), isolation_level=None)
    database.execute("BEGIN IMMEDIATE")  # what a worker does while it records a result
    try:
        for args in (["best", "--study", "small"], ["studies"]):
            result = invoke(*args, "--storage", finished_grid)
            assert result.exit_code == 0, result.output
    finally:
        database.execute("ROLLBACK")
        database.close()


def test_studies_lists_the_study_with_its_trial_counts(finished_grid: str) -> None:
    result = invoke("studies", "--storage", finished_grid, "--json")
    rows = json.loads(result.stdout)
    assert [r["study"] for r in rows] == ["small"]
    assert rows[0]["sampler"] == "grid"
    assert sum(rows[0]["states"].values()) >= SMALL_GRID_POINTS


def test_unknown_study_lists_the_ones_that_exist(finished_grid: str) -> None:
    result = invoke("best", "--study", "smal", "--storage", finished_grid)
    assert_clean_error(result, "no study named 'smal'")
    assert "studies there: small" in result.stderr


def test_resuming_with_other_settings_is_refused(finished_grid: str, mnist: str) -> None:
    args = small_grid_args("small", mnist, "--storage", finished_grid)
    args[args.index("--target") + 1] = "0.95"
    result = invoke(*args)
    assert_clean_error(result, "created with --target 0.9 (asked 0.95)")


def test_tpe_study_stops_at_n_trials_and_resumes_to_more(workdir: Path, mnist: str) -> None:
    args = small_grid_args("tpe-run", mnist)
    args[args.index("grid")] = "tpe"
    first = invoke(*args, "--n-trials", "3")
    assert first.exit_code == 0, first.output
    assert Path("studies/autolr.db").is_file()  # the default storage
    more = invoke(*args, "--n-trials", "5")
    assert more.exit_code == 0 and "5/5 trials" in more.stderr
    rows = json.loads(invoke("studies", "--json").stdout)
    assert rows[0]["states"].get("COMPLETE", 0) + rows[0]["states"].get("PRUNED", 0) == 5


def test_a_study_name_with_markup_characters_is_shown_verbatim(workdir: Path, mnist: str) -> None:
    args = small_grid_args("odd[/]name", mnist, "--n-trials", "1")
    args.remove("--quiet")  # the live display is where the name is rendered
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "odd[/]name" in result.stderr


def test_train_runs_one_configuration_as_json(workdir: Path, mnist: str) -> None:
    result = invoke(
        "train",
        "--optimizer",
        "adam",
        "--lr",
        "0.001",
        "--scale",
        "0.25",
        "--train-size",
        "2000",
        "--target",
        "0.9",
        "--data",
        mnist,
        "--json",
    )
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)
    assert run["reached"] and run["outcome"] == "reached" and run["steps"] % 50 == 0


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"--sampler": "bayes"}, "unknown sampler 'bayes'"),
        ({"--optimizers": "adam,lion"}, "unknown optimizer 'lion'"),
        ({"--lr-min": "0.5", "--lr-max": "0.1"}, "--lr-min (0.5) must be below --lr-max (0.1)"),
        ({"--lr-min": "-1"}, "--lr-min must be a positive number"),
        ({"--data": "/no/such/mnist.npz"}, "MNIST file not found: /no/such/mnist.npz"),
        ({"--storage": "sqlite-but-not-a-url"}, "malformed storage URL"),
        ({"--storage": "sqlite:////no/such/dir/x.db"}, "storage directory does not exist"),
        ({"--model": "nowhere_module:build"}, "cannot import module 'nowhere_module'"),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(
    workdir: Path, mnist: str, change: dict[str, str], fragment: str
) -> None:
    args = small_grid_args("bad", mnist)
    for flag, value in change.items():
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    assert_clean_error(invoke(*args), fragment)


def test_bad_data_leaves_no_study_behind(workdir: Path, mnist: str) -> None:
    args = small_grid_args("typo", mnist)
    args[args.index("--data") + 1] = "/no/such/file.npz"
    assert_clean_error(invoke(*args), "MNIST file not found")
    assert json.loads(invoke("studies", "--json").stdout) == []


def test_unreachable_storage_never_shows_the_password(workdir: Path, mnist: str) -> None:
    url = f"postgresql://autolr:{SECRET}@127.0.0.1:{_closed_port()}/studies"
    for args in (
        small_grid_args("x", mnist, "--storage", url),
        ["best", "--storage", url],
        ["studies", "--storage", url],
    ):
        result = invoke(*args)
        assert_clean_error(result, "cannot open storage postgresql://autolr:***@127.0.0.1")
        assert SECRET not in result.output


def test_train_rejects_a_bad_optimizer_and_rate(workdir: Path, mnist: str) -> None:
    assert_clean_error(
        invoke("train", "--optimizer", "adamw", "--lr", "0.1"), "unknown optimizer 'adamw'"
    )
    assert_clean_error(
        invoke("train", "--optimizer", "adam", "--lr", "0"),
        "learning rate must be a positive number",
    )


def test_best_on_a_study_where_nothing_reached_exits_non_zero(workdir: Path, mnist: str) -> None:
    args = small_grid_args("hopeless", mnist)
    args[args.index("--target") + 1] = "1.0"
    args[args.index("--max-steps") + 1] = "50"
    args[args.index("--lr-min") + 1] = "0.05"
    assert invoke(*args).exit_code == 0
    assert_clean_error(
        invoke("best", "--study", "hopeless"), "no trial of study 'hopeless' reached"
    )
    # --json always prints JSON: the error as an object on stdout, and still a non-zero exit.
    result = invoke("best", "--study", "hopeless", "--json")
    assert_clean_error(result, "no trial of study 'hopeless' reached")
    error = json.loads(result.stdout)["error"]
    assert error.startswith("no trial of study 'hopeless' reached the target 1")


def test_json_errors_are_json_and_keep_secrets(workdir: Path) -> None:
    url = f"postgresql://autolr:{SECRET}@127.0.0.1:{_closed_port()}/studies"
    for args in (
        ["best", "--storage", url, "--json"],
        ["studies", "--storage", url, "--json"],
        ["best", "--study", "none", "--json"],
        ["train", "--optimizer", "adamw", "--lr", "0.1", "--json"],
    ):
        result = invoke(*args)
        assert result.exit_code == 1, args
        answer = json.loads(result.stdout)
        assert list(answer) == ["error"] and answer["error"], args
        assert SECRET not in result.output


def test_a_band_from_fewer_than_three_rates_is_labelled_thin(
    mixed_study: tuple[str, str], tmp_path: Path
) -> None:
    url, name = mixed_study  # adam reached at two rates, sgd at one
    answer = json.loads(invoke("best", "--study", name, "--storage", url, "--json").stdout)
    assert (answer["band_rates"], answer["band_thin"]) == (2, True)
    assert answer["per_optimizer"]["sgd"]["band_thin"] is True
    text = invoke("best", "--study", name, "--storage", url).stdout
    assert "a thin band: 2 rates within the margin" in text
    assert "0.1 only (thin)" in text  # sgd's one rate is not a range
    out = tmp_path / "report"
    invoke("report", "--study", name, "--storage", url, "--out", str(out), "--no-dashboard")
    summary = (out / "summary.md").read_text()
    assert "(a thin band: 2 rates within the margin" in summary
    assert "| sgd | 0.1 | 150 | 0.1 (thin) |" in summary


def test_trace_trains_each_optimizer_at_its_best_rate_past_the_target(
    finished_grid: str, mnist: str
) -> None:
    args = [
        "trace",
        "--study",
        "small",
        "--storage",
        finished_grid,
        "--steps",
        "200",
        "--validate-every",
        "100",
        "--data",
        mnist,
        "--quiet",
    ]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    best = json.loads(
        invoke("best", "--study", "small", "--storage", finished_grid, "--json").stdout
    )
    study = optuna.load_study(study_name="small-trace", storage=finished_grid)
    by_optimizer = {t.params["optimizer"]: t for t in study.trials}
    for name, summary in best["per_optimizer"].items():
        if summary["learning_rate"] is None:
            continue
        trial = by_optimizer[name]
        assert trial.params["learning_rate"] == summary["learning_rate"]
        assert "history" not in trial.user_attrs  # kept out of the dashboard's table
        history = checks(trial)
        assert history[-1][0] == 200  # trained the whole budget, not just to the target
        assert [h[0] for h in history if len(h) > 4] == [100, 200]  # validation accuracy
    assert "small-trace" in result.stdout
    again = invoke(*args)  # resumable: a finished experiment adds nothing
    assert again.exit_code == 0
    assert len(optuna.load_study(study_name="small-trace", storage=finished_grid).trials) == len(
        study.trials
    )


def test_scale_runs_each_size_and_rate_and_fits_a_line(finished_grid: str, mnist: str) -> None:
    args = [
        "scale",
        "--study",
        "small",
        "--storage",
        finished_grid,
        "--scales",
        "0.125,0.25",
        "--lrs",
        "0.03,0.06",
        "--optimizer",
        "sgd",
        "--target",
        "0.85",
        "--data",
        mnist,
        "--quiet",
    ]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "c + k * n" in result.stdout and "fastest rate per scale" in result.stdout
    study = optuna.load_study(study_name="small-scale", storage=finished_grid)
    assert sorted((t.params["scale"], t.params["learning_rate"]) for t in study.trials) == [
        (0.125, 0.03),
        (0.125, 0.06),
        (0.25, 0.03),
        (0.25, 0.06),
    ]
    weights = {t.params["scale"]: t.user_attrs["weight_count"] for t in study.trials}
    assert weights[0.125] < weights[0.25]
    advice = json.loads(
        invoke(
            "best", "--study", "small", "--storage", finished_grid, "--for-scale", "0.5", "--json"
        ).stdout
    )["larger_model"]
    assert advice["weights"] == reference_weight_count(0.5)
    fit = advice["fit"]  # both sizes reach 0.85 at these rates, so each rate has a line
    assert fit is not None and fit["study"] == "small-scale"
    assert advice["predicted_seconds"] == pytest.approx(fit["c"] + fit["k"] * advice["weights"])
    other_target = [*args, "--target", "0.8"]  # the last --target wins
    assert_clean_error(invoke(*other_target), "already exists with other settings; pass --name")


def test_experiments_need_a_finished_study(finished_grid: str) -> None:
    assert_clean_error(
        invoke("trace", "--study", "nope", "--storage", finished_grid), "no study named 'nope'"
    )
    assert_clean_error(
        invoke("trace", "--study", "small", "--storage", finished_grid, "--lr", "adam:0.1"),
        "--lr takes OPTIMIZER=VALUE",
    )
