from __future__ import annotations

import sqlite3

import pytest

from reportkit import sources
from reportkit.errors import ContractError, SourceError


def check(url: str) -> None:
    with sources.open_source(url) as src:
        sources.check_source(src)


def problems(url: str) -> list[str]:
    with pytest.raises(ContractError) as err:
        check(url)
    return [str(p) for p in err.value.problems]


def test_valid_source_passes(make_source):
    check(make_source(services=[{"service_id": "S1", "dossier_id": "D1"}]))


def test_missing_sqlite_file_is_an_error_and_not_created(tmp_path):
    path = tmp_path / "nope.sqlite"
    with pytest.raises(SourceError, match="does not exist"):
        sources.open_source(f"sqlite:///{path}")
    assert not path.exists()


def test_missing_folder_and_unset_env(tmp_path, monkeypatch):
    with pytest.raises(SourceError, match="neither a database URL nor an existing folder"):
        sources.open_source(str(tmp_path / "absent"))
    monkeypatch.delenv("RK_NOPE", raising=False)
    with pytest.raises(SourceError, match="RK_NOPE is not set"):
        sources.open_source("env:RK_NOPE")


def test_env_source_is_resolved(make_sqlite, monkeypatch):
    monkeypatch.setenv("RK_DB", make_sqlite())
    with sources.open_source("env:RK_DB") as src:
        sources.check_source(src)


def test_missing_table_and_column_are_named(make_sqlite, tmp_path):
    url = make_sqlite()
    path = url.removeprefix("sqlite:///")
    con = sqlite3.connect(path)
    con.execute("DROP TABLE calls")
    con.execute("ALTER TABLE services DROP COLUMN sale_ht")
    con.commit()
    con.close()
    found = problems(url)
    assert "calls: table is missing" in found
    assert "services.sale_ht: column is missing" in found


def test_every_bad_value_is_reported_at_once(make_source):
    url = make_source(
        dossiers=[
            {"dossier_id": "D1", "status": "closed"},
            {"dossier_id": "D2", "payment_method": "cash"},
        ],
        invoices=[
            {
                "invoice_id": "I1",
                "number": "F1",
                "dossier_id": "D1",
                "run_id": "R-2026-11-FINAL",
                "issued_on": "2026-02-30",
                "total_ttc": "12,50",
            },
            {
                "invoice_id": "I1",
                "number": "F2",
                "dossier_id": "D1",
                "run_id": "R-2026-11-FINAL",
                "issued_on": "2026-11-30",
                "kind": "avoir",
            },
        ],
        calls=[{"call_id": "1", "service_id": "S1", "started_at": "yesterday", "sale_ht": "abc"}],
    )
    found = " | ".join(problems(url))
    assert "dossiers.status: unknown value" in found and "'D1'" in found
    assert "dossiers.payment_method: unknown value" in found and "'D2'" in found
    assert "invoices.issued_on: not a date" in found
    assert "invoices.total_ttc: not a number" in found
    assert "invoices.kind: unknown value" in found
    assert "invoices.invoice_id: duplicate key (rows 'I1')" in found
    assert "calls.started_at: not a timestamp" in found
    assert "calls.sale_ht: not a number" in found


def test_contract_error_is_one_line(make_source):
    url = make_source(dossiers=[{"dossier_id": "D1", "status": "x\ny"}])
    with pytest.raises(ContractError) as err:
        check(url)
    assert "\n" not in str(err.value)


def test_amounts_become_exact_units(make_source):
    url = make_source(
        services=[
            {"service_id": "S1", "dossier_id": "D1", "purchase_ht": "0.1", "sale_ht": "1.0005"}
        ],
        calls=[
            {
                "call_id": str(i),
                "service_id": "S1",
                "started_at": "2026-11-15 10:00:00",
                "purchase_ht": "0.005",
                "sale_ht": "0.0001",
            }
            for i in range(3)
        ],
    )
    with sources.open_source(url) as src:
        svc = sources.load_services(src)
        calls = sources.call_totals(src, period="2026-11")
    assert svc.loc[0, "purchase_units"] == 1000 and svc.loc[0, "sale_units"] == 10005
    assert calls.loc[0, "purchase_units"] == 150 and calls.loc[0, "sale_units"] == 3


def test_call_period_edges(make_source):
    times = [
        "2026-10-31 23:59:59",
        "2026-11-01 00:00:00",
        "2026-11-30 23:59:59",
        "2026-12-01 00:00:00",
    ]
    url = make_source(
        services=[{"service_id": "S1", "dossier_id": "D1"}],
        calls=[
            {"call_id": str(i), "service_id": "S1", "started_at": t} for i, t in enumerate(times)
        ],
    )
    with sources.open_source(url) as src:
        calls = sources.call_totals(src, period="2026-11")
    assert int(calls.loc[0, "calls"]) == 2
    assert calls.loc[0, "first_call"] == "2026-11-01" and calls.loc[0, "last_call"] == "2026-11-30"


def test_text_identifiers_keep_leading_zeros(make_source):
    url = make_source(
        dossiers=[
            {
                "dossier_id": "D1",
                "postal_code": "01000",
                "phone": "0474000000",
                "company_name": "NA",
            }
        ]
    )
    with sources.open_source(url) as src:
        d = sources.load_dossiers(src)
    assert d.loc[0, "postal_code"] == "01000"
    assert d.loc[0, "phone"] == "0474000000"
    assert d.loc[0, "company_name"] == "NA"


def test_password_never_in_messages():
    with pytest.raises(SourceError) as err:
        sources.open_source("postgresql+psycopg://bob:s3cretpw@127.0.0.1:1/nodb")
    assert "s3cretpw" not in str(err.value)


def test_csv_saved_by_a_french_spreadsheet(make_csv):
    """Semicolons between columns and a byte-order mark, as Excel writes them in France."""
    from pathlib import Path

    folder = Path(make_csv(services=[{"service_id": "S1", "dossier_id": "D1", "sale_ht": "12.5"}]))
    for f in folder.glob("*.csv"):
        text = f.read_text(encoding="utf-8").replace(",", ";")
        f.write_text(text, encoding="utf-8-sig")
    with sources.open_source(str(folder)) as src:
        sources.check_source(src)
        svc = sources.load_services(src)
    assert svc.loc[0, "sale_units"] == 125000
