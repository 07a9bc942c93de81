"""Controls: one row per anomaly, with a French check name, a severity and a message.

Pure functions on frames. Each control is a small function returning rows, so a new control
is one function added to a list.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from schwifty import BIC, IBAN

from .contract import ERROR, INFO, WARNING
from .money import format_eur, format_percent, units_to_cents

DOSSIER_CHECK_COLUMNS = ("N° dossier", "Raison sociale", "Contrôle", "Gravité", "Message")
RECURRING_CHECK_COLUMNS = (
    "N° dossier",
    "ID service",
    "Contrôle",
    "Gravité",
    "Message",
    "Nb appels",
    "Achat HT",
)

CHECK_SEPA_IBAN = "Prélèvement sans IBAN valide"
CHECK_SEPA_BIC = "Prélèvement sans BIC valide"
CHECK_BIC_COUNTRY = "Pays du BIC différent de l'IBAN"
CHECK_NOT_BILLED = "Dossier actif non facturé"
CHECK_VARIATION = "Variation de la dernière facture"
CHECK_NET_NEGATIVE = "Net à payer négatif"
CHECK_NET_ABOVE = "Net à payer supérieur au TTC"
CHECK_TTC = "TTC ≠ HT + TVA"
CHECK_NO_PRIMARY = "Aucun contact principal"
CHECK_MANY_PRIMARY = "Plusieurs contacts principaux"
CHECK_TERMINATED = "Dossier résilié facturé"
CHECK_UNKNOWN_DOSSIER = "Document sur un dossier inconnu"

CHECK_UNKNOWN_SERVICE = "Appels sur un service inconnu"
CHECK_NO_PURCHASE = "Service vendu sans prix d'achat"
CHECK_CALLS_OUTSIDE = "Appels hors des dates du service"
CHECK_UNKNOWN_CODE = "Code suivi inconnu"


def iban_problem(iban: object) -> str | None:
    """Why an IBAN cannot carry a direct debit, or None when it can (length, check digits)."""
    return _parse_iban(iban)[1]


def bic_problem(bic: object) -> str | None:
    return _parse_bic(bic)[1]


# Parsed once per SEPA dossier: the country check reuses the parsed IBAN and BIC (schwifty's
# parsing and validation is ~25 us an IBAN, most of the dossier controls' time).
def _parse_iban(iban: object) -> tuple[IBAN | None, str | None]:
    if iban is None or (isinstance(iban, float) and iban != iban) or not str(iban).strip():
        return None, "IBAN manquant"
    try:
        return IBAN(str(iban)), None
    except ValueError as exc:
        return None, f"IBAN invalide ({_reason(exc)})"


def _parse_bic(bic: object) -> tuple[BIC | None, str | None]:
    if bic is None or (isinstance(bic, float) and bic != bic) or not str(bic).strip():
        return None, "BIC manquant"
    try:
        return BIC(str(bic)), None
    except ValueError as exc:
        return None, f"BIC invalide ({_reason(exc)})"


def _reason(exc: Exception) -> str:
    text = str(exc)
    table = {
        "checksum": "clé de contrôle fausse",
        "length": "longueur incorrecte",
        "country": "code pays inconnu",
        "character": "caractères non permis",
    }
    for key, french in table.items():
        if key in text.lower():
            return french
    return "format incorrect"


def _rows(frame: pd.DataFrame, mask: pd.Series, check: str, severity: str, messages) -> list[list]:
    sub = frame[mask]
    msgs = messages(sub) if callable(messages) else [messages] * len(sub)
    return [
        [d, c, check, severity, m]
        for d, c, m in zip(sub["dossier_id"], sub["company_name"], msgs, strict=True)
    ]


def dossier_checks(
    facts: pd.DataFrame,
    run_docs: pd.DataFrame,
    *,
    run_id: str,
    variation_threshold: Decimal = Decimal(30),
) -> pd.DataFrame:
    """Every anomaly of the billing run, by dossier number then check."""
    rows: list[list] = []
    sepa = facts[facts["payment_method"] == "sepa_debit"]
    for d, c, iban, bic in zip(
        sepa["dossier_id"], sepa["company_name"], sepa["iban"], sepa["bic"], strict=True
    ):
        (parsed_iban, ip), (parsed_bic, bp) = _parse_iban(iban), _parse_bic(bic)
        if ip:
            rows.append([d, c, CHECK_SEPA_IBAN, ERROR, f"Prélèvement SEPA : {ip}"])
        if bp:
            rows.append([d, c, CHECK_SEPA_BIC, ERROR, f"Prélèvement SEPA : {bp}"])
        if parsed_iban is not None and parsed_bic is not None:
            ic, bc = parsed_iban.country_code, parsed_bic.country_code
            if ic != bc:
                rows.append(
                    [
                        d,
                        c,
                        CHECK_BIC_COUNTRY,
                        WARNING,
                        f"IBAN {ic} mais BIC {bc} : vérifier la banque du mandat",
                    ]
                )

    per_dossier = run_docs.groupby("dossier_id")
    billed = per_dossier.size()
    n_billed = facts["dossier_id"].map(billed).fillna(0)
    rows += _rows(
        facts,
        (facts["status"] == "active") & (facts["active_services"] > 0) & (n_billed == 0),
        CHECK_NOT_BILLED,
        ERROR,
        lambda s: [
            f"{n} service(s) actif(s), récurrent {format_eur(r)}, aucun document dans "
            f"le run {run_id}"
            for n, r in zip(s["active_services"], s["recurring_cents"], strict=True)
        ],
    )
    rows += _rows(
        facts,
        (facts["status"] == "terminated") & (n_billed > 0),
        CHECK_TERMINATED,
        WARNING,
        lambda s: [
            f"Dossier résilié avec {int(n)} document(s) dans le run {run_id}"
            for n in s["dossier_id"].map(billed)
        ],
    )
    limit = float(variation_threshold) / 100
    rows += _rows(
        facts,
        facts["variation"].abs() > limit,
        CHECK_VARIATION,
        WARNING,
        lambda s: [
            f"Dernière facture {format_eur(a)} contre {format_eur(b)} "
            f"({'+' if v > 0 else ''}{format_percent(v)})"
            for a, b, v in zip(s["last_cents"], s["prev_cents"], s["variation"], strict=True)
        ],
    )
    rows += _rows(
        facts,
        facts["primary_count"] == 0,
        CHECK_NO_PRIMARY,
        WARNING,
        "Aucun contact principal : nom et prénom du contact vides",
    )
    rows += _rows(
        facts,
        facts["primary_count"] > 1,
        CHECK_MANY_PRIMARY,
        WARNING,
        lambda s: [
            f"{n} contacts principaux : le premier (par identifiant) est exporté"
            for n in s["primary_count"]
        ],
    )

    # Document-level controls on the run's own documents.
    company = facts.set_index("dossier_id")["company_name"]
    docs = run_docs.assign(company_name=run_docs["dossier_id"].map(company))
    known = docs["dossier_id"].isin(facts["dossier_id"])
    invoices = docs["kind"] == "invoice"
    gap = docs["ttc_units"] - docs["ht_units"] - docs["vat_units"]
    for mask, check, severity, text in (
        (
            ~known,
            CHECK_UNKNOWN_DOSSIER,
            ERROR,
            lambda r: f"Document {r.number} sur un dossier absent de la source",
        ),
        (
            invoices & (docs["net_units"] < 0),
            CHECK_NET_NEGATIVE,
            ERROR,
            lambda r: f"Facture {r.number} : net à payer {format_eur(units_to_cents(r.net_units))}",
        ),
        (
            invoices & (docs["net_units"] > docs["ttc_units"]),
            CHECK_NET_ABOVE,
            WARNING,
            lambda r: (
                f"Facture {r.number} : net à payer {format_eur(units_to_cents(r.net_units))} "
                f"> TTC {format_eur(units_to_cents(r.ttc_units))}"
            ),
        ),
        (
            gap != 0,
            CHECK_TTC,
            ERROR,
            lambda r: (
                f"Document {r.number} : TTC {format_eur(units_to_cents(r.ttc_units))} ≠ HT "
                f"{format_eur(units_to_cents(r.ht_units))} + TVA "
                f"{format_eur(units_to_cents(r.vat_units))}"
            ),
        ),
    ):
        for r in docs[mask].itertuples(index=False):
            rows.append([r.dossier_id, r.company_name, check, severity, text(r)])

    out = pd.DataFrame(rows, columns=list(DOSSIER_CHECK_COLUMNS))
    order = {ERROR: 0, WARNING: 1, INFO: 2}
    out["_s"] = out["Gravité"].map(order)
    out = out.sort_values(["N° dossier", "_s", "Contrôle"], kind="stable").drop(columns="_s")
    return out.reset_index(drop=True)


def recurring_checks(
    services: pd.DataFrame,
    calls: pd.DataFrame,
    rows: pd.DataFrame,
    *,
    period: str,
    unknown_codes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Controls of the recurring export: unbilled calls, missing costs, calls out of dates.

    ``services`` is every service of the source, ``calls`` the per-service call totals of the
    period, ``rows`` the export's rows (service_id, dossier_id, active).
    """
    out: list[list] = []
    known = calls["service_id"].isin(services["service_id"])
    for r in calls[~known].sort_values("service_id").itertuples(index=False):
        cents = units_to_cents(r.purchase_units)
        out.append(
            [
                None,
                r.service_id,
                CHECK_UNKNOWN_SERVICE,
                ERROR,
                f"{r.calls} appel(s) en {period} sur un service absent de la source : "
                f"achat {format_eur(cents)} que personne ne refacture",
                r.calls,
                cents,
            ]
        )

    exported = services[services["service_id"].isin(rows["service_id"])]
    no_cost = exported[
        (exported["sale_units"] > 0)
        & (exported["purchase_missing"] | (exported["purchase_units"] == 0))
    ]
    for r in no_cost.itertuples(index=False):
        out.append(
            [
                r.dossier_id,
                r.service_id,
                CHECK_NO_PURCHASE,
                WARNING,
                f"Vendu {format_eur(units_to_cents(r.sale_units))} sans prix d'achat "
                f"(référence {r.reference})",
                None,
                None,
            ]
        )

    dated = calls.merge(
        services[["service_id", "dossier_id", "start_date", "end_date"]], on="service_id"
    )
    first, last = dated["first_call"].astype("string"), dated["last_call"].astype("string")
    start, end = dated["start_date"].astype("string"), dated["end_date"].astype("string")
    before = (first < start).fillna(False).astype(bool)
    after = (last > end).fillna(False).astype(bool)
    for r in dated[before | after].itertuples(index=False):
        parts = []
        if r.first_call < r.start_date:
            parts.append(f"premier appel le {r.first_call}, service ouvert le {r.start_date}")
        if isinstance(r.end_date, str) and r.last_call > r.end_date:
            parts.append(f"dernier appel le {r.last_call}, service clos le {r.end_date}")
        out.append(
            [
                r.dossier_id,
                r.service_id,
                CHECK_CALLS_OUTSIDE,
                WARNING,
                "Appels hors des dates du service : " + " ; ".join(parts),
                r.calls,
                units_to_cents(r.purchase_units),
            ]
        )

    if unknown_codes is not None:
        for r in unknown_codes.itertuples(index=False):
            out.append(
                [
                    r.dossier_id,
                    r.service_id,
                    CHECK_UNKNOWN_CODE,
                    WARNING,
                    f"Code suivi « {r.code} » repris tel quel : il n'est pas dans la liste",
                    None,
                    None,
                ]
            )

    frame = pd.DataFrame(out, columns=list(RECURRING_CHECK_COLUMNS))
    frame["Nb appels"] = frame["Nb appels"].astype("Int64")
    frame["Achat HT"] = frame["Achat HT"].astype("Int64")
    return frame.sort_values(
        ["N° dossier", "ID service", "Contrôle"], kind="stable", na_position="first"
    ).reset_index(drop=True)


__all__ = ["bic_problem", "dossier_checks", "iban_problem", "recurring_checks"]
