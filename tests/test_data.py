"""Where MNIST comes from, in order, and what happens when it cannot be found."""

from __future__ import annotations

import socket
import textwrap
from pathlib import Path

import numpy as np
import pytest

from autolr.config import DataSpec
from autolr.data import load_dataset
from autolr.errors import DataError


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch, tmp_path: Path):
    """Each test starts with no cached arrays, no AUTOLR_MNIST and an empty Keras home."""
    load_dataset.cache_clear()
    monkeypatch.delenv("AUTOLR_MNIST", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    yield
    load_dataset.cache_clear()


def test_explicit_path_gives_scaled_images_and_the_test_set_as_validation(mnist: str) -> None:
    data = load_dataset(DataSpec(path=mnist))
    assert data.x_train.shape == (60000, 28, 28, 1) and data.x_train.dtype == np.float32
    assert data.x_train.min() >= 0.0 and data.x_train.max() == 1.0
    assert data.x_val.shape == (10000, 28, 28, 1)
    assert data.y_train.dtype == np.int32 and data.num_classes == 10


def test_train_size_takes_the_same_subset_every_time(mnist: str) -> None:
    first = load_dataset(DataSpec(path=mnist, train_size=500))
    load_dataset.cache_clear()
    second = load_dataset(DataSpec(path=mnist, train_size=500))
    assert len(first.x_train) == 500 and len(first.x_val) == 10000
    np.testing.assert_array_equal(first.y_train, second.y_train)


def test_environment_variable_is_used_when_no_path_is_given(mnist: str, monkeypatch) -> None:
    monkeypatch.setenv("AUTOLR_MNIST", mnist)
    assert len(load_dataset(DataSpec(train_size=10)).x_train) == 10


def test_keras_cache_is_used_when_nothing_is_named(mnist: str, tmp_path: Path) -> None:
    cache = tmp_path / "keras-home" / "datasets"
    cache.mkdir(parents=True)
    (cache / "mnist.npz").symlink_to(mnist)
    assert load_dataset(DataSpec()).x_train.shape[0] == 60000


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_offline_with_no_file_says_how_to_supply_one(monkeypatch) -> None:
    proxy = f"http://127.0.0.1:{_closed_port()}"  # nothing listens: the download fails fast
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(DataError, match="--data PATH or set AUTOLR_MNIST"):
        load_dataset(DataSpec())


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="data file not found"):
        load_dataset(DataSpec(path=str(tmp_path / "missing.npz")))


def test_a_file_that_is_not_an_npz_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "mnist.npz"
    bogus.write_text("not a zip archive")
    with pytest.raises(DataError, match="cannot read data file"):
        load_dataset(DataSpec(path=str(bogus)))


def test_an_npz_without_the_keras_keys_is_a_clear_error(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, images=np.zeros((2, 28, 28)))
    with pytest.raises(DataError, match="missing x_train, y_train, x_test, y_test"):
        load_dataset(DataSpec(path=str(wrong)))


def test_train_size_beyond_the_data_is_a_clear_error(mnist: str) -> None:
    with pytest.raises(DataError, match="exceeds the 60000"):
        load_dataset(DataSpec(path=mnist, train_size=70000))


def test_users_own_data_function(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "my_data.py").write_text(
        textwrap.dedent(
            """
            import numpy as np

            def blobs():
                rng = np.random.default_rng(0)
                x = rng.normal(size=(300, 8, 8, 1)).astype("float32")
                y = (x.mean(axis=(1, 2, 3)) > 0).astype("int64")
                return x[:200], y[:200], x[200:], y[200:]

            def broken():
                return np.zeros(3), np.zeros(3)
            """
        )
    )
    monkeypatch.chdir(tmp_path)
    data = load_dataset(DataSpec(data_fn="my_data:blobs", train_size=150))
    assert data.x_train.shape == (150, 8, 8, 1) and data.num_classes == 2
    assert data.y_train.dtype == np.int32
    with pytest.raises(DataError, match=r"must return \(x_train, y_train, x_val, y_val\)"):
        load_dataset(DataSpec(data_fn="my_data:broken"))
