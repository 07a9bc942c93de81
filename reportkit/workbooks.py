"""The two exports as sheet specs: which columns are money, text, drop-downs, highlights."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .contract import (
    CHECKS_SHEET,
    DOSSIER_MONEY,
    DOSSIERS_SHEET,
    RECURRING_MONEY,
    RECURRING_SHEET,
    SUMMARY_SHEET,
    TRACKING_CODES,
)
from .dossiers import SUMMARY_MONEY, DossierExport
from .excel import SheetSpec, write_workbook
from .recurring import RecurringExport


def _euros(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """Integer cents → float euros (the nearest double to each exact cent) for the cells."""
    out = frame.copy()
    for c in columns:
        cents = out[c].astype("Int64")
        out[c] = (cents.astype("Float64") / 100).astype(object).where(cents.notna(), None)
    return out


def dossier_sheets(export: DossierExport) -> list[SheetSpec]:
    table = _euros(export.table, DOSSIER_MONEY)
    summary_money = SUMMARY_MONEY
    return [
        SheetSpec(
            name=DOSSIERS_SHEET,
            frame=table,
            money=DOSSIER_MONEY,
            integers=("Nb factures", "Anomalies"),
            percents=("Variation dernière facture",),
            highlight=export.error_rows,
        ),
        SheetSpec(
            name=SUMMARY_SHEET,
            frame=_euros(export.summary, summary_money),
            money=summary_money,
            integers=("Dossiers", "Documents du run"),
        ),
        SheetSpec(name=CHECKS_SHEET, frame=export.controls),
    ]


def recurring_sheets(export: RecurringExport) -> list[SheetSpec]:
    money_summary = ("Achat total HT", "Vente total HT", "Marge totale")
    return [
        SheetSpec(
            name=RECURRING_SHEET,
            frame=_euros(export.table, RECURRING_MONEY),
            money=RECURRING_MONEY,
            integers=("Nb appels",),
            negative_red=("Marge service", "Marge consommations", "Marge totale"),
            dropdowns={"Code suivi": TRACKING_CODES},
            widths={"Commentaire": 40},
        ),
        SheetSpec(
            name=SUMMARY_SHEET,
            frame=_euros(export.summary, money_summary),
            money=money_summary,
            integers=("Services", "Services déficitaires"),
            percents=("Taux de marge",),
            negative_red=("Marge totale",),
        ),
        SheetSpec(
            name=CHECKS_SHEET,
            frame=_euros(export.controls, ["Achat HT"]),
            money=("Achat HT",),
            integers=("Nb appels",),
        ),
    ]


def write_dossier_workbook(export: DossierExport, path: str | Path) -> Path:
    return write_workbook(path, dossier_sheets(export))


def write_recurring_workbook(export: RecurringExport, path: str | Path) -> Path:
    return write_workbook(path, recurring_sheets(export))
