"""Framework set-up that must happen before Keras is first imported."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import tempfile
from collections.abc import Callable, Iterator

from autolr.config import DEBUG_ENV, THREADS_ENV
from autolr.errors import AutolrError, ConfigError

BACKEND_ENV = "KERAS_BACKEND"
# The Keras backends autolr has an engine for, and the package each needs.
BACKEND_PACKAGES = {"tensorflow": "tensorflow", "jax": "jax"}


def configure_environment() -> None:
    """Apply a per-process thread cap, then import Keras without start-up chatter.

    `--jobs N` workers share the machine's cores: each gets AUTOLR_THREADS so that N
    processes do not each spawn a thread per core and fight over them.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    threads = os.environ.get(THREADS_ENV)
    if threads:
        os.environ.setdefault("OMP_NUM_THREADS", threads)
        os.environ.setdefault("TF_NUM_INTRAOP_THREADS", threads)
        os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
        flags = os.environ.get("XLA_FLAGS", "")
        if "intra_op_parallelism_threads" not in flags:
            os.environ["XLA_FLAGS"] = (
                f"{flags} --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={threads}"
            ).strip()
    if "keras" not in sys.modules:
        wanted = os.environ.get(BACKEND_ENV)
        if wanted and wanted not in BACKEND_PACKAGES:
            raise ConfigError(
                f"{BACKEND_ENV}={wanted}: autolr trains with {' or '.join(BACKEND_PACKAGES)}"
            )
        with native_stderr_captured(lambda exc: not isinstance(exc, AutolrError)):
            try:
                _import_and_initialise_devices()
            except ImportError as exc:
                missing = _framework_missing(wanted or "tensorflow", exc)
                if missing is None:
                    raise
                raise missing from exc


def _framework_missing(backend: str, exc: ImportError) -> ConfigError | None:
    """A one-line error if `backend`'s own package is what cannot be imported (a missing
    or broken install), None if the failure is something else's."""
    package = BACKEND_PACKAGES.get(backend, backend)
    try:
        importlib.import_module(package)
    except ImportError:
        return ConfigError(
            f"{BACKEND_ENV}={backend} needs the {package} package, which cannot be imported "
            f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}): "
            f"install it (pip install {package}), or choose another backend with {BACKEND_ENV}"
        )
    return None


def _import_and_initialise_devices() -> None:
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow" or importlib.util.find_spec("tensorflow") is not None:
        # Keras imports an installed TensorFlow for seeding even under other backends.
        import tensorflow as tf

        tf.config.list_physical_devices()
    if backend == "jax":
        import jax

        jax.devices()


@contextlib.contextmanager
def native_stderr_captured(
    replay_on: Callable[[BaseException], bool] = lambda exc: True,
) -> Iterator[None]:
    """Hide what C++ and Python code write to stderr (CUDA probes, oneDNN notices, Keras
    warnings) while the framework starts or a model is first built.

    TensorFlow prints these before its log level applies, so no environment variable
    silences them. The text is replayed if the block fails with an exception `replay_on`
    accepts (not for a user error that one line explains), and AUTOLR_DEBUG=1 shows it.
    """
    if os.environ.get(DEBUG_ENV):
        yield
        return
    sys.stderr.flush()
    saved_fd = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        except BaseException as exc:
            sys.stderr.flush()
            os.dup2(saved_fd, 2)
            if replay_on(exc):
                captured.seek(0)
                sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved_fd, 2)
            os.close(saved_fd)


def backend_name() -> str:
    """The Keras backend in use (tensorflow unless KERAS_BACKEND says otherwise)."""
    configure_environment()
    import keras

    return str(keras.backend.backend())
