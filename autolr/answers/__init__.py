"""What answers are read from a study (pure reading: nothing here trains or writes trials).

Owns: the recommendation and its band (results), PBT's answer (pbt_results), a range
test's verdicts (range_tests), model sizes and the fits across them (scaling, sizefit,
transfer), the listing of stored studies (catalog), and what optuna-dashboard is told
and serves (dashboard, serve). May import the store and the search; never the runner or
the trainer.
"""
