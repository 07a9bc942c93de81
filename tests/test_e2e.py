"""End to end: the CLI runs both notebooks with papermill on a small database."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import digest

from reportkit.cli import main
from reportkit.contract import DOSSIER_COLUMNS, RECURRING_COLUMNS, TRACKING_CODES
from reportkit.demo import build_demo

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    base = tmp_path_factory.mktemp("e2e")
    db = base / "demo.sqlite"
    build_demo(db, scale=(60, 300, 8000))
    return base, db


def params(base: Path, db: Path, name: str, **extra) -> Path:
    data = {"source": f"sqlite:///{db}", **extra}
    path = base / f"{name}.yaml"
    path.write_text(
        "\n".join(f"{k}: {json.dumps(str(v))}" for k, v in data.items()), encoding="utf-8"
    )
    return path


@pytest.fixture(scope="module")
def october(demo):
    base, db = demo
    out = base / "out-10"
    p = params(base, db, "oct", run_id="R-2026-10-FINAL", output_dir=out)
    assert main(["run", str(p), "--no-progress"]) == 0
    return out


@pytest.fixture(scope="module")
def november(demo, october):
    base, db = demo
    out = base / "out-11"
    p = params(
        base,
        db,
        "nov",
        run_id="R-2026-11-PREPROD",
        output_dir=out,
        previous_recurring=october / "recurrent_2026-10.xlsx",
    )
    assert main(["run", str(p), "--no-progress"]) == 0
    return out


def test_outputs_named_by_the_contract(october, november):
    assert {p.name for p in october.iterdir() if not p.name.startswith(".")} == {
        "dossiers_R-2026-10-FINAL.xlsx",
        "recurrent_2026-10.xlsx",
        "dossiers_R-2026-10-FINAL.html",
        "deficits_2026-10.html",
        "dossiers_R-2026-10-FINAL.ipynb",
        "recurrent_2026-10.ipynb",
    }
    assert (november / "dossiers_R-2026-11-PREPROD.xlsx").exists()


def test_dossier_workbook(november, demo):
    wb = openpyxl.load_workbook(november / "dossiers_R-2026-11-PREPROD.xlsx")
    assert wb.sheetnames[:3] == ["Dossiers", "Synthèse", "Contrôles"]
    ws = wb["Dossiers"]
    assert tuple(c.value for c in ws[1][:20]) == DOSSIER_COLUMNS
    assert ws.freeze_panes == "A2"
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    con = sqlite3.connect(demo[1])
    assert [r[9] for r in rows] == [
        r[0] for r in con.execute("SELECT dossier_id FROM dossiers ORDER BY 1")
    ]
    for r in ws.iter_rows(min_row=2):
        assert r[4].data_type == "s"  # postal code as text
        assert all(c.data_type != "f" for c in r)
    # The SEPA line equals the run's net to pay of direct-debit dossiers, computed here in SQL.
    expected = con.execute(
        "SELECT SUM(CAST(ROUND(i.net_to_pay * 100) AS INTEGER)) FROM invoices i JOIN dossiers d "
        "USING (dossier_id) WHERE i.run_id = 'R-2026-11-PREPROD' AND d.payment_method = 'sepa_debit'"
    ).fetchone()[0]
    summary = {r[0]: r for r in wb["Synthèse"].iter_rows(min_row=2, values_only=True)}
    header = [c.value for c in wb["Synthèse"][1]]
    assert round(summary["Prélèvement SEPA"][header.index("Net à payer du run")] * 100) == expected


def test_recurring_workbook(november, demo):
    wb = openpyxl.load_workbook(november / "recurrent_2026-11.xlsx")
    ws = wb["Récurrent"]
    header = [c.value for c in ws[1]]
    assert tuple(header[:16]) == RECURRING_COLUMNS
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    for r in rows:
        cents = [round(v * 100) for v in r[6:15]]
        assert cents[2] == cents[0] + cents[1] and cents[5] == cents[3] + cents[4]
        assert cents[8] == cents[5] - cents[2]
        assert r[15] in (*TRACKING_CODES, None)
    assert ws.cell(2, 7).number_format.endswith('"€"') or "€" in ws.cell(2, 7).number_format
    dv = [d for d in ws.data_validations.dataValidation if d.type == "list"]
    assert dv and all(code in dv[0].formula1 for code in TRACKING_CODES)
    # Consumption totals equal an independent SQL sum over the calls of known services.
    con = sqlite3.connect(demo[1])
    exact = con.execute(
        "SELECT service_id, SUM(CAST(ROUND(purchase_ht * 10000) AS INTEGER)) FROM calls "
        "WHERE started_at >= '2026-11-01' AND started_at < '2026-12-01' "
        "AND service_id IN (SELECT service_id FROM services) GROUP BY service_id"
    ).fetchall()
    expected = {s: (u + 50) // 100 for s, u in exact}
    got = {r[3]: round(r[7] * 100) for r in rows if r[7]}
    assert {k: v for k, v in expected.items() if v} == got


def test_html_reports_are_safe(november):
    for name in ("dossiers_R-2026-11-PREPROD.html", "deficits_2026-11.html"):
        text = (november / name).read_text(encoding="utf-8")
        assert "<script" not in text.lower()
        assert not re.search(r"(src|href)\s*=\s*[\"']?https?:", text)
        assert "sqlite:" not in text and "def " not in text and "import reportkit" not in text
        assert not re.search(r"\bFR\d{2}(?: ?\d{4}){5} ?\d{3}\b", text)


def test_executed_notebooks_hold_no_resolved_secret(demo, tmp_path, monkeypatch):
    _base, db = demo
    monkeypatch.setenv("RK_E2E_URL", f"sqlite:///{db}")
    p = tmp_path / "p.yaml"
    p.write_text(f"source: env:RK_E2E_URL\nrun_id: R-2026-10-FINAL\noutput_dir: {tmp_path / 'o'}\n")
    assert main(["run", str(p), "--no-progress"]) == 0
    for nb in (tmp_path / "o").glob("*.ipynb"):
        assert str(db) not in nb.read_text(encoding="utf-8")


def _truncated(october: Path, target: Path) -> None:
    target.write_bytes((october / "recurrent_2026-10.xlsx").read_bytes()[:3000])


def _csv(october: Path, target: Path) -> None:
    target.write_text("ID service,Code suivi\nS1,À analyser\n", encoding="utf-8")


def _other_workbook(october: Path, target: Path) -> None:
    target.write_bytes((october / "dossiers_R-2026-10-FINAL.xlsx").read_bytes())


def _no_headers(october: Path, target: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Récurrent"
    wb.active.append(["Service", "Code"])
    wb.save(target)


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (_truncated, "not a readable XLSX"),
        (_csv, "not a readable XLSX"),
        (_other_workbook, "no sheet 'Récurrent'"),
        (_no_headers, "lacks the column(s) 'ID service', 'Code suivi'"),
    ],
    ids=["truncated", "csv-renamed", "unrelated-workbook", "no-headers"],
)
def test_bad_previous_workbook_is_refused_and_nothing_changes(
    demo, october, tmp_path, capsys, make, needle
):
    """A failing run into October's folder leaves October's published outputs as they were."""
    base, db = demo
    published = october
    before = digest(published)
    broken = tmp_path / "previous.xlsx"
    make(october, broken)
    bad = params(
        base, db, "bad", run_id="R-2026-10-FINAL", output_dir=published, previous_recurring=broken
    )
    capsys.readouterr()
    assert main(["run", str(bad), "--no-progress"]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "previous.xlsx" in err and needle in err and "Traceback" not in err
    assert digest(published) == before
    assert not [p for p in published.iterdir() if p.name.startswith(".staging")]


def test_data_breaking_the_contract_is_refused_with_every_problem(tmp_path, capsys):
    from conftest import base_tables, write_sqlite

    tables = base_tables(
        dossiers=[{"dossier_id": "D1", "status": "closed"}, {"dossier_id": "D1"}],
        services=[{"service_id": "S1", "dossier_id": "D1", "sale_ht": "dix"}],
    )
    db = write_sqlite(tmp_path / "bad.sqlite", tables)
    p = params(tmp_path, db, "p", run_id="R-2026-11-FINAL", output_dir=tmp_path / "out")
    capsys.readouterr()
    assert main(["run", str(p)]) == 4
    err = capsys.readouterr().err.strip().splitlines()[-1]
    for part in (
        "dossiers.status: unknown value",
        "dossiers.dossier_id: duplicate key",
        "services.sale_ht: not a number (rows 'S1')",
    ):
        assert part in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("yaml", "code", "needle"),
    [
        ("source: x\nrun_id: R\nperiod: 2026-13\n", 2, "period"),
        ("source: x\n", 2, "run_id"),
        ("source: sqlite:///{tmp}/absent.sqlite\nrun_id: R\n", 3, "does not exist"),
        ("source: sqlite:///{db}\nrun_id: R-NOPE\n", 2, "R-NOPE"),
    ],
)
def test_cli_refuses_in_one_line(demo, tmp_path, yaml, code, needle):
    p = tmp_path / "p.yaml"
    p.write_text(yaml.format(tmp=tmp_path, db=demo[1]))
    proc = subprocess.run(
        [sys.executable, "-m", "reportkit.cli", "run", str(p)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == code
    lines = proc.stderr.strip().splitlines()
    assert needle in lines[-1] and "Traceback" not in proc.stderr
    assert not (tmp_path / "absent.sqlite").exists()


def test_plain_papermill(demo, tmp_path):
    base, db = demo
    p = params(base, db, "pm", run_id="R-2026-10-FINAL", output_dir=tmp_path)
    papermill = Path(sys.executable).parent / "papermill"
    proc = subprocess.run(
        [
            str(papermill),
            str(ROOT / "notebooks" / "recurrent.ipynb"),
            str(tmp_path / "out.ipynb"),
            "-f",
            str(p),
            "-k",
            "reportkit",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "recurrent_2026-10.xlsx").exists()


def test_notebooks_committed_without_outputs():
    for nb_path in (ROOT / "notebooks").glob("*.ipynb"):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), nb_path
        assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in code), nb_path


def test_analyst_edited_workbook_round_trip(demo, october, tmp_path):
    """Codes and comments typed by analysts (columns moved, hostile text) reach next month."""
    from reportkit.excel import read_sheet

    base, db = demo
    wb = openpyxl.load_workbook(october / "recurrent_2026-10.xlsx")
    ws = wb["Récurrent"]
    header = [c.value for c in ws[1]]
    sid_col, code_col = header.index("ID service") + 1, header.index("Code suivi") + 1
    comment_col = header.index("Commentaire") + 1
    edits = {}
    texts = ["=1+1", "NA", "0123", "NULL", "<b>gras</b>", "voir client"]
    for i, row in enumerate(range(2, 2 + len(texts))):
        sid = ws.cell(row, sid_col).value
        c = ws.cell(row, comment_col, texts[i])
        c.data_type = "s"  # openpyxl would store "=1+1" as a formula otherwise
        ws.cell(
            row, code_col, ["Déficit accepté", "à corriger", "Code maison", None, "", "Corrigé"][i]
        )
        edits[sid] = texts[i]
    ws.insert_cols(1)  # the analyst added a column in front: headers still find everything
    ws.cell(1, 1, "Note perso")
    edited = tmp_path / "recurrent_2026-10_edited.xlsx"
    wb.save(edited)

    out = tmp_path / "nov"
    p = params(
        base, db, "rt", run_id="R-2026-11-PREPROD", output_dir=out, previous_recurring=edited
    )
    assert main(["run", str(p), "--no-progress"]) == 0
    got = read_sheet(
        out / "recurrent_2026-11.xlsx",
        sheet="Récurrent",
        required=["ID service", "Code suivi", "Commentaire"],
    )
    by_id = got.set_index("ID service")
    for sid, text in edits.items():
        if sid in by_id.index:
            assert by_id.loc[sid, "Commentaire"] == text
    assert "Code maison" in set(got["Code suivi"].dropna())


def test_every_parameter_is_documented():
    """`papermill --help-notebook` lists each parameter with its type and help text."""
    import papermill as pm

    expected = {
        "source",
        "run_id",
        "period",
        "output_dir",
        "previous_recurring",
        "deficit_threshold",
        "variation_threshold",
        "top_n",
        "skip_checks",
    }
    for name in ("dossiers", "recurrent"):
        found = pm.inspect_notebook(str(ROOT / "notebooks" / f"{name}.ipynb"))
        assert set(found) == expected, name
        assert all(p["help"] and p["inferred_type_name"] != "None" for p in found.values()), name


def test_empty_source_gives_empty_exports(tmp_path):
    """A reseller's first month: a run but no dossier, service nor call yet."""
    from conftest import base_tables, write_sqlite

    tables = base_tables(
        dossiers=[], contacts=[], sales_reps=[], services=[], calls=[], invoices=[]
    )
    db = write_sqlite(tmp_path / "empty.sqlite", tables)
    p = params(tmp_path, db, "p", run_id="R-2026-11-FINAL", output_dir=tmp_path / "out")
    assert main(["run", str(p), "--no-progress"]) == 0
    wb = openpyxl.load_workbook(tmp_path / "out" / "recurrent_2026-11.xlsx")
    assert wb["Récurrent"].max_row == 1
    assert "Aucun service" in (tmp_path / "out" / "deficits_2026-11.html").read_text(
        encoding="utf-8"
    )
