"""Hostile text through the whole pipeline: the Big List of Naughty Strings as company names
and service designations reaches both workbooks as the same text and both reports escaped."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from conftest import BLNS, BLNS_PATH, base_tables, write_sqlite

from reportkit.excel import clean_text, read_sheet
from reportkit.runner import run

pytestmark = pytest.mark.e2e


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.bad: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.bad.append(f"{tag} {name}")
            local = value and (value.startswith("data:image/png;base64,") or value.startswith("#"))
            if name in ("href", "src") and value and not local:
                self.bad.append(f"{tag} {name}={value[:40]}")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    if not BLNS:
        pytest.skip(f"{BLNS_PATH} is not available")
    base = tmp_path_factory.mktemp("hostile")
    names = [s for s in BLNS if s.strip()]
    dossiers = [
        {"dossier_id": f"D{i:04d}", "company_name": s, "payment_method": "transfer"}
        for i, s in enumerate(names)
    ]
    services = [
        # Sold below cost: every service is a deficit, so every name reaches the commentary.
        {
            "service_id": f"S{i:04d}",
            "dossier_id": f"D{i:04d}",
            "designation": s,
            "reference": s[:40],
            "purchase_ht": "10",
            "sale_ht": str(1 + i % 7),
        }
        for i, s in enumerate(names)
    ]
    runs = [{"run_id": "R-2026-11-FINAL", "period": "2026-11"}]
    invoices = [
        {
            "invoice_id": f"I{i}",
            "number": f"F{i:05d}",
            "dossier_id": f"D{i:04d}",
            "run_id": "R-2026-11-FINAL",
            "issued_on": "2026-12-01",
        }
        for i in range(len(names))
    ]
    tables = base_tables(
        dossiers=dossiers, services=services, billing_runs=runs, invoices=invoices, contacts=[]
    )
    db = write_sqlite(base / "hostile.sqlite", tables)
    params = base / "p.yaml"
    params.write_text(
        f"source: sqlite:///{db}\nrun_id: R-2026-11-FINAL\n"
        f"output_dir: {base / 'out'}\ntop_n: 500\n",
        encoding="utf-8",
    )
    run(params)
    return base / "out", names


def test_workbooks_keep_every_string(hostile_run):
    out, names = hostile_run
    expected = {f"D{i:04d}": clean_text(s) for i, s in enumerate(names)}
    d = read_sheet(
        out / "dossiers_R-2026-11-FINAL.xlsx",
        sheet="Dossiers",
        required=["N° dossier", "Raison sociale"],
    )
    got = dict(zip(d["N° dossier"], d["Raison sociale"], strict=True))
    assert {k: v or "" for k, v in got.items()} == expected
    r = read_sheet(
        out / "recurrent_2026-11.xlsx", sheet="Récurrent", required=["ID service", "Désignation"]
    )
    got = {
        s.replace("S", "D", 1): v or ""
        for s, v in zip(r["ID service"], r["Désignation"], strict=True)
    }
    assert got == expected


def test_workbooks_hold_no_formula_or_link(hostile_run):
    import openpyxl

    out, _ = hostile_run
    for name in ("dossiers_R-2026-11-FINAL.xlsx", "recurrent_2026-11.xlsx"):
        wb = openpyxl.load_workbook(out / name)
        for ws in wb.worksheets:
            assert not ws._hyperlinks
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type in ("s", "n", "b"), (name, ws.title, c.coordinate, c.value)


def test_reports_escape_everything(hostile_run):
    out, _names = hostile_run
    for name in ("dossiers_R-2026-11-FINAL.html", "deficits_2026-11.html"):
        text = (out / name).read_text(encoding="utf-8")
        parser = _Tags()
        parser.feed(text)
        assert not parser.bad, parser.bad[:5]
        assert parser.tags <= {
            "html",
            "head",
            "meta",
            "title",
            "style",
            "body",
            "header",
            "main",
            "section",
            "div",
            "h1",
            "h2",
            "h3",
            "h4",
            "p",
            "ul",
            "li",
            "dl",
            "dt",
            "dd",
            "table",
            "caption",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "figure",
            "figcaption",
            "img",
            "span",
            "em",
            "strong",
            "code",
            "a",
            "br",
            "footer",
            "small",
            "hr",
            "ol",
            "blockquote",
            "pre",
        }, parser.tags
        assert "<script" not in text.lower()
    deficits = (out / "deficits_2026-11.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in deficits
