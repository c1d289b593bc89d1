"""What autolr stores with each study beside Optuna's own records: the study's settings,
and where its data file was.

Every command that opens a study reads them here, so a study always runs, resumes and
reports with the settings it was created with (see autolr/settings.py). The data file's
path is not a setting (the same study may be resumed where the file lives elsewhere): it
is kept apart, as a hint that commands use when `--data` is not given.
"""

from __future__ import annotations

import optuna

from autolr.errors import ConfigError
from autolr.settings import StudySettings

SETTINGS_ATTR = "autolr"
DATA_HINT_ATTR = "autolr:data_path"  # the data file the study was made with (not identity)


def stored_settings(study: optuna.Study) -> StudySettings:
    flat = study.user_attrs.get(SETTINGS_ATTR)
    if flat is None:
        raise ConfigError(f"study {study.study_name!r} was not created by autolr")
    return StudySettings.from_flat(flat)


def data_hint(study: optuna.Study) -> str | None:
    """The data file the study was made with, if it stored one."""
    found = study.user_attrs.get(DATA_HINT_ATTR)
    return found if isinstance(found, str) else None
