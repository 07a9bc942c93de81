"""The generated commentary says what the figures say, and names the deficit services."""

from __future__ import annotations

import pandas as pd
import pytest

from reportkit import commentary, sources
from reportkit.contract import ACCEPTED, TO_FIX
from reportkit.demo import build_demo
from reportkit.dossiers import build_dossier_export
from reportkit.jobs import read_dossier_data
from reportkit.recurring import build_recurring_export


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("commentary") / "demo.sqlite"
    build_demo(path)
    url = f"sqlite:///{path}"
    with sources.open_source(url) as src:
        data = read_dossier_data(src, sources.resolve_run(src, run_id="R-2026-11-PREPROD"))
        calls = sources.call_totals(src, period="2026-11")
    return data, data.services, calls, data.dossiers


def test_deficit_commentary_names_the_deficits(demo):
    _, services, calls, dossiers = demo
    export = build_recurring_export(services, calls, dossiers, period="2026-11")
    deficit_ids = set(export.table.loc[export.deficit, "ID service"])
    assert {"S000012-01", "S000146-02", "S000031-01", "S000205-01"} <= deficit_ids
    worst = commentary.worst_deficits(export, top=10)
    for sid in deficit_ids:
        assert sid in worst
    text = commentary.deficit_sentences(export)
    assert "abonnements vendus sous leur prix d&#x27;achat" in text
    assert "VOIP-LINE" in text
    assert "Aucun déficit accepté" in commentary.accepted_deficits(export)
    assert "<img" in commentary.loss_chart(export)


def test_tracking_counts_with_a_previous_workbook(demo):
    _, services, calls, dossiers = demo
    first = build_recurring_export(services, calls, dossiers, period="2026-11")
    ids = list(first.table.loc[first.deficit, "ID service"])
    previous = pd.DataFrame(
        {"ID service": ids[:2], "Code suivi": [ACCEPTED, TO_FIX], "Commentaire": ["ok", None]}
    )
    export = build_recurring_export(services, calls, dossiers, period="2026-11", previous=previous)
    counts = commentary.tracking_counts(export)
    assert counts["accepted"] == 1 and counts["open"] == 1 and counts["new"] == len(ids) - 2
    assert ids[0] in commentary.accepted_deficits(export)
    assert ids[0] not in commentary.worst_deficits(export)
    assert "Déficits acceptés" in commentary.deficit_overview(export)
    assert ids[1] in commentary.per_salesperson(export)


def test_control_report_pieces(demo):
    data = demo[0]
    export = build_dossier_export(data)
    overview = commentary.dossier_overview(export)
    assert "R-2026-11-PREPROD" in overview and "Remise SEPA" in overview
    anomalies = commentary.anomalies_by_check(export)
    for dossier in ("D000023", "D000047", "D000064", "D000093"):
        assert dossier in anomalies
    sepa = commentary.sepa_issues(export)
    assert "D000047" in sepa and "****" in sepa
    assert "D000150" in commentary.largest_changes(export)


def test_comments_that_would_leak_are_masked(demo):
    _, services, calls, dossiers = demo
    first = build_recurring_export(services, calls, dossiers, period="2026-11")
    ids = list(first.table.loc[first.deficit, "ID service"])
    comments = ["rappeler jean.dupont@acme.fr", "IBAN FR76 3000 6000 0112 3456 7890 189", "RAS"]
    previous = pd.DataFrame(
        {"ID service": ids[:3], "Code suivi": [TO_FIX, ACCEPTED, TO_FIX], "Commentaire": comments}
    )
    export = build_recurring_export(services, calls, dossiers, period="2026-11", previous=previous)
    page = commentary.worst_deficits(export) + commentary.accepted_deficits(export)
    assert "acme.fr" not in page and "3456 7890" not in page
    assert page.count(commentary.MASKED_COMMENT.replace("'", "&#x27;")) == 2
    assert "RAS" in page


def test_sentences_name_open_services_no_longer_billed(demo):
    _, services, calls, dossiers = demo
    previous = pd.DataFrame(
        {"ID service": ["S-GONE"], "Code suivi": [TO_FIX], "Commentaire": [None]}
    )
    export = build_recurring_export(services, calls, dossiers, period="2026-11", previous=previous)
    assert "S-GONE" in commentary.deficit_sentences(export)
