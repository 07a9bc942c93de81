"""What a notebook calls: params → checked source → export frames → workbook.

Each notebook cell is one call here, so the notebooks stay a page of calls and commentary,
and the same steps are timed by the benchmark and exercised by the tests.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import sources
from .contract import DEFICITS_HTML, DOSSIERS_FILE, DOSSIERS_HTML, RECURRING_FILE
from .dossiers import DossierData, DossierExport, build_dossier_export
from .params import Params, parse_params
from .recurring import RecurringExport, build_recurring_export, read_previous

DOSSIER_TABLES = ("sales_reps", "dossiers", "contacts", "billing_runs", "invoices", "services")
RECURRING_TABLES = ("sales_reps", "dossiers", "billing_runs", "services", "calls")


@dataclass
class Job:
    """One run's settings once checked: params, the run, its period, where outputs go."""

    params: Params
    run: sources.RunInfo
    output_dir: Path
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def period(self) -> str:
        return self.run.period

    def path(self, template: str) -> Path:
        return self.output_dir / template.format(run_id=self.run.run_id, period=self.period)

    @property
    def dossiers_xlsx(self) -> Path:
        return self.path(DOSSIERS_FILE)

    @property
    def recurring_xlsx(self) -> Path:
        return self.path(RECURRING_FILE)

    @property
    def dossiers_html(self) -> Path:
        return self.path(DOSSIERS_HTML)

    @property
    def deficits_html(self) -> Path:
        return self.path(DEFICITS_HTML)

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[step] = self.timings.get(step, 0.0) + time.perf_counter() - start


def prepare(*, check: bool = True, tables: tuple[str, ...] | None = None, **raw: Any) -> Job:
    """Validate params, open the source, check it against the contract, resolve the run.

    Notebook parameters arrive as plain values; empty strings mean "use the default".
    """
    cleaned = {k: v for k, v in raw.items() if v is not None and v != ""}
    params = parse_params(cleaned)
    job_timings: dict[str, float] = {}
    start = time.perf_counter()
    with sources.opened(params.source) as src:
        if check:
            sources.check_source(src, tables=tables)
        run = sources.resolve_run(src, run_id=params.run_id, period=params.period)
    job_timings["source checks"] = time.perf_counter() - start
    out = Path(params.output_dir) if params.output_dir else Path("outputs") / run.period
    return Job(params=params, run=run, output_dir=out, timings=job_timings)


def read_dossier_data(src: sources.Source, run: sources.RunInfo) -> DossierData:
    """Everything the dossier export needs from an opened source, aggregated by the engine."""
    return DossierData(
        run_id=run.run_id,
        run_kind=run.kind,
        period=run.period,
        dossiers=sources.load_dossiers(src),
        contacts=sources.load_contacts(src),
        services=sources.load_services(src),
        invoices=sources.invoice_summary(src, run_id=run.run_id, period=run.period),
        run_documents=sources.run_documents(src, run_id=run.run_id),
    )


def load_dossier_data(job: Job) -> DossierData:
    with job.timed("SQL aggregation"), sources.opened(job.params.source) as src:
        return read_dossier_data(src, job.run)


def dossier_export(job: Job) -> DossierExport:
    data = load_dossier_data(job)
    with job.timed("DataFrame work"):
        return build_dossier_export(data, variation_threshold=job.params.variation_threshold)


@dataclass(frozen=True)
class RecurringData:
    services: Any
    calls: Any
    dossiers: Any


def load_recurring_data(job: Job) -> RecurringData:
    with job.timed("SQL aggregation"), sources.opened(job.params.source) as src:
        return RecurringData(
            services=sources.load_services(src),
            calls=sources.call_totals(src, period=job.period),
            dossiers=sources.load_dossiers(src),
        )


def recurring_export(job: Job) -> RecurringExport:
    previous = None
    if job.params.previous_recurring:
        with job.timed("previous workbook"):
            previous = read_previous(job.params.previous_recurring)
    data = load_recurring_data(job)
    with job.timed("DataFrame work"):
        return build_recurring_export(
            data.services,
            data.calls,
            data.dossiers,
            period=job.period,
            deficit_threshold=job.params.deficit_threshold,
            previous=previous,
        )


def deficit_destinations(job: Job, export: RecurringExport, *, limit: int = 200):
    """Calls of the services losing most on consumption, per destination (for the commentary)."""
    table = export.table
    losing = table[table["Marge consommations"] < 0].nsmallest(limit, "Marge consommations")
    with job.timed("SQL aggregation"), sources.opened(job.params.source) as src:
        return sources.call_destinations(
            src, period=job.period, service_ids=list(losing["ID service"])
        )


def write_dossiers(job: Job, export: DossierExport) -> Path:
    from .workbooks import write_dossier_workbook

    with job.timed("XLSX dossiers"):
        return write_dossier_workbook(export, job.dossiers_xlsx)


def write_recurring(job: Job, export: RecurringExport) -> Path:
    from .workbooks import write_recurring_workbook

    with job.timed("XLSX recurrent"):
        return write_recurring_workbook(export, job.recurring_xlsx)
