"""How studies are stored and shared.

Owns: storage URLs and their secrets (storage, urls), faults named in one line (faults),
the study lock (locks), a planned study's claim queue table (slots), one-write results
(recording, counts), a trial's per-check history (history), the settings stored with a
study (stored), PBT checkpoints and their artifact stores (checkpoints, artifacts_db), and
deletion. May import Optuna, SQLAlchemy, the trainer's checkpoint type and the base
modules; never the search, the runner or the answers.
"""
