"""Report files are written whole or not at all, and a damaged plotly.js is replaced:
`autolr report` run for real, into a real folder and onto a really full file system."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import matplotlib.image
import pytest
from plotly.offline import get_plotlyjs

from autolr.report.files import PLOTLY_JS
from tests.helpers import invoke
from tests.report.conftest import TPE_TRIALS, MadeStudy

SHIPPED = get_plotlyjs().encode("utf-8")


def _report(tmp_path: Path, out: Path):
    return invoke(
        "report",
        "--study",
        "made",
        "--storage",
        f"sqlite:///{tmp_path}/made.db",
        "--out",
        str(out),
        "--no-dashboard",
    )


@pytest.mark.parametrize(
    "damaged",
    [SHIPPED[:86_000], b"\0" * len(SHIPPED)],
    ids=["truncated", "same-size-but-different"],
)
def test_a_damaged_plotly_js_is_replaced_by_the_next_report(
    made_study: MadeStudy, tmp_path: Path, damaged: bytes
) -> None:
    made_study(TPE_TRIALS)
    out = tmp_path / "out"
    out.mkdir()
    (out / PLOTLY_JS).write_bytes(damaged)
    result = _report(tmp_path, out)
    assert result.exit_code == 0, result.output
    assert (out / PLOTLY_JS).read_bytes() == SHIPPED


@contextlib.contextmanager
def _small_file_system(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted on `folder` (needs root; the test is skipped without)."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)


def _grow(folder: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(folder)], check=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_full_disk_leaves_no_partial_file_and_the_next_report_is_whole(
    made_study: MadeStudy, tmp_path: Path
) -> None:
    made_study(TPE_TRIALS)
    with _small_file_system(tmp_path / "disk", "1m") as disk:
        out = disk / "report"
        failed = _report(tmp_path, out)
        assert failed.exit_code == 1, failed.output
        assert "No space left on device" in failed.stderr
        assert "Traceback" not in failed.output and "unexpected" not in failed.output
        # The 4.8 MB plotly.js did not fit: it is absent, not truncated; no temporary
        # file is left; what is there is whole.
        left = sorted(p.name for p in out.iterdir())
        assert PLOTLY_JS not in left and not [n for n in left if n.startswith(".")], left
        for png in out.glob("*.png"):
            matplotlib.image.imread(png)
        _grow(disk, "64m")  # space is freed
        again = _report(tmp_path, out)
        assert again.exit_code == 0, again.output
        assert (out / PLOTLY_JS).read_bytes() == SHIPPED
        assert not [p for p in out.iterdir() if p.name.startswith(".")]
