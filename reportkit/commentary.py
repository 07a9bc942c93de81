"""The two HTML reports, section by section, built from the exports with :mod:`report` pieces.

Sentences are generated from the figures so that the commentary says what the numbers say;
every value from the data goes through the escaping builders of :mod:`report`.
"""

from __future__ import annotations

import pandas as pd

from . import checks
from .contract import ACCEPTED, ERROR, FIXED, RUN_KIND_LABELS, TO_ANALYSE, TO_FIX, WARNING
from .dossiers import SUMMARY_MONEY, DossierExport
from .money import format_eur, format_int, format_percent, units_to_cents
from .recurring import NO_REP, RecurringExport
from .report import Html, bar_chart, figures, mask_iban, paragraph, sensitive, sentences, table


def _join(items: list[str], limit: int = 12) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" … et {len(items) - limit} autres" if len(items) > limit else "")


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- billing-run control report -------------------------------------------------------------


def dossier_overview(export: DossierExport) -> Html:
    s = export.summary.set_index("Mode de paiement")
    total = s.loc["Total"]
    sepa = s.loc["Prélèvement SEPA"] if "Prélèvement SEPA" in s.index else None
    ctl = export.controls
    items = [
        ("Run contrôlé", export.run_id),
        ("Type de run", RUN_KIND_LABELS.get(export.run_kind, export.run_kind)),
        ("Période", export.period),
        ("Dossiers", format_int(len(export.table))),
        ("Documents du run", format_int(int(total["Documents du run"]))),
        ("Total TTC du run", format_eur(int(total["Total TTC du run"]))),
        (
            "Remise SEPA (net à payer)",
            format_eur(int(sepa["Net à payer du run"])) if sepa is not None else "—",
        ),
        ("Anomalies bloquantes", format_int(int((ctl["Gravité"] == ERROR).sum()))),
        ("Alertes", format_int(int((ctl["Gravité"] == WARNING).sum()))),
    ]
    return figures(items)


def dossier_summary_table(export: DossierExport) -> Html:
    return table(
        export.summary,
        money=SUMMARY_MONEY,
        integers=("Dossiers", "Documents du run"),
        caption="Synthèse par mode de paiement : la ligne Prélèvement SEPA est le montant de la remise",
    )


def anomalies_by_check(export: DossierExport) -> Html:
    ctl = export.controls
    if ctl.empty:
        return paragraph("Aucune anomalie détectée sur ce run.")
    rows = []
    for (check, severity), part in ctl.groupby(["Contrôle", "Gravité"], sort=False):
        ids = list(dict.fromkeys(part["N° dossier"].astype(str)))
        rows.append([check, severity, len(ids), _join(ids)])
    frame = pd.DataFrame(rows, columns=["Contrôle", "Gravité", "Dossiers", "Dossiers concernés"])
    frame["_o"] = frame["Gravité"].map({ERROR: 0, WARNING: 1}).fillna(2)
    frame = frame.sort_values(["_o", "Dossiers"], ascending=[True, False]).drop(columns="_o")
    return table(frame, integers=("Dossiers",), caption="Anomalies par contrôle")


def sepa_issues(export: DossierExport) -> Html:
    """Direct-debit mandates that the bank would reject; IBANs shown masked only."""
    ctl = export.controls
    bad = ctl[
        ctl["Contrôle"].isin(
            [checks.CHECK_SEPA_IBAN, checks.CHECK_SEPA_BIC, checks.CHECK_BIC_COUNTRY]
        )
    ]
    if bad.empty:
        return paragraph("Tous les dossiers en prélèvement ont un IBAN et un BIC valides.")
    ibans = export.table.set_index("N° dossier")["IBAN"]
    frame = pd.DataFrame(
        {
            "N° dossier": bad["N° dossier"],
            "Raison sociale": bad["Raison sociale"],
            "IBAN (masqué)": bad["N° dossier"].map(ibans).map(mask_iban),
            "Anomalie": bad["Message"],
        }
    )
    return table(frame, caption="Prélèvements à régulariser avant la remise", max_rows=50)


def largest_changes(export: DossierExport, *, top: int = 15) -> Html:
    t = export.table
    moved = t[t["Variation dernière facture"].notna()].copy()
    if moved.empty:
        return paragraph("Aucun dossier n'a deux factures à comparer.")
    moved["_abs"] = moved["Variation dernière facture"].abs()
    moved = moved.nlargest(top, "_abs")
    frame = moved[
        [
            "N° dossier",
            "Raison sociale",
            "Avant-dernière facture TTC",
            "Dernière facture TTC",
            "Variation dernière facture",
        ]
    ].rename(columns={"Variation dernière facture": "Variation"})
    return table(
        frame,
        money=("Avant-dernière facture TTC", "Dernière facture TTC"),
        percents=("Variation",),
        caption="Plus fortes variations par rapport à la facture précédente",
    )


# --- deficit commentary ---------------------------------------------------------------------


def _loss(series: pd.Series) -> int:
    return int(series[series < 0].sum())


def deficit_overview(export: RecurringExport) -> Html:
    t, deficit = export.table, export.deficit
    sell, buy, margin = (
        int(t[c].sum()) for c in ("Vente total HT", "Achat total HT", "Marge totale")
    )
    items = [
        ("Période", export.period),
        ("Ventes HT", format_eur(sell)),
        ("Achats HT", format_eur(buy)),
        ("Marge", format_eur(margin)),
        ("Taux de marge", format_percent(_ratio(margin, sell))),
        ("Services facturés", format_int(len(t))),
        ("Services déficitaires", format_int(int(deficit.sum()))),
        ("Perte des services déficitaires", format_eur(_loss(t.loc[deficit, "Marge totale"]))),
    ]
    if export.previous_codes is not None:
        counts = tracking_counts(export)
        items += [
            ("Nouveaux déficits", format_int(counts["new"])),
            ("Déficits toujours ouverts", format_int(counts["open"])),
            ("Déficits acceptés", format_int(counts["accepted"])),
            ("Déficits corrigés", format_int(counts["fixed"])),
        ]
    return figures(items)


def tracking_counts(export: RecurringExport) -> dict[str, int]:
    """How last month's deficits evolved: new, still open, accepted, corrected."""
    t, deficit = export.table, export.deficit
    prev = (
        export.previous_codes
        if export.previous_codes is not None
        else pd.Series(None, index=t.index)
    )
    was_tracked = prev.isin([TO_ANALYSE, TO_FIX, ACCEPTED])
    code = t["Code suivi"]
    return {
        "new": int((deficit & ~was_tracked).sum()),
        "open": int((deficit & was_tracked & code.isin([TO_ANALYSE, TO_FIX])).sum()),
        "accepted": int((deficit & (code == ACCEPTED)).sum()),
        "fixed": int((code == FIXED).sum()),
    }


def deficit_sentences(export: RecurringExport, destinations: pd.DataFrame | None = None) -> Html:
    """A few sentences that say where the loss comes from, generated from the figures."""
    t, deficit = export.table, export.deficit
    d = t[deficit]
    if d.empty:
        return sentences(["Aucun service n'est déficitaire ce mois-ci."])
    out = []
    sub_loss, call_loss = _loss(d["Marge service"]), _loss(d["Marge consommations"])
    n_sub, n_call = int((d["Marge service"] < 0).sum()), int((d["Marge consommations"] < 0).sum())
    total = sub_loss + call_loss
    out.append(
        f"{format_int(len(d))} service(s) déficitaire(s) perdent {format_eur(-_loss(d['Marge totale']))} "
        f"sur le mois : {format_eur(-sub_loss)} viennent d'abonnements vendus sous leur prix d'achat "
        f"({format_int(n_sub)} service(s), {format_percent(_ratio(sub_loss, total))} de la perte) et "
        f"{format_eur(-call_loss)} de consommations revendues à perte ({format_int(n_call)} "
        f"service(s), {format_percent(_ratio(call_loss, total))})."
    )
    by_ref = (
        d.groupby(d["Référence"].fillna("(sans référence)"))["Marge totale"].sum().sort_values()
    )
    worst = [f"{ref} ({format_eur(int(v))})" for ref, v in by_ref.head(3).items() if v < 0]
    if worst:
        out.append("Les références qui perdent le plus : " + ", ".join(worst) + ".")
    if destinations is not None and not destinations.empty:
        dest = destinations.assign(m=destinations["sale_units"] - destinations["purchase_units"])
        dest = dest[dest["m"] < 0].sort_values("m").head(3)
        if not dest.empty:
            parts = [
                f"{name or '(non renseignée)'} ({format_int(int(n))} appels, "
                f"{format_eur(units_to_cents(int(m)))})"
                for name, n, m in zip(dest["destination"], dest["calls"], dest["m"], strict=True)
            ]
            out.append(
                "Sur les consommations, les destinations revendues à perte : "
                + ", ".join(parts)
                + "."
            )
    by_rep = (
        d.groupby(d["Commercial"].fillna(NO_REP))["Marge totale"]
        .agg(["sum", "size"])
        .sort_values("sum")
    )
    reps = [
        f"{rep} ({format_int(int(n))} service(s), {format_eur(int(s))})"
        for rep, (s, n) in by_rep.head(3).iterrows()
    ]
    out.append("Les portefeuilles les plus touchés : " + ", ".join(reps) + ".")
    if export.previous_codes is not None:
        c = tracking_counts(export)
        out.append(
            f"Par rapport au mois précédent : {format_int(c['new'])} nouveau(x) déficit(s), "
            f"{format_int(c['open'])} toujours à traiter, {format_int(c['accepted'])} accepté(s), "
            f"{format_int(c['fixed'])} corrigé(s)."
        )
        gone = export.no_longer_billed
        if gone:
            out.append(
                f"{format_int(len(gone))} service(s) encore à traiter le mois dernier ne sont plus "
                f"facturés ce mois-ci : {_join(list(gone), limit=10)}."
            )
    return sentences(out)


def per_salesperson(export: RecurringExport) -> Html:
    t = export.table.assign(_def=export.deficit, _rep=export.table["Commercial"].fillna(NO_REP))
    rows = []
    for rep, part in t.groupby("_rep", sort=True):
        dd = part[part["_def"]]
        open_items = dd[dd["Code suivi"].isin([TO_ANALYSE, TO_FIX])].sort_values("Marge totale")
        rows.append(
            [
                rep,
                len(part),
                int(part["Marge totale"].sum()),
                len(dd),
                _loss(dd["Marge totale"]),
                int(dd["Code suivi"].isin([TO_ANALYSE]).sum()),
                int(dd["Code suivi"].isin([TO_FIX]).sum()),
                _join(list(open_items["ID service"]), limit=8),
            ]
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "Commercial",
            "Services",
            "Marge totale",
            "Déficitaires",
            "Perte",
            "À analyser",
            "À corriger",
            "Services à traiter",
        ],
    ).sort_values("Perte")
    return table(
        frame,
        money=("Marge totale", "Perte"),
        integers=("Services", "Déficitaires", "À analyser", "À corriger"),
        caption="Par commercial : les dossiers à traiter sont ceux « À analyser » et « À corriger »",
    )


def _cause(row: pd.Series) -> str:
    sub, call = row["Marge service"] < 0, row["Marge consommations"] < 0
    if sub and call:
        return "Abonnement et consommations vendus à perte"
    if sub:
        return "Abonnement vendu sous le prix d'achat"
    if call:
        return "Consommations revendues à perte"
    return "Marge sous le seuil"


_TOP_COLUMNS = [
    "N° dossier",
    "Raison sociale",
    "Commercial",
    "ID service",
    "Référence",
    "Désignation",
    "Marge totale",
    "Cause",
    "Code suivi",
    "Commentaire",
]


MASKED_COMMENT = "(commentaire masqué : il contient un IBAN, une adresse e-mail ou une URL)"


def _top_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The columns shown for a deficit service; comments that would leak are masked."""
    frame = rows.assign(Cause=rows.apply(_cause, axis=1))[_TOP_COLUMNS]
    comments = frame["Commentaire"].map(lambda c: MASKED_COMMENT if sensitive(c) else c)
    return frame.assign(Commentaire=comments)


def worst_deficits(export: RecurringExport, *, top: int = 15) -> Html:
    t = export.table[export.deficit & (export.table["Code suivi"] != ACCEPTED)]
    if t.empty:
        return paragraph("Aucun déficit ouvert.")
    frame = _top_frame(t.nsmallest(top, "Marge totale"))
    return table(
        frame,
        money=("Marge totale",),
        caption=f"Les {len(frame)} services les plus déficitaires (hors déficits acceptés)",
    )


def accepted_deficits(export: RecurringExport, *, top: int = 50) -> Html:
    t = export.table[export.deficit & (export.table["Code suivi"] == ACCEPTED)]
    if t.empty:
        return paragraph("Aucun déficit accepté ce mois-ci.")
    frame = _top_frame(t.sort_values("Marge totale"))
    return table(
        frame,
        money=("Marge totale",),
        max_rows=top,
        caption="Déficits acceptés (maintenus volontairement)",
    )


def loss_chart(export: RecurringExport, *, top: int = 10) -> Html:
    d = export.table[export.deficit]
    by_ref = (
        d.groupby(d["Référence"].fillna("(sans référence)"))["Marge totale"].sum().sort_values()
    )
    by_ref = by_ref[by_ref < 0].head(top)
    return bar_chart(
        [str(x) for x in by_ref.index],
        [int(v) for v in by_ref.to_numpy()],
        title="Perte des services déficitaires par référence",
    )
