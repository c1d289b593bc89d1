"""The CLI end to end on a real SQLite file: tune, best, studies, and every bad input."""

from __future__ import annotations

import json
import shlex
import socket
import sqlite3
from pathlib import Path

import optuna
import pytest

from autolr.answers.scaling import reference_weight_count
from autolr.store.history import checks
from tests.helpers import (
    GRID_OPTIMIZERS,
    GRID_POINTS,
    GRID_STUDY,
    assert_clean_error,
    assert_grid_complete_once,
    copy_of,
    grid_study_args,
    invoke,
    small_grid_args,
    with_flags,
)

SECRET = "pw-Never-Shown-7"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUTOLR_STORAGE", raising=False)
    return tmp_path


@pytest.fixture(scope="module")
def finished_grid(grid_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the session's finished grid (tests/conftest.py), for these tests to read
    and resume: the grid is trained once per session, not once per module."""
    return copy_of(grid_url, tmp_path_factory.mktemp("grid"))


def test_a_small_grid_runs_to_the_end_and_stores_every_point(finished_grid: str) -> None:
    states = assert_grid_complete_once(GRID_STUDY, finished_grid, GRID_POINTS)
    assert states["COMPLETE"] == GRID_POINTS  # --no-prune: every rate ran to its end


def test_running_a_finished_study_again_adds_nothing(finished_grid: str, mnist: str) -> None:
    result = invoke(*grid_study_args(mnist, "--storage", finished_grid))
    assert result.exit_code == 0, result.output
    assert f"study {GRID_STUDY} done: {GRID_POINTS}/{GRID_POINTS} trials" in result.stderr
    assert_grid_complete_once(GRID_STUDY, finished_grid, GRID_POINTS)


def test_best_json_on_a_finished_study(finished_grid: str) -> None:
    result = invoke("best", "--study", GRID_STUDY, "--storage", finished_grid, "--json")
    assert result.exit_code == 0, result.output
    best = json.loads(result.stdout)
    assert best["study"] == GRID_STUDY and best["optimizer"] in GRID_OPTIMIZERS
    low, high = best["band"]
    assert low <= best["learning_rate"] <= high
    assert low >= 0.01 and high <= 0.05 + 1e-9
    assert set(best["per_optimizer"]) == set(GRID_OPTIMIZERS)
    winner = best["per_optimizer"][best["optimizer"]]
    assert winner["learning_rate"] == best["learning_rate"] and winner["reached_trials"] >= 1
    assert best["value"] == min(
        r["value"] for r in best["per_optimizer"].values() if r["value"] is not None
    )


def test_best_prints_a_readable_recommendation(finished_grid: str) -> None:
    result = invoke("best", "--study", GRID_STUDY, "--storage", finished_grid)
    assert result.exit_code == 0
    assert "use " in result.stdout and "rates that work:" in result.stdout


def test_readers_answer_while_a_worker_holds_the_sqlite_write_lock(finished_grid: str) -> None:
    database = sqlite3.connect(finished_grid.removeprefix("sqlite:///"), isolation_level=None)
    database.execute("BEGIN IMMEDIATE")  # what a worker does while it records a result
    try:
        for args in (["best", "--study", GRID_STUDY], ["studies"]):
            result = invoke(*args, "--storage", finished_grid)
            assert result.exit_code == 0, result.output
    finally:
        database.execute("ROLLBACK")
        database.close()


def test_studies_lists_the_study_with_its_trial_counts(finished_grid: str) -> None:
    result = invoke("studies", "--storage", finished_grid, "--json")
    rows = json.loads(result.stdout)
    assert [r["study"] for r in rows] == [GRID_STUDY]
    assert rows[0]["sampler"] == "grid"
    assert sum(rows[0]["states"].values()) >= GRID_POINTS


def test_unknown_study_lists_the_ones_that_exist(finished_grid: str) -> None:
    result = invoke("best", "--study", "small-gird", "--storage", finished_grid)
    assert_clean_error(result, "no study named 'small-gird'")
    assert f"studies there: {GRID_STUDY}" in result.stderr


def test_resuming_with_other_settings_is_refused(finished_grid: str, mnist: str) -> None:
    args = grid_study_args(mnist, "--storage", finished_grid)
    args[args.index("--target") + 1] = "0.95"
    result = invoke(*args)
    assert_clean_error(result, "created with --target 0.9 (asked 0.95)")


@pytest.mark.slow  # heavy (tens of seconds); CI runs it with the slow tests
def test_tpe_study_stops_at_n_trials_and_resumes_to_more(workdir: Path, mnist: str) -> None:
    args = small_grid_args("tpe-run", mnist, "--find-steps", "60", "--band", "none")
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


def test_the_next_step_hint_is_a_command_a_shell_can_run(workdir: Path, mnist: str) -> None:
    name = "lab's run; rm -rf x"
    one_point = {"--optimizers": "sgd", "--lr-min": "0.09", "--lr-max": "0.11", "--max-steps": "50"}
    result = invoke(*with_flags(small_grid_args(name, mnist), one_point))
    assert result.exit_code == 0, result.output
    (hint,) = [line.split("Next: ")[1] for line in result.stderr.splitlines() if "Next: " in line]
    assert shlex.split(hint) == ["autolr", "best", "--study", name]


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
        ({"--optimizers": "adam,lionn"}, "unknown optimizer 'lionn'"),
        ({"--lr-min": "0.5", "--lr-max": "0.1"}, "--lr-min (0.5) must be below --lr-max (0.1)"),
        ({"--lr-min": "-1"}, "--lr-min must be a positive number"),
        ({"--data": "/no/such/mnist.npz"}, "data file not found: /no/such/mnist.npz"),
        ({"--storage": "sqlite-but-not-a-url"}, "malformed storage URL"),
        ({"--storage": "sqlite:////no/such/dir/x.db"}, "storage directory does not exist"),
        ({"--model": "nowhere_module:build"}, "cannot import module 'nowhere_module'"),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(
    workdir: Path, mnist: str, change: dict[str, str], fragment: str
) -> None:
    args = with_flags(small_grid_args("bad", mnist), change)
    assert_clean_error(invoke(*args), fragment)


def test_bad_data_leaves_no_study_behind(workdir: Path, mnist: str) -> None:
    args = small_grid_args("typo", mnist)
    args[args.index("--data") + 1] = "/no/such/file.npz"
    assert_clean_error(invoke(*args), "data file not found")
    assert not (workdir / "studies").exists()  # refused before a database was made


def test_unreachable_storage_never_shows_the_password(workdir: Path, mnist: str) -> None:
    url = f"postgresql://autolr:{SECRET}@127.0.0.1:{_closed_port()}/studies"
    for args in (
        small_grid_args("x", mnist, "--storage", url),
        ["best", "--storage", url],
        ["studies", "--storage", url],
    ):
        result = invoke(*args)
        assert_clean_error(result, "cannot open storage postgresql://***@127.0.0.1")
        assert SECRET not in result.output


def test_train_rejects_a_bad_optimizer_and_rate(workdir: Path, mnist: str) -> None:
    assert_clean_error(
        invoke("train", "--optimizer", "adamz", "--lr", "0.1"), "unknown optimizer 'adamz'"
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
    assert error.startswith("no trial of study 'hopeless' reached 100% train accuracy")
    # ... and how close the runs came, with a target they did reach.
    answer = json.loads(result.stdout)
    assert answer["metric"] == "accuracy" and 0 < answer["best_value"] < 1
    assert answer["reachable_target"] <= answer["best_value"]
    assert f"--target {answer['reachable_target']:g} (reached by these runs)" in error


def test_json_errors_are_json_and_keep_secrets(workdir: Path) -> None:
    url = f"postgresql://autolr:{SECRET}@127.0.0.1:{_closed_port()}/studies"
    for args in (
        ["best", "--storage", url, "--json"],
        ["studies", "--storage", url, "--json"],
        ["best", "--study", "none", "--json"],
        ["train", "--optimizer", "adamz", "--lr", "0.1", "--json"],
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


@pytest.mark.slow  # heavy (tens of seconds); CI runs it with the slow tests
def test_trace_trains_each_optimizer_at_its_best_rate_past_the_target(
    finished_grid: str, mnist: str
) -> None:
    args = [
        "trace",
        "--study",
        GRID_STUDY,
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
        invoke("best", "--study", GRID_STUDY, "--storage", finished_grid, "--json").stdout
    )
    study = optuna.load_study(study_name=f"{GRID_STUDY}-trace", storage=finished_grid)
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
    assert f"{GRID_STUDY}-trace" in result.stdout
    again = invoke(*args)  # resumable: a finished experiment adds nothing
    assert again.exit_code == 0
    assert len(
        optuna.load_study(study_name=f"{GRID_STUDY}-trace", storage=finished_grid).trials
    ) == len(study.trials)


@pytest.mark.slow  # heavy (tens of seconds); CI runs it with the slow tests
def test_scale_runs_each_size_and_rate_and_fits_a_line(finished_grid: str, mnist: str) -> None:
    args = [
        "scale",
        "--study",
        GRID_STUDY,
        "--storage",
        finished_grid,
        "--scales",
        "0.125,0.25",
        "--lrs",
        "0.03,0.06",
        "--optimizers",
        "sgd",
        "--target",
        "0.85",
        "--data",
        mnist,
        "--quiet",
    ]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "each size's best rate" in result.stdout and "seconds = c + k·n" in result.stdout
    study = optuna.load_study(study_name=f"{GRID_STUDY}-scale", storage=finished_grid)
    assert sorted((t.params["scale"], t.params["learning_rate"]) for t in study.trials) == [
        (0.125, 0.03),
        (0.125, 0.06),
        (0.25, 0.03),
        (0.25, 0.06),
    ]
    weights = {t.params["scale"]: t.user_attrs["weight_count"] for t in study.trials}
    assert weights == {s: reference_weight_count(s) for s in (0.125, 0.25)}
    advice = json.loads(
        invoke(
            "best",
            "--study",
            GRID_STUDY,
            "--storage",
            finished_grid,
            "--for-scale",
            "0.5",
            "--json",
        ).stdout
    )["larger_model"]
    assert advice["target"] == {"scale": 0.5, "weights": reference_weight_count(0.5)}
    assert advice["optimizer"] == "sgd"  # the one optimizer the scale study measured
    assert advice["axis"] == "weights" and advice["extrapolation_factor"] == 2
    assert advice["warning"] is None
    seconds = advice["seconds"]  # both sizes reached at these rates: a line, exact through 2
    assert seconds["quality"] == "exact through 2 points" and seconds["interval"] is None
    assert seconds["predicted"] == pytest.approx(seconds["c"] + seconds["k"] * 821_706)
    other_target = [*args, "--target", "0.8"]  # the last --target wins
    assert_clean_error(invoke(*other_target), "already exists with other settings; pass --name")


@pytest.fixture(scope="module")
def mlp_sizes(tmp_path_factory: pytest.TempPathFactory, mnist: str) -> str:
    """A grid on a user's MLP (`--model` with a `scale` keyword), then `autolr scale` at
    three widths, searching the grid's band at each; the factory's calls are recorded."""
    from tests import scaled_models

    storage = f"sqlite:///{tmp_path_factory.mktemp('mlp')}/mlp.db"
    common = ["--storage", storage, "--data", mnist, "--quiet"]
    tune = invoke(
        "tune",
        "--study",
        "mlp",
        "--sampler",
        "grid",
        "--model",
        "tests.scaled_models:mlp",
        "--optimizers",
        "adam",
        "--lr-min",
        "0.01",
        "--lr-max",
        "0.1",
        "--train-size",
        "1000",
        "--target",
        "0.9",
        "--max-steps",
        "200",
        *common,
    )
    assert tune.exit_code == 0, tune.output
    scaled_models.BUILT.clear()
    scale = invoke("scale", "--study", "mlp", "--scales", "0.5,1,2", "--widen", "1", *common)
    assert scale.exit_code == 0, scale.output
    assert sorted(set(scaled_models.BUILT)) == [0.5, 1.0, 2.0]  # the factory, at each scale
    return storage


def test_scale_searches_a_user_model_at_each_size(mlp_sizes: str) -> None:
    study = optuna.load_study(study_name="mlp-scale", storage=mlp_sizes)
    by_scale: dict[float, set[int]] = {}
    for trial in study.trials:
        by_scale.setdefault(trial.params["scale"], set()).add(trial.user_attrs["weight_count"])
    # 784 -> 32 scale -> 10: the hidden width follows the scale keyword.
    assert by_scale == {s: {785 * round(32 * s) + round(32 * s) * 10 + 10} for s in (0.5, 1, 2)}
    rates = {
        s: sorted(t.params["learning_rate"] for t in study.trials if t.params["scale"] == s)
        for s in by_scale
    }
    assert rates[0.5] == rates[1.0] == rates[2.0]  # one window of rates, tried at every size


def test_best_for_a_larger_user_model_gives_every_named_key(mlp_sizes: str, tmp_path: Path) -> None:
    result = invoke(
        "best",
        "--study",
        "mlp",
        "--storage",
        mlp_sizes,
        "--for-scale",
        "8",
        "--json",
        "--figure",
        str(tmp_path / "fig"),
    )
    assert result.exit_code == 0, result.output
    advice = json.loads(result.stdout)["larger_model"]
    for key in (
        "learning_rate",
        "interval",
        "transfers",
        "steps",
        "seconds",
        "extrapolation_factor",
    ):
        assert key in advice
    assert advice["axis"] == "scale"  # a user model's weights at x8 are not known unbuilt
    assert advice["target"] == {"scale": 8.0, "weights": None}
    low, high = advice["interval"]
    assert low <= advice["fitted_rate"] <= high
    if advice["transfers"]:
        low_slope, high_slope = advice["slope"]["interval"]
        assert low_slope <= 0 <= high_slope
        assert advice["learning_rate"] == json.loads(result.stdout)["learning_rate"]
    assert advice["extrapolation_factor"] == 4 and advice["warning"] is None
    assert advice["steps"]["r2"] is None and advice["steps"]["sizes"] == 3
    assert sorted(p.name for p in (tmp_path / "fig").iterdir()) == [
        "plotly.min.js",
        "rate_vs_size.html",
        "rate_vs_size.png",
    ]
    text = invoke("best", "--study", "mlp", "--storage", mlp_sizes, "--for-weights", "1e7")
    assert text.exit_code == 0, text.output
    assert "at 10,000,000 weights" in text.stdout and "warning:" in text.stdout
    assert "beyond the sizes mlp-scale measured (" in text.stdout


def test_a_model_without_a_scale_keyword_is_one_size(workdir: Path, mnist: str) -> None:
    fixed = ["--model", "tests.scaled_models:fixed", "--scale", "1", "--target", "0.5"]
    few = ["--optimizers", "adam", "--lr-min", "0.05", "--train-size", "500"]  # 2 trials
    tune = invoke(*small_grid_args("fixed", mnist, *fixed, *few))
    assert tune.exit_code == 0, tune.output
    result = invoke("scale", "--study", "fixed", "--scales", "0.5,1", "--lrs", "0.05", "--quiet")
    assert_clean_error(result, "'tests.scaled_models:fixed' has no `scale` parameter")
    assert [r["study"] for r in json.loads(invoke("studies", "--json").stdout)] == ["fixed"]
    again = invoke(*small_grid_args("fixed2", mnist, "--model", "tests.scaled_models:fixed"))
    assert_clean_error(again, "cannot be built at scale 0.25")  # --scale, before the study
    # No scale study: the advice rests on the 2018 finding, says so, and how to learn more.
    best = invoke("best", "--study", "fixed", "--for-scale", "1e6")
    assert best.exit_code == 0, best.output
    assert "evidence: no sizes measured: the 2018 study found" in best.stdout
    assert "autolr scale --study fixed --scales 1,2,4" in best.stdout  # toward the target
    assert "warning: scale x1e+06 is 1e+06x beyond the searched model (x1)" in best.stdout
    advice = json.loads(invoke("best", "--study", "fixed", "--for-scale", "1e6", "--json").stdout)
    assert advice["larger_model"]["extrapolation_factor"] == 1e6
    assert advice["larger_model"]["transfers"] is None


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (
            ["--for-scale", "2", "--for-weights", "1e6"],
            "give --for-scale or --for-weights, not both",
        ),
        (["--for-weights", "0.5"], "--for-weights is a weight count"),
        (["--for-scale", "-1"], "--for-scale must be a positive number"),
        (["--figure", "out"], "--figure draws the fit for --for-scale or --for-weights"),
    ],
)
def test_bad_size_questions_are_one_line(
    finished_grid: str, extra: list[str], fragment: str
) -> None:
    assert_clean_error(
        invoke("best", "--study", GRID_STUDY, "--storage", finished_grid, *extra), fragment
    )


def test_experiments_need_a_finished_study(finished_grid: str) -> None:
    assert_clean_error(
        invoke("trace", "--study", "nope", "--storage", finished_grid), "no study named 'nope'"
    )
    assert_clean_error(
        invoke("trace", "--study", GRID_STUDY, "--storage", finished_grid, "--lr", "adam:0.1"),
        "--lr takes OPTIMIZER=VALUE",
    )


def test_tune_help_states_the_smallest_population_and_the_generations_a_budget_makes() -> None:
    result = invoke("tune", "--help", env={"COLUMNS": "300"})
    assert result.exit_code == 0
    text = " ".join(result.output.replace("│", " ").split())
    assert "PBT: members, at least 2 [" in text
    assert "generations = ceil(--max-steps / --interval)" in text
    assert "(--preset mnist: 1500 steps, " in text
