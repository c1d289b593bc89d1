"""What a trial is for, when it is not a search trial (a user attribute of its own).

A search trial has no role. After a search (`--band measure`), follow-ups measure the
answer: a leader's best rate at another seed, or a grid rate at a band's edge
(search/followups.py). The stop rules treat them apart: a band run stops only by the
exact rule, a seed run not at all.
"""

ROLE_ATTR = "role"  # absent: a search trial
BAND, SEED = "band", "seed"  # measuring a band's edge; a leader's best rate at another seed
SEED_ATTR = "seed"  # the seed a follow-up trained with (absent: the study's)
