"""Invariants of the exports, checked on generated data (hypothesis)."""

from __future__ import annotations

import tempfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
from conftest import base_tables, write_sqlite
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportkit import sources
from reportkit.recurring import build_recurring_export


def half_up(units: int) -> int:
    return int((Decimal(units) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


amount = st.integers(min_value=-(10**7), max_value=10**8) | st.sampled_from([50, 150, 1250, -50, 0])
dates = st.sampled_from(["2025-01-01", "2026-11-01", "2026-11-15", "2026-11-30", "2026-12-01"])
end_dates = st.sampled_from([None, "2026-10-31", "2026-11-01", "2026-11-30", "2027-01-01"])


@st.composite
def month(draw):
    n = draw(st.integers(min_value=1, max_value=25))
    services = pd.DataFrame(
        {
            "service_id": [f"S{i:03d}" for i in range(n)],
            "dossier_id": [f"D{draw(st.integers(0, 5))}" for _ in range(n)],
            "reference": [draw(st.sampled_from(["A", "B", None])) for _ in range(n)],
            "designation": ["x"] * n,
            "purchase_units": [draw(amount) for _ in range(n)],
            "sale_units": [draw(amount) for _ in range(n)],
            "purchase_missing": [False] * n,
            "start_date": [draw(dates) for _ in range(n)],
            "end_date": [draw(end_dates) for _ in range(n)],
        }
    )
    ids = sorted(draw(st.sets(st.sampled_from([*services["service_id"], "S-UNKNOWN"]))))
    calls = pd.DataFrame(
        {
            "service_id": ids,
            "calls": [draw(st.integers(1, 50)) for _ in ids],
            "purchase_units": [draw(amount) for _ in ids],
            "sale_units": [draw(amount) for _ in ids],
            "first_call": ["2026-11-01"] * len(ids),
            "last_call": ["2026-11-30"] * len(ids),
        }
    )
    dossiers = pd.DataFrame(
        {
            "dossier_id": [f"D{i}" for i in range(6)],
            "company_name": [f"C{i}" for i in range(6)],
            "sales_rep_name": ["Ana", "Bob", None, "Ana", "Bob", None],
        }
    )
    seed = draw(st.integers(0, 10**6))
    return services, calls, dossiers, seed


def _active(row) -> bool:
    ended = isinstance(row.end_date, str) and row.end_date < "2026-11-01"
    return row.start_date <= "2026-11-30" and not ended


@settings(max_examples=150, deadline=None)
@given(month())
def test_recurring_totals_match_the_source(data):
    services, calls, dossiers, _ = data
    t = build_recurring_export(services, calls, dossiers, period="2026-11").table
    assert (t["Achat total HT"] == t["Achat service HT"] + t["Achat consommations HT"]).all()
    assert (t["Vente total HT"] == t["Vente service HT"] + t["Vente consommations HT"]).all()
    assert (t["Marge totale"] == t["Vente total HT"] - t["Achat total HT"]).all()
    assert (t["Marge totale"] == t["Marge service"] + t["Marge consommations"]).all()
    # Independently: active subscriptions and known services' calls, each rounded once.
    active = [r for r in services.itertuples() if _active(r)]
    assert t["Vente service HT"].sum() == sum(half_up(r.sale_units) for r in active)
    assert t["Achat service HT"].sum() == sum(half_up(r.purchase_units) for r in active)
    known = calls[calls["service_id"].isin(services["service_id"])]
    assert t["Achat consommations HT"].sum() == sum(half_up(u) for u in known["purchase_units"])
    assert t["Vente consommations HT"].sum() == sum(half_up(u) for u in known["sale_units"])
    expected_rows = {r.service_id for r in active} | set(known["service_id"])
    assert set(t["ID service"]) == expected_rows


@settings(max_examples=60, deadline=None)
@given(month())
def test_recurring_does_not_depend_on_row_order(data):
    services, calls, dossiers, seed = data
    a = build_recurring_export(services, calls, dossiers, period="2026-11")
    b = build_recurring_export(
        services.sample(frac=1, random_state=seed),
        calls.sample(frac=1, random_state=seed + 1),
        dossiers.sample(frac=1, random_state=seed + 2),
        period="2026-11",
    )
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.summary, b.summary)


money = st.decimals(min_value=-1000, max_value=10000, places=2)


@st.composite
def invoices(draw):
    n = draw(st.integers(0, 20))
    rows = []
    for i in range(n):
        ttc = draw(money)
        rows.append(
            {
                "invoice_id": f"I{i}",
                "number": f"F{draw(st.integers(0, 30)):03d}-{i}",
                "dossier_id": draw(st.sampled_from(["D1", "D2", "D3"])),
                "run_id": draw(st.sampled_from(["R-10", "R-11-PRE", "R-10-PRE", "R-12"])),
                "kind": draw(st.sampled_from(["invoice", "invoice", "credit_note"])),
                "issued_on": draw(st.sampled_from(["2026-10-01", "2026-11-01", "2026-12-01"])),
                "total_ht": str(ttc),
                "total_vat": "0",
                "total_ttc": str(ttc),
                "net_to_pay": str(ttc),
            }
        )
    return rows


RUNS = [
    {"run_id": "R-10", "period": "2026-10", "kind": "final"},
    {"run_id": "R-10-PRE", "period": "2026-10", "kind": "preprod"},
    {"run_id": "R-11-PRE", "period": "2026-11", "kind": "preprod"},
    {"run_id": "R-12", "period": "2026-12", "kind": "final"},
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices())
def test_invoice_summary_matches_a_direct_computation(rows):
    dossiers = [{"dossier_id": d} for d in ("D1", "D2", "D3")]
    with tempfile.TemporaryDirectory() as tmp:
        db = write_sqlite(
            Path(tmp) / "x.sqlite", base_tables(billing_runs=RUNS, dossiers=dossiers, invoices=rows)
        )
        with sources.open_source(f"sqlite:///{db}") as src:
            got = sources.invoice_summary(src, run_id="R-11-PRE", period="2026-11").set_index(
                "dossier_id"
            )
    docs = [r for r in rows if r["run_id"] in ("R-10", "R-11-PRE")]
    for d in ("D1", "D2", "D3"):
        mine = [r for r in docs if r["dossier_id"] == d]
        if not mine:
            assert d not in got.index
            continue
        inv = sorted(
            (r for r in mine if r["kind"] == "invoice"),
            key=lambda r: (r["issued_on"], r["number"]),
            reverse=True,
        )
        assert got.loc[d, "invoices"] == len(inv)
        assert got.loc[d, "ttc_units"] == sum(int(Decimal(r["total_ttc"]) * 10000) for r in mine)
        last = got.loc[d, "last_ttc_units"]
        prev = got.loc[d, "prev_ttc_units"]
        assert pd.isna(last) if not inv else last == int(Decimal(inv[0]["total_ttc"]) * 10000)
        assert pd.isna(prev) if len(inv) < 2 else prev == int(Decimal(inv[1]["total_ttc"]) * 10000)
