"""The same exports on PostgreSQL and MariaDB as on SQLite, to the cent.

These tests need the servers named by REPORTKIT_TEST_POSTGRES_URL and
REPORTKIT_TEST_MARIADB_URL (``.ci/run`` exports both); they skip with a reason otherwise.
"""

from __future__ import annotations

import os
import uuid

import pandas as pd
import pytest
from conftest import base_tables, write_sqlite
from test_dossiers import RUNS, inv

from reportkit import sources
from reportkit.contract import TABLES, Kind
from reportkit.errors import ContractError
from reportkit.recurring import build_recurring_export

SERVERS = {
    "postgres": "REPORTKIT_TEST_POSTGRES_URL",
    "mariadb": "REPORTKIT_TEST_MARIADB_URL",
}

TYPES = {
    "postgres": {
        Kind.MONEY: "NUMERIC(14,4)",
        Kind.DATE: "DATE",
        Kind.TIMESTAMP: "TIMESTAMP",
        Kind.FLAG: "SMALLINT",
        Kind.NUMBER: "INTEGER",
    },
    "mariadb": {
        Kind.MONEY: "DECIMAL(14,4)",
        Kind.DATE: "DATE",
        Kind.TIMESTAMP: "DATETIME",
        Kind.FLAG: "SMALLINT",
        Kind.NUMBER: "INTEGER",
    },
}


def _server(kind: str):
    import sqlalchemy as sa

    url = os.environ.get(SERVERS[kind])
    if not url:
        pytest.skip(f"{SERVERS[kind]} is not set: no {kind} server to test against")
    engine = sa.create_engine(url)
    try:
        with engine.connect():
            pass
    except Exception as exc:
        pytest.skip(f"{kind} server at {SERVERS[kind]} is not reachable: {type(exc).__name__}")
    return url, engine


@pytest.fixture(params=["postgres", "mariadb"])
def server(request):
    """(kind, make) where make(tables, typed=True) loads tables into a fresh schema → URL."""
    import sqlalchemy as sa

    kind = request.param
    url, engine = _server(kind)
    created: list[str] = []

    def make(tables, *, typed: bool = True) -> str:
        name = f"rk_{uuid.uuid4().hex[:10]}"
        created.append(name)
        with engine.begin() as con:
            con.execute(sa.text(f"CREATE {'SCHEMA' if kind == 'postgres' else 'DATABASE'} {name}"))
        base = sa.engine.make_url(url)
        if kind == "postgres":
            target = base.update_query_dict({"options": f"-csearch_path={name}"})
        else:
            target = base.set(database=name)
        target_url = target.render_as_string(hide_password=False)
        eng = sa.create_engine(target_url)
        with eng.begin() as con:
            for tname, rows in tables.items():
                t = TABLES[tname]
                cols = []
                for c in t.columns:
                    typ = TYPES[kind].get(c.kind, "VARCHAR(255)") if typed else "VARCHAR(255)"
                    if c.name == t.key:
                        typ = "VARCHAR(64) PRIMARY KEY"
                    cols.append(f"{c.name} {typ}")
                con.execute(sa.text(f"CREATE TABLE {tname} ({', '.join(cols)})"))
                if rows:
                    names = t.column_names
                    con.execute(
                        sa.text(
                            f"INSERT INTO {tname} ({', '.join(names)}) VALUES "
                            f"({', '.join(':' + n for n in names)})"
                        ),
                        [{n: (None if r[n] is None else str(r[n])) for n in names} for r in rows],
                    )
        eng.dispose()
        return target_url

    yield kind, make
    with engine.begin() as con:
        for name in created:
            con.execute(
                sa.text(
                    f"DROP {'SCHEMA' if kind == 'postgres' else 'DATABASE'} {name}"
                    + (" CASCADE" if kind == "postgres" else "")
                )
            )
    engine.dispose()


def _tables():
    services = [
        {"service_id": "S1", "dossier_id": "D1", "purchase_ht": "0.125", "sale_ht": "10.005"},
        {
            "service_id": "S2",
            "dossier_id": "D1",
            "purchase_ht": "12",
            "sale_ht": "10",
            "start_date": "2026-11-30",
        },
        {
            "service_id": "S3",
            "dossier_id": "D1",
            "start_date": "2025-01-01",
            "end_date": "2026-10-31",
        },
    ]
    calls = [
        {
            "call_id": str(i),
            "service_id": s,
            "started_at": t,
            "purchase_ht": "0.005",
            "sale_ht": "0.0125",
        }
        for i, (s, t) in enumerate(
            [
                ("S1", "2026-11-01 00:00:00"),
                ("S1", "2026-11-30 23:59:59"),
                ("S1", "2026-11-15 10:00:00"),
                ("S3", "2026-11-02 10:00:00"),
                ("S9", "2026-11-03 10:00:00"),
                ("S1", "2026-12-01 00:00:00"),
            ]
        )
    ]
    invoices = [
        inv(1, "D1", "R-10", "2026-11-01", "150.00"),
        inv(2, "D1", "R-10", "2026-11-01", "120.00", number="F00000"),
        inv(3, "D1", "R-10", "2026-11-05", "-30.00", kind="credit_note"),
        inv(4, "D1", "R-11-PRE", "2026-12-01", "240.00"),
        inv(5, "D1", "R-10-PRE", "2026-12-01", "999.00"),
    ]
    return base_tables(billing_runs=RUNS, services=services, calls=calls, invoices=invoices)


def _exports(url: str):
    with sources.open_source(url) as src:
        sources.check_source(src)
        rec = build_recurring_export(
            sources.load_services(src),
            sources.call_totals(src, period="2026-11"),
            sources.load_dossiers(src),
            period="2026-11",
        )
        summary = sources.invoice_summary(src, run_id="R-11-PRE", period="2026-11")
    return rec.table, summary.sort_values("dossier_id").reset_index(drop=True), rec.controls


@pytest.mark.parametrize("typed", [True, False], ids=["typed", "text-columns"])
def test_server_matches_sqlite(server, tmp_path, typed):
    _kind, make = server
    tables = _tables()
    url = make(tables, typed=typed)
    ref = _exports(f"sqlite:///{write_sqlite(tmp_path / 'ref.sqlite', tables)}")
    got = _exports(url)
    pd.testing.assert_frame_equal(
        got[0].drop(columns=["Commentaire"]),
        ref[0].drop(columns=["Commentaire"]),
        check_dtype=False,
    )
    pd.testing.assert_frame_equal(got[1], ref[1], check_dtype=False)
    assert list(got[2]["ID service"]) == list(ref[2]["ID service"])


def test_server_reports_bad_values(server):
    _kind, make = server
    tables = _tables()
    tables["calls"][0]["sale_ht"] = "abc"
    tables["invoices"][0]["issued_on"] = "01/11/2026"
    url = make(tables, typed=False)
    with pytest.raises(ContractError) as err, sources.open_source(url) as src:
        sources.check_source(src)
    text = str(err.value)
    assert "calls.sale_ht: not a number" in text and "invoices.issued_on: not a date" in text
