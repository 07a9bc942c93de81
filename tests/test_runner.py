"""Failures half-way leave the previous outputs byte-identical, and say what failed in a line."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import digest
from filelock import FileLock

from reportkit.demo import build_demo
from reportkit.errors import LeakError, OutputError, RunError
from reportkit.runner import NOTEBOOK_DIR, run

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A small database and one successful run whose outputs must survive every failure."""
    base = tmp_path_factory.mktemp("runner")
    db = base / "demo.sqlite"
    build_demo(db, scale=(60, 300, 8000))
    out = base / "out"
    params = base / "p.yaml"
    params.write_text(f"source: sqlite:///{db}\nrun_id: R-2026-10-FINAL\noutput_dir: {out}\n")
    run(params)
    return params, out


def notebooks_with(tmp_path: Path, source: str) -> Path:
    """Copies of the notebooks where the dossier notebook ends with an extra cell."""
    folder = tmp_path / "nbs"
    folder.mkdir()
    shutil.copy(NOTEBOOK_DIR / "recurrent.ipynb", folder)
    nb = nbformat.read(NOTEBOOK_DIR / "dossiers.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(source))
    nbformat.write(nb, folder / "dossiers.ipynb")
    return folder


def assert_untouched(out: Path, before: dict[str, str]) -> None:
    assert digest(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith((".staging", ".probe"))]


@pytest.mark.parametrize(
    ("cell", "error", "words"),
    [
        ("raise ValueError('boom')", RunError, ["dossiers.ipynb", "ValueError: boom", "saved at"]),
        ("import os; os._exit(1)", RunError, ["dossiers.ipynb", "did not complete"]),
        ("import time; time.sleep(60)", RunError, ["dossiers.ipynb", "did not complete"]),
        (
            "from IPython.display import HTML; HTML('FR76 3000 6000 0112 3456 7890 189')",
            LeakError,
            ["IBAN"],
        ),
    ],
    ids=["failing-cell", "dead-kernel", "cell-timeout", "leak-gate"],
)
def test_failure_leaves_outputs_intact(published, tmp_path, cell, error, words):
    params, out = published
    before = digest(out)
    with pytest.raises(error) as err:
        run(params, notebook_dir=notebooks_with(tmp_path, cell), cell_timeout=8)
    message = str(err.value)
    assert "\n" not in message
    for w in words:
        assert w in message
    assert "3456 7890" not in message
    assert_untouched(out, before)


def test_failed_cell_notebook_is_saved(published, tmp_path):
    params, _ = published
    with pytest.raises(RunError) as err:
        run(params, notebook_dir=notebooks_with(tmp_path, "1/0"), parallel=False)
    assert err.value.notebook and Path(err.value.notebook).is_file()
    assert err.value.notebook.endswith(".failed.ipynb")


def test_concurrent_run_is_refused(published):
    params, out = published
    before = digest(out)
    with (
        FileLock(str(out / ".reportkit.lock")),
        pytest.raises(OutputError, match="another reportkit run"),
    ):
        run(params)
    assert_untouched(out, before)


def test_output_dir_that_cannot_be_written(published, tmp_path):
    params, _ = published
    blocker = tmp_path / "file"
    blocker.write_text("x")
    p = tmp_path / "p.yaml"
    p.write_text(
        params.read_text().replace("output_dir:", "#") + f"output_dir: {blocker / 'sub'}\n"
    )
    with pytest.raises(OutputError, match="cannot be written"):
        run(p)


def test_missing_notebook_dir(published, tmp_path):
    params, _ = published
    with pytest.raises(RunError, match="does not exist"):
        run(params, notebook_dir=tmp_path / "nowhere")
