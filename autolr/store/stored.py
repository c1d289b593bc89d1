"""What autolr stores with each study beside Optuna's own records: the study's settings.

Every command that opens a study reads them here, so a study always runs, resumes and
reports with the settings it was created with (see autolr/settings.py).
"""

from __future__ import annotations

import optuna

from autolr.errors import ConfigError
from autolr.settings import StudySettings

SETTINGS_ATTR = "autolr"


def stored_settings(study: optuna.Study) -> StudySettings:
    flat = study.user_attrs.get(SETTINGS_ATTR)
    if flat is None:
        raise ConfigError(f"study {study.study_name!r} was not created by autolr")
    return StudySettings.from_flat(flat)
