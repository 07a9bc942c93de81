"""The demo database: deterministic, shaped by the contract, and carrying every planted pitfall.

The pitfall tests ask the database, not the generator, and check both sides: the planted row
is there, and nothing else drawn by chance looks like it (so report tests can rely on the ids
of ``demo.PITFALLS`` being the only ones). They run on the named "demo" scale and on a small
custom scale, where the same stories are packed into fewer dossiers (``demo.pitfalls(n)``).
"""

from __future__ import annotations

import calendar
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from schwifty import BIC, IBAN

from reportkit import demo
from reportkit.contract import TABLES, Kind
from reportkit.errors import OutputError, ParamsError

SMALL = (60, 300, 8_000)
PREPROD = demo.PREPROD_RUN
NOV = ("2026-11-01 00:00:00", "2026-12-01 00:00:00")
ACTIVE_IN_NOV = "start_date <= '2026-11-30' AND (end_date IS NULL OR end_date >= '2026-11-01')"


@pytest.fixture(scope="module", params=["demo", SMALL], ids=["demo", "small"])
def built(request: pytest.FixtureRequest, tmp_path_factory) -> demo.DemoInfo:
    path = tmp_path_factory.mktemp("demo") / "nested" / "demo.sqlite"
    return demo.build_demo(path, scale=request.param)


@pytest.fixture(scope="module")
def ids(built: demo.DemoInfo) -> dict[str, tuple[str, ...]]:
    return demo.pitfalls(built.dossiers)


def one(ids: dict[str, tuple[str, ...]], name: str) -> str:
    (only,) = ids[name]
    return only


@pytest.fixture(scope="module")
def con(built: demo.DemoInfo):
    con = sqlite3.connect(built.path)
    yield con
    con.close()


def rows(con: sqlite3.Connection, sql: str, *args) -> list[tuple]:
    return con.execute(sql, args).fetchall()


def scalar(con: sqlite3.Connection, sql: str, *args):
    return rows(con, sql, *args)[0][0]


def column(con: sqlite3.Connection, sql: str, *args) -> set:
    return {r[0] for r in rows(con, sql, *args)}


def dump(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as c:
        return {
            name: c.execute(f"SELECT * FROM {name} ORDER BY {t.key}").fetchall()
            for name, t in TABLES.items()
        }


# --- Shape -------------------------------------------------------------------------------------


def test_info_describes_what_was_built(built: demo.DemoInfo, con: sqlite3.Connection) -> None:
    assert (built.dossiers, built.services, built.calls) in (demo.SCALES["demo"], SMALL)
    assert built.period == "2026-11"
    assert built.preprod_run == "R-2026-11-PREPROD"
    assert built.final_runs == tuple(f"R-2026-{m:02d}-FINAL" for m in range(5, 11))
    for table in ("dossiers", "services", "calls"):
        assert scalar(con, f"SELECT COUNT(*) FROM {table}") == getattr(built, table)


def test_pitfall_ids_are_fixed_from_300_dossiers_on() -> None:
    assert demo.pitfalls(300) == demo.pitfalls(50_000) == demo.PITFALLS
    small = demo.pitfalls(60)
    assert small.keys() == demo.PITFALLS.keys()
    dossiers = [k for keys in small.values() for k in keys if k.startswith("D")]
    assert max(int(d[1:]) for d in dossiers) <= 60


def test_tables_and_columns_are_the_contracts(con: sqlite3.Connection) -> None:
    for name, table in TABLES.items():
        info = rows(con, f"PRAGMA table_info({name})")
        assert [r[1] for r in info] == table.column_names
        assert [r[1] for r in info if r[5]] == [table.key]
        for _, col, sql_type, notnull, _, _ in info:
            kind = table.column(col).kind
            expected = {Kind.MONEY: "REAL", Kind.NUMBER: "INTEGER", Kind.FLAG: "INTEGER"}
            assert sql_type == ("INTEGER" if col == "call_id" else expected.get(kind, "TEXT"))
            assert bool(notnull) == (not table.column(col).nullable)


def test_keys_are_unique_and_present(con: sqlite3.Connection) -> None:
    for name, table in TABLES.items():
        total, distinct = rows(con, f"SELECT COUNT(*), COUNT(DISTINCT {table.key}) FROM {name}")[0]
        assert total == distinct > 0


def test_indexes_serve_the_reports(con: sqlite3.Connection) -> None:
    plan = rows(
        con,
        "EXPLAIN QUERY PLAN SELECT service_id, COUNT(*), SUM(purchase_ht), SUM(sale_ht) "
        "FROM calls WHERE started_at >= ? AND started_at < ? GROUP BY service_id",
        *NOV,
    )
    assert "COVERING INDEX" in str(plan)
    indexed = column(
        con, "SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    )
    assert indexed == {"calls", "invoices", "services", "contacts"}
    assert scalar(con, "SELECT COUNT(*) FROM sqlite_stat1") > 0  # ANALYZE ran


def test_fixed_calendar_of_runs(con: sqlite3.Connection) -> None:
    runs = rows(con, "SELECT run_id, period, kind FROM billing_runs ORDER BY created_at")
    assert runs == [
        *((f"R-2026-{m:02d}-FINAL", f"2026-{m:02d}", "final") for m in range(5, 10)),
        ("R-2026-10-PREPROD", "2026-10", "preprod"),
        ("R-2026-10-FINAL", "2026-10", "final"),
        ("R-2026-11-PREPROD", "2026-11", "preprod"),
    ]
    issued = rows(con, "SELECT run_id, MIN(issued_on), MAX(issued_on) FROM invoices GROUP BY 1")
    expected = {"R-2026-11-PREPROD": "2026-12-01", "R-2026-10-PREPROD": "2026-11-01"}
    for run, first, last in issued:
        assert first == last == expected.get(run, f"2026-{int(run[7:9]) + 1:02d}-01")


def test_text_stays_text(con: sqlite3.Connection) -> None:
    codes = column(con, "SELECT postal_code FROM dossiers")
    assert any(c.startswith("0") for c in codes)
    assert all(len(c) == 5 and c.isdigit() for c in codes)
    phones = column(con, "SELECT phone FROM dossiers UNION SELECT phone FROM contacts")
    assert all(p.startswith(("0", "+33 ", "+377 ")) for p in phones)
    assert any(len(p) == 10 for p in phones) and any(p.startswith("+33 ") for p in phones)
    types = rows(
        con,
        "SELECT DISTINCT typeof(postal_code), typeof(phone), typeof(dossier_id) FROM dossiers",
    )
    assert types == [("text", "text", "text")]
    assert column(con, "SELECT typeof(call_id) || typeof(duration_s) FROM calls") == {
        "integerinteger"
    }


def test_amounts_have_at_most_four_decimals_and_invoices_whole_cents(
    con: sqlite3.Connection,
) -> None:
    for name, table in TABLES.items():
        for col in (c.name for c in table.columns if c.kind is Kind.MONEY):
            values = column(con, f"SELECT DISTINCT {col} FROM {name} WHERE {col} IS NOT NULL")
            assert values, (name, col)
            places = -4 if name != "invoices" else -2
            assert all(Decimal(repr(v)).as_tuple().exponent >= places for v in values), (name, col)


def test_dates_and_timestamps_are_iso_text(con: sqlite3.Connection) -> None:
    timestamp = "'2026-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]'"
    assert scalar(con, f"SELECT COUNT(*) FROM calls WHERE started_at NOT GLOB {timestamp}") == 0
    not_dates = (
        "SELECT COUNT(*) FROM services WHERE date(start_date) IS NOT start_date "
        "OR date(end_date) IS NOT end_date"
    )
    assert scalar(con, not_dates) == 0
    first, last = rows(con, "SELECT MIN(started_at), MAX(started_at) FROM calls")[0]
    assert first.startswith("2026-09-22 ") and last == "2026-12-01 00:00:00"


# --- Determinism and atomic writing ------------------------------------------------------------


def test_same_seed_same_database_other_seed_other_database(tmp_path: Path) -> None:
    a = demo.build_demo(tmp_path / "a.sqlite", scale=SMALL, seed=7)
    b = demo.build_demo(tmp_path / "b.sqlite", scale=SMALL, seed=7)
    c = demo.build_demo(tmp_path / "c.sqlite", scale=SMALL, seed=8)
    assert (a.dossiers, a.services, a.calls) == SMALL
    first = dump(a.path)
    assert first == dump(b.path)
    other = dump(c.path)
    assert other["calls"] != first["calls"] and other["dossiers"] != first["dossiers"]
    # the planted rows do not depend on the seed
    with sqlite3.connect(c.path) as con:
        zero = column(con, "SELECT service_id FROM services WHERE purchase_ht = 0")
    assert zero == set(demo.pitfalls(SMALL[0])["zero_purchase"])


def test_the_build_leaves_only_the_database(built: demo.DemoInfo) -> None:
    assert [p.name for p in built.path.parent.iterdir()] == ["demo.sqlite"]


def test_a_failed_build_leaves_nothing_and_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "demo.sqlite"

    def stop(step: str, done: int, total: int) -> None:
        if step == "calls" and done < total:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        demo.build_demo(target, scale=(60, 300, 250_000), progress=stop)
    assert list(tmp_path.iterdir()) == []

    target.write_text("previous")
    with pytest.raises(KeyboardInterrupt):
        demo.build_demo(target, scale=(60, 300, 250_000), progress=stop)
    assert [p.name for p in tmp_path.iterdir()] == ["demo.sqlite"]
    assert target.read_text() == "previous"


def test_progress_and_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "demo.sqlite"
    seen: list[tuple[str, int, int]] = []
    demo.build_demo(target, scale=SMALL, progress=lambda *a: seen.append(a))
    assert seen[-1] == ("indexes", len(demo.INDEXES), len(demo.INDEXES))
    assert ("calls", SMALL[2], SMALL[2]) in seen
    with pytest.raises(OutputError, match="already exists"):
        demo.build_demo(target, scale=SMALL, overwrite=False)
    with pytest.raises(OutputError, match="directory"):
        demo.build_demo(tmp_path, scale=SMALL)
    with pytest.raises(OutputError, match="folder"):
        demo.build_demo(target / "below-a-file.sqlite", scale=SMALL)


@pytest.mark.parametrize(
    "scale", ["huge", (10, 20, 30), (60, 100, 8_000), (300, 700), ("a", 1, 2), 5]
)
def test_bad_scales_are_refused(tmp_path: Path, scale) -> None:
    with pytest.raises(ParamsError):
        demo.build_demo(tmp_path / "x.sqlite", scale=scale)
    assert list(tmp_path.iterdir()) == []


# --- Invoices ---------------------------------------------------------------------------------


def test_ttc_is_ht_plus_vat_but_for_the_planted_invoice(con: sqlite3.Connection, ids) -> None:
    docs = rows(con, "SELECT dossier_id, run_id, total_ht, total_vat, total_ttc FROM invoices")
    cents = lambda x: int((Decimal(repr(x)) * 100).to_integral_value())  # noqa: E731
    wrong = {(d, r) for d, r, ht, vat, ttc in docs if cents(ht) + cents(vat) != cents(ttc)}
    assert wrong == {(one(ids, "ttc_mismatch"), PREPROD)}
    ((ht, vat, ttc),) = rows(
        con,
        "SELECT total_ht, total_vat, total_ttc FROM invoices WHERE dossier_id = ? AND run_id = ?",
        one(ids, "ttc_mismatch"),
        PREPROD,
    )
    assert cents(ttc) - cents(ht) - cents(vat) == 3
    for _, _, ht, vat, _ in docs:  # 20 %, half-up to the cent
        assert abs(cents(vat)) == (abs(cents(ht)) * 20 + 50) // 100


def test_invoice_numbers_follow_issue_dates(con: sqlite3.Connection) -> None:
    for prefix, kind in (("F", "invoice"), ("A", "credit_note")):
        docs = rows(
            con,
            "SELECT number, issued_on, kind FROM invoices WHERE number LIKE ? ORDER BY number",
            f"{prefix}2026-%",
        )
        assert {d[2] for d in docs} == {kind}
        assert [d[1] for d in docs] == sorted(d[1] for d in docs)
    positive_notes = "SELECT COUNT(*) FROM invoices WHERE kind = 'credit_note' AND total_ttc >= 0"
    assert rows(con, positive_notes) == [(0,)]


def test_every_billable_dossier_has_its_invoice(con: sqlite3.Connection) -> None:
    # finals: every dossier with a service active in the period; preprod: the planted exceptions
    for run in demo.FINAL_RUNS:
        year, month = int(run[2:6]), int(run[7:9])
        first = f"{year}-{month:02d}-01"
        last = f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]}"
        billable = column(
            con,
            "SELECT dossier_id FROM services WHERE start_date <= ? AND (end_date IS NULL OR "
            "end_date >= ?)",
            last,
            first,
        )
        billed = column(
            con, "SELECT dossier_id FROM invoices WHERE run_id = ? AND kind = 'invoice'", run
        )
        assert billed == billable, run


# --- Pitfalls ---------------------------------------------------------------------------------


def margin_nov(con: sqlite3.Connection, service_id: str) -> Decimal:
    ((sale, purchase),) = rows(
        con,
        "SELECT sale_ht, COALESCE(purchase_ht, 0) FROM services WHERE service_id = ?",
        service_id,
    )
    calls = rows(
        con,
        "SELECT sale_ht, purchase_ht FROM calls WHERE service_id = ? AND started_at >= ? "
        "AND started_at < ?",
        service_id,
        *NOV,
    )
    d = lambda x: Decimal(repr(x))  # noqa: E731
    return d(sale) - d(purchase) + sum(d(s) - d(p) for s, p in calls)


def test_deficit_services(con: sqlite3.Connection, ids) -> None:
    below_cost = column(con, "SELECT service_id FROM services WHERE sale_ht < purchase_ht")
    assert below_cost == set(ids["deficit_subscription"])
    for service_id in ids["deficit_subscription"] + ids["deficit_consumption"]:
        assert margin_nov(con, service_id) < 0, service_id
    for service_id, destination in zip(
        ids["deficit_consumption"], ("International Maghreb", "Numéro spécial 08"), strict=True
    ):
        lossy = scalar(
            con,
            "SELECT COUNT(*) FROM calls WHERE service_id = ? AND destination = ? "
            "AND sale_ht < purchase_ht AND started_at >= ? AND started_at < ?",
            service_id,
            destination,
            *NOV,
        )
        assert lossy >= 100


def test_calls_on_unknown_services(con: sqlite3.Connection) -> None:
    unknown = (
        "SELECT service_id, COUNT(*) FROM calls WHERE service_id NOT IN "
        "(SELECT service_id FROM services) AND started_at >= ? AND started_at < ? GROUP BY 1"
    )
    assert rows(con, unknown, *NOV) == [("S-UNKNOWN-01", 25)]
    october = rows(con, unknown, "2026-10-01", "2026-11-01")
    assert october == [("S-UNKNOWN-01", 6), ("S-UNKNOWN-02", 8)]


def test_payment_details(con: sqlite3.Connection, ids) -> None:
    sepa = rows(
        con, "SELECT dossier_id, iban, bic FROM dossiers WHERE payment_method = ?", "sepa_debit"
    )
    assert len(sepa) > scalar(con, "SELECT COUNT(*) FROM dossiers") / 2
    problems: dict[str, set[str]] = {}
    for dossier_id, iban, bic in sepa:
        if iban is None:
            problems.setdefault("sepa_without_iban", set()).add(dossier_id)
            continue
        if bic is None:
            problems.setdefault("sepa_without_bic", set()).add(dossier_id)
            continue
        if " " in iban:
            problems.setdefault("iban_with_spaces", set()).add(dossier_id)
        try:
            parsed = IBAN(iban)
        except ValueError:
            problems.setdefault("invalid_iban", set()).add(dossier_id)
            continue
        if BIC(bic).country_code != parsed.country_code:
            problems.setdefault("bic_country_mismatch", set()).add(dossier_id)
    expected = ("sepa_without_iban", "sepa_without_bic", "iban_with_spaces", "invalid_iban")
    assert problems == {name: set(ids[name]) for name in (*expected, "bic_country_mismatch")}
    others = (
        "SELECT COUNT(*) FROM dossiers WHERE payment_method != 'sepa_debit' "
        "AND (iban IS NOT NULL OR bic IS NOT NULL)"
    )
    assert scalar(con, others) == 0


def test_primary_contacts(con: sqlite3.Connection, ids) -> None:
    counts = dict(
        rows(
            con,
            "SELECT d.dossier_id, COALESCE(SUM(c.is_primary), 0) FROM dossiers d "
            "LEFT JOIN contacts c USING (dossier_id) GROUP BY 1",
        )
    )
    assert {d for d, n in counts.items() if n == 0} == set(ids["no_primary_contact"])
    assert {d for d, n in counts.items() if n > 1} == set(ids["two_primary_contacts"])
    lonely = one(ids, "no_primary_contact")
    assert scalar(con, "SELECT COUNT(*) FROM contacts WHERE dossier_id = ?", lonely) == 2


def test_preprod_run_anomalies(con: sqlite3.Connection, ids) -> None:
    billed = column(con, "SELECT dossier_id FROM invoices WHERE run_id = ?", PREPROD)
    active = column(
        con,
        "SELECT d.dossier_id FROM dossiers d JOIN services s USING (dossier_id) "
        f"WHERE d.status = 'active' AND {ACTIVE_IN_NOV}",
    )
    assert active - billed == set(ids["missing_preprod_invoice"])
    terminated = column(con, "SELECT dossier_id FROM dossiers WHERE status = 'terminated'")
    assert terminated & billed == set(ids["terminated_billed"])
    left = one(ids, "terminated_billed")
    still_open = column(
        con, f"SELECT service_id FROM services WHERE dossier_id = ? AND {ACTIVE_IN_NOV}", left
    )
    assert still_open == {f"S{left[1:]}-01"}
    negative = column(
        con,
        "SELECT dossier_id FROM invoices WHERE run_id = ? AND kind = 'invoice' AND net_to_pay < 0",
        PREPROD,
    )
    assert negative == set(ids["negative_net_to_pay"])
    notes = rows(
        con,
        "SELECT dossier_id, total_ttc, net_to_pay FROM invoices WHERE run_id = ? "
        "AND kind = 'credit_note'",
        PREPROD,
    )
    assert notes == [(one(ids, "preprod_credit_note"), -24.0, -24.0)]


def test_negative_net_comes_from_the_october_credit_note(con: sqlite3.Connection, ids) -> None:
    dossier = one(ids, "negative_net_to_pay")
    ((credit,),) = rows(
        con,
        "SELECT total_ttc FROM invoices WHERE dossier_id = ? AND kind = 'credit_note' "
        "AND run_id = 'R-2026-10-FINAL'",
        dossier,
    )
    ((ttc, net),) = rows(
        con,
        "SELECT total_ttc, net_to_pay FROM invoices WHERE dossier_id = ? AND run_id = ?",
        dossier,
        PREPROD,
    )
    assert round(ttc + credit, 2) == net < 0


def last_two_ttc(con: sqlite3.Connection, dossier_id: str, run: str) -> list[float]:
    """TTC of the last two invoices a report of ``run`` considers, most recent first."""
    period = scalar(con, "SELECT period FROM billing_runs WHERE run_id = ?", run)
    found = rows(
        con,
        "SELECT i.total_ttc FROM invoices i JOIN billing_runs r USING (run_id) "
        "WHERE i.dossier_id = ? AND i.kind = 'invoice' "
        "AND ((r.kind = 'final' AND r.period <= ?) OR i.run_id = ?) "
        "ORDER BY i.issued_on DESC, i.number DESC LIMIT 2",
        dossier_id,
        period,
        run,
    )
    return [r[0] for r in found]


def test_invoice_jump(con: sqlite3.Connection, ids) -> None:
    last, previous = last_two_ttc(con, one(ids, "invoice_jump"), PREPROD)
    assert last > 1.3 * previous


def test_two_invoices_the_same_day(con: sqlite3.Connection, ids) -> None:
    pairs = rows(
        con,
        "SELECT dossier_id, run_id FROM invoices WHERE kind = 'invoice' "
        "GROUP BY dossier_id, run_id HAVING COUNT(*) > 1 ORDER BY 1",
    )
    october, november = ids["same_day_invoices"]
    assert pairs == [(october, "R-2026-10-FINAL"), (november, PREPROD)]
    for dossier_id, run in pairs:
        docs = rows(
            con,
            "SELECT number, invoice_id, rowid, total_ht FROM invoices WHERE "
            "dossier_id = ? AND run_id = ? ORDER BY number",
            dossier_id,
            run,
        )
        (first, *_, first_ht), (second, *_, second_ht) = docs
        assert first < second
        assert docs[1][1] < docs[0][1] and docs[1][2] < docs[0][2]  # only the number tells
        assert round(second_ht - first_ht, 2) == 5.0
    last, previous = last_two_ttc(con, november, PREPROD)
    assert last - previous == pytest.approx(6.0)  # 5 € HT + 20 %


def test_older_preprod_documents_differ_from_the_final_ones(con: sqlite3.Connection, ids) -> None:
    old = rows(
        con,
        "SELECT o.dossier_id, o.total_ttc, f.total_ttc FROM invoices o JOIN invoices "
        "f ON f.dossier_id = o.dossier_id AND f.run_id = 'R-2026-10-FINAL' "
        "WHERE o.run_id = 'R-2026-10-PREPROD'",
    )
    assert {r[0] for r in old} == set(ids["old_preprod_documents"])
    assert all(abs(o - f) > 0.1 * f for _, o, f in old)


def test_services_without_purchase_price(con: sqlite3.Connection, ids) -> None:
    zero = column(con, "SELECT service_id FROM services WHERE purchase_ht = 0")
    assert zero == set(ids["zero_purchase"])
    null = column(con, "SELECT service_id FROM services WHERE purchase_ht IS NULL")
    assert null == set(ids["null_purchase"])


def test_calls_outside_their_service_dates(con: sqlite3.Connection, ids) -> None:
    outside = (
        "SELECT c.service_id, COUNT(*) FROM calls c JOIN services s USING (service_id) "
        "WHERE c.started_at >= ? AND c.started_at < ? AND (c.started_at < s.start_date "
        "OR c.started_at >= date(s.end_date, '+1 day')) GROUP BY 1 ORDER BY 1"
    )
    after, before = one(ids, "calls_after_end"), one(ids, "calls_before_start")
    assert rows(con, outside, *NOV) == sorted([(after, 12), (before, 9)])
    assert rows(con, outside, "2000-01-01", "2100-01-01") == sorted([(after, 12), (before, 9)])


def test_date_boundaries(con: sqlite3.Connection, ids) -> None:
    dossier = one(ids, "date_boundaries")
    found = rows(
        con,
        "SELECT service_id, start_date, end_date FROM services WHERE dossier_id = ? ORDER BY 1",
        dossier,
    )
    line = f"S{dossier[1:]}"
    assert found[:8] == [
        (f"{line}-01", "2026-11-01", None),
        (f"{line}-02", "2026-11-30", None),
        (f"{line}-03", "2025-01-15", "2026-11-01"),
        (f"{line}-04", "2025-06-02", "2026-11-30"),
        (f"{line}-05", "2025-06-02", "2026-10-31"),
        (f"{line}-06", "2026-12-01", None),
        (f"{line}-07", "2024-03-01", None),
        (f"{line}-08", "2024-02-01", "2024-09-30"),
    ]
    edges = column(
        con,
        "SELECT started_at FROM calls WHERE service_id = ? AND "
        "(started_at LIKE '% 23:59:59' OR started_at LIKE '% 00:00:00')",
        f"{line}-07",
    )
    assert {
        "2026-09-30 23:59:59",
        "2026-10-01 00:00:00",
        "2026-10-31 23:59:59",
        "2026-11-01 00:00:00",
        "2026-11-30 23:59:59",
        "2026-12-01 00:00:00",
    } <= edges


def test_names_and_postal_codes(con: sqlite3.Connection, ids) -> None:
    names = dict(rows(con, "SELECT dossier_id, company_name FROM dossiers"))
    hyperlink, script = ids["hostile_name"]
    assert names[hyperlink] == '=HYPERLINK("http://x","clic")'
    assert names[script] == "<script>alert(1)</script>"
    assert names[one(ids, "formula_like_name")] == "@Home Services SAS"
    companies = [n for n in names.values() if n.endswith((" SARL", " SAS", " EURL"))]
    assert len(companies) > len(names) / 4
    assert any("é" in n or "è" in n for n in names.values())
    zero = one(ids, "leading_zero_postal_code")
    assert rows(con, "SELECT postal_code, city FROM dossiers WHERE dossier_id = ?", zero) == [
        ("01000", "Bourg-en-Bresse")
    ]


def test_statuses_and_reps(con: sqlite3.Connection, ids) -> None:
    statuses = dict(rows(con, "SELECT status, COUNT(*) FROM dossiers GROUP BY 1"))
    assert statuses["active"] > statuses["terminated"] > 0
    reps = column(con, "SELECT rep_id FROM sales_reps")
    assert reps == {f"REP{i:02d}" for i in range(1, 9)}
    assert column(con, "SELECT sales_rep_id FROM dossiers") <= reps | {None}
    # terminated dossiers (but the planted one) have nothing active after termination
    still_active = column(
        con,
        "SELECT d.dossier_id FROM dossiers d JOIN services s USING (dossier_id) "
        f"WHERE d.status = 'terminated' AND {ACTIVE_IN_NOV}",
    )
    assert still_active == set(ids["terminated_billed"])
