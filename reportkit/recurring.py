"""The recurring export (contract §3): profitability per service and the tracking code."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

import pandas as pd

from . import checks
from .contract import (
    ACCEPTED,
    COMMENT_COLUMN,
    FIXED,
    RECURRING_COLUMNS,
    RECURRING_SHEET,
    TO_ANALYSE,
    TO_FIX,
    TRACKING_CODES,
)
from .dossiers import active_mask
from .money import round_cents

NO_REP = "(sans commercial)"


@dataclass(frozen=True)
class RecurringExport:
    period: str
    deficit_threshold: Decimal
    table: pd.DataFrame  # contract columns (money in integer cents) + Commentaire
    summary: pd.DataFrame  # Synthèse
    controls: pd.DataFrame  # Contrôles
    deficit: pd.Series  # bool per row of table
    previous_codes: pd.Series | None  # code of last month's workbook per row (None: no workbook)
    no_longer_billed: tuple[str, ...] = ()  # tracked last month (analyse/fix), not billed now


def _fold(text: str) -> str:
    """Case, accents and spaces folded, so "a corriger " matches "À corriger"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


_CANONICAL = {_fold(code): code for code in TRACKING_CODES}


def canonical_code(value: object) -> str | None:
    """A tracking code as typed by an analyst → the listed code, the text itself, or None."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    if not text:
        return None
    return _CANONICAL.get(_fold(text), text)


def next_code(previous: str | None, *, deficit: bool) -> str | None:
    """The contract's month-to-month transition of ``Code suivi``.

    A code outside the list (typed by hand) is kept as is and reported, never silently lost.
    """
    if previous is not None and previous not in TRACKING_CODES:
        return previous
    if deficit:
        return previous if previous in (TO_FIX, ACCEPTED) else TO_ANALYSE
    return FIXED if previous in (TO_ANALYSE, TO_FIX) else None


def read_previous(path: str | Path) -> pd.DataFrame:
    """Last month's workbook as edited by the analysts: ID service, Code suivi, Commentaire."""
    from .excel import read_sheet

    prev = read_sheet(
        path,
        sheet=RECURRING_SHEET,
        required=["ID service", "Code suivi"],
        optional=[COMMENT_COLUMN],
        what="previous_recurring workbook",
    )
    if COMMENT_COLUMN not in prev.columns:
        prev[COMMENT_COLUMN] = None
    prev = prev[prev["ID service"].notna()]
    prev = prev.assign(**{"ID service": prev["ID service"].map(lambda s: str(s).strip())})
    return prev.drop_duplicates("ID service", keep="first").reset_index(drop=True)


def build_recurring_export(
    services: pd.DataFrame,
    calls: pd.DataFrame,
    dossiers: pd.DataFrame,
    *,
    period: str,
    deficit_threshold: Decimal = Decimal(0),
    previous: pd.DataFrame | None = None,
) -> RecurringExport:
    """Compute the export from per-service frames; pure, no I/O.

    ``services``: sources.load_services; ``calls``: sources.call_totals for the period;
    ``dossiers``: sources.load_dossiers; ``previous``: :func:`read_previous` or None.
    """
    # Keys as plain objects: an empty frame must not turn them into floats and break the merge.
    services = services.assign(service_id=services["service_id"].astype(object))
    calls = calls.assign(service_id=calls["service_id"].astype(object))
    svc = services.assign(active=active_mask(services, period))
    calls_known = calls[calls["service_id"].isin(svc["service_id"])]
    keep = svc["active"] | svc["service_id"].isin(calls_known["service_id"])
    rows = svc[keep].merge(
        calls_known[["service_id", "calls", "purchase_units", "sale_units"]].rename(
            columns={"purchase_units": "call_purchase", "sale_units": "call_sale"}
        ),
        on="service_id",
        how="left",
    )
    rows["calls"] = rows["calls"].fillna(0).astype("int64")
    doss = dossiers.set_index("dossier_id")
    rows["company_name"] = rows["dossier_id"].map(doss["company_name"])
    rows["rep"] = rows["dossier_id"].map(doss["sales_rep_name"])
    rows = rows.sort_values(["dossier_id", "service_id"], kind="stable").reset_index(drop=True)

    def units(col: str, *, only_active: bool) -> pd.Series:
        s = rows[col].fillna(0).astype("int64")
        return s.where(rows["active"], 0) if only_active else s

    buy_svc = round_cents(units("purchase_units", only_active=True))
    buy_calls = round_cents(units("call_purchase", only_active=False))
    sell_svc = round_cents(units("sale_units", only_active=True))
    sell_calls = round_cents(units("call_sale", only_active=False))
    buy, sell = buy_svc + buy_calls, sell_svc + sell_calls
    margin = sell - buy
    deficit = _below(margin, Decimal(deficit_threshold) * 100)

    prev_codes: pd.Series | None = None
    comments = pd.Series([None] * len(rows), index=rows.index, dtype=object)
    if previous is not None:
        by_id = previous.set_index("ID service")
        prev_codes = rows["service_id"].map(by_id["Code suivi"]).map(canonical_code).astype(object)
        comments = rows["service_id"].map(by_id[COMMENT_COLUMN]).astype(object)
        comments = comments.where(comments.notna(), None)
        codes = [next_code(p, deficit=bool(d)) for p, d in zip(prev_codes, deficit, strict=True)]
    else:
        codes = [TO_ANALYSE if d else None for d in deficit]

    table = pd.DataFrame(
        {
            "N° dossier": rows["dossier_id"],
            "Raison sociale": rows["company_name"],
            "Commercial": rows["rep"],
            "ID service": rows["service_id"],
            "Référence": rows["reference"],
            "Désignation": rows["designation"],
            "Achat service HT": buy_svc,
            "Achat consommations HT": buy_calls,
            "Achat total HT": buy,
            "Vente service HT": sell_svc,
            "Vente consommations HT": sell_calls,
            "Vente total HT": sell,
            "Marge service": sell_svc - buy_svc,
            "Marge consommations": sell_calls - buy_calls,
            "Marge totale": margin,
            "Code suivi": pd.Series(codes, index=rows.index, dtype=object),
            COMMENT_COLUMN: comments,
        }
    )
    assert tuple(table.columns[: len(RECURRING_COLUMNS)]) == RECURRING_COLUMNS
    table["Nb appels"] = rows["calls"]

    unknown = table[table["Code suivi"].notna() & ~table["Code suivi"].isin(TRACKING_CODES)]
    unknown_codes = pd.DataFrame(
        {
            "dossier_id": unknown["N° dossier"],
            "service_id": unknown["ID service"],
            "code": unknown["Code suivi"],
        }
    )
    controls = checks.recurring_checks(
        services,
        calls,
        rows[["service_id", "dossier_id", "active"]],
        period=period,
        unknown_codes=unknown_codes,
    )
    return RecurringExport(
        period=period,
        deficit_threshold=deficit_threshold,
        table=table,
        summary=recurring_summary(table, deficit),
        controls=controls,
        deficit=deficit,
        previous_codes=prev_codes,
        no_longer_billed=_no_longer_billed(previous, table["ID service"]),
    )


def _below(cents: pd.Series, threshold_cents: Decimal) -> pd.Series:
    """``cents < threshold_cents`` per row, exactly (the threshold may hold fractions of a cent).

    For a whole number of cents m, m < t exactly when m < ceil(t): one integer comparison
    for the whole column instead of a Decimal per row.
    """
    if threshold_cents.is_finite():
        bound = int(threshold_cents.to_integral_value(rounding=ROUND_CEILING))
        if abs(bound) < 2**62:
            return cents.astype("int64") < bound
    return cents.map(lambda m: Decimal(int(m)) < threshold_cents).astype(bool)


def _no_longer_billed(previous: pd.DataFrame | None, billed: pd.Series) -> tuple[str, ...]:
    """Services still open in last month's workbook that this month no longer bills."""
    if previous is None:
        return ()
    codes = previous["Code suivi"].map(canonical_code)
    open_ = previous[codes.isin([TO_ANALYSE, TO_FIX]) & ~previous["ID service"].isin(billed)]
    return tuple(sorted(open_["ID service"]))


def recurring_summary(table: pd.DataFrame, deficit: pd.Series) -> pd.DataFrame:
    """Purchase, sale, margin and deficits per salesperson, then per reference, with totals."""
    work = table.assign(
        _rep=table["Commercial"].fillna(NO_REP),
        _ref=table["Référence"].fillna("(sans référence)"),
        _def=deficit.astype("int64"),
    )
    parts = []
    for axis, key in (("Commercial", "_rep"), ("Référence", "_ref")):
        g = work.groupby(key, sort=True).agg(
            services=("ID service", "size"),
            deficits=("_def", "sum"),
            buy=("Achat total HT", "sum"),
            sell=("Vente total HT", "sum"),
            margin=("Marge totale", "sum"),
        )
        g.loc[f"Total par {axis.lower()}"] = g.sum()
        g = g.reset_index(names="Libellé")
        g.insert(0, "Axe", axis)
        parts.append(g)
    out = pd.concat(parts, ignore_index=True)
    out = out.rename(
        columns={
            "services": "Services",
            "deficits": "Services déficitaires",
            "buy": "Achat total HT",
            "sell": "Vente total HT",
            "margin": "Marge totale",
        }
    )
    sell = out["Vente total HT"].astype("float64")
    out["Taux de marge"] = (out["Marge totale"].astype("float64") / sell).where(sell != 0)
    for c in (
        "Services",
        "Services déficitaires",
        "Achat total HT",
        "Vente total HT",
        "Marge totale",
    ):
        out[c] = out[c].astype("int64")
    return out
