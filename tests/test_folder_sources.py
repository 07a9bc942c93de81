"""The demo database exported to CSV and to Parquet gives the same exports as SQLite."""

from __future__ import annotations

import csv
import sqlite3

import pandas as pd
import pytest

from reportkit import sources
from reportkit.contract import TABLES
from reportkit.demo import build_demo
from reportkit.dossiers import build_dossier_export
from reportkit.jobs import read_dossier_data
from reportkit.recurring import build_recurring_export


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("folders") / "demo.sqlite"
    build_demo(path, scale=(60, 300, 8000))
    return path


def _dump(db, folder, fmt):
    folder.mkdir()
    con = sqlite3.connect(db)
    for name in TABLES:
        cur = con.execute(f"SELECT * FROM {name}")
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
        if fmt == "csv":
            with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(cols)
                w.writerows(["" if v is None else v for v in r] for r in rows)
        else:
            pd.DataFrame(rows, columns=cols).to_parquet(folder / f"{name}.parquet")
    return str(folder)


def _exports(spec, run_id="R-2026-11-PREPROD"):
    with sources.open_source(spec) as src:
        sources.check_source(src)
        run = sources.resolve_run(src, run_id=run_id)
        data = read_dossier_data(src, run)
        calls = sources.call_totals(src, period=run.period)
    d = build_dossier_export(data)
    r = build_recurring_export(data.services, calls, data.dossiers, period=run.period)
    return d, r


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("run_id", ["R-2026-11-PREPROD", "R-2026-10-FINAL"])
def test_folder_matches_sqlite(demo_db, tmp_path, fmt, run_id):
    ref_d, ref_r = _exports(f"sqlite:///{demo_db}", run_id)
    got_d, got_r = _exports(_dump(demo_db, tmp_path / fmt, fmt), run_id)
    pd.testing.assert_frame_equal(got_d.table, ref_d.table, check_dtype=False)
    pd.testing.assert_frame_equal(got_d.summary, ref_d.summary, check_dtype=False)
    pd.testing.assert_frame_equal(got_d.controls, ref_d.controls, check_dtype=False)
    pd.testing.assert_frame_equal(got_r.table, ref_r.table, check_dtype=False)
    pd.testing.assert_frame_equal(got_r.controls, ref_r.controls, check_dtype=False)
