"""Where MNIST comes from, in order, and what happens when it cannot be found."""

from __future__ import annotations

import re
import socket
import textwrap
from pathlib import Path

import numpy as np
import pytest

from autolr.config import DataSpec
from autolr.data import load_dataset
from autolr.errors import DataError
from tests.conftest import mnist_path


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


# -- any Keras-layout data, prepared and said (issues 16 and 18) -------------------------


def _npz(path: Path, x_train, y_train, x_test, y_test) -> str:
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return str(path)


def _images(rng: np.random.Generator, n: int, high: int = 256) -> np.ndarray:
    return rng.integers(0, high, size=(n, 12, 12), dtype=np.int64).astype(np.uint8)


def test_the_same_images_train_the_same_as_uint8_or_as_floats_in_0_1(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x, xv = _images(rng, 50), _images(rng, 10)
    y, yv = rng.integers(0, 3, 50), rng.integers(0, 3, 10)
    as_bytes = load_dataset(DataSpec(path=_npz(tmp_path / "u8.npz", x, y, xv, yv)))
    floats = (x / 255.0).astype("float32"), (xv / 255.0).astype("float32")
    as_floats = load_dataset(DataSpec(path=_npz(tmp_path / "f.npz", floats[0], y, floats[1], yv)))
    # Grey pixels get a channel axis; the reference CNN takes grey images either way.
    np.testing.assert_allclose(as_bytes.x_train[..., 0], as_floats.x_train, rtol=1e-6)
    assert as_bytes.x_train.shape == (50, 12, 12, 1) and as_bytes.x_train.max() <= 1.0
    assert "uint8 values scaled to [0, 1] (divided by 255)" in as_bytes.notes[0]
    assert "values in 0..1 used as they are (not scaled)" in as_floats.notes[0]


@pytest.mark.parametrize(
    ("x", "expected", "said"),
    [
        (np.full((20, 10, 10, 3), 200.0), 200.0 / 255, "float pixels in 0..200 scaled to [0, 1]"),
        (np.full((20, 10, 10), 16.0), 16.0, "values in 0..16 used as they are"),  # 0..16 digits
        (np.full((20, 7), 3.5), 3.5, "values in 0..3.5 used as they are"),  # features
        (np.full((20, 6), 41, dtype=np.int64), 41, "token ids 0..41 (for an Embedding)"),
    ],
)
def test_only_what_is_clearly_pixels_is_scaled(x, expected, said, tmp_path: Path) -> None:
    x = x.copy()
    x[0] = 0
    y = np.arange(20) % 2
    data = load_dataset(DataSpec(path=_npz(tmp_path / "d.npz", x, y, x[:5], y[:5])))
    assert data.x_train.flat[-1] == pytest.approx(expected)
    assert said in data.notes[0]
    assert data.x_train.dtype == (np.int32 if x.dtype.kind == "i" else np.float32)


def test_regression_targets_get_one_column_each(tmp_path: Path) -> None:
    x = np.random.default_rng(0).normal(size=(30, 4)).astype("float32")
    one = load_dataset(DataSpec(path=_npz(tmp_path / "a.npz", x, x[:, 0], x[:5], x[:5, 0]),
                                task="regression"))  # fmt: skip
    two = load_dataset(DataSpec(path=_npz(tmp_path / "b.npz", x, x[:, :2], x[:5], x[:5, :2]),
                                task="regression"))  # fmt: skip
    assert one.y_train.shape == (30, 1) and one.num_outputs == 1
    assert two.y_train.shape == (30, 2) and two.num_outputs == 2
    with pytest.raises(DataError, match=r"found 0\.\S+ \(float targets are --task regression\)"):
        load_dataset(DataSpec(path=_npz(tmp_path / "c.npz", x, x[:, 0], x[:5], x[:5, 0])))


def test_labels_that_will_train_but_not_as_meant_are_warned_of(tmp_path: Path) -> None:
    x = np.zeros((40, 5), "float32")
    jumping = np.array([0, 1, 2, 999] * 10)
    data = load_dataset(DataSpec(path=_npz(tmp_path / "j.npz", x, jumping, x[:4], jumping[:4])))
    assert data.num_classes == 1000
    assert any("labels run 0..999, so the model gets 1000 classes, but only 4 distinct" in n
               for n in data.notes)  # fmt: skip
    y = np.arange(40) % 3
    unseen = load_dataset(
        DataSpec(path=_npz(tmp_path / "u.npz", x, y, x[:4], np.array([0, 1, 5, 7])))
    )
    assert any("2 class(es) occur only in y_test (5, 7): the model never trains on them" in n
               for n in unseen.notes)  # fmt: skip


@pytest.mark.parametrize(
    ("returned", "fragment"),
    [
        ("[[1, 2], [3]], [0, 1], [[1, 2]], [0]", "x_train arrays must be rectangular"),
        ("np.zeros((4, 3), complex), np.zeros(4), np.zeros((2, 3)), np.zeros(2)",
         "x_train holds complex numbers"),
        ("np.array(['a', 'b']), np.zeros(2), np.array(['c']), np.zeros(1)",
         "x_train must hold numbers"),
    ],
)  # fmt: skip
def test_data_a_function_returns_that_cannot_be_numbers_is_one_line(
    returned: str, fragment: str, tmp_path: Path, monkeypatch
) -> None:
    module = f"odd_data_{abs(hash(returned))}"  # a module of its own per case
    (tmp_path / f"{module}.py").write_text(
        f"import numpy as np\ndef load():\n    return {returned}\n"
        "def leaves():\n    import sys\n    sys.exit(3)\n"
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match=re.escape(fragment)):
        load_dataset(DataSpec(data_fn=f"{module}:load"))
    with pytest.raises(DataError, match=r"called sys.exit\(3\) instead of returning"):
        load_dataset(DataSpec(data_fn=f"{module}:leaves"))


def test_a_folder_or_an_empty_data_path_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="--data names a folder"):
        load_dataset(DataSpec(path=str(tmp_path)))
    with pytest.raises(DataError, match="--data is empty"):
        load_dataset(DataSpec(path=""))


def test_the_main_job_needs_no_file_the_2018_setup_says_it_does(monkeypatch) -> None:
    """With no --data, no $AUTOLR_MNIST and no Keras cache (the autouse fixture), the
    laptop proxy's 10,000 images come from the copy shipped inside the package: exactly
    the first 10,000 of the full file."""
    shipped = load_dataset(DataSpec(train_size=10_000))
    assert shipped.x_train.shape == (10_000, 28, 28, 1) and shipped.num_classes == 10
    assert "shipped with autolr" in shipped.notes[0]
    full = load_dataset(DataSpec(path=mnist_path(), train_size=10_000))
    np.testing.assert_array_equal(shipped.x_train, full.x_train)
    np.testing.assert_array_equal(shipped.y_train, full.y_train)
    np.testing.assert_array_equal(shipped.x_val[:1000], full.x_val[:1000])
