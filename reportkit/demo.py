"""The demo billing database: a seeded, realistic French telephony reseller, in SQLite.

Why it exists: the reports need data that looks like a real reseller's (French companies,
addresses, SEPA mandates, an OVH catalogue, months of invoices, millions of rated calls) and
that carries, on purpose and at known places, every anomaly the controls must find. The same
seed gives the same database whatever today's date, so tests can name the rows.

The calendar is fixed: final billing runs for 2026-05 .. 2026-10, the pre-production run
``R-2026-11-PREPROD`` being controlled, and an older simulation ``R-2026-10-PREPROD`` whose
documents reports must ignore. Call detail records cover 2026-09-22 00:00:00 .. 2026-12-01
00:00:00; invoices before 2026-10 bill an estimate of consumption (those CDRs are purged).

The planted anomalies live in the first 300 dossiers, at the ids of :data:`PITFALLS`, whatever
the seed and for every named scale; a smaller custom scale packs them into fewer dossiers
(:func:`pitfalls` gives their ids). Everything else is drawn from the seed.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from schwifty import IBAN

from reportkit.contract import TABLES, Kind, Table
from reportkit.errors import OutputError, ParamsError
from reportkit.money import UNITS_PER_CENT, UNITS_PER_EURO, units_to_cents

__all__ = [
    "CALLS_INDEX",
    "FINAL_RUNS",
    "OLD_PREPROD_RUN",
    "PERIOD",
    "PITFALLS",
    "PREPROD_RUN",
    "SCALES",
    "DemoInfo",
    "build_demo",
    "create_table_sql",
    "pitfalls",
]

# --- Public constants ------------------------------------------------------------------------

SCALES: dict[str, tuple[int, int, int]] = {  # dossiers, services, calls
    "demo": (300, 1_500, 100_000),
    "medium": (20_000, 120_000, 4_000_000),
    "large": (50_000, 300_000, 10_000_000),
}
MIN_DOSSIERS, MIN_CALLS = 50, 5_000  # the planted dossiers and calls must fit

PERIOD = "2026-11"
FINAL_PERIODS = ("2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10")
FINAL_RUNS = tuple(f"R-{p}-FINAL" for p in FINAL_PERIODS)
PREPROD_RUN = "R-2026-11-PREPROD"
OLD_PREPROD_RUN = "R-2026-10-PREPROD"

# Covering index for "calls of a period, per service" (SELECT service_id, COUNT(*), SUM(...)
# FROM calls WHERE started_at >= ? AND started_at < ? GROUP BY service_id). On the medium scale
# (4 M calls) that query takes 0.40 s with this index (a skip-scan per service, rows already
# grouped; it needs the ANALYZE statistics) and 1.05 s with (started_at, service_id, ...) (a
# range scan of half the index, then a temporary b-tree to group). On the large scale (10 M):
# 1.0 s. It also serves joins on service_id.
CALLS_INDEX = ("service_id", "started_at", "purchase_ht", "sale_ht")

PITFALLS: dict[str, tuple[str, ...]] = {
    # subscription sold below cost: a Premium line at the Classic price, a line given away
    "deficit_subscription": ("S000012-01", "S000146-02"),
    # consumption sold below cost: Maghreb calls sold 0.12 €/min bought 0.18 €/min (150 calls
    # a month), 08 numbers not re-billed (120 calls a month); in deficit in 2026-10 and 2026-11
    "deficit_consumption": ("S000031-01", "S000205-01"),
    # calls on ids no service has: S-UNKNOWN-01 25 in 2026-11 and 6 in 2026-10,
    # S-UNKNOWN-02 8 in 2026-10 only
    "unknown_service_calls": ("S-UNKNOWN-01", "S-UNKNOWN-02"),
    "sepa_without_iban": ("D000023",),  # sepa_debit, iban NULL, BIC set
    "invalid_iban": ("D000047",),  # sepa_debit, FR IBAN with wrong check digits
    "bic_country_mismatch": ("D000058",),  # sepa_debit, FR IBAN, Belgian BIC GEBABEBBXXX
    "sepa_without_bic": ("D000089",),  # sepa_debit, valid IBAN, bic NULL
    "iban_with_spaces": ("D000101",),  # valid IBAN stored grouped by 4: NOT an anomaly
    "no_primary_contact": ("D000064",),  # two contacts, neither primary
    "two_primary_contacts": ("D000077",),
    "missing_preprod_invoice": ("D000093",),  # active, services active in 2026-11, no document
    "ttc_mismatch": ("D000118",),  # its R-2026-11-PREPROD invoice: TTC = HT + VAT + 0.03
    # a credit note in R-2026-10-FINAL deducted from its R-2026-11-PREPROD invoice: net < 0
    "negative_net_to_pay": ("D000135",),
    "invoice_jump": ("D000150",),  # 400 calls to Asia in 2026-11: its last invoice soars
    "terminated_billed": ("D000166",),  # terminated, S000166-01 never closed, billed in preprod
    "zero_purchase": ("S000181-01",),  # purchase_ht 0
    "null_purchase": ("S000247-01",),  # purchase_ht NULL
    "calls_after_end": ("S000199-01",),  # ends 2026-11-10, 12 calls 2026-11-12 .. 2026-11-28
    "calls_before_start": ("S000212-01",),  # starts 2026-11-20, 9 calls 2026-11-02 .. 2026-11-18
    # a dossier with two invoices issued the same day, in R-2026-10-FINAL and in
    # R-2026-11-PREPROD: the higher number (the second, HT + 5 €) is the most recent; it has
    # the lower invoice_id and rowid, so only ordering by number finds it
    "same_day_invoices": ("D000230", "D000263"),
    "hostile_name": ("D000042", "D000281"),  # =HYPERLINK(...) and <script>alert(1)</script>
    "formula_like_name": ("D000296",),  # "@Home Services SAS": legitimate, starts with @
    "preprod_credit_note": ("D000272",),  # a -24.00 TTC credit note in R-2026-11-PREPROD
    # S000105-01 starts 2026-11-01, -02 starts 2026-11-30, -03 ends 2026-11-01, -04 ends
    # 2026-11-30, -05 ends 2026-10-31, -06 starts 2026-12-01, -08 ended 2024-09-30; S000105-07
    # has calls at 23:59:59 / 00:00:00 around 2026-10-01, 2026-11-01 and 2026-12-01
    "date_boundaries": ("D000105",),
    # dossiers with a document in R-2026-10-PREPROD, amounts unlike their R-2026-10-FINAL ones
    "old_preprod_documents": ("D000007", "D000019", "D000054", "D000128", "D000177", "D000239"),
    "leading_zero_postal_code": ("D000003",),  # 01000 Bourg-en-Bresse, for sure
}

NAMES = {  # (pitfall, i) -> company name
    ("hostile_name", 0): '=HYPERLINK("http://x","clic")',
    ("hostile_name", 1): "<script>alert(1)</script>",
    ("formula_like_name", 0): "@Home Services SAS",
}
SEPA_PITFALLS = (
    "sepa_without_iban", "invalid_iban", "bic_country_mismatch", "sepa_without_bic",
    "iban_with_spaces",
)  # fmt: skip

ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoInfo:
    """What was built, so a caller can print it or point params at it."""

    path: Path
    dossiers: int
    services: int
    calls: int
    period: str
    preprod_run: str
    final_runs: tuple[str, ...]


# --- Calendar (day numbers: days since 1970-01-01) --------------------------------------------


def _day(iso: str) -> int:
    return int(np.datetime64(iso, "D").astype(np.int64))


def _iso(days: np.ndarray | int) -> np.ndarray:
    return np.datetime_as_string(np.asarray(days, dtype=np.int64).astype("datetime64[D]"))


def _month_bounds(period: str) -> tuple[int, int]:
    """First day of the month and first day of the next, as day numbers."""
    first = np.datetime64(period, "M")
    return _day(str(first.astype("datetime64[D]"))), _day(str((first + 1).astype("datetime64[D]")))


def _next_period(period: str) -> str:
    return str(np.datetime64(period, "M") + 1)


BILLED_PERIODS = (*FINAL_PERIODS, PERIOD)
NO_END = 10**7  # end_date NULL, as a day number far in the future
CDR_WINDOWS = (  # first day, day after the last, share of the drawn calls
    (_day("2026-09-22"), _day("2026-10-01"), 0.05),
    (*_month_bounds("2026-10"), 0.46),
    (*_month_bounds("2026-11"), 0.49),
)

# --- French content ---------------------------------------------------------------------------

RESELLER_DOMAIN = "horizon-telecom.fr"
SALES_REPS = (
    ("REP01", "Claire Dumont"), ("REP02", "Julien Marchand"), ("REP03", "Sandrine Leroy"),
    ("REP04", "Mehdi Benali"), ("REP05", "Thomas Girard"), ("REP06", "Élodie Faure"),
    ("REP07", "Karim Haddad"), ("REP08", "Nathalie Rousseau"),
)  # fmt: skip
REP_WEIGHTS = (18, 16, 14, 13, 12, 11, 9, 7)

SURNAMES = [
    name.replace("_", " ")
    for name in """Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon
Michel Lefèbvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine
Rousseau Vincent Muller Lefèvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier
François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu Masson
Marchand Duval Denis Dumont Lemaire Noël Meyer Dufour Meunier Brun Blanchard Giraud Joly Rivière
Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche Renard Schmitt Roy Leroux Colin Vidal
Caron Picard Fabre Aubert Lemoine Renaud Dumas Lacroix Olivier Bourgeois Benoît Rey Leclerc
Payet Rolland Benali Nguyen Haddad Kowalski Le_Gall Le_Goff N'Diaye Saint-Martin Da_Silva""".split()
]
FIRST_NAMES = """Jean Marie Pierre Sophie Nicolas Isabelle Philippe Nathalie Laurent Valérie
Stéphane Sandrine Frédéric Céline Jérôme Hélène Olivier Émilie Julien Aurélie Sébastien Mélanie
Thomas Camille Antoine Chloé Maxime Léa Alexandre Manon Hugo Zoé Loïc Anaïs Maël Noémie François
Agnès Benoît Élodie Karim Leïla Mehdi Inès Yannick Gaëlle Cédric Océane Thierry Brigitte Jean-Luc
Marie-Claire Anne-Sophie Pierre-Yves""".split()
ACTIVITIES = """Boulangerie|Garage|Cabinet|Pharmacie|Transports|Menuiserie|Plomberie|Agence|Atelier
|Imprimerie|Restaurant|Hôtel|Clinique vétérinaire|Laboratoire|Électricité|Auto-école|Fromagerie
|Librairie|Bureau d'études|Studio|Conseil|Immobilière|Maison|Domaine|Cave|Brasserie|Crèche
|Centre dentaire|Ambulances|Taxis|Pressing|Fleuriste|Optique|Charpente|Couverture|Paysages
|Expertise comptable|Informatique|Nettoyage|Sécurité""".replace("\n", "").split("|")
PLACES = """Centre|Port|Marché|Moulin|Lac|Château|Parc|Vieux Pont|Val|Golfe|Bocage|Plateau
|Littoral|Canal|Beffroi""".replace("\n", "").split("|")
BRAND_HEADS = "Nova Alti Axe Cap Hexa Opti Vita Terra Lumi Sud Néo".split()
BRAND_TAILS = "tel com services tech logis concept ouest média bat".split()
LEGAL_FORMS = ("SARL", "SAS", "SASU", "EURL", "SA", "SCI", "SELARL", "SNC", "")
LEGAL_WEIGHTS = (35, 30, 10, 10, 4, 2, 3, 2, 4)
STREET_TYPES = "rue avenue boulevard place allée chemin impasse quai route".split()
STREET_NAMES = """de la République|Jean Jaurès|Victor Hugo|du Général de Gaulle|Pasteur|de la Gare
|des Lilas|du Maréchal Foch|Gambetta|de Verdun|Carnot|de l'Église|des Écoles|Saint-Michel
|de Paris|du 8 Mai 1945|Émile Zola|Jules Ferry|de la Liberté|des Tilleuls|du Moulin|Voltaire
|Denfert-Rochereau|de la Paix|Louis Pasteur|d'Alsace-Lorraine|des Artisans|du Stade|Nationale
|Sainte-Catherine""".replace("\n", "").split("|")
# postal code | city | telephone zone (1 Île-de-France .. 5 Sud-Ouest, MC Monaco) | weight
_CITY_TABLE = """
92100|Boulogne-Billancourt|1|4  92200|Neuilly-sur-Seine|1|2  93100|Montreuil|1|3
94300|Vincennes|1|2  78000|Versailles|1|3  91300|Massy|1|2  95000|Cergy|1|2  77100|Meaux|1|2
69001|Lyon|4|4  69003|Lyon|4|4  69007|Lyon|4|3  13001|Marseille|4|4  13008|Marseille|4|3
31000|Toulouse|5|6  33000|Bordeaux|5|6  44000|Nantes|2|6  35000|Rennes|2|4  59000|Lille|3|5
59650|Villeneuve-d'Ascq|3|2  67000|Strasbourg|3|4  34000|Montpellier|4|4  38000|Grenoble|4|3
21000|Dijon|3|2  49000|Angers|2|2  37000|Tours|2|2  76000|Rouen|2|2  14000|Caen|2|2
29200|Brest|2|2  64000|Pau|5|1  87000|Limoges|5|1  63000|Clermont-Ferrand|4|2  51100|Reims|3|2
54000|Nancy|3|2  57000|Metz|3|2  45000|Orléans|2|2  80000|Amiens|3|1  72000|Le Mans|2|1
17000|La Rochelle|5|1  86000|Poitiers|5|1  25000|Besançon|3|1  30000|Nîmes|4|1
84000|Avignon|4|1  84800|L'Isle-sur-la-Sorgue|4|1  83000|Toulon|4|2  42000|Saint-Étienne|4|2
20000|Ajaccio|4|1  20200|Bastia|4|1  74000|Annecy|4|2  73000|Chambéry|4|1  66000|Perpignan|4|1
56000|Vannes|2|1  22000|Saint-Brieuc|2|1  01000|Bourg-en-Bresse|4|2  01100|Oyonnax|4|1
02100|Saint-Quentin|3|1  03100|Montluçon|4|1  04000|Digne-les-Bains|4|1  05000|Gap|4|1
06000|Nice|4|4  06400|Cannes|4|2  06600|Antibes|4|2  07000|Privas|4|1
08000|Charleville-Mézières|3|1  09000|Foix|5|1  98000|Monaco|MC|2
"""
CITIES: list[tuple[str, str, str, int]] = [
    *((f"750{a:02d}", "Paris", "1", 3) for a in range(1, 21)),
    *(
        (code, city, zone, int(weight))
        for code, city, zone, weight in (
            entry.split("|") for entry in _CITY_TABLE.replace("\n", "  ").split("  ") if entry
        )
    ),
]
# IBAN bank code, BIC of that French bank (schwifty knows both), weight
BANKS = (
    ("30004", "BNPAFRPPXXX", 18), ("30003", "SOGEFRPPXXX", 15), ("30002", "CRLYFRPPXXX", 12),
    ("30006", "AGRIFRPPXXX", 14), ("10207", "CCBPFRPPXXX", 10), ("30066", "CMCIFRPPXXX", 9),
    ("20041", "PSSTFRPPXXX", 8), ("11315", "CEPAFRPPXXX", 7), ("30056", "CCFRFRPPXXX", 4),
    ("10107", "BREDFRPPXXX", 3),
)  # fmt: skip
FOREIGN_BIC = "GEBABEBBXXX"

# --- Catalogue and rating -------------------------------------------------------------------

STD, PREMIUM, TRUNK, MAGHREB_LOSS, FREE_08 = range(5)  # call price grids
# reference, designation, purchase €, sale €, weight %, calls (relative), call price grid
CATALOGUE = (
    ("VOIP-LINE-CLASSIC", "Ligne SIP Classic", "4.99", "9.90", 30, 1.0, STD),
    ("VOIP-LINE-PREMIUM", "Ligne SIP Premium (fixes et mobiles illimités)", "12.99", "19.90",
     15, 1.6, PREMIUM),
    ("SIP-TRUNK-4", "Trunk SIP 4 canaux", "15.00", "29.00", 6, 6.0, TRUNK),
    ("SIP-TRUNK-10", "Trunk SIP 10 canaux", "35.00", "59.00", 3, 14.0, TRUNK),
    ("SIP-TRUNK-30", "Trunk SIP 30 canaux", "90.00", "149.00", 1, 35.0, TRUNK),
    ("NUM-GEO", "Numéro géographique 0{zone}", "1.00", "2.50", 20, 0.25, STD),
    ("NUM-NONGEO", "Numéro non géographique 09", "1.00", "2.00", 5, 0.25, STD),
    ("NUM-SVA", "Numéro spécial SVA 08 9x", "15.00", "25.00", 3, 0.5, STD),
    ("FAX-LINE", "Ligne fax virtuelle (fax to mail)", "2.99", "5.90", 5, 0.15, STD),
    ("CONF-BRIDGE", "Pont de conférence 20 participants", "5.00", "9.90", 4, 0.6, STD),
    ("LOC-YEALINK-T54W", "Location poste IP Yealink T54W", "4.50", "7.90", 8, 0.0, STD),
)  # fmt: skip
REFS = [c[0] for c in CATALOGUE]
DESTINATIONS = (
    "Fixe France", "Mobile France", "International Europe", "International Maghreb",
    "Numéro spécial 08", "International Amérique du Nord", "International Asie",
)  # fmt: skip
MAGHREB, SPECIAL_08, ASIA = 3, 4, 6
DEST_P = np.array([0.50, 0.36, 0.05, 0.02, 0.03, 0.02, 0.02])
DEST_P_INTL = np.array([0.35, 0.30, 0.15, 0.12, 0.02, 0.03, 0.03])  # dossiers calling abroad
# per started minute (prorated to the second) and per call, in units of 1/10,000 €
BUY_RATE = np.array([100, 250, 300, 1800, 800, 150, 600])
BUY_SETUP = np.array([0, 0, 0, 0, 790, 0, 0])
SELL_RATE = np.array([
    [200, 500, 900, 2900, 1200, 600, 1500],  # STD
    [0, 0, 900, 2900, 1200, 600, 1500],  # PREMIUM: France included in the subscription
    [150, 400, 700, 2400, 1000, 450, 1200],  # TRUNK
    [200, 500, 900, 1200, 1200, 600, 1500],  # MAGHREB_LOSS: a misconfigured grid
    [200, 500, 900, 2900, 0, 600, 1500],  # FREE_08: 08 numbers not re-billed
])  # fmt: skip
SELL_SETUP = np.array([[0, 0, 0, 0, 1200, 0, 0]] * 4 + [[0] * 7])

# --- Planted services: dossier number -> its first services (k = 01, 02, ...) ----------------
# reference, start, end (None: open), overrides (sale/purchase in units, None for NULL; grid)

_BASE = ("VOIP-LINE-CLASSIC", "2024-03-01", None, {})
SPECIAL_SERVICES: dict[int, list[tuple[str, str, str | None, dict]]] = {
    12: [("VOIP-LINE-PREMIUM", "2024-06-03", None, {"sale": 99_000})],
    146: [_BASE, ("VOIP-LINE-CLASSIC", "2025-01-06", None, {"sale": 0})],
    31: [("VOIP-LINE-CLASSIC", "2024-09-02", None, {"grid": MAGHREB_LOSS})],
    205: [("VOIP-LINE-CLASSIC", "2025-03-03", None, {"grid": FREE_08})],
    150: [_BASE],
    166: [("VOIP-LINE-CLASSIC", "2024-05-02", None, {})],
    181: [("CONF-BRIDGE", "2025-02-03", None, {"purchase": 0}), _BASE],
    247: [("FAX-LINE", "2024-11-04", None, {"purchase": None}), _BASE],
    199: [("VOIP-LINE-CLASSIC", "2025-02-10", "2026-11-10", {}), _BASE],
    212: [("VOIP-LINE-CLASSIC", "2026-11-20", None, {}), _BASE],
    105: [
        ("NUM-GEO", "2026-11-01", None, {}),
        ("VOIP-LINE-CLASSIC", "2026-11-30", None, {}),
        ("FAX-LINE", "2025-01-15", "2026-11-01", {}),
        ("VOIP-LINE-CLASSIC", "2025-06-02", "2026-11-30", {}),
        ("VOIP-LINE-CLASSIC", "2025-06-02", "2026-10-31", {}),
        ("SIP-TRUNK-4", "2026-12-01", None, {}),
        ("VOIP-LINE-PREMIUM", "2024-03-01", None, {}),
        ("NUM-GEO", "2024-02-01", "2024-09-30", {}),
    ],
}
# every other planted dossier: one plain line open since 2024, so that it is billed every month
for _ids in PITFALLS.values():
    for _id in _ids:
        if _id.startswith("D"):
            SPECIAL_SERVICES.setdefault(int(_id[1:]), [_BASE])
SLOTS = sorted(SPECIAL_SERVICES)  # numbers of the planted dossiers from 300 dossiers on


def _placement(dossiers: int) -> dict[int, int]:
    """Slot -> dossier number: the slots themselves from 300 dossiers on, else spread evenly."""
    if dossiers >= 300:
        return {slot: slot for slot in SLOTS}
    return {slot: 1 + i * dossiers // len(SLOTS) for i, slot in enumerate(SLOTS)}


def pitfalls(dossiers: int = 300) -> dict[str, tuple[str, ...]]:
    """Ids of the planted anomalies in a demo database of that many dossiers.

    From 300 dossiers on (every named scale) they are :data:`PITFALLS`; a smaller custom scale
    packs the same stories into fewer dossiers, hence other numbers.
    """
    where = _placement(dossiers)

    def move(key: str) -> str:
        if key.startswith("D"):
            return f"D{where[int(key[1:])]:06d}"
        if key[1].isdigit():  # a planted service S{dossier}-{k}
            return f"S{where[int(key[1:7])]:06d}{key[7:]}"
        return key  # ids that exist in no table

    return {name: tuple(move(key) for key in keys) for name, keys in PITFALLS.items()}


class _Plan:
    """Where the planted stories go in a database of ``dossiers`` dossiers."""

    def __init__(self, dossiers: int) -> None:
        where = _placement(dossiers)
        self.dossiers = dossiers
        self.ids = pitfalls(dossiers)
        self.specials = {where[slot]: specs for slot, specs in SPECIAL_SERVICES.items()}
        self.planted = np.array(sorted(self.specials))

    def num(self, pitfall: str, i: int = 0) -> int:
        """Dossier number (D000123 -> 123) of a pitfall."""
        return int(self.ids[pitfall][i][1:7])

    def service(self, pitfall: str, k: int) -> str:
        return f"S{self.num(pitfall):06d}-{k:02d}"


# --- Entry point ------------------------------------------------------------------------------


def build_demo(
    path: str | Path,
    *,
    scale: str | tuple[int, int, int] = "demo",
    seed: int = 20261101,
    progress: ProgressFn | None = None,
    overwrite: bool = True,
) -> DemoInfo:
    """Write the demo database to ``path`` (SQLite) and describe it.

    ``scale`` is a name of :data:`SCALES` or ``(dossiers, services, calls)``. The file only
    appears once complete: it is built under a hidden name next to ``path``, then renamed, so
    an interrupted build never leaves a half database under the final name.
    ``progress(step, done, total)`` is called during the long steps (``calls``, ``indexes``).
    """
    n_dossiers, n_services, n_calls = _resolve_scale(scale)
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"cannot write the demo database: {path} is a directory")
    if path.exists() and not overwrite:
        raise OutputError(f"{path} already exists (pass overwrite=True to replace it)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder of {path}: {exc}") from exc

    data = _generate(np.random.default_rng(seed), n_dossiers, n_services, n_calls)

    # Same directory, hence same file system: os.replace is atomic.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        con = sqlite3.connect(tmp, isolation_level=None)
        try:
            _write(con, data, progress)
        finally:
            con.close()
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError | sqlite3.OperationalError):  # disk full, no permission...
            raise OutputError(f"cannot write the demo database {path}: {exc}") from exc
        raise
    return DemoInfo(
        path=path,
        dossiers=n_dossiers,
        services=n_services,
        calls=n_calls,
        period=PERIOD,
        preprod_run=PREPROD_RUN,
        final_runs=FINAL_RUNS,
    )


def _resolve_scale(scale: str | Sequence[int]) -> tuple[int, int, int]:
    if isinstance(scale, str):
        if scale not in SCALES:
            raise ParamsError(f"unknown demo scale {scale!r}: use one of {', '.join(SCALES)}")
        return SCALES[scale]
    try:
        dossiers, services, calls = (int(x) for x in scale)
    except (TypeError, ValueError) as exc:
        message = f"a demo scale is a name or (dossiers, services, calls), not {scale!r}"
        raise ParamsError(message) from exc
    planted_services = sum(len(specs) + 1 for specs in SPECIAL_SERVICES.values())
    min_services = planted_services + max(dossiers - len(SLOTS), 0)
    if dossiers < MIN_DOSSIERS or services < min_services or calls < MIN_CALLS:
        raise ParamsError(
            f"demo scale {tuple(scale)!r} is too small: at least {MIN_DOSSIERS} dossiers, "
            f"{min_services} services for them and {MIN_CALLS} calls"
        )
    return dossiers, services, calls


# --- Generation -------------------------------------------------------------------------------


@dataclass
class _Data:
    tables: dict[str, dict[str, list]]  # every table but calls: column -> values
    calls: dict[str, np.ndarray]  # sorted by started_at
    service_ids: np.ndarray  # service row -> id, the unknown ids appended


def _generate(rng: np.random.Generator, n_d: int, n_s: int, n_c: int) -> _Data:
    plan = _Plan(n_d)
    dossiers = _dossiers(rng, plan)
    contacts = _contacts(rng, plan, dossiers)
    services = _services(rng, plan, dossiers, n_s)
    calls, service_ids = _calls(rng, plan, dossiers, services, n_c)
    invoices = _invoices(rng, plan, dossiers, services, calls)
    reps = {
        "rep_id": [r[0] for r in SALES_REPS],
        "name": [r[1] for r in SALES_REPS],
        "email": [f"{_slug(r[1]).replace('-', '.')}@{RESELLER_DOMAIN}" for r in SALES_REPS],
    }
    public = lambda cols: {k: v for k, v in cols.items() if not k.startswith("_")}  # noqa: E731
    tables = {
        "sales_reps": reps,
        "dossiers": public(dossiers),
        "contacts": contacts,
        "billing_runs": _runs(),
        "invoices": invoices,
        "services": public(services),
    }
    return _Data(tables=tables, calls=calls, service_ids=service_ids)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


_LEGAL_WORDS = {f.lower() for f in LEGAL_FORMS}


def _slug(text: str) -> str:
    """E-mail-safe words of a name: 'Crèche d'Angers SARL' -> 'creche-d-angers'."""
    words = "".join(c if c.isalnum() else " " for c in _ascii(text).lower()).split()
    return "-".join([w for w in words if w not in _LEGAL_WORDS][:4]) or "client"


def _pick(rng: np.random.Generator, items: Sequence, weights: Sequence[float], n: int) -> list:
    p = np.asarray(weights, dtype=float)
    return [items[i] for i in rng.choice(len(items), size=n, p=p / p.sum())]


def _one(rng: np.random.Generator, items: Sequence[str]) -> str:
    return items[int(rng.integers(len(items)))]


def _phone(rng: np.random.Generator, zone: str, *, mobile: bool = False) -> str:
    """A French number as people type them: 0145678912, +33 1 45 67 89 12, 01 45 67 89 12."""
    if zone == "MC":
        digits = f"{rng.integers(92, 100)}{rng.integers(0, 1_000_000):06d}"
        return f"+377 {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"
    head = _one(rng, "67") if mobile else zone
    national = f"0{head}{rng.integers(10_000_000, 100_000_000)}"
    style = rng.random()
    if style < 0.6:
        return national
    pairs = " ".join(national[i : i + 2] for i in range(2, 10, 2))
    return f"+33 {head} {pairs}" if style < 0.85 else f"0{head} {pairs}"


def _company(rng: np.random.Generator, city: str) -> str:
    surname, activity = _one(rng, SURNAMES), _one(rng, ACTIVITIES)
    pattern = rng.integers(7)
    if pattern == 0:
        core = f"{activity} {surname} & Fils"
    elif pattern == 1:
        core = f"{activity} du {_one(rng, PLACES)}"
    elif pattern == 2:
        core = f"{surname} {_one(rng, SURNAMES)} Associés"
    elif pattern == 3:
        core = _one(rng, BRAND_HEADS) + _one(rng, BRAND_TAILS)
    elif pattern == 4:
        core = f"{activity} d'{city}" if city[0] in "AEIOUYÉ" else f"{activity} de {city}"
    else:
        core = f"{activity} {surname}"
    form = _pick(rng, LEGAL_FORMS, LEGAL_WEIGHTS, 1)[0]
    if not form:
        return core if rng.random() < 0.5 else f"Association {core}"
    return f"{form} {core}" if rng.random() < 0.3 else f"{core} {form}"


def _address(rng: np.random.Generator) -> str:
    suffix = " bis" if rng.random() < 0.06 else ""
    street = f"{rng.integers(1, 180)}{suffix} {_one(rng, STREET_TYPES)} {_one(rng, STREET_NAMES)}"
    r = rng.random()
    if r < 0.08:
        return f"ZA du {_one(rng, PLACES)}, {street}"
    if r < 0.12:
        return f"{street}, bâtiment {_one(rng, 'ABCD')}"
    return street


def _dossiers(rng: np.random.Generator, plan: _Plan) -> dict[str, list]:
    """Dossiers: identity, status, sales rep, payment details; private columns start with _."""
    n = plan.dossiers
    nums = np.arange(1, n + 1)
    planted = np.isin(nums, plan.planted)
    r = rng.random(n)
    status = np.where(r < 0.05, "suspended", np.where(r < 0.15, "terminated", "active"))
    created = rng.integers(_day("2024-01-01"), _day("2026-10-20"), n)
    status[(status == "terminated") & (created > _day("2026-07-01"))] = "active"  # too young
    status[planted] = "active"
    status[nums == plan.num("terminated_billed")] = "terminated"
    created[planted] = np.minimum(created[planted], _day("2024-02-01"))
    intl = (rng.random(n) < 0.04) & ~planted
    discount = rng.choice([0, 5, 10, 15, 20], size=n, p=[0.7, 0.1, 0.1, 0.07, 0.03])
    discount[planted] = 0
    reps: list[str | None] = _pick(rng, [r[0] for r in SALES_REPS], REP_WEIGHTS, n)
    no_rep = rng.random(n) < 0.04
    cities = _pick(rng, CITIES, [c[3] for c in CITIES], n)
    methods = _pick(rng, ("sepa_debit", "transfer", "check", "card"), (72, 14, 6, 8), n)
    banks = _pick(rng, BANKS, [b[2] for b in BANKS], n)
    branch = rng.integers(0, 100_000, n)
    account = rng.integers(0, 10**11, n)
    names = {plan.num(pitfall, i): text for (pitfall, i), text in NAMES.items()}
    sepa = {plan.num(pitfall): pitfall for pitfall in SEPA_PITFALLS}
    cities[plan.num("leading_zero_postal_code") - 1] = next(c for c in CITIES if c[0] == "01000")

    out: dict[str, list] = {c: [] for c in TABLES["dossiers"].column_names}
    for i in range(n):
        num = i + 1
        postal_code, city, zone, _ = cities[i]
        name = names.get(num) or _company(rng, city)
        pitfall = sepa.get(num)
        method = "sepa_debit" if pitfall else methods[i]
        iban = bic = None
        if method == "sepa_debit":
            bank_code, bic, _ = banks[i]
            iban = IBAN.generate(
                "FR", bank_code=bank_code, branch_code=f"{branch[i]:05d}",
                account_code=f"{account[i]:011d}",
            ).compact  # fmt: skip
            if rng.random() < 0.25:
                bic = bic[:8]  # the 8-character form of the same BIC
        if pitfall == "sepa_without_iban":
            iban = None
        elif pitfall == "invalid_iban":
            iban = f"{iban[:2]}{int(iban[2:4]) % 97 + 2:02d}{iban[4:]}"  # other check digits
        elif pitfall == "bic_country_mismatch":
            bic = FOREIGN_BIC
        elif pitfall == "sepa_without_bic":
            bic = None
        elif pitfall == "iban_with_spaces":
            iban = " ".join(iban[j : j + 4] for j in range(0, len(iban), 4))
        slug = _slug(name)
        domain = f"{slug}.mc" if zone == "MC" else f"{slug}.fr"
        if rng.random() < 0.85:
            email = f"{_one(rng, ('contact', 'accueil', 'compta', 'direction'))}@{domain}"
        else:
            email = f"{slug.replace('-', '.')}@{_one(rng, ('orange.fr', 'wanadoo.fr', 'free.fr'))}"
        out["dossier_id"].append(f"D{num:06d}")
        out["company_name"].append(name)
        out["status"].append(str(status[i]))
        out["sales_rep_id"].append(None if no_rep[i] else reps[i])
        out["address"].append(_address(rng))
        out["postal_code"].append(postal_code)
        out["city"].append(city)
        out["country"].append("MC" if zone == "MC" else "FR")
        out["phone"].append(_phone(rng, zone))
        out["email"].append(email)
        out["payment_method"].append(method)
        out["iban"].append(iban)
        out["bic"].append(bic)
    out["_zone"] = [c[2] for c in cities]
    out["_created"] = created
    out["_intl"] = intl
    out["_discount"] = discount
    return out


def _contacts(rng: np.random.Generator, plan: _Plan, dossiers: dict[str, list]) -> dict[str, list]:
    """One to three contacts per dossier, the first one primary (but for two pitfalls)."""
    out: dict[str, list] = {c: [] for c in TABLES["contacts"].column_names}
    counts = rng.choice([1, 2, 3], size=len(dossiers["dossier_id"]), p=[0.55, 0.3, 0.15])
    none, both = plan.num("no_primary_contact"), plan.num("two_primary_contacts")
    for i, dossier_id in enumerate(dossiers["dossier_id"]):
        num = i + 1
        domain = dossiers["email"][i].split("@", 1)[1]
        if domain.endswith(("orange.fr", "wanadoo.fr", "free.fr")):
            domain = "gmail.com"
        for k in range(2 if num in (none, both) else int(counts[i])):
            first, last = _one(rng, FIRST_NAMES), _one(rng, SURNAMES)
            primary = num == both or (k == 0 and num != none)
            out["contact_id"].append(f"C{len(out['contact_id']) + 1:07d}")
            out["dossier_id"].append(dossier_id)
            out["first_name"].append(first)
            out["last_name"].append(last.upper() if rng.random() < 0.1 else last)
            out["email"].append(f"{_slug(first).replace('-', '')}.{_slug(last)}@{domain}")
            out["phone"].append(_phone(rng, dossiers["_zone"][i], mobile=rng.random() < 0.6))
            out["is_primary"].append(int(primary))
    return out


def _units(euros: str) -> int:
    """'9.90' -> 99000 units of 1/10,000 €."""
    whole, _, frac = euros.partition(".")
    return int(whole) * UNITS_PER_EURO + int((frac + "0000")[:4])


def _services(
    rng: np.random.Generator, plan: _Plan, dossiers: dict[str, list], n_s: int
) -> dict[str, list]:
    """Services of each dossier, numbered S{dossier}-{k}: planted ones first, then drawn ones."""
    n_d = plan.dossiers
    specials = plan.specials
    n_special = np.array([len(specials.get(num, [])) for num in range(1, n_d + 1)])
    planted = n_special > 0
    counts = np.where(planted, n_special + 1, 1)  # planted dossiers: one drawn service more
    weights = np.where(planted, 0.0, rng.lognormal(0.0, 0.9, n_d))
    counts += rng.multinomial(n_s - int(counts.sum()), weights / weights.sum())
    while (counts > 99).any():  # k has two digits
        excess = int((counts - 99).clip(0).sum())
        counts = counts.clip(max=99)
        room = np.where(counts >= 99, 0.0, weights)
        counts += rng.multinomial(excess, room / room.sum())

    owner = np.repeat(np.arange(n_d), counts)
    first_row = np.concatenate(([0], np.cumsum(counts)[:-1]))
    created = dossiers["_created"][owner]
    status = np.asarray(dossiers["status"])[owner]
    ref_weights = np.array([c[4] for c in CATALOGUE], dtype=float)
    ref = rng.choice(len(CATALOGUE), size=n_s, p=ref_weights / ref_weights.sum())
    # most services open with the dossier, the others during its life, more often early on
    later = (rng.random(n_s) ** 2 * (_day("2026-11-30") - created)).astype(np.int64)
    start = np.where(rng.random(n_s) < 0.6, created, created + later)
    # dossiers that left: every service closed by the termination day, some earlier
    term_day = created + 60 + (rng.random(n_s) * (_day("2026-10-31") - created - 60)).astype(int)
    term_day = term_day[first_row][owner]  # one day per dossier
    is_term = status == "terminated"
    start = np.where(is_term & (start > term_day - 30), created, start)
    early = start + ((term_day - start) * rng.random(n_s)).astype(np.int64)
    end = np.where(is_term, np.where(rng.random(n_s) < 0.2, early, term_day), NO_END)
    # living dossiers: one service in eight closed, some long ago, some at a future date
    closes = ~is_term & (rng.random(n_s) < 0.12)
    span = np.maximum(_day("2026-12-31") - start - 30, 1)
    end = np.where(closes, start + 30 + (rng.random(n_s) * span).astype(np.int64), end)
    order = np.lexsort((start, owner))  # within a dossier, k follows subscription order
    ref, start, end = ref[order], start[order], end[order]

    purchase = np.array([_units(CATALOGUE[c][2]) for c in ref], dtype=np.int64)
    catalogue_sale = np.array([_units(CATALOGUE[c][3]) for c in ref], dtype=np.int64)
    discounted = catalogue_sale * (100 - dossiers["_discount"][owner]) // 100
    sale = (discounted + UNITS_PER_CENT // 2) // UNITS_PER_CENT * UNITS_PER_CENT  # whole cents
    intensity = np.array([CATALOGUE[c][5] for c in ref]) * rng.lognormal(-0.2, 0.9, n_s)
    intensity[status == "suspended"] *= 0.1  # suspended lines barely call
    grid = np.array([CATALOGUE[c][6] for c in ref])
    purchase_null = np.zeros(n_s, dtype=bool)

    for num, specs in specials.items():
        row0 = int(first_row[num - 1])
        for row, (reference, first, last, over) in enumerate(specs, start=row0):
            c = REFS.index(reference)
            ref[row], intensity[row] = c, CATALOGUE[c][5]
            grid[row] = over.get("grid", CATALOGUE[c][6])
            start[row], end[row] = _day(first), NO_END if last is None else _day(last)
            cost = over.get("purchase", _units(CATALOGUE[c][2]))
            purchase[row], purchase_null[row] = cost or 0, cost is None
            sale[row] = over.get("sale", _units(CATALOGUE[c][3]))
        extra = row0 + len(specs)  # the drawn service: ordinary, and open all year
        if num != plan.num("terminated_billed"):
            start[extra], end[extra] = min(int(start[extra]), _day("2026-04-01")), NO_END

    zone = np.asarray(dossiers["_zone"])[owner]
    dossier_ids = np.asarray(dossiers["dossier_id"])[owner]
    k = np.arange(n_s) - first_row[owner] + 1
    end_text = _iso(np.minimum(end, _day("9999-12-31")))
    return {
        "service_id": [f"S{d[1:]}-{kk:02d}" for d, kk in zip(dossier_ids, k.tolist(), strict=True)],
        "dossier_id": dossier_ids.tolist(),
        "reference": [REFS[c] for c in ref],
        "designation": [
            CATALOGUE[c][1].format(zone="4" if z == "MC" else z)
            for c, z in zip(ref, zone, strict=True)
        ],
        "purchase_ht": np.where(purchase_null, None, purchase / UNITS_PER_EURO).tolist(),
        "sale_ht": (sale / UNITS_PER_EURO).tolist(),
        "start_date": _iso(start).tolist(),
        "end_date": np.where(end == NO_END, None, end_text).tolist(),
        "_owner": owner,
        "_start": start,
        "_end": end,  # inclusive
        "_sale": sale,
        "_intensity": intensity,
        "_grid": grid,
    }


def _durations(rng: np.random.Generator, median_s: float, sigma: float, n: int) -> np.ndarray:
    return np.clip(np.rint(rng.lognormal(np.log(median_s), sigma, n)), 1, 14_400).astype(np.int64)


def _time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds after midnight: mostly office hours, some at any time."""
    office = np.clip(rng.normal(13.5 * 3600, 2.8 * 3600, n), 7 * 3600, 20 * 3600 - 1)
    anytime = rng.integers(0, 86_400, n)
    return np.where(rng.random(n) < 0.85, office, anytime).astype(np.int64)


_Block = tuple[int, np.ndarray, np.ndarray, np.ndarray]  # service row, seconds, dest, duration


def _planted_calls(
    rng: np.random.Generator, plan: _Plan, row: Callable[[str], int]
) -> list[_Block]:
    """The calls written on purpose (see :data:`PITFALLS`)."""
    blocks: list[_Block] = []
    ids = plan.ids

    def spread(service: str, first: str, last: str, n: int, dest: int, median_s: float) -> None:
        seconds = rng.integers(_day(first), _day(last) + 1, n) * 86_400 + _time_of_day(rng, n)
        blocks.append((row(service), seconds, np.full(n, dest), _durations(rng, median_s, 0.6, n)))

    for first, last in (("2026-10-01", "2026-10-31"), ("2026-11-01", "2026-11-30")):
        spread(ids["deficit_consumption"][0], first, last, 150, MAGHREB, 200)
        spread(ids["deficit_consumption"][1], first, last, 120, SPECIAL_08, 150)
    spread(plan.service("invoice_jump", 1), "2026-11-02", "2026-11-27", 400, ASIA, 180)
    spread(ids["calls_after_end"][0], "2026-11-12", "2026-11-28", 12, 1, 90)
    spread(ids["calls_before_start"][0], "2026-11-02", "2026-11-18", 9, 0, 90)
    unknown, unknown_october = ids["unknown_service_calls"]
    spread(unknown, "2026-11-01", "2026-11-30", 25, 1, 120)
    spread(unknown, "2026-10-01", "2026-10-31", 6, 0, 120)
    spread(unknown_october, "2026-10-05", "2026-10-30", 8, 2, 120)
    edges = np.array(
        [
            "2026-09-30T23:59:59", "2026-10-01T00:00:00", "2026-10-31T23:59:59",
            "2026-11-01T00:00:00", "2026-11-30T23:59:59", "2026-12-01T00:00:00",
        ],
        dtype="datetime64[s]",
    ).astype(np.int64)  # fmt: skip
    n = len(edges)
    blocks.append(
        (row(plan.service("date_boundaries", 7)), edges, np.zeros(n, np.int64), np.full(n, 61))
    )
    return blocks


def _calls(
    rng: np.random.Generator,
    plan: _Plan,
    dossiers: dict[str, list],
    services: dict[str, list],
    n_c: int,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Rated call detail records, drawn vectorised; sorted by time, so call_id follows time."""
    owner, start, end = services["_owner"], services["_start"], services["_end"]
    n_s = len(owner)
    service_ids = np.array([*services["service_id"], *PITFALLS["unknown_service_calls"]], object)
    index = {sid: i for i, sid in enumerate(service_ids)}
    blocks = _planted_calls(rng, plan, index.__getitem__)
    n_drawn = n_c - sum(len(b[1]) for b in blocks)

    intl = dossiers["_intl"][owner]
    parts: list[_Block | tuple[np.ndarray, ...]] = []
    remaining = n_drawn
    for w, (lo, hi, share) in enumerate(CDR_WINDOWS):
        n = remaining if w == len(CDR_WINDOWS) - 1 else round(share * n_drawn)
        remaining -= n
        first = np.maximum(start, lo)
        days = np.clip(np.minimum(end + 1, hi) - first, 0, None)  # active days in the window
        cdf = np.cumsum(services["_intensity"] * days)
        svc = np.minimum(np.searchsorted(cdf / cdf[-1], rng.random(n), side="right"), n_s - 1)
        day = first[svc] + (rng.random(n) * days[svc]).astype(np.int64)
        weekend = (day + 3) % 7 >= 5  # 1970-01-01 was a Thursday
        redraw = weekend & (rng.random(n) < 0.75)
        day = np.where(redraw, first[svc] + (rng.random(n) * days[svc]).astype(np.int64), day)
        u = rng.random(n)
        dest = np.where(
            intl[svc],
            np.searchsorted(np.cumsum(DEST_P_INTL), u, side="right"),
            np.searchsorted(np.cumsum(DEST_P), u, side="right"),
        ).clip(max=len(DESTINATIONS) - 1)
        parts.append((svc, day * 86_400 + _time_of_day(rng, n), dest, _durations(rng, 70, 1.1, n)))
    for service, seconds, dest, duration in blocks:
        parts.append((np.full(len(seconds), service), seconds, dest, duration))

    svc, seconds, dest, duration = (np.concatenate(col) for col in zip(*parts, strict=True))
    order = np.argsort(seconds, kind="stable")
    svc, seconds = svc[order].astype(np.int32), seconds[order]
    dest, duration = dest[order].astype(np.int8), duration[order]
    grid = np.concatenate([services["_grid"], np.full(len(service_ids) - n_s, STD)])[svc]
    buy = (duration * BUY_RATE[dest] + 59) // 60 + BUY_SETUP[dest]
    sell = (duration * SELL_RATE[grid, dest] + 59) // 60 + SELL_SETUP[grid, dest]
    calls = {
        "service": svc,
        "seconds": seconds,
        "duration": duration,
        "destination": dest,
        "purchase": buy,
        "sale": sell,
    }
    return calls, service_ids


def _vat(ht_cents: int) -> int:
    """20 % VAT, half-up (away from zero) to the cent."""
    return units_to_cents(ht_cents * 20)


def _invoices(
    rng: np.random.Generator,
    plan: _Plan,
    dossiers: dict[str, list],
    services: dict[str, list],
    calls: dict[str, np.ndarray],
) -> dict[str, list]:
    """Documents of every run: the dossier's active services plus the month's calls, + 20 %."""
    n_d = len(dossiers["dossier_id"])
    owner, start, end = services["_owner"], services["_start"], services["_end"]
    n_s = len(owner)

    # calls sold per service: the CDRs for 2026-10 and 2026-11, an estimate before
    svc, seconds, sale = calls["service"], calls["seconds"], calls["sale"]
    sold: dict[str, np.ndarray] = {}
    for period in ("2026-10", PERIOD):
        lo, hi = _month_bounds(period)
        m = (svc < n_s) & (seconds >= lo * 86_400) & (seconds < hi * 86_400)
        sold[period] = np.bincount(svc[m], weights=sale[m], minlength=n_s)
    lo, hi = _month_bounds("2026-10")
    share = np.clip(np.minimum(end + 1, hi) - np.maximum(start, lo), 0, None) / (hi - lo)
    grid, intensity = services["_grid"], services["_intensity"]
    expected = np.zeros(n_s)
    for g in np.unique(grid):
        in_g = grid == g
        weight = float((intensity[in_g] * share[in_g]).sum())
        if weight > 0:
            expected[in_g] = intensity[in_g] * sold["2026-10"][in_g].sum() / weight

    ht: dict[str, np.ndarray] = {}  # per dossier, cents
    billable: dict[str, np.ndarray] = {}  # has a service active in the period
    for period in BILLED_PERIODS:
        lo, hi = _month_bounds(period)
        active = (start < hi) & (end >= lo)
        subscriptions = np.bincount(owner[active], weights=services["_sale"][active], minlength=n_d)
        if period in sold:
            usage = np.bincount(owner, weights=sold[period], minlength=n_d)
        else:
            usage = np.bincount(owner[active], weights=expected[active], minlength=n_d)
            usage *= rng.uniform(0.85, 1.15, n_d)
        usage_cents = (np.rint(usage).astype(np.int64) + UNITS_PER_CENT // 2) // UNITS_PER_CENT
        ht[period] = np.rint(subscriptions).astype(np.int64) // UNITS_PER_CENT + usage_cents
        billable[period] = np.bincount(owner[active], minlength=n_d) > 0

    docs: list[dict] = []
    last_number = {"invoice": 0, "credit_note": 0}

    def document(run: str, period: str, d: int, ht_cents: int, kind: str = "invoice") -> dict:
        last_number[kind] += 1
        vat = _vat(ht_cents)
        return {
            "number": f"{'F' if kind == 'invoice' else 'A'}2026-{last_number[kind]:07d}",
            "dossier": d,
            "run_id": run,
            "kind": kind,
            "issued_on": f"{_next_period(period)}-01",
            "ht": ht_cents,
            "vat": vat,
            "ttc": ht_cents + vat,
            "net": ht_cents + vat,
        }

    def bill(run: str, period: str, who: np.ndarray, amounts: np.ndarray, pair: int) -> None:
        for d in np.flatnonzero(who).tolist():
            doc = document(run, period, d, int(amounts[d]))
            if d + 1 == pair:  # a second invoice the same day, for 5 € left off the first
                docs.extend([document(run, period, d, doc["ht"] + 500), doc])
            else:
                docs.append(doc)

    planted = np.isin(np.arange(1, n_d + 1), plan.planted)
    deducted = plan.num("negative_net_to_pay") - 1
    pairs = (plan.num("same_day_invoices", 0), plan.num("same_day_invoices", 1))
    credit_ttc = 0
    for period in FINAL_PERIODS:
        run = f"R-{period}-FINAL"
        bill(run, period, billable[period], ht[period], pairs[0] if period == "2026-10" else 0)
        gesture = billable[period] & ~planted & (rng.random(n_d) < 0.012)
        factor = rng.uniform(0.1, 0.5, n_d)
        for d in np.flatnonzero(gesture).tolist():  # commercial gestures
            amount = max(500, int(ht[period][d] * factor[d]) // 100 * 100)
            docs.append(document(run, period, d, -amount, "credit_note"))
        if period == "2026-10":  # a credit larger than the next invoice, deducted from it
            amount = (int(ht[PERIOD][deducted]) + 10_000) // 100 * 100
            note = document(run, period, deducted, -amount, "credit_note")
            credit_ttc = note["ttc"]
            docs.append(note)

    old = np.zeros(n_d, dtype=bool)
    old[[plan.num("old_preprod_documents", i) - 1 for i in range(6)]] = True
    simulated = ht["2026-10"].copy()
    simulated[old] = np.rint(simulated[old] * np.array([0.62, 1.48, 0.75, 1.35, 0.55, 1.6]))
    bill(OLD_PREPROD_RUN, "2026-10", old, simulated, 0)

    who = billable[PERIOD] & np.isin(dossiers["status"], ("active", "suspended"))
    who[plan.num("missing_preprod_invoice") - 1] = False
    who[plan.num("terminated_billed") - 1] = True
    first_preprod = len(docs)
    bill(PREPROD_RUN, PERIOD, who, ht[PERIOD], pairs[1])
    gesture = plan.num("preprod_credit_note") - 1
    docs.append(document(PREPROD_RUN, PERIOD, gesture, -2000, "credit_note"))
    for doc in docs[first_preprod:]:
        if doc["dossier"] == plan.num("ttc_mismatch") - 1:
            doc["ttc"] += 3
            doc["net"] = doc["ttc"]
        elif doc["dossier"] == deducted:
            doc["net"] = doc["ttc"] + credit_ttc

    ids = dossiers["dossier_id"]
    cents = lambda key: [d[key] / 100 for d in docs]  # noqa: E731
    return {
        "invoice_id": [f"INV{i:08d}" for i in range(1, len(docs) + 1)],
        "number": [d["number"] for d in docs],
        "dossier_id": [ids[d["dossier"]] for d in docs],
        "run_id": [d["run_id"] for d in docs],
        "kind": [d["kind"] for d in docs],
        "issued_on": [d["issued_on"] for d in docs],
        "total_ht": cents("ht"),
        "total_vat": cents("vat"),
        "total_ttc": cents("ttc"),
        "net_to_pay": cents("net"),
    }


def _runs() -> dict[str, list]:
    runs = [(f"R-{p}-FINAL", p, "final", f"{_next_period(p)}-03 02:00:00") for p in FINAL_PERIODS]
    runs.append((OLD_PREPROD_RUN, "2026-10", "preprod", "2026-11-01 07:30:00"))
    runs.append((PREPROD_RUN, PERIOD, "preprod", "2026-12-01 07:30:00"))
    columns = ("run_id", "period", "kind", "created_at")
    return {name: [r[i] for r in runs] for i, name in enumerate(columns)}


# --- Writing ----------------------------------------------------------------------------------

CHUNK = 100_000
_SQL_TYPES = {Kind.MONEY: "REAL", Kind.NUMBER: "INTEGER", Kind.FLAG: "INTEGER"}
_INTEGER_KEYS = {"call_id"}  # an alias of the rowid: no second b-tree for 10 M calls
INDEXES = (
    ("calls", CALLS_INDEX),
    ("invoices", ("dossier_id",)),
    ("invoices", ("run_id",)),
    ("services", ("dossier_id",)),
    ("contacts", ("dossier_id",)),
)


def create_table_sql(table: Table) -> str:
    """``CREATE TABLE`` for a contract table: SQLite types, key, NOT NULL, allowed values."""
    columns = []
    for col in table.columns:
        sql_type = "INTEGER" if col.name in _INTEGER_KEYS else _SQL_TYPES.get(col.kind, "TEXT")
        parts = [col.name, sql_type]
        if col.name == table.key:
            parts.append("PRIMARY KEY")
        if not col.nullable:
            parts.append("NOT NULL")
        if col.kind is Kind.ENUM:
            parts.append(f"CHECK ({col.name} IN ({', '.join(repr(v) for v in col.values)}))")
        elif col.kind is Kind.FLAG:
            parts.append(f"CHECK ({col.name} IN (0, 1))")
        columns.append(" ".join(parts))
    return f"CREATE TABLE {table.name} (\n  " + ",\n  ".join(columns) + "\n)"


def _insert(con: sqlite3.Connection, table: Table, columns: dict[str, Iterable]) -> None:
    # Keyed by the contract's names: a column added to the contract and not here fails loudly.
    names = table.column_names
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    con.executemany(sql, zip(*(columns[c] for c in names), strict=True))


def _write(con: sqlite3.Connection, data: _Data, progress: ProgressFn | None) -> None:
    report = progress or (lambda step, done, total: None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=MEMORY",
                   "cache_size=-262144", "locking_mode=EXCLUSIVE"):  # fmt: skip
        con.execute(f"PRAGMA {pragma}")
    con.execute("BEGIN")
    for table in TABLES.values():
        con.execute(create_table_sql(table))
    for name, columns in data.tables.items():
        _insert(con, TABLES[name], columns)

    calls, n = data.calls, len(data.calls["seconds"])
    destinations = np.array(DESTINATIONS, dtype=object)
    clock = np.array([f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)])
    first_day = int(calls["seconds"][0] // 86_400) if n else 0
    dates = _iso(np.arange(first_day, int(calls["seconds"][-1] // 86_400) + 1 if n else 0))
    for lo in range(0, n, CHUNK):
        part = slice(lo, min(lo + CHUNK, n))
        seconds = calls["seconds"][part]
        started_at = np.strings.add(dates[seconds // 86_400 - first_day], clock[seconds % 86_400])
        columns = {
            "call_id": range(lo + 1, part.stop + 1),
            "service_id": data.service_ids[calls["service"][part]].tolist(),
            "started_at": started_at.tolist(),
            "duration_s": calls["duration"][part].tolist(),
            "destination": destinations[calls["destination"][part]].tolist(),
            "purchase_ht": (calls["purchase"][part] / UNITS_PER_EURO).tolist(),
            "sale_ht": (calls["sale"][part] / UNITS_PER_EURO).tolist(),
        }
        _insert(con, TABLES["calls"], columns)
        report("calls", part.stop, n)

    for i, (name, cols) in enumerate(INDEXES, start=1):
        con.execute(f"CREATE INDEX idx_{name}_{'_'.join(cols)} ON {name} ({', '.join(cols)})")
        report("indexes", i, len(INDEXES))
    con.execute("COMMIT")
    con.execute("ANALYZE")
