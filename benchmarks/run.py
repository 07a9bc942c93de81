"""`make bench`: reportkit's monthly run at reseller scale, against a naive baseline and a floor.

Usage: ``.venv/bin/python benchmarks/run.py`` (what ``make bench`` runs). It:

1. builds once, under ``benchmarks/data/`` (git-ignored), the demo databases of the three
   growth points: 1 M calls ``(5,000, 30,000, 1,000,000)``, ``medium`` (20k / 120k / 4 M) and
   ``large`` (50k / 300k / 10 M); an existing file is reused;
2. runs each measurement in its own child process (``run.py --child KIND ...``), so that one
   measurement's memory never inflates the next one's, while a thread of the child sums the RSS
   of the child and every process below it (the Jupyter kernels) every 0.1 s:

   * ``reportkit run`` on the large database, 2026-10 (R-2026-10-FINAL), then 2026-11
     (R-2026-11-PREPROD) reading October's recurring workbook back (``previous_recurring``);
   * ``reportkit run`` on the three databases, 2026-11 without a previous workbook: the
     growth in calls, and the medium one against the naive baseline; the medium and large
     ones again with the notebooks one after the other (the runner's default runs them side
     by side);
   * the naive baseline (pandas ``read_sql`` of every table, groupby, ``to_excel`` through
     openpyxl) on the medium database;
   * the XLSX floor: the two main sheets of the large 2026-11 run as sheet XML built with
     vectorised string operations, deflated alone, against reportkit's own writer;
   * the contract check and the opening of the source, alone, on the large database;

3. writes ``benchmarks/RESULTS.md`` (and the raw figures in ``benchmarks/data/results.json``).

Timings are wall-clock seconds on a shared machine: expect a few percent of noise.
No test depends on them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import subprocess
import sys
import threading
import time
import zipfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
DATA = BENCH / "data"
RESULTS_MD = BENCH / "RESULTS.md"
RESULTS_JSON = DATA / "results.json"
GiB = 1024**3

# name → demo scale (dossiers, services, calls); the growth points, smallest first.
DATABASES: dict[str, tuple[int, int, int] | str] = {
    "calls-1m": (5_000, 30_000, 1_000_000),
    "medium": "medium",
    "large": "large",
}
CALLS = {"calls-1m": 1_000_000, "medium": 4_000_000, "large": 10_000_000}

# Targets of the issue "Performance at reseller scale".
TARGET_NAIVE_RATIO = 3.0  # reportkit run at least 3x faster than the naive script (medium)
TARGET_PEAK = 2 * GiB  # peak RSS of the process tree of a large run
TARGET_FLOOR_RATIO = 3.0  # each XLSX step within 3x of its floor (large)
TARGET_PREVIOUS_S = 5.0  # "a few seconds" to read last month's workbook back (large)
TARGET_LINEARITY = 1.5  # time per million calls of the call-bound stages, 10 M vs 1 M

PACKAGES = (
    "pandas",
    "numpy",
    "SQLAlchemy",
    "XlsxWriter",
    "openpyxl",
    "python-calamine",
    "papermill",
    "nbconvert",
    "ipykernel",
    "duckdb",
    "psutil",
)


def db_path(name: str) -> Path:
    return DATA / f"{name}.sqlite"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- Memory sampling --------------------------------------------------------------------------


class PeakRSS:
    """Sum of the RSS of this process and all its descendants, sampled every ``interval`` s.

    RSS counts the shared libraries once per process, so the sum over-states the memory a
    tree really takes by some tens of MB per kernel: a conservative figure for the target.
    """

    def __init__(self, interval: float = 0.1) -> None:
        import psutil

        self._psutil = psutil
        self.interval = interval
        self.peak = 0
        self.peak_processes = 0
        self.peak_single = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> None:
        psutil = self._psutil
        root = psutil.Process()
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            procs = [root]
        total, single = 0, 0
        for p in procs:
            try:
                rss = p.memory_info().rss
            except psutil.Error:  # a process that ended between the listing and the read
                continue
            total += rss
            single = max(single, rss)
        self.samples += 1
        if total > self.peak:
            self.peak, self.peak_processes = total, len(procs)
        self.peak_single = max(self.peak_single, single)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def as_dict(self) -> dict[str, float]:
        return {
            "peak_rss": self.peak,
            "peak_processes": self.peak_processes,
            "peak_single_rss": self.peak_single,
            "samples": self.samples,
        }


# --- Children: one measurement each -----------------------------------------------------------


def write_params(path: Path, **values: object) -> Path:
    lines = [f"{k}: {json.dumps(v)}" for k, v in values.items() if v is not None]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def child_build(name: str) -> dict:
    from reportkit.demo import build_demo

    start = time.perf_counter()
    build_demo(db_path(name), scale=DATABASES[name])
    return {"seconds": time.perf_counter() - start, "bytes": db_path(name).stat().st_size}


def child_run(
    db: str, run_id: str, period: str, out: str, previous: str | None, sequential: str | None = None
) -> dict:
    from reportkit.runner import run

    out_dir = DATA / "outputs" / out
    params = write_params(
        DATA / "params" / f"{out.replace('/', '-')}.yaml",
        source=f"sqlite:///{db_path(db)}",
        run_id=run_id,
        period=period,
        output_dir=str(out_dir),
        previous_recurring=str(DATA / "outputs" / previous) if previous else None,
    )
    with PeakRSS() as mem:
        start = time.perf_counter()
        # The runner's default runs both notebooks side by side; "sequential" one at a time.
        result = run(params, progress=log, **({"parallel": False} if sequential else {}))
        wall = time.perf_counter() - start
    return {
        "wall": wall,
        "timings": result.timings,
        **mem.as_dict(),
        "outputs": {p.name: p.stat().st_size for p in result.outputs},
    }


def child_naive(db: str, run_id: str, period: str, out: str) -> dict:
    """What an analyst writes by hand with pandas: every table read, then to_excel (openpyxl)."""
    import sqlite3

    import numpy as np
    import pandas as pd

    out_dir = DATA / "outputs" / out
    out_dir.mkdir(parents=True, exist_ok=True)
    stages: dict[str, float] = {}
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        con = sqlite3.connect(db_path(db))
        t = time.perf_counter()
        tables = {
            name: pd.read_sql(f"SELECT * FROM {name}", con)
            for name in (
                "sales_reps",
                "dossiers",
                "contacts",
                "billing_runs",
                "invoices",
                "services",
                "calls",
            )
        }
        con.close()
        stages["read_sql (every table)"] = time.perf_counter() - t

        t = time.perf_counter()
        first = f"{period}-01"
        nxt = (pd.Timestamp(first) + pd.offsets.MonthBegin(1)).strftime("%Y-%m-%d")
        last = (pd.Timestamp(nxt) - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        calls = tables["calls"]
        month = calls[(calls["started_at"] >= first) & (calls["started_at"] < nxt)]
        per_service = month.groupby("service_id").agg(
            achat_conso=("purchase_ht", "sum"), vente_conso=("sale_ht", "sum")
        )
        svc = tables["services"]
        active = (svc["start_date"] <= last) & (svc["end_date"].isna() | (svc["end_date"] >= first))
        svc = svc.assign(active=active)
        svc = svc[svc["active"] | svc["service_id"].isin(per_service.index)]
        svc = svc.join(per_service, on="service_id").fillna(
            {"achat_conso": 0.0, "vente_conso": 0.0}
        )
        dossiers = tables["dossiers"].merge(
            tables["sales_reps"][["rep_id", "name"]].rename(columns={"name": "rep"}),
            left_on="sales_rep_id",
            right_on="rep_id",
            how="left",
        )
        svc = svc.merge(dossiers[["dossier_id", "company_name", "rep"]], on="dossier_id")
        svc = svc.sort_values(["dossier_id", "service_id"])
        buy_svc = np.where(svc["active"], svc["purchase_ht"].fillna(0), 0).round(2)
        sell_svc = np.where(svc["active"], svc["sale_ht"].fillna(0), 0).round(2)
        buy_calls, sell_calls = svc["achat_conso"].round(2), svc["vente_conso"].round(2)
        recurrent = pd.DataFrame(
            {
                "N° dossier": svc["dossier_id"],
                "Raison sociale": svc["company_name"],
                "Commercial": svc["rep"],
                "ID service": svc["service_id"],
                "Référence": svc["reference"],
                "Désignation": svc["designation"],
                "Achat service HT": buy_svc,
                "Achat consommations HT": buy_calls,
                "Achat total HT": buy_svc + buy_calls,
                "Vente service HT": sell_svc,
                "Vente consommations HT": sell_calls,
                "Vente total HT": sell_svc + sell_calls,
                "Marge service": sell_svc - buy_svc,
                "Marge consommations": sell_calls - buy_calls,
                "Marge totale": (sell_svc + sell_calls) - (buy_svc + buy_calls),
            }
        )
        recurrent["Code suivi"] = np.where(recurrent["Marge totale"] < 0, "À analyser", "")
        stages["DataFrame work (recurrent)"] = time.perf_counter() - t

        t = time.perf_counter()
        runs = tables["billing_runs"]
        finals = runs[(runs["kind"] == "final") & (runs["period"] <= period)]["run_id"]
        inv = tables["invoices"]
        docs = inv[(inv["run_id"] == run_id) | inv["run_id"].isin(finals)]
        counts = docs[docs["kind"] == "invoice"].groupby("dossier_id").size()
        ttc = docs.groupby("dossier_id")["total_ttc"].sum()
        ranked = docs[docs["kind"] == "invoice"].sort_values(
            ["dossier_id", "issued_on", "number"], ascending=[True, False, False]
        )
        last_inv = ranked.groupby("dossier_id").nth(0).set_index("dossier_id")
        prev_inv = ranked.groupby("dossier_id").nth(1).set_index("dossier_id")
        contacts = tables["contacts"]
        primary = (
            contacts[contacts["is_primary"] == 1]
            .sort_values("contact_id")
            .drop_duplicates("dossier_id")
            .set_index("dossier_id")
        )
        all_svc = tables["services"]
        all_active = (all_svc["start_date"] <= last) & (
            all_svc["end_date"].isna() | (all_svc["end_date"] >= first)
        )
        recurring = all_svc[all_active].groupby("dossier_id")["sale_ht"].sum()
        d = tables["dossiers"].sort_values("dossier_id").set_index("dossier_id", drop=False)
        ids = d.index
        statut = {"active": "Actif", "suspended": "Suspendu", "terminated": "Résilié"}
        paiement = {
            "sepa_debit": "Prélèvement SEPA",
            "transfer": "Virement",
            "check": "Chèque",
            "card": "Carte bancaire",
        }

        def grouped(iban):
            if not isinstance(iban, str):
                return None
            s = iban.replace(" ", "").upper()
            return " ".join(s[i : i + 4] for i in range(0, len(s), 4))

        dossiers_sheet = pd.DataFrame(
            {
                "Raison sociale": d["company_name"],
                "Nom du contact": primary["last_name"].reindex(ids),
                "Prénom du contact": primary["first_name"].reindex(ids),
                "Adresse": d["address"],
                "Code postal": d["postal_code"],
                "Ville": d["city"],
                "Pays": d["country"],
                "Téléphone": d["phone"],
                "E-mail": d["email"],
                "N° dossier": d["dossier_id"],
                "Statut": d["status"].map(statut),
                "Récurrent HT": recurring.reindex(ids).fillna(0).round(2),
                "Nb factures": counts.reindex(ids).fillna(0).astype(int),
                "Total TTC factures": ttc.reindex(ids).fillna(0).round(2),
                "Avant-dernière facture TTC": prev_inv["total_ttc"].reindex(ids),
                "Dernière facture TTC": last_inv["total_ttc"].reindex(ids),
                "Net à payer": last_inv["net_to_pay"].reindex(ids),
                "Mode de paiement": d["payment_method"].map(paiement),
                "IBAN": d["iban"].map(grouped),
                "BIC": d["bic"],
            }
        )
        stages["DataFrame work (dossiers)"] = time.perf_counter() - t

        t = time.perf_counter()
        dossiers_sheet.to_excel(
            out_dir / f"dossiers_{run_id}.xlsx", sheet_name="Dossiers", index=False
        )
        stages["to_excel dossiers (openpyxl)"] = time.perf_counter() - t
        t = time.perf_counter()
        recurrent.to_excel(
            out_dir / f"recurrent_{period}.xlsx", sheet_name="Récurrent", index=False
        )
        stages["to_excel recurrent (openpyxl)"] = time.perf_counter() - t
        wall = time.perf_counter() - t0
    # Same rows as reportkit's own exports of the same run, when they are there (not timed).
    rk_rows = {}
    for key, name, sheet in (
        ("dossiers", f"dossiers_{run_id}.xlsx", "Dossiers"),
        ("recurrent", f"recurrent_{period}.xlsx", "Récurrent"),
    ):
        path = DATA / "outputs" / "medium" / f"{period}-plain" / name
        if path.exists():
            from python_calamine import CalamineWorkbook

            wb = CalamineWorkbook.from_path(str(path))
            rk_rows[key] = len(wb.get_sheet_by_name(sheet).to_python(skip_empty_area=True)) - 1
    return {
        "wall": wall,
        "stages": stages,
        "reportkit_rows": rk_rows,
        **mem.as_dict(),
        "rows": {"dossiers": len(dossiers_sheet), "recurrent": len(recurrent), "calls": len(calls)},
    }


# The floor's cells are built a whole column per C-level string operation: the column's
# values joined with a separator XML cannot hold ("\x00"), escaped and wrapped in their tags
# with str.replace on that one string, then split into the cells. Rows and cells carry no
# "r" attribute (optional in OOXML when nothing is skipped); an empty value is "<c/>".
_SEP = "\x00"


def _column_cells(texts: list[str], open_tag: str, close_tag: str, missing: str) -> list[str]:
    joined = _SEP.join(texts)
    whole = open_tag + joined.replace(_SEP, close_tag + _SEP + open_tag) + close_tag
    return whole.replace(open_tag + missing + close_tag, "<c/>").split(_SEP)


def _xml_text(series) -> list[str]:
    """Text cells as inline strings, escaped (&, <, >); None and "" give an empty cell."""
    texts = [v if isinstance(v, str) else "" for v in series.tolist()]
    joined = _SEP.join(texts)
    if "&" in joined or "<" in joined or ">" in joined:
        joined = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _column_cells(joined.split(_SEP), '<c t="inlineStr"><is><t>', "</t></is></c>", "")


def _xml_numbers(series, style: str) -> list[str]:
    """Number cells: the shortest repr that reads back to the same double; NaN is empty."""
    import numpy as np

    values = series.to_numpy(dtype=np.float64, na_value=np.nan).tolist()
    return _column_cells(list(map(repr, values)), f"<c{style}><v>", "</v></c>", "nan")


def floor_sheet(frame, money: set[str], integers: set[str]) -> tuple[bytes, float]:
    """The sheet XML of ``frame`` built a column at a time with vectorised string operations."""
    import pandas as pd

    start = time.perf_counter()
    n = len(frame)
    columns = []
    for header in frame.columns:
        series = frame[header]
        if header in money:
            columns.append(_xml_numbers(series, ' s="1"'))
        elif header in integers or pd.api.types.is_numeric_dtype(series.dtype):
            columns.append(_xml_numbers(series, ' s="2"'))
        else:
            columns.append(_xml_text(series))
    body = "".join(map("".join, zip(["<row>"] * n, *columns, ["</row>"] * n, strict=True)))
    header = "".join(f'<c s="3" t="inlineStr"><is><t>{h}</t></is></c>' for h in frame.columns)
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
        '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        f"<row>{header}</row>{body}</sheetData></worksheet>"
    ).encode()
    return xml, time.perf_counter() - start


def floor_deflate(xml: bytes) -> tuple[int, float]:
    from reportkit.excel import ZIP_LEVEL

    start = time.perf_counter()
    buffer = io.BytesIO()
    with zipfile.ZipFile(
        buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL
    ) as z:
        z.writestr("xl/worksheets/sheet1.xml", xml)
    return buffer.tell(), time.perf_counter() - start


def child_floor(db: str, run_id: str, period: str, previous: str) -> dict:
    """The two main sheets of a run, rebuilt in-process: reportkit's writer against the floor."""
    import tempfile

    from reportkit import jobs
    from reportkit.contract import DOSSIERS_SHEET, RECURRING_SHEET
    from reportkit.workbooks import (
        dossier_sheets,
        recurring_sheets,
        write_dossier_workbook,
        write_recurring_workbook,
    )

    job = jobs.prepare(
        source=f"sqlite:///{db_path(db)}",
        run_id=run_id,
        period=period,
        previous_recurring=str(DATA / "outputs" / previous),
        check=False,
    )
    rec = jobs.recurring_export(job)
    dos = jobs.dossier_export(job)
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        for key, export, sheets, write, sheet_name in (
            ("recurrent", rec, recurring_sheets, write_recurring_workbook, RECURRING_SHEET),
            ("dossiers", dos, dossier_sheets, write_dossier_workbook, DOSSIERS_SHEET),
        ):
            target = Path(tmp) / f"{key}.xlsx"
            best_write = min(_timed(lambda w=write, e=export, t=target: w(e, t)) for _ in range(2))
            specs = sheets(export)
            main = next(s for s in specs if s.name == sheet_name)
            best_main = min(
                _timed(lambda m=main, t=Path(tmp) / f"{key}-main.xlsx": _write_one(m, t))
                for _ in range(2)
            )
            xml_runs, deflate_runs = [], []
            for _ in range(2):
                xml, took = floor_sheet(main.frame, set(main.money), set(main.integers))
                xml_runs.append(took)
                size, took = floor_deflate(xml)
                deflate_runs.append(took)
            out[key] = {
                "rows": len(main.frame),
                "columns": len(main.frame.columns),
                "reportkit_workbook": best_write,
                "reportkit_main_sheet": best_main,
                "floor_xml": min(xml_runs),
                "floor_deflate": min(deflate_runs),
                "xml_bytes": len(xml),
                "zip_bytes": size,
                "file_bytes": target.stat().st_size,
            }
    return out


def _write_one(spec, path: Path) -> None:
    from reportkit.excel import write_workbook

    write_workbook(path, [spec])


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def child_source(db: str, run_id: str) -> dict:
    """The contract check per table, and what opening the source costs, on one database."""
    from reportkit import contract, sources
    from reportkit.jobs import DOSSIER_TABLES, RECURRING_TABLES

    url = f"sqlite:///{db_path(db)}"
    per_table = {}
    with sources.open_source(url) as src:
        for name in contract.TABLES:
            per_table[name] = _timed(lambda name=name: sources.check_source(src, tables=[name]))
    whole = _timed(lambda: _check(url, None))
    dossier_tables = _timed(lambda: _check(url, DOSSIER_TABLES))
    recurring_tables = _timed(lambda: _check(url, RECURRING_TABLES))

    def open_and_resolve() -> None:
        with sources.open_source(url) as src:
            sources.resolve_run(src, run_id=run_id)

    opens = [_timed(open_and_resolve) for _ in range(7)]
    # What both notebooks load (each in its own kernel): the part of the work done twice.
    with sources.open_source(url) as src:
        twice = {
            "load_services": min(_timed(lambda: sources.load_services(src)) for _ in range(2)),
            "load_dossiers": min(_timed(lambda: sources.load_dossiers(src)) for _ in range(2)),
        }
    return {
        "loaded_twice": twice,
        "check_per_table": per_table,
        "check_all": whole,
        "check_dossier_tables": dossier_tables,
        "check_recurring_tables": recurring_tables,
        "open_resolve_each": opens,
    }


def _check(url: str, tables) -> None:
    from reportkit import sources

    with sources.open_source(url) as src:
        sources.check_source(src, tables=tables)


CHILDREN = {
    "build": child_build,
    "run": child_run,
    "naive": child_naive,
    "floor": child_floor,
    "source": child_source,
}


# --- Parent: orchestration and report ---------------------------------------------------------


def in_child(kind: str, *args: str | None) -> dict:
    """Run one measurement in a fresh interpreter; its JSON result comes back through a file."""
    DATA.mkdir(parents=True, exist_ok=True)
    result_file = DATA / f".child-{os.getpid()}.json"
    argv = [sys.executable, __file__, "--child", kind, str(result_file)]
    argv += ["" if a is None else a for a in args]
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"bench: {kind} {' '.join(a or '-' for a in args)} failed")
    data = json.loads(result_file.read_text(encoding="utf-8"))
    result_file.unlink()
    data["child_wall"] = time.perf_counter() - start
    return data


def best_of(times: int, kind: str, *args: str | None) -> dict:
    """The run with the shortest wall time among ``times``; every wall time kept in "walls"."""
    runs = [in_child(kind, *args) for _ in range(times)]
    best = min(runs, key=lambda d: d["wall"])
    best["walls"] = [d["wall"] for d in runs]
    return best


def machine() -> dict:
    import psutil

    versions = {}
    for p in PACKAGES:
        try:
            versions[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            versions[p] = "-"
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlite3

    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": psutil.virtual_memory().total / GiB,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": platform.platform(),
        "packages": versions,
    }


def main() -> None:
    total_start = time.perf_counter()
    results: dict = {"machine": machine(), "builds": {}}
    for name in DATABASES:
        if db_path(name).exists():
            results["builds"][name] = {"cached": True, "bytes": db_path(name).stat().st_size}
            continue
        log(f"bench: building {db_path(name)} (once; reused by later runs)")
        results["builds"][name] = {"cached": False, **in_child("build", name)}

    log("bench: reportkit run, large, 2026-10 (R-2026-10-FINAL)")
    results["large_oct"] = in_child(
        "run", "large", "R-2026-10-FINAL", "2026-10", "large/2026-10", None
    )
    log("bench: reportkit run, large, 2026-11 with October's workbook")
    previous = "large/2026-10/recurrent_2026-10.xlsx"
    results["large_nov"] = in_child(
        "run", "large", "R-2026-11-PREPROD", "2026-11", "large/2026-11", previous
    )
    for name in ("calls-1m", "medium", "large"):
        log(f"bench: reportkit run, {name}, 2026-11 without a previous workbook (growth)")
        args = ("run", name, "R-2026-11-PREPROD", "2026-11", f"{name}/2026-11-plain", None)
        # The medium run is compared with the naive script: both sides get their best of two.
        results[f"{name}_plain"] = best_of(2 if name == "medium" else 1, *args)
    for name in ("medium", "large"):
        log(f"bench: reportkit run, {name}, 2026-11, the notebooks one after the other")
        results[f"{name}_sequential"] = in_child(
            "run", name, "R-2026-11-PREPROD", "2026-11", f"{name}/2026-11-seq", None, "sequential"
        )
    log("bench: naive pandas + openpyxl baseline, medium, 2026-11")
    results["naive"] = best_of(
        2, "naive", "medium", "R-2026-11-PREPROD", "2026-11", "naive/2026-11"
    )
    log("bench: XLSX floor, large, 2026-11")
    results["floor"] = in_child("floor", "large", "R-2026-11-PREPROD", "2026-11", previous)
    log("bench: contract check and source opening, large")
    results["source"] = in_child("source", "large", "R-2026-11-PREPROD")
    results["total_wall"] = time.perf_counter() - total_start

    RESULTS_JSON.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    from report import render  # benchmarks/report.py, beside this file

    RESULTS_MD.write_text(render(results), encoding="utf-8")
    log(f"bench: done in {results['total_wall'] / 60:.1f} min; see {RESULTS_MD.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs="+", metavar=("KIND", "ARGS"))
    parser.add_argument(
        "--render", action="store_true", help="only rewrite RESULTS.md from results.json"
    )
    ns = parser.parse_args()
    if ns.child:
        kind, result_file, *args = ns.child
        value = CHILDREN[kind](*(a or None for a in args))
        Path(result_file).write_text(json.dumps(value), encoding="utf-8")
    elif ns.render:
        from report import render

        RESULTS_MD.write_text(
            render(json.loads(RESULTS_JSON.read_text(encoding="utf-8"))), encoding="utf-8"
        )
    else:
        main()
