"""The contract (../shared/spec/contract.md) in code: tables, enums, French labels and headers.

This module only declares. ``sources`` checks a source against these declarations, the export
modules take their headers from here, so a change of the contract is a change of this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """How a column is checked and read."""

    TEXT = "text"
    MONEY = "money"  # euros with at most 4 decimals
    NUMBER = "number"  # a plain number (durations)
    DATE = "date"
    TIMESTAMP = "timestamp"
    ENUM = "enum"
    FLAG = "flag"  # 0/1


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    nullable: bool = True
    values: tuple[str, ...] = ()  # for ENUM


@dataclass(frozen=True)
class Table:
    name: str
    key: str
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _key(name: str) -> Column:
    return Column(name, Kind.TEXT, nullable=False)


STATUSES = ("active", "suspended", "terminated")
PAYMENT_METHODS = ("sepa_debit", "transfer", "check", "card")
RUN_KINDS = ("preprod", "final")
DOCUMENT_KINDS = ("invoice", "credit_note")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("sales_reps", "rep_id", (_key("rep_id"), Column("name"), Column("email"))),
        Table(
            "dossiers",
            "dossier_id",
            (
                _key("dossier_id"),
                Column("company_name"),
                Column("status", Kind.ENUM, nullable=False, values=STATUSES),
                Column("sales_rep_id"),
                Column("address"),
                Column("postal_code"),
                Column("city"),
                Column("country"),
                Column("phone"),
                Column("email"),
                Column("payment_method", Kind.ENUM, nullable=False, values=PAYMENT_METHODS),
                Column("iban"),
                Column("bic"),
            ),
        ),
        Table(
            "contacts",
            "contact_id",
            (
                _key("contact_id"),
                Column("dossier_id", nullable=False),
                Column("first_name"),
                Column("last_name"),
                Column("email"),
                Column("phone"),
                Column("is_primary", Kind.FLAG, nullable=False),
            ),
        ),
        Table(
            "billing_runs",
            "run_id",
            (
                _key("run_id"),
                Column("period", Kind.TEXT, nullable=False),
                Column("kind", Kind.ENUM, nullable=False, values=RUN_KINDS),
                Column("created_at", Kind.TIMESTAMP),
            ),
        ),
        Table(
            "invoices",
            "invoice_id",
            (
                _key("invoice_id"),
                Column("number", nullable=False),
                Column("dossier_id", nullable=False),
                Column("run_id", nullable=False),
                Column("kind", Kind.ENUM, nullable=False, values=DOCUMENT_KINDS),
                Column("issued_on", Kind.DATE, nullable=False),
                Column("total_ht", Kind.MONEY, nullable=False),
                Column("total_vat", Kind.MONEY, nullable=False),
                Column("total_ttc", Kind.MONEY, nullable=False),
                Column("net_to_pay", Kind.MONEY, nullable=False),
            ),
        ),
        Table(
            "services",
            "service_id",
            (
                _key("service_id"),
                Column("dossier_id", nullable=False),
                Column("reference"),
                Column("designation"),
                Column("purchase_ht", Kind.MONEY),
                Column("sale_ht", Kind.MONEY),
                Column("start_date", Kind.DATE, nullable=False),
                Column("end_date", Kind.DATE),
            ),
        ),
        Table(
            "calls",
            "call_id",
            (
                _key("call_id"),
                Column("service_id", nullable=False),
                Column("started_at", Kind.TIMESTAMP, nullable=False),
                Column("duration_s", Kind.NUMBER),
                Column("destination"),
                Column("purchase_ht", Kind.MONEY),
                Column("sale_ht", Kind.MONEY),
            ),
        ),
    )
}

# --- French labels -------------------------------------------------------------------------

STATUS_LABELS = {"active": "Actif", "suspended": "Suspendu", "terminated": "Résilié"}
PAYMENT_LABELS = {
    "sepa_debit": "Prélèvement SEPA",
    "transfer": "Virement",
    "check": "Chèque",
    "card": "Carte bancaire",
}
RUN_KIND_LABELS = {"preprod": "Pré-production", "final": "Définitive"}

# --- Output: the dossier export (contract §2) ----------------------------------------------

DOSSIERS_FILE = "dossiers_{run_id}.xlsx"
DOSSIERS_HTML = "dossiers_{run_id}.html"
DOSSIERS_SHEET = "Dossiers"
DOSSIER_COLUMNS = (
    "Raison sociale",
    "Nom du contact",
    "Prénom du contact",
    "Adresse",
    "Code postal",
    "Ville",
    "Pays",
    "Téléphone",
    "E-mail",
    "N° dossier",
    "Statut",
    "Récurrent HT",
    "Nb factures",
    "Total TTC factures",
    "Avant-dernière facture TTC",
    "Dernière facture TTC",
    "Net à payer",
    "Mode de paiement",
    "IBAN",
    "BIC",
)
DOSSIER_MONEY = (
    "Récurrent HT",
    "Total TTC factures",
    "Avant-dernière facture TTC",
    "Dernière facture TTC",
    "Net à payer",
)

# --- Output: the recurring export (contract §3) --------------------------------------------

RECURRING_FILE = "recurrent_{period}.xlsx"
DEFICITS_HTML = "deficits_{period}.html"
RECURRING_SHEET = "Récurrent"
RECURRING_COLUMNS = (
    "N° dossier",
    "Raison sociale",
    "Commercial",
    "ID service",
    "Référence",
    "Désignation",
    "Achat service HT",
    "Achat consommations HT",
    "Achat total HT",
    "Vente service HT",
    "Vente consommations HT",
    "Vente total HT",
    "Marge service",
    "Marge consommations",
    "Marge totale",
    "Code suivi",
)
COMMENT_COLUMN = "Commentaire"
RECURRING_MONEY = RECURRING_COLUMNS[6:15]

SUMMARY_SHEET = "Synthèse"
CHECKS_SHEET = "Contrôles"

# --- Tracking code (Code suivi) -------------------------------------------------------------

TO_ANALYSE = "À analyser"
TO_FIX = "À corriger"
ACCEPTED = "Déficit accepté"
FIXED = "Corrigé"
TRACKING_CODES = (TO_ANALYSE, TO_FIX, ACCEPTED, FIXED)

ERROR = "Erreur"
WARNING = "Alerte"
INFO = "Info"
