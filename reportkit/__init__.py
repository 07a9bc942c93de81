"""reportkit: monthly billing-control and profitability reports for telephony resellers.

The notebooks call the names below; each lives in a small module:

* ``params``: :func:`load_params`, :func:`parse_params`, :class:`Params`
* ``sources``: :func:`open_source`, :func:`check_source` (SQL aggregates pushed to the engine)
* ``dossiers`` / ``recurring`` / ``checks``: pure frame functions for the two exports
* ``excel`` / ``workbooks``: safe, fast XLSX writing; ``report`` / ``commentary``: HTML pieces
* ``jobs``: one call per notebook step; ``runner``: papermill + nbconvert + atomic publishing
* ``errors``: one exception tree rooted at :class:`ReportkitError`
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import commentary, report
from .dossiers import DossierExport, build_dossier_export
from .errors import (
    ContractError,
    LeakError,
    OutputError,
    ParamsError,
    Problem,
    ReportkitError,
    RunError,
    SourceError,
    WorkbookError,
)
from .jobs import (
    DOSSIER_TABLES,
    RECURRING_TABLES,
    Job,
    deficit_destinations,
    dossier_export,
    load_dossier_data,
    load_recurring_data,
    prepare,
    recurring_export,
    write_dossiers,
    write_recurring,
)
from .params import Params, load_params, parse_params
from .recurring import RecurringExport, build_recurring_export, read_previous
from .sources import check_source, open_source

__all__ = [
    "DOSSIER_TABLES",
    "RECURRING_TABLES",
    "ContractError",
    "DossierExport",
    "Job",
    "LeakError",
    "OutputError",
    "Params",
    "ParamsError",
    "Problem",
    "RecurringExport",
    "ReportkitError",
    "RunError",
    "SourceError",
    "WorkbookError",
    "build_dossier_export",
    "build_recurring_export",
    "check_source",
    "commentary",
    "deficit_destinations",
    "dossier_export",
    "load_dossier_data",
    "load_params",
    "load_recurring_data",
    "open_source",
    "parse_params",
    "prepare",
    "read_previous",
    "recurring_export",
    "report",
    "write_dossiers",
    "write_recurring",
]
