from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from reportkit import checks, sources
from reportkit.contract import DOSSIER_COLUMNS, ERROR, WARNING
from reportkit.dossiers import build_dossier_export, group_iban
from reportkit.jobs import read_dossier_data

RUNS = [
    {"run_id": "R-09", "period": "2026-09", "kind": "final"},
    {"run_id": "R-10", "period": "2026-10", "kind": "final"},
    {"run_id": "R-10-PRE", "period": "2026-10", "kind": "preprod"},
    {"run_id": "R-11-PRE", "period": "2026-11", "kind": "preprod"},
    {"run_id": "R-12", "period": "2026-12", "kind": "final"},
]
IBAN = "FR7630006000011234567890189"


def inv(i, dossier, run, issued, ttc, *, kind="invoice", number=None, ht=None, vat=None, net=None):
    ttc = Decimal(ttc)
    ht = Decimal(ht) if ht is not None else (ttc / Decimal("1.2")).quantize(Decimal("0.01"))
    vat = Decimal(vat) if vat is not None else ttc - ht
    return {
        "invoice_id": f"I{i}",
        "number": number or f"F{i:05d}",
        "dossier_id": dossier,
        "run_id": run,
        "kind": kind,
        "issued_on": issued,
        "total_ht": str(ht),
        "total_vat": str(vat),
        "total_ttc": str(ttc),
        "net_to_pay": str(net if net is not None else ttc),
    }


def export_for(url, run_id="R-11-PRE", period=None, **kw):
    with sources.open_source(url) as src:
        data = read_dossier_data(src, sources.resolve_run(src, run_id=run_id, period=period))
    return build_dossier_export(data, **kw)


def row(export, dossier):
    t = export.table
    return t[t["N° dossier"] == dossier].iloc[0]


@pytest.fixture
def billing(make_source):
    dossiers = [
        {
            "dossier_id": "D1",
            "company_name": "Alpha",
            "payment_method": "sepa_debit",
            "iban": IBAN,
            "bic": "BNPAFRPPXXX",
            "postal_code": "01000",
        },
        {"dossier_id": "D2", "company_name": "Beta"},
        {"dossier_id": "D3", "company_name": "Gamma", "status": "terminated"},
        {
            "dossier_id": "D0",
            "company_name": "Zero",
            "status": "suspended",
            "payment_method": "card",
        },
    ]
    contacts = [
        {"contact_id": "C1", "dossier_id": "D1", "last_name": "Dupont", "first_name": "Jean"},
        {"contact_id": "C2", "dossier_id": "D1", "is_primary": 0, "last_name": "Autre"},
        {"contact_id": "C3", "dossier_id": "D2", "is_primary": 0},
        {"contact_id": "C5", "dossier_id": "D3", "last_name": "B"},
        {"contact_id": "C4", "dossier_id": "D3", "last_name": "A"},
    ]
    services = [
        {"service_id": "S1", "dossier_id": "D1", "sale_ht": "10.005", "start_date": "2026-11-30"},
        {
            "service_id": "S2",
            "dossier_id": "D1",
            "sale_ht": "5.0025",
            "start_date": "2025-01-01",
            "end_date": "2026-11-01",
        },
        {"service_id": "S3", "dossier_id": "D1", "sale_ht": "99", "start_date": "2026-12-01"},
        {
            "service_id": "S4",
            "dossier_id": "D1",
            "sale_ht": "99",
            "start_date": "2025-01-01",
            "end_date": "2026-10-31",
        },
        {"service_id": "S5", "dossier_id": "D2", "sale_ht": "20", "start_date": "2025-01-01"},
    ]
    invoices = [
        inv(1, "D1", "R-09", "2026-10-01", "100.00"),
        inv(2, "D1", "R-10", "2026-11-01", "150.00", number="F00003"),
        inv(3, "D1", "R-10", "2026-11-01", "120.00", number="F00002"),  # same day: number decides
        inv(4, "D1", "R-10", "2026-11-05", "-30.00", kind="credit_note"),
        inv(5, "D1", "R-10-PRE", "2026-11-01", "999.00"),  # other preprod: ignored
        inv(6, "D1", "R-12", "2027-01-01", "888.00"),  # later final run: ignored
        inv(7, "D1", "R-11-PRE", "2026-12-01", "240.00", net="200.00"),
        inv(8, "D3", "R-11-PRE", "2026-12-01", "12.00"),
    ]
    return make_source(
        billing_runs=RUNS,
        dossiers=dossiers,
        contacts=contacts,
        services=services,
        invoices=invoices,
    )


def test_columns_in_contract_order(billing):
    export = export_for(billing)
    assert tuple(export.table.columns[:20]) == DOSSIER_COLUMNS
    assert list(export.table["N° dossier"]) == ["D0", "D1", "D2", "D3"]


def test_invoice_columns(billing):
    export = export_for(billing)
    d1 = row(export, "D1")
    assert d1["Nb factures"] == 4  # R-09, two of R-10, R-11-PRE; not the credit note
    assert d1["Total TTC factures"] == 10000 + 15000 + 12000 - 3000 + 24000
    assert d1["Dernière facture TTC"] == 24000
    assert d1["Avant-dernière facture TTC"] == 15000  # F00003 after F00002 on the same day
    assert d1["Net à payer"] == 20000


def test_no_invoice_gives_empty_cells(billing):
    d2 = row(export_for(billing), "D2")
    assert d2["Nb factures"] == 0 and d2["Total TTC factures"] == 0
    assert pd.isna(d2["Dernière facture TTC"]) and pd.isna(d2["Avant-dernière facture TTC"])
    assert pd.isna(d2["Net à payer"])


def test_one_invoice_has_no_second_to_last(billing):
    d3 = row(export_for(billing), "D3")
    assert d3["Nb factures"] == 1 and d3["Dernière facture TTC"] == 1200
    assert pd.isna(d3["Avant-dernière facture TTC"])


def test_final_run_ignores_preprod_documents(billing):
    d1 = row(export_for(billing, run_id="R-10"), "D1")
    assert d1["Nb factures"] == 3 and d1["Dernière facture TTC"] == 15000
    assert d1["Total TTC factures"] == 10000 + 15000 + 12000 - 3000


def test_recurring_counts_services_active_on_period_edges(billing):
    d1 = row(export_for(billing), "D1")
    # S1 starts on the last day, S2 ends on the first day: both active; S3, S4 are not.
    assert d1["Récurrent HT"] == 1501  # 10.005 + 5.0025 = 15.0075 → 15.01 half-up


def test_labels_and_identifiers(billing):
    export = export_for(billing)
    d1 = row(export, "D1")
    assert d1["Statut"] == "Actif" and row(export, "D3")["Statut"] == "Résilié"
    assert row(export, "D0")["Statut"] == "Suspendu"
    assert d1["Mode de paiement"] == "Prélèvement SEPA"
    assert row(export, "D0")["Mode de paiement"] == "Carte bancaire"
    assert d1["Code postal"] == "01000"
    assert d1["IBAN"] == "FR76 3000 6000 0112 3456 7890 189"
    assert (d1["Nom du contact"], d1["Prénom du contact"]) == ("Dupont", "Jean")
    assert pd.isna(row(export, "D2")["Nom du contact"])
    assert row(export, "D3")["Nom du contact"] == "A"  # several primaries: first by contact id


def test_controls(billing):
    export = export_for(billing)
    c = export.controls
    found = set(zip(c["N° dossier"], c["Contrôle"], c["Gravité"], strict=True))
    assert ("D2", checks.CHECK_NOT_BILLED, ERROR) in found
    assert ("D2", checks.CHECK_NO_PRIMARY, WARNING) in found
    assert ("D3", checks.CHECK_MANY_PRIMARY, WARNING) in found
    assert ("D3", checks.CHECK_TERMINATED, WARNING) in found
    assert ("D1", checks.CHECK_VARIATION, WARNING) in found  # 240 vs 150: +60 %
    assert not any(d == "D1" and k.startswith("Prélèvement") for d, k, _ in found)


def test_variation_threshold_is_a_parameter(billing):
    c = export_for(billing, variation_threshold=Decimal(70)).controls
    assert checks.CHECK_VARIATION not in set(c["Contrôle"])


def test_payment_summary(billing):
    s = export_for(billing).summary.set_index("Mode de paiement")
    assert s.loc["Prélèvement SEPA", "Dossiers"] == 1
    assert s.loc["Prélèvement SEPA", "Documents du run"] == 1
    assert s.loc["Prélèvement SEPA", "Net à payer du run"] == 20000
    assert s.loc["Total", "Total TTC du run"] == 25200
    assert s.loc["Total", "Documents du run"] == 2


def _facts(**over):
    base = {
        "dossier_id": "D1",
        "company_name": "X",
        "status": "active",
        "payment_method": "sepa_debit",
        "iban": IBAN,
        "bic": "BNPAFRPPXXX",
        "active_services": 0,
        "recurring_cents": 0,
        "primary_count": 1,
        "last_cents": None,
        "prev_cents": None,
        "variation": float("nan"),
    }
    base.update(over)
    return pd.DataFrame([base])


EMPTY_DOCS = pd.DataFrame(
    columns=[
        "invoice_id",
        "number",
        "dossier_id",
        "kind",
        "issued_on",
        "ht_units",
        "vat_units",
        "ttc_units",
        "net_units",
    ]
)


@pytest.mark.parametrize(
    ("iban", "bic", "expected"),
    [
        (None, "BNPAFRPPXXX", checks.CHECK_SEPA_IBAN),
        ("FR7630006000011234567890188", "BNPAFRPPXXX", checks.CHECK_SEPA_IBAN),
        ("FR76300060000112345678901", "BNPAFRPPXXX", checks.CHECK_SEPA_IBAN),
        (IBAN, None, checks.CHECK_SEPA_BIC),
        (IBAN, "BNPAXXPP", checks.CHECK_SEPA_BIC),
        (IBAN, "GEBABEBBXXX", checks.CHECK_BIC_COUNTRY),
    ],
)
def test_direct_debit_checks(iban, bic, expected):
    out = checks.dossier_checks(_facts(iban=iban, bic=bic), EMPTY_DOCS, run_id="R")
    assert expected in set(out["Contrôle"])


def test_document_checks():
    docs = pd.DataFrame(
        [
            ["I1", "F1", "D1", "invoice", "2026-12-01", 10000, 2000, 12001, 12001],
            ["I2", "F2", "D1", "invoice", "2026-12-01", 10000, 2000, 12000, -100],
            ["I3", "F3", "D1", "invoice", "2026-12-01", 10000, 2000, 12000, 13000],
            ["I4", "F4", "D9", "credit_note", "2026-12-01", -100, -20, -120, -120],
        ],
        columns=EMPTY_DOCS.columns,
    )
    out = checks.dossier_checks(_facts(payment_method="transfer"), docs, run_id="R")
    kinds = list(out["Contrôle"])
    assert checks.CHECK_TTC in kinds and checks.CHECK_NET_NEGATIVE in kinds
    assert checks.CHECK_NET_ABOVE in kinds and checks.CHECK_UNKNOWN_DOSSIER in kinds


def test_group_iban():
    assert group_iban(" fr76 3000 6000 0112 3456 7890 189 ") == "FR76 3000 6000 0112 3456 7890 189"
    assert group_iban(None) is None and group_iban("") is None
