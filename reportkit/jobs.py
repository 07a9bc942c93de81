"""What a notebook calls: params → checked source → export frames → workbook.

Each notebook cell is one call here, so the notebooks stay a page of calls and commentary,
and the same steps are timed by the benchmark and exercised by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

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


def prepare(*, check: bool = True, tables: tuple[str, ...] | None = None, **raw: Any) -> Job:
    """Validate params, open the source, check it against the contract, resolve the run.

    Notebook parameters arrive as plain values; empty strings mean "use the default".
    """
    cleaned = {k: v for k, v in raw.items() if v is not None and v != ""}
    params = parse_params(cleaned)
    with sources.open_source(params.source) as src:
        if check:
            sources.check_source(src, tables=tables)
        run = sources.resolve_run(src, run_id=params.run_id, period=params.period)
    out = Path(params.output_dir) if params.output_dir else Path("outputs") / run.period
    return Job(params=params, run=run, output_dir=out)


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
    with sources.open_source(job.params.source) as src:
        return read_dossier_data(src, job.run)


def dossier_export(job: Job) -> DossierExport:
    """The dossier export in one call (the notebook spells the steps out, one per cell)."""
    data = load_dossier_data(job)
    return build_dossier_export(data, variation_threshold=job.params.variation_threshold)


@dataclass(frozen=True)
class RecurringData:
    """What the recurring export reads from a source: per-service rows only."""

    services: pd.DataFrame  # sources.load_services
    calls: pd.DataFrame  # sources.call_totals for the period
    dossiers: pd.DataFrame  # sources.load_dossiers


def load_recurring_data(job: Job) -> RecurringData:
    with sources.open_source(job.params.source) as src:
        return RecurringData(
            services=sources.load_services(src),
            calls=sources.call_totals(src, period=job.period),
            dossiers=sources.load_dossiers(src),
        )


def recurring_export(job: Job) -> RecurringExport:
    """The recurring export in one call (the notebook spells the steps out, one per cell)."""
    p = job.params
    previous = read_previous(p.previous_recurring) if p.previous_recurring else None
    data = load_recurring_data(job)
    return build_recurring_export(
        data.services,
        data.calls,
        data.dossiers,
        period=job.period,
        deficit_threshold=p.deficit_threshold,
        previous=previous,
    )


def deficit_destinations(job: Job, export: RecurringExport, *, limit: int = 200) -> pd.DataFrame:
    """Calls of the services losing most on consumption, per destination (for the commentary)."""
    table = export.table
    losing = table[table["Marge consommations"] < 0].nsmallest(limit, "Marge consommations")
    with sources.open_source(job.params.source) as src:
        return sources.call_destinations(
            src, period=job.period, service_ids=list(losing["ID service"])
        )


def write_dossiers(job: Job, export: DossierExport) -> Path:
    from .workbooks import write_dossier_workbook

    return write_dossier_workbook(export, job.dossiers_xlsx)


def write_recurring(job: Job, export: RecurringExport) -> Path:
    from .workbooks import write_recurring_workbook

    return write_recurring_workbook(export, job.recurring_xlsx)
