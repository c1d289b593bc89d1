"""Running a study: create or resume it, claim and train its trials, record them.

Owns: opening a study (opening), `autolr tune` with its range-test prior (tuning, find,
find_objective), the worker loop (runner), how a worker claims a trial (claims), what
runs next per kind of study (schedules), the Optuna objective (objective), `--jobs`
processes (workers), what displays are told (observer, view), and the trace and scale
follow-ups (experiments). May import everything below it: answers, store, search, trainer.
"""
