"""Errors a user can act on.

The CLI prints an `AutolrError` as one line and exits non-zero; anything else is a bug and
keeps its traceback (behind `--debug`).
"""


class AutolrError(Exception):
    """A problem with the user's input or environment, explained in one line."""


class ConfigError(AutolrError):
    """A setting is out of range, unknown, or conflicts with a stored study."""


class DataError(AutolrError):
    """The training data cannot be found, read or understood."""


class StorageError(AutolrError):
    """The study storage cannot be reached or does not hold what was asked for."""


class Interrupted(AutolrError):
    """Ctrl-C (exit 130) or SIGTERM (exit 143) during work that can be resumed."""

    def __init__(self, message: str, exit_code: int = 130) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Terminated(KeyboardInterrupt):
    """SIGTERM, as schedulers, systemd and Kubernetes send it: handled exactly as Ctrl-C
    is (the running trial is recorded as failed), but reported as what it was."""


_FAILED_ATTR = "autolr_failed_on_interrupt"


def note_failed_on_interrupt(interrupt: BaseException, what: str) -> None:
    """Record on a Ctrl-C or SIGTERM on its way out what it left failed ("the running
    trial 3 is"), so that the message says what is true: nothing, if no trial ran."""
    setattr(interrupt, _FAILED_ATTR, [*failed_on_interrupt(interrupt), what])


def failed_on_interrupt(interrupt: BaseException) -> list[str]:
    return list(getattr(interrupt, _FAILED_ATTR, []))


class TrialFailed(Exception):
    """This trial cannot run (e.g. its checkpoint is unreadable): record it, go on.

    Unlike AutolrError, which stops the whole run, the study continues without it.
    """
