"""Values the CLI must refuse at once, in one line, before any study is stored: study
names, empty lists, negative numbers; and names shown exactly as they are."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest

import autolr
from autolr.errors import ConfigError
from autolr.names import DERIVED_SUFFIXES, check_study_name
from autolr.report.build import default_out_dir
from tests.helpers import assert_clean_error, invoke, small_grid_args, with_flags


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUTOLR_STORAGE", raising=False)
    return tmp_path


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "--study must not be empty"),
        ("two\nlines", "only printable characters; found '\\n'"),
        ("tab\there", "only printable characters"),
        ("x" * 101, "--study is 101 characters long; use at most 100"),
        ("../../esc", "must not be a path that leaves its folder"),
        ("..", "must not be a path that leaves its folder"),
        ("/etc", "must not be a path that leaves its folder"),
        ("a//b", "must not be a path that leaves its folder"),
        (" padded", "must not start or end with a space"),
    ],
)
def test_bad_study_names_are_refused_before_anything_is_stored(
    workdir: Path, mnist: str, name: str, fragment: str
) -> None:
    result = invoke(*small_grid_args(name, mnist))
    assert_clean_error(result, fragment)
    assert list(workdir.iterdir()) == []  # no studies/ folder, no database


def test_a_huge_name_gives_a_short_error_line(workdir: Path) -> None:
    result = invoke("best", "--study", "n" * 100_000)
    assert_clean_error(result, "100000 characters long")
    assert max(len(line) for line in result.stderr.splitlines()) < 200


def test_a_studys_derived_names_are_valid_wherever_its_name_is(workdir: Path) -> None:
    """The longest names allowed, in characters and in bytes: their follow-ups (NAME-find,
    NAME-trace, NAME-scale) pass the same check, and every file named after them can be
    made on this file system."""
    for name in ("s" * 100, "é" * 100, "\U0001f600" * 50):
        for derived in (name, *(name + suffix for suffix in DERIVED_SUFFIXES)):
            assert check_study_name(derived) == derived
            (workdir / "reports" / derived).mkdir(parents=True)
            (workdir / f"{derived}.toml").write_text("")
    assert_clean_error(
        invoke("trace", "--study", "\U0001f600" * 51, "--storage", f"sqlite:///{workdir}/x.db"),
        "--study is 204 bytes long in UTF-8 (51 characters); use at most 200 bytes",
    )


def test_names_with_markup_are_listed_verbatim(workdir: Path) -> None:
    storage = f"sqlite:///{workdir}/x.db"
    names = ["[bold red]x[/]", "back\\", "[link=file:///etc]y[/link]"]
    for name in names:
        optuna.create_study(study_name=name, storage=storage)
    result = invoke("studies", "--storage", storage, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in names:
        assert name in result.stdout, result.stdout
    missing = invoke("best", "--study", "[bold]z[/]", "--storage", storage)
    assert_clean_error(missing, "no study named '[bold]z[/]'")
    assert "studies there: [bold red]x[/]" in missing.stderr


def test_a_report_folder_never_leaves_reports(workdir: Path) -> None:
    assert default_out_dir("mnist") == Path("reports") / "mnist"
    assert default_out_dir("a/b") == Path("reports") / "a" / "b"
    for name in ("../../esc", "..", "/etc", "a/../../b"):
        with pytest.raises(ConfigError, match="cannot name a folder inside reports/"):
            default_out_dir(name)


def test_a_stored_study_with_a_path_for_a_name_gets_no_report(workdir: Path) -> None:
    """Made with plain Optuna (autolr refuses such names), it cannot steer a report."""
    storage = f"sqlite:///{workdir}/x.db"
    optuna.create_study(study_name="../../esc", storage=storage)
    result = invoke("report", "--study", "../../esc", "--storage", storage)
    assert_clean_error(result, "must not be a path that leaves its folder")
    assert sorted(p.name for p in workdir.parent.iterdir() if p.name == "esc") == []
    assert sorted(p.name for p in workdir.iterdir()) == ["x.db"]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"--optimizers": ""}, "--optimizers needs at least one name, got ''"),
        ({"--optimizers": " , "}, "--optimizers needs at least one name"),
        ({"--optimizers": "adam,,sgd"}, "--optimizers has an empty entry: 'adam,,sgd'"),
        ({"--timeout": "-1"}, "--timeout must be a positive number of seconds, got -1"),
        ({"--timeout": "0"}, "--timeout must be a positive number of seconds, got 0"),
        ({"--seed": "-1"}, "--seed must be an integer in 0..2147483647, got -1"),
        ({"--seed": "4294967296"}, "--seed must be an integer in 0..2147483647"),
        ({"--target": "2"}, "--target must be in (0, 1] for accuracy, got 2.0"),
        ({"--lr-min": "0"}, "--lr-min must be a positive number, got 0.0"),
        ({"--max-steps": "0"}, "--max-steps must be at least 1"),
        ({"--jobs": "2", "--seed": "-1"}, "--seed must be an integer in 0..2147483647"),
    ],
)
def test_values_that_used_to_mean_something_else_are_errors(
    workdir: Path, mnist: str, change: dict[str, str], fragment: str
) -> None:
    args = with_flags(small_grid_args("args", mnist), change)
    assert_clean_error(invoke(*args), fragment)
    assert list(workdir.iterdir()) == []  # not even an empty database file


@pytest.mark.parametrize(
    ("flag", "value", "fragment"),
    [
        ("--seed", "-1", "--seed must be an integer in 0..2147483647, got -1"),
        ("--find-steps", "0", "--find-steps must be at least 10, got 0"),
        ("--lr-max", "0", "--lr-max must be a positive number, got 0.0"),
    ],
)
def test_find_refuses_bad_values_before_the_database_exists(
    workdir: Path, mnist: str, flag: str, value: str, fragment: str
) -> None:
    assert_clean_error(invoke("find", "--study", "args", "--data", mnist, flag, value), fragment)
    assert list(workdir.iterdir()) == []


def test_train_checks_its_seed_at_once(workdir: Path) -> None:
    result = invoke("train", "--optimizer", "adam", "--lr", "0.1", "--seed", "-1")
    assert_clean_error(result, "--seed must be an integer in 0..2147483647, got -1")


@pytest.mark.parametrize(
    ("flag", "value"), [("--steps", "0"), ("--steps", "-5"), ("--validate-every", "0")]
)
def test_trace_refuses_a_zero_step_count(workdir: Path, flag: str, value: str) -> None:
    result = invoke("trace", "--study", "any", flag, value)
    assert_clean_error(result, f"{flag} must be at least 1, got {value}")


@pytest.mark.parametrize("port", ["0", "70000", "-1"])
def test_dashboard_port_must_be_a_port(workdir: Path, port: str) -> None:
    assert_clean_error(
        invoke("dashboard", "--port", port), f"--port must be in 1..65535, got {port}"
    )


def test_version_prints_the_package_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"autolr {autolr.__version__}"
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert f'version = "{autolr.__version__}"' in pyproject


def test_flags_are_checked_alone_only_where_a_new_database_would_be_made(
    workdir: Path,
) -> None:
    from autolr.study.opening import check_flags

    lone_lr_max = {"lr_max": 1e-7}  # below the default --lr-min of 1e-6
    with pytest.raises(ConfigError, match="must be below --lr-max"):
        check_flags("s", None, lone_lr_max, f"sqlite:///{workdir}/new.db")
    assert not (workdir / "new.db").exists()
    # Where a database exists, a stored study may hold the --lr-min these flags complete:
    # the flags wait to be checked against it.
    optuna.create_study(study_name="other", storage=f"sqlite:///{workdir}/old.db")
    check_flags("s", None, lone_lr_max, f"sqlite:///{workdir}/old.db")
