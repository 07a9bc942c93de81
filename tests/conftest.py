"""Small billing sources built row by row, in SQLite, a CSV folder, PostgreSQL or MariaDB."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reportkit.contract import TABLES  # noqa: E402

# The Big List of Naughty Strings (MIT, tests/data/blns.LICENSE), a copy of ../shared/testdata.
BLNS_PATH = Path(__file__).resolve().parent / "data" / "blns.json"
BLNS: list[str] = json.loads(BLNS_PATH.read_text(encoding="utf-8"))

DEFAULTS: dict[str, dict[str, object]] = {
    "sales_reps": {"name": "Claire Martin", "email": "claire@reseller.test"},
    "dossiers": {
        "company_name": "ACME SARL",
        "status": "active",
        "sales_rep_id": "REP01",
        "address": "1 rue de la Paix",
        "postal_code": "01000",
        "city": "Bourg-en-Bresse",
        "country": "FR",
        "phone": "0474000000",
        "email": "contact@acme.test",
        "payment_method": "transfer",
        "iban": None,
        "bic": None,
    },
    "contacts": {
        "first_name": "Jean",
        "last_name": "Dupont",
        "email": "jd@acme.test",
        "phone": "0600000000",
        "is_primary": 1,
    },
    "billing_runs": {"kind": "final", "created_at": "2026-11-01 08:00:00"},
    "invoices": {
        "kind": "invoice",
        "total_ht": "100.00",
        "total_vat": "20.00",
        "total_ttc": "120.00",
        "net_to_pay": "120.00",
    },
    "services": {
        "reference": "VOIP-LINE",
        "designation": "Ligne SIP",
        "purchase_ht": "5.00",
        "sale_ht": "10.00",
        "start_date": "2026-01-01",
        "end_date": None,
    },
    "calls": {
        "duration_s": 60,
        "destination": "Fixe France",
        "purchase_ht": "0.01",
        "sale_ht": "0.02",
    },
}

MONEY_TYPE = "REAL"


def complete(table: str, rows: list[dict]) -> list[dict]:
    cols = TABLES[table].column_names
    out = []
    for i, row in enumerate(rows):
        full = {**DEFAULTS[table], **row}
        full.setdefault(TABLES[table].key, f"{table[:3].upper()}{i:04d}")
        out.append({c: full.get(c) for c in cols})
    return out


def base_tables(**tables: list[dict]) -> dict[str, list[dict]]:
    """The given rows completed with defaults; tables not given get a minimal content."""
    given = {
        "sales_reps": [{"rep_id": "REP01"}],
        "dossiers": [{"dossier_id": "D1"}],
        "contacts": [{"contact_id": "C1", "dossier_id": "D1"}],
        "billing_runs": [{"run_id": "R-2026-11-FINAL", "period": "2026-11"}],
        "invoices": [],
        "services": [],
        "calls": [],
    }
    given.update(tables)
    return {name: complete(name, rows) for name, rows in given.items()}


def write_sqlite(
    path: Path, tables: dict[str, list[dict]], *, money_type: str = MONEY_TYPE
) -> Path:
    con = sqlite3.connect(path)
    for name, rows in tables.items():
        t = TABLES[name]
        cols = []
        for c in t.columns:
            typ = money_type if c.kind.value == "money" else "TEXT"
            cols.append(f"{c.name} {typ}")
        con.execute(f"CREATE TABLE {name} ({', '.join(cols)})")
        if rows:
            names = t.column_names
            con.executemany(
                f"INSERT INTO {name} VALUES ({', '.join('?' * len(names))})",
                [[r[c] for c in names] for r in rows],
            )
    con.commit()
    con.close()
    return path


def write_csv_folder(folder: Path, tables: dict[str, list[dict]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(TABLES[name].column_names)
            for r in rows:
                w.writerow(["" if r[c] is None else r[c] for c in TABLES[name].column_names])
    return folder


@pytest.fixture
def make_sqlite(tmp_path):
    counter = iter(range(1000))

    def make(**tables: list[dict]) -> str:
        path = tmp_path / f"billing{next(counter)}.sqlite"
        write_sqlite(path, base_tables(**tables))
        return f"sqlite:///{path}"

    return make


@pytest.fixture
def make_csv(tmp_path):
    counter = iter(range(1000))

    def make(**tables: list[dict]) -> str:
        return str(write_csv_folder(tmp_path / f"csv{next(counter)}", base_tables(**tables)))

    return make


@pytest.fixture(params=["sqlite", "csv"])
def make_source(request, make_sqlite, make_csv):
    """Each test runs on SQLite and on a CSV folder (DuckDB): the same SQL must give the same."""
    return make_sqlite if request.param == "sqlite" else make_csv


def server_url(var: str) -> str | None:
    return os.environ.get(var) or None


def digest(folder: Path) -> dict[str, str]:
    """Hash of each published output (not hidden files, not notebooks saved by a failure)."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".failed.ipynb")
    }
