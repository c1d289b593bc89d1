"""After a search: bracketing a band on the grid, ties within the seeds' noise, and the
follow-ups a study asks for, decided from stored trials alone (worked out by hand)."""

from __future__ import annotations

import dataclasses

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution

from autolr.answers.choice import choose
from autolr.answers.results import recommend
from autolr.console.tables import seed_cell
from autolr.search import bracket, contenders, followups
from autolr.search.roles import BAND, ROLE_ATTR, SEED, SEED_ATTR
from autolr.settings import StudySettings

G = bracket.grid_rate  # G(-12) = 0.01: six grid rates a decade


def steps_noise(check_every: int) -> int:
    return contenders.noise_steps("steps", check_every)


TIME_NOISE = contenders.noise_steps("time", 50)
SETTINGS = StudySettings(sampler="tpe", band="measure", optimizers=("adam", "sgd"))


def rows(*rows: tuple) -> list[tuple]:
    """Rows of names and rates as compared here: rates to 9 significant digits (pytest's
    approx takes no tuples that mix names and numbers)."""
    return [tuple(float(f"{v:.9g}") if isinstance(v, float) else v for v in row) for row in rows]


def run(rate: float, steps: float | None, exact: bool = True) -> bracket.Run:
    return bracket.Run(rate, steps, exact)


def test_the_walk_goes_out_from_the_best_rate_one_grid_rate_at_a_time() -> None:
    best = run(0.012, 100)  # between G(-12) = 0.01 and G(-11) = 0.0147
    walk = bracket.walk([best], [], 1.5, 1e-6, 100)
    assert walk.to_run == pytest.approx((G(-11), G(-12)))  # the first grid rate each side
    inside = [best, run(G(-11), 140), run(G(-12), 120)]
    walk = bracket.walk(inside, [], 1.5, 1e-6, 100)
    assert walk.to_run == pytest.approx((G(-10), G(-13)))
    edged = [*inside, run(G(-10), 151), run(G(-13), None)]  # 151 > 1.5 x 100: out
    walk = bracket.walk(edged, [], 1.5, 1e-6, 100)
    assert walk.to_run == () and walk.low_edge and walk.high_edge and not walk.waiting


def test_the_walk_starts_beyond_the_search_runs_already_in_the_band() -> None:
    # The search found the best at G(-12) and reached within the margin at 0.035, three
    # grid rates above it: the band reaches at least there, so G(-11) and G(-10) need no
    # run; the walk's next rate up is the first grid rate above 0.035, G(-8).
    search = [run(G(-12), 100), run(0.035, 140), run(0.0005, None)]
    walk = bracket.walk(search, [], 1.5, 1e-6, 100)
    assert walk.to_run == pytest.approx((G(-8), G(-13)))
    # A search run that ran to its end out of the band between the lowest in-band rate
    # and the grid rate below it brackets that side: nothing to run there.
    search.append(run(0.0075, None))  # between G(-13) = 0.0068 and G(-12) = 0.01
    walk = bracket.walk(search, [], 1.5, 1e-6, 100)
    assert walk.to_run == pytest.approx((G(-8),)) and walk.low_edge and not walk.high_edge
    # G(-8) being trained: wait for it. A run there that reached, but too slowly (151 >
    # 1.5 x 100), is out of the band: both sides bracketed.
    pending = bracket.walk(search, [G(-8)], 1.5, 1e-6, 100)
    assert pending.waiting and pending.to_run == ()
    done = bracket.walk([*search, run(G(-8), 151)], [], 1.5, 1e-6, 100)
    assert done.to_run == () and done.low_edge and done.high_edge and not done.waiting


def test_a_running_rate_is_waited_for_and_a_heuristic_stop_bounds_nothing() -> None:
    walk = bracket.walk([run(G(-12), 100)], [G(-11)], 1.5, 1e-6, 100)
    assert walk.waiting and walk.to_run == pytest.approx((G(-13),))
    stopped = [run(G(-12), 100), run(G(-11), None, exact=False)]  # stopped as "behind"
    assert bracket.walk(stopped, [], 1.5, 1e-6, 100).to_run[0] == pytest.approx(G(-11))


def test_a_faster_run_recentres_the_walk_and_the_range_ends_it() -> None:
    runs = [run(G(-12), 100), run(G(-11), 60)]  # the band run beat the search's best
    # 100 > 1.5 x 60: G(-12) is now out of the band, so only the upper side is open.
    assert bracket.walk(runs, [], 1.5, 1e-6, 100).to_run == pytest.approx((G(-10),))
    at_top = bracket.walk([run(100.0, 100)], [], 1.5, 1e-6, 100)
    assert at_top.high_edge and at_top.to_run == pytest.approx((G(11),))


def test_the_climb_goes_downhill_from_the_search_rate_and_stops_where_no_side_is_faster() -> None:
    start = run(0.0054, 250)  # between G(-14) = 0.00464 and G(-13) = 0.00681
    first = bracket.climb([start], [], start, 1e-6, 100)
    assert first.to_run == pytest.approx((G(-14), G(-13))) and not first.waiting
    # G(-13) is faster: on from there (its lower side, G(-14), is known and slower).
    down = [start, run(G(-14), 300), run(G(-13), 150)]
    assert bracket.climb(down, [], start, 1e-6, 100).to_run == pytest.approx((G(-12),))
    # G(-12) as fast as G(-13) is not a step down: the plateau is not walked. Done.
    done = bracket.climb([*down, run(G(-12), 150)], [], start, 1e-6, 100)
    assert done == bracket.Climb((), False)
    # Being trained: wait. Stopped by a heuristic: it tells nothing, so it is run again.
    assert bracket.climb(down, [G(-12)], start, 1e-6, 100) == bracket.Climb((), True)
    guessed = [*down, run(G(-12), None, exact=False)]
    assert bracket.climb(guessed, [], start, 1e-6, 100).to_run == pytest.approx((G(-12),))
    # A search rate a rounding away from a grid rate is that grid rate: both sides run.
    near = run(10 ** ((-12 + 3e-5) / 6), 100)  # G(-12) = 0.01, to 1e-5
    assert bracket.climb([near], [], near, 1e-6, 100).to_run == pytest.approx((G(-13), G(-11)))
    assert bracket.walk([near], [], 1.5, 1e-6, 100).to_run == pytest.approx((G(-11), G(-13)))
    # A side beyond the range is not run.
    top = run(100.0, 300)
    assert bracket.climb([top], [], top, 1e-6, 100).to_run == pytest.approx((G(11),))


def test_ties_are_medians_within_each_others_seeds() -> None:
    adam = contenders.Contender("adam", 1e-3, (250, 300, 250))  # median 250, 250..300
    momentum = contenders.Contender("momentum", 0.3, (250, 300, 350))  # median 300
    sgd = contenders.Contender("sgd", 0.2, (500, 500, 500))
    tied = contenders.tied([momentum, sgd, adam])
    assert [c.optimizer for c in tied] == ["adam", "momentum"]
    # The MLP's seeds: one slow seed of the fastest does not tie it with every optimizer
    # up to that seed; Adadelta is slower at every seed but one, and never faster.
    adamw = contenders.Contender("adamw", 3e-3, (250, 350, 250))
    adadelta = contenders.Contender("adadelta", 5.6, (350, 350, 350))
    assert [c.optimizer for c in contenders.tied([adadelta, adamw])] == ["adamw"]
    # The proxy CNN's seeds: momentum's noise no longer buys it a tie that rmsprop, as
    # slow but steady, does not get; every momentum seed is slower than every adadelta's.
    adadelta = contenders.Contender("adadelta", 14.7, (250, 250, 250))
    adam = contenders.Contender("adam", 6.8e-3, (250, 250, 200))
    momentum = contenders.Contender("momentum", 0.46, (300, 450, 350))
    rmsprop = contenders.Contender("rmsprop", 1e-3, (350, 350, 350))
    tied = contenders.tied([momentum, rmsprop, adam, adadelta])
    assert [c.optimizer for c in tied] == ["adadelta", "adam"]
    assert contenders.leaders({"adam": 250, "momentum": 300, "sgd": 400}, 1.5, steps_noise(50)) == [
        "adam",
        "momentum",
    ]


def test_a_fast_model_leads_within_two_checks_where_its_margin_is_narrower() -> None:
    # 1.5x of 150 steps is 225: one check. A seed moves steps by up to two checks, so a
    # run at 250 may tie (the 3-seed convnet grid's AdamW took 250, 150 and 150); 300 is out.
    best = {"adam": 150, "adamw": 250, "adadelta": 300}
    assert contenders.leaders(best, 1.5, steps_noise(50)) == ["adam", "adamw"]
    assert contenders.leaders(best, 1.5, steps_noise(100)) == ["adam", "adamw", "adadelta"]
    # Where 1.5x is wider than two checks, the margin decides, as before.
    assert contenders.leaders({"adam": 400, "sgd": 600, "rmsprop": 650}, 1.5, steps_noise(50)) == [
        "adam",
        "sgd",
    ]
    # Seconds (the time objective) are not checks: the margin alone decides.
    assert contenders.leaders({"adam": 12.0, "sgd": 60.0, "adagrad": 110.0}, 1.5, TIME_NOISE) == [
        "adam"
    ]


def test_under_the_time_objective_only_the_margin_makes_a_leader() -> None:
    # Values are seconds: adam's 12 s and sgd's 60 s are five times apart, although two
    # checks (100 steps) added to 12 would reach past 60.
    timed = StudySettings(sampler="tpe", band="measure", optimizers=("adam", "sgd"))
    timed = dataclasses.replace(timed, objective="time")
    search = [trial("adam", 0.012, 12.0), trial("sgd", 0.3, 60.0)]
    planned = followups.plan(search, timed).to_run
    assert planned and {(f.optimizer, f.role) for f in planned} == {("adam", BAND)}
    # The same values read as steps: sgd is within two checks, so both lead (and both
    # bands are measured before their seeds run).
    as_steps = followups.plan(search, SETTINGS).to_run
    assert {(f.optimizer, f.role) for f in as_steps} == {("adam", BAND), ("sgd", BAND)}


def test_a_tie_is_reported_and_the_widest_band_recommended() -> None:
    found = [
        contenders.Contender("adam", 1e-3, (250, 350, 250)),
        contenders.Contender("momentum", 0.3, (250, 300, 350)),
    ]
    choice = choose("adam", found, {"adam": (1e-3, 2e-3), "momentum": (0.1, 0.5)})
    assert choice.optimizer == "momentum" and choice.tied == ("momentum", "adam")
    assert "adam, momentum tie within the seeds' noise" in choice.reason
    assert "momentum has the widest measured band (0.70 decades)" in choice.reason
    # Equally wide bands: the ranking decides, and the reason says so rather than
    # calling one band the widest alone.
    even = choose("adam", found, {"adam": (0.1, 0.5), "momentum": (0.1, 0.5)})
    assert even.optimizer == "adam" and even.tied == ("adam", "momentum")
    assert even.reason.endswith(
        "adam has the widest measured band (0.70 decades), as wide as momentum's, and ranks "
        "ahead (by median steps, then the study seed's steps, then name)"
    ), even.reason
    alone = choose("adam", found[:1], {"adam": (1e-3, 2e-3)})
    assert alone.optimizer == "adam" and alone.reason == ""


def trial(optimizer: str, rate: float, steps: float | None, **attrs: object) -> object:
    reached = steps is not None
    return optuna.trial.create_trial(
        state=optuna.trial.TrialState.COMPLETE,
        value=steps if reached else 5000.0,
        params={"optimizer": optimizer, "learning_rate": rate},
        distributions={
            "optimizer": CategoricalDistribution(["adam", "sgd"]),
            "learning_rate": FloatDistribution(1e-6, 100, log=True),
        },
        user_attrs={"reached": reached, "steps": int(steps or 1500), **attrs},
    )


def band_run(optimizer: str, index: int, steps: float | None) -> object:
    return trial(optimizer, G(index), steps, **{ROLE_ATTR: BAND, SEED_ATTR: 0})


def seed_runs(optimizer: str, rate: float, *steps: float) -> list[object]:
    return [
        trial(optimizer, rate, s, **{ROLE_ATTR: SEED, SEED_ATTR: k + 1})
        for k, s in enumerate(steps)
    ]


def test_a_study_climbs_to_each_leaders_fastest_rate_seeds_it_then_measures_tied_bands() -> None:
    # sgd's best search run (0.2, 200 steps) is within two checks of adam's 100: both lead.
    search = [trial("adam", 0.012, 100), trial("sgd", 0.2, 200), trial("sgd", 0.03, None)]
    first = followups.plan(search, SETTINGS).to_run
    assert {f.role for f in first} == {BAND}  # run at the study's seed, stopped exactly
    assert rows(*((f.optimizer, f.learning_rate) for f in first)) == rows(
        *[("adam", G(-12)), ("adam", G(-11)), ("sgd", G(-5)), ("sgd", G(-4))]
    )
    # sgd at 0.215 reaches in 100 steps: it climbs on from there; adam's sides are slower.
    climbed = [
        *search,
        band_run("adam", -11, 120),
        band_run("adam", -12, 200),
        band_run("sgd", -4, 100),
        band_run("sgd", -5, None),
    ]
    onward = followups.plan(climbed, SETTINGS).to_run
    assert rows(*((f.optimizer, f.learning_rate) for f in onward)) == rows(*[("sgd", G(-3))])
    climbed.append(band_run("sgd", -3, 150))
    # Each leader's fastest rate at the study's seed runs at two more seeds: sgd's is
    # 0.215, not the search's 0.2 (beside its band, it might not have tied).
    seeds = followups.plan(climbed, SETTINGS).to_run
    assert rows(*((f.optimizer, f.role, f.learning_rate, f.seed) for f in seeds)) == rows(
        *[
            ("adam", SEED, 0.012, 1),
            ("adam", SEED, 0.012, 2),
            ("sgd", SEED, G(-4), 1),
            ("sgd", SEED, G(-4), 2),
        ]
    )
    tied_seeds = seed_runs("adam", 0.012, 100, 150) + seed_runs("sgd", G(-4), 150, 100)
    # Both medians are 100, within each other's seeds: tied, so both bands are walked on
    # from the runs already in them.
    bands = followups.plan(climbed + tied_seeds, SETTINGS).to_run
    assert rows(*((f.optimizer, f.learning_rate) for f in bands)) == rows(
        *[("adam", G(-10)), ("sgd", G(-2))]
    )
    walked = [*climbed, *tied_seeds, band_run("adam", -10, None), band_run("sgd", -2, None)]
    assert followups.plan(walked, SETTINGS).done
    answer = recommend("s", SETTINGS, walked)
    assert answer.tied == ("sgd", "adam") and answer.optimizer == "sgd"  # the wider band
    assert answer.learning_rate == pytest.approx(G(-4))
    assert answer.band == pytest.approx((G(-4), G(-3)))
    assert answer.per_optimizer["adam"].band == pytest.approx((0.012, G(-11)))
    assert answer.per_optimizer["sgd"].band_measured and answer.per_optimizer["adam"].band_measured
    assert answer.seed_steps == {"sgd": [100, 150, 100], "adam": [100, 100, 150]}
    assert answer.seed_rates == pytest.approx({"sgd": G(-4), "adam": 0.012})
    assert answer.follow_up_trials == 11
    assert "sgd has the widest measured band (0.17 decades)" in answer.reason
    # Had sgd's seeds been slow, adam alone would lead by median, and only its band
    # would be walked.
    slow = seed_runs("adam", 0.012, 100, 150) + seed_runs("sgd", G(-4), 400, 410)
    alone = followups.plan(climbed + slow, SETTINGS).to_run
    assert rows(*((f.optimizer, f.learning_rate) for f in alone)) == rows(*[("adam", G(-10))])
    answer = recommend("s", SETTINGS, [*climbed, *slow, band_run("adam", -10, None)])
    assert answer.optimizer == "adam" and answer.tied == ("adam",)
    assert answer.band == pytest.approx((0.012, G(-11)))  # the seed runs are not in it
    assert "fastest by median steps over 3 seeds (adam 100, sgd 400)" in answer.reason


def test_a_faster_rate_found_by_a_tied_band_is_seeded_before_the_walk_goes_on() -> None:
    search = [trial("adam", G(-11), 100), trial("sgd", G(-4), 100.005)]
    sides = [band_run("adam", i, None) for i in (-12, -10)]
    sides += [band_run("sgd", -5, None), band_run("sgd", -3, 100.006)]
    tied = seed_runs("adam", G(-11), 100, 150) + seed_runs("sgd", G(-4), 150, 100)
    assert [f.learning_rate for f in followups.plan(search + sides + tied, SETTINGS).to_run] == (
        pytest.approx([G(-2)])  # sgd's band, from 0.316 (adam's is bracketed already)
    )
    # At the same check, clearing the target by more (a lower stored value): `best`
    # shows that rate, but it is not a rate to seed again; the walk goes on.
    as_fast = band_run("sgd", -2, 100.001)
    on = followups.plan([*search, *sides, *tied, as_fast], SETTINGS).to_run
    assert rows(*((f.role, f.learning_rate) for f in on)) == rows(*[(BAND, G(-1))])
    shown = recommend("s", SETTINGS, [*search, *sides, *tied, as_fast])
    assert shown.per_optimizer["sgd"].learning_rate == pytest.approx(G(-2))
    assert shown.seed_rates["sgd"] == pytest.approx(G(-4))  # and the seeds' cell says so
    faster = band_run("sgd", -2, 50)  # a check faster than the seeded rate: seeded first
    again = followups.plan([*search, *sides, *tied, faster], SETTINGS).to_run
    assert rows(*((f.optimizer, f.role, f.learning_rate) for f in again)) == rows(
        *[("sgd", SEED, G(-2)), ("sgd", SEED, G(-2))]
    )


def test_a_single_leader_has_its_band_measured_and_no_seeds() -> None:
    search = [trial("adam", 0.012, 100), trial("sgd", 0.3, 400)]
    planned = followups.plan(search, SETTINGS).to_run
    assert {(f.optimizer, f.role) for f in planned} == {("adam", BAND)}
    walked = [
        *search,
        band_run("adam", -11, 120),
        band_run("adam", -12, 200),
        band_run("adam", -10, None),
    ]
    assert followups.plan(walked, SETTINGS).done
    answer = recommend("s", SETTINGS, walked)
    assert answer.optimizer == "adam" and answer.tied == ("adam",) and answer.seed_steps == {}


def test_the_seed_column_names_its_rate_when_the_best_rate_shown_is_another() -> None:
    # The seeds ran adam's best search rate, 0.012; a band run then reached faster at
    # another rate, which becomes adam's best rate: the seeds' cell says where they ran.
    search = [trial("adam", 0.012, 100), trial("sgd", 0.3, 140)]
    seeds = [
        trial("adam", 0.012, s, **{ROLE_ATTR: SEED, SEED_ATTR: k}) for s, k in ((100, 1), (150, 2))
    ] + [trial("sgd", 0.3, s, **{ROLE_ATTR: SEED, SEED_ATTR: k}) for s, k in ((400, 1), (410, 2))]
    faster = [trial("adam", G(-11), 90, **{ROLE_ATTR: BAND, SEED_ATTR: 0})]
    answer = recommend("s", SETTINGS, search + seeds + faster)
    assert answer.learning_rate == pytest.approx(G(-11))
    assert answer.seed_rates == pytest.approx({"adam": 0.012, "sgd": 0.3})
    assert answer.to_json()["seed_rates"] == pytest.approx({"adam": 0.012, "sgd": 0.3})
    adam, sgd = answer.per_optimizer["adam"], answer.per_optimizer["sgd"]
    assert seed_cell(answer, "adam", adam.learning_rate) == "median 100 (100, 100, 150) at 0.012"
    assert seed_cell(answer, "sgd", sgd.learning_rate) == "median 400 (140, 400, 410)"


def test_the_seeds_run_at_the_rate_the_answer_shows_when_two_rates_tie_in_whole_steps() -> None:
    # adam reached in 100 steps at 0.012 and at 0.0215; the stored value's fraction says
    # 0.0215 cleared the target by more, so `best` shows 0.0215, and its seeds run there
    # (ranked by whole steps, then the lower rate, they ran at 0.012 beside it).
    search = [
        trial("adam", 0.012, 100.004),
        trial("adam", G(-10), 100.001),
        trial("sgd", G(-3), 140),
        trial("sgd", G(-4), None),
        trial("sgd", G(-2), None),
    ]
    walked = [*search, band_run("adam", -9, None), band_run("adam", -11, None)]
    seeds = followups.plan(walked, SETTINGS).to_run
    assert rows(*((f.optimizer, f.role, f.learning_rate) for f in seeds)) == rows(
        *[
            ("adam", SEED, G(-10)),
            ("adam", SEED, G(-10)),
            ("sgd", SEED, G(-3)),
            ("sgd", SEED, G(-3)),
        ]
    )
    ran = [*walked, *seed_runs("adam", G(-10), 100, 150), *seed_runs("sgd", G(-3), 400, 410)]
    answer = recommend("s", SETTINGS, ran)
    assert answer.optimizer == "adam" and answer.learning_rate == pytest.approx(G(-10))
    assert answer.seed_rates["adam"] == pytest.approx(G(-10))
    assert seed_cell(answer, "adam", answer.learning_rate) == "median 100 (100, 100, 150)"


def test_under_the_time_objective_seconds_are_compared_as_stored() -> None:
    timed = dataclasses.replace(SETTINGS, objective="time")
    # adam's side G(-11) took 2.1 s against its search run's 2.9 s: faster (in whole
    # seconds both are 2), so the climb goes on to G(-10).
    search = [trial("adam", 0.012, 2.9), trial("sgd", G(-4), 3.5)]
    sides = [band_run("adam", -11, 2.1), band_run("adam", -12, 3.4)]
    sides += [band_run("sgd", -5, 5.0), band_run("sgd", -3, 5.0)]
    onward = followups.plan([*search, *sides], timed).to_run
    assert rows(*((f.optimizer, f.learning_rate) for f in onward)) == rows(*[("adam", G(-10))])
    # A band run at 5.5 s is inside 1.5 x 3.9 s: the walk goes on past it, as the answer's
    # band counts it.
    one = [trial("adam", G(-12), 3.9), trial("sgd", G(-4), 50.0)]
    one += [band_run("adam", -11, 5.5), band_run("adam", -13, 9.0)]
    assert followups.band_walk(one, "adam", timed).to_run == pytest.approx((G(-10),))
    assert not recommend("s", timed, one).per_optimizer["adam"].band_measured


def test_a_duplicate_seed_run_does_not_drop_its_leader_from_the_ties() -> None:
    # Two workers that both ran sgd's seed 1 (a claim lost to a frozen worker, say):
    # the first finished run counts, and sgd still contends.
    search = [trial("adam", G(-11), 100), trial("sgd", G(-4), 100)]
    sides = [band_run("adam", i, None) for i in (-12, -10)]
    sides += [band_run("sgd", i, None) for i in (-5, -3)]
    seeds = seed_runs("adam", G(-11), 100, 150) + seed_runs("sgd", G(-4), 150, 100)
    twice = trial("sgd", G(-4), 400, **{ROLE_ATTR: SEED, SEED_ATTR: 1})
    found = followups.contender_list([*search, *sides, *seeds, twice], SETTINGS)
    assert [(c.optimizer, c.steps) for c in found] == [
        ("adam", (100, 100, 150)),
        ("sgd", (100, 150, 100)),
    ]
