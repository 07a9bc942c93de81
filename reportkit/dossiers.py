"""The dossier export (contract §2): one row per dossier, its Synthèse and its controls."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from . import checks, contract
from .contract import DOSSIER_COLUMNS, PAYMENT_LABELS, STATUS_LABELS
from .money import round_cents
from .params import period_bounds

SUMMARY_MONEY = ("Total HT du run", "TVA du run", "Total TTC du run", "Net à payer du run")


@dataclass(frozen=True)
class DossierData:
    """What the dossier export reads from a source (small frames, already aggregated)."""

    run_id: str
    run_kind: str
    period: str
    dossiers: pd.DataFrame  # sources.load_dossiers
    contacts: pd.DataFrame  # sources.load_contacts
    services: pd.DataFrame  # sources.load_services
    invoices: pd.DataFrame  # sources.invoice_summary
    run_documents: pd.DataFrame  # sources.run_documents


@dataclass(frozen=True)
class DossierExport:
    run_id: str
    run_kind: str
    period: str
    table: pd.DataFrame  # contract columns (money in integer cents) + extras
    summary: pd.DataFrame  # Synthèse
    controls: pd.DataFrame  # Contrôles
    error_rows: pd.Series  # bool per row of table: at least one error-level control


def group_iban(iban: object) -> str | None:
    """IBAN grouped by 4 characters, the way it is printed on a RIB."""
    if iban is None or (isinstance(iban, float) and iban != iban):
        return None
    compact = "".join(str(iban).split()).upper()
    if not compact:
        return None
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def active_mask(services: pd.DataFrame, period: str) -> pd.Series:
    """Services active in the period: started by its last day, not ended before its first."""
    first, last, _ = period_bounds(period)
    start = services["start_date"]
    end = services["end_date"]
    return (start.notna() & (start <= last)) & (end.isna() | (end >= first))


def primary_contacts(contacts: pd.DataFrame) -> pd.DataFrame:
    """Per dossier: the number of primary contacts and the first one's names (by contact id)."""
    prim = contacts[contacts["is_primary"]].sort_values(["dossier_id", "contact_id"], kind="stable")
    counts = prim.groupby("dossier_id").size().rename("primary_count")
    first = prim.drop_duplicates("dossier_id").set_index("dossier_id")[["last_name", "first_name"]]
    return first.join(counts, how="outer")


def build_dossier_export(
    data: DossierData, *, variation_threshold: Decimal = Decimal(30)
) -> DossierExport:
    """Compute the export from the loaded frames; pure, no I/O."""
    d = data.dossiers.sort_values("dossier_id", kind="stable").reset_index(drop=True)
    ids = d["dossier_id"]

    services = data.services
    active = services[active_mask(services, data.period)]
    recurring_units = active.groupby("dossier_id")["sale_units"].sum()
    active_count = active.groupby("dossier_id").size()
    contacts = primary_contacts(data.contacts)
    inv = data.invoices.set_index("dossier_id")

    def by_id(series: pd.Series, dtype: str = "Int64") -> pd.Series:
        return pd.Series(series.reindex(ids).to_numpy(), index=d.index).astype(dtype)

    def cents(series: pd.Series) -> pd.Series:
        s = by_id(series)
        out = pd.Series(pd.NA, index=s.index, dtype="Int64")
        present = s.notna()
        out[present] = round_cents(s[present].astype("int64"))
        return out

    rec_units = by_id(recurring_units).fillna(0).astype("int64")
    table = pd.DataFrame(
        {
            "Raison sociale": d["company_name"],
            "Nom du contact": by_id(contacts["last_name"], "object"),
            "Prénom du contact": by_id(contacts["first_name"], "object"),
            "Adresse": d["address"],
            "Code postal": d["postal_code"],
            "Ville": d["city"],
            "Pays": d["country"],
            "Téléphone": d["phone"],
            "E-mail": d["email"],
            "N° dossier": ids,
            "Statut": d["status"].map(STATUS_LABELS),
            "Récurrent HT": round_cents(rec_units).astype("Int64"),
            "Nb factures": by_id(inv["invoices"]).fillna(0).astype("int64"),
            "Total TTC factures": cents(inv["ttc_units"]).fillna(0),
            "Avant-dernière facture TTC": cents(inv["prev_ttc_units"]),
            "Dernière facture TTC": cents(inv["last_ttc_units"]),
            "Net à payer": cents(inv["last_net_units"]),
            "Mode de paiement": d["payment_method"].map(PAYMENT_LABELS),
            "IBAN": d["iban"].map(group_iban).astype(object),
            "BIC": d["bic"],
        }
    )
    assert tuple(table.columns) == DOSSIER_COLUMNS
    last, prev = table["Dernière facture TTC"], table["Avant-dernière facture TTC"]
    variation = pd.Series(float("nan"), index=table.index)
    ok = last.notna() & prev.notna() & (prev != 0)
    variation[ok] = (last[ok] - prev[ok]).astype(float) / prev[ok].abs().astype(float)
    table["Variation dernière facture"] = variation
    table["Commercial"] = d["sales_rep_name"]

    facts = pd.DataFrame(
        {
            "dossier_id": ids,
            "company_name": d["company_name"],
            "status": d["status"],
            "payment_method": d["payment_method"],
            "iban": d["iban"],
            "bic": d["bic"],
            "active_services": by_id(active_count).fillna(0).astype("int64"),
            "recurring_cents": table["Récurrent HT"],
            "primary_count": by_id(contacts["primary_count"]).fillna(0).astype("int64"),
            "last_cents": last,
            "prev_cents": prev,
            "variation": variation,
        }
    )
    controls = checks.dossier_checks(
        facts, data.run_documents, run_id=data.run_id, variation_threshold=variation_threshold
    )
    with_errors = controls.loc[controls["Gravité"] == contract.ERROR, "N° dossier"]
    table["Anomalies"] = (
        controls.groupby("N° dossier").size().reindex(ids).fillna(0).astype("int64").to_numpy()
    )

    return DossierExport(
        run_id=data.run_id,
        run_kind=data.run_kind,
        period=data.period,
        table=table,
        summary=payment_summary(d, data.run_documents),
        controls=controls,
        error_rows=ids.isin(with_errors),
    )


def payment_summary(dossiers: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """Per payment method: dossiers, the run's documents and their totals (cents).

    The SEPA line's Net à payer is what the direct-debit remittance of the run must match.
    """
    method = dossiers.set_index("dossier_id")["payment_method"]
    docs = docs.assign(method=docs["dossier_id"].map(method).fillna("unknown"))
    labels = {**PAYMENT_LABELS, "unknown": "Dossier inconnu"}
    order = [*contract.PAYMENT_METHODS, "unknown"]
    per = docs.groupby("method")[["ht_units", "vat_units", "ttc_units", "net_units"]].sum()
    rows = []
    for m in order:
        n_dossiers = int((dossiers["payment_method"] == m).sum())
        n_docs = int((docs["method"] == m).sum())
        if m == "unknown" and n_docs == 0:
            continue
        sums = per.loc[m] if m in per.index else pd.Series(0, index=per.columns)
        rows.append([labels[m], n_dossiers, n_docs, *(int(sums[c]) for c in per.columns)])
    frame = pd.DataFrame(
        rows,
        columns=["Mode de paiement", "Dossiers", "Documents du run", "ht", "vat", "ttc", "net"],
    )
    total = ["Total", int(frame["Dossiers"].sum()), int(frame["Documents du run"].sum())]
    total += [int(frame[c].sum()) for c in ("ht", "vat", "ttc", "net")]
    frame.loc[len(frame)] = total
    # Round each line from its exact sum, so that the SEPA line matches the bank file.
    for src, dst in zip(("ht", "vat", "ttc", "net"), SUMMARY_MONEY, strict=True):
        frame[dst] = round_cents(frame[src].astype("int64"))
    return frame.drop(columns=["ht", "vat", "ttc", "net"])
