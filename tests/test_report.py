"""HTML pieces, page and gate: hostile data is shown, never run, and nothing leaks."""

from __future__ import annotations

import base64
import html
import re
from html.parser import HTMLParser

import matplotlib
import pandas as pd
import pytest
from conftest import BLNS
from hypothesis import given, settings
from hypothesis import strategies as st

from reportkit.errors import LeakError
from reportkit.report import (
    Html,
    bar_chart,
    figures,
    gate,
    heading,
    mask_iban,
    page,
    paragraph,
    sentences,
    table,
)

needs_blns = pytest.mark.skipif(not BLNS, reason="BLNS fixture not available")

VALID_IBAN = "FR7630006000011234567890189"
VALID_IBAN_SPACED = "FR76 3000 6000 0112 3456 7890 189"
VALID_IBAN_GB = "GB82WEST12345698765432"

# Every tag the builders (and page) emit, with the attributes each may carry.
ALLOWED: dict[str, set[str]] = {
    "dl": {"class"},
    "div": {"class"},
    "dt": set(),
    "dd": set(),
    **{f"h{i}": set() for i in range(1, 7)},
    "p": {"class"},
    "ul": {"class"},
    "li": set(),
    "table": {"class"},
    "caption": set(),
    "thead": set(),
    "tbody": set(),
    "tr": set(),
    "th": {"scope", "class"},
    "td": {"class", "colspan"},
    "figure": {"class"},
    "img": {"src", "alt", "width", "height"},
    # page()
    "html": {"lang"},
    "head": set(),
    "meta": {"charset", "name", "content"},
    "title": set(),
    "style": set(),
    "body": set(),
    "header": set(),
    "main": set(),
}


class Walker(HTMLParser):
    """Records the tags, attributes and the text of each element as a browser would see it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.texts: dict[str, list[str]] = {}
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag != "img":
            self.stack.append(tag)
            self._current = self.texts.setdefault(tag, [])
            self._current.append("")

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        self._current = self.texts[self.stack[-1]] if self.stack else None

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current[-1] += data


def walk(markup: str) -> Walker:
    w = Walker()
    w.feed(markup)
    w.close()
    return w


def assert_only_our_tags(markup: str) -> Walker:
    w = walk(markup)
    for tag, attrs in w.tags:
        assert tag in ALLOWED, f"unexpected tag <{tag}>"
        assert set(attrs) <= ALLOWED[tag], f"unexpected attributes {set(attrs)} on <{tag}>"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler {name}"
            if name in ("src", "href"):
                assert not (value or "").strip().lower().startswith("javascript:")
    return w


def spaces(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# --------------------------------------------------------------------------- Html


def test_html_is_a_str_rendered_by_ipython() -> None:
    piece = paragraph("a < b")
    assert isinstance(piece, str) and isinstance(piece, Html)
    assert piece._repr_html_() == str(piece) == "<p>a &lt; b</p>"
    formatters = pytest.importorskip("IPython.core.formatters")
    data, _ = formatters.DisplayFormatter().format(piece)
    assert data["text/html"] == "<p>a &lt; b</p>"
    assert "&lt;" not in data["text/plain"]  # a short summary, not a second copy


def test_builders_are_pure() -> None:
    frame = pd.DataFrame({"Société": ["A", "B"], "Marge": [100, -250]})
    assert table(frame, money=["Marge"]) == table(frame, money=["Marge"])
    chart = bar_chart(["A", "B"], [100, -250], title="Marges")
    assert chart == bar_chart(["A", "B"], [100, -250], title="Marges")


# --------------------------------------------------------------------------- BLNS


@needs_blns
def test_blns_table_cells_are_escaped_and_round_trip() -> None:
    out = table(pd.DataFrame({"Texte": BLNS}))
    w = assert_only_our_tags(out)
    assert w.texts["td"] == BLNS
    assert {tag for tag, _ in w.tags} == {"div", "table", "thead", "tr", "th", "tbody", "td"}


@needs_blns
def test_blns_column_names_and_caption_are_escaped() -> None:
    for group in chunks(list(dict.fromkeys(BLNS)), 40):
        frame = pd.DataFrame([list(range(len(group)))], columns=group)
        out = table(frame, integers=group[:3], caption=group[-1])
        w = assert_only_our_tags(out)
        assert w.texts["th"] == group
        assert w.texts["caption"] == [group[-1]]


@needs_blns
def test_blns_figures_are_escaped_and_round_trip() -> None:
    out = figures([(s, s[::-1]) for s in BLNS])
    w = assert_only_our_tags(out)
    assert w.texts["dt"] == BLNS
    assert w.texts["dd"] == [s[::-1] for s in BLNS]


@needs_blns
def test_blns_paragraphs_headings_and_sentences() -> None:
    for s in BLNS:
        p = paragraph(s)
        inner = p[len("<p>") : -len("</p>")]
        assert "<" not in inner and ">" not in inner and '"' not in inner, repr(s)
        assert html.unescape(inner) == s
        assert assert_only_our_tags(p).texts["p"] == [s]
        assert assert_only_our_tags(heading(s, level=3)).texts["h3"] == [s]
    w = assert_only_our_tags(sentences(BLNS))
    assert w.texts["li"] == BLNS


@needs_blns
def test_blns_chart_labels_never_crash() -> None:
    for i, group in enumerate(chunks(BLNS, 52)):
        values = [(j - 20) * 1234 for j in range(len(group))]
        title = BLNS[-1 - i]
        out = bar_chart(group, values, title=title, xlabel=BLNS[i])
        w = assert_only_our_tags(out)
        assert [tag for tag, _ in w.tags] == ["figure", "img"]
        attrs = w.tags[1][1]
        assert attrs["alt"] == title
        assert (attrs["src"] or "").startswith("data:image/png;base64,")
        png = base64.b64decode((attrs["src"] or "").split(",", 1)[1])
        assert png.startswith(b"\x89PNG")


@needs_blns
def test_escaped_blns_page_passes_the_gate() -> None:
    frame = pd.DataFrame({"Société": BLNS, "Montant": range(len(BLNS))})
    body = "".join(
        [
            heading("Données hostiles"),
            figures([(s, s) for s in BLNS[:50]]),
            table(frame, money=["Montant"], caption="BLNS"),
            sentences(BLNS),
            *(paragraph(s) for s in BLNS),
            bar_chart(BLNS[100:150], list(range(50)), title="BLNS"),
        ]
    )
    doc = page("Rapport <script>alert(1)</script>", body, subtitle=BLNS[10])
    assert_only_our_tags(doc)
    gate(doc, emails=["facturation@example.fr"], secrets=["s3cr3t-P@ss"])


# --------------------------------------------------------------------------- chart


def test_chart_mathtext_is_disabled_and_rc_untouched() -> None:
    before = dict(matplotlib.rcParams)
    # These raise ValueError in mathtext when parse_math is on.
    out = bar_chart([r"$\frac{a$", "$$", "1 $ et 2 $"], [100, -200, 0], title=r"Marge $\alpha$")
    assert out.startswith('<figure class="rk-chart"><img src="data:image/png;base64,')
    assert dict(matplotlib.rcParams) == before


def test_chart_empty_and_mismatched() -> None:
    out = bar_chart([], [], title="Déficits <b>")
    assert out == "<p>Déficits &lt;b&gt; : aucune donnée à représenter.</p>"
    with pytest.raises(ValueError):
        bar_chart(["a"], [1, 2], title="x")
    with pytest.raises(ValueError):
        bar_chart(["a"], [None], title="x")  # type: ignore[list-item]


def test_chart_is_small() -> None:
    out = bar_chart([f"Société {i}" for i in range(60)], list(range(60)), title="Grand")
    attrs = walk(out).tags[1][1]
    assert int(attrs["width"] or 0) <= 900 and int(attrs["height"] or 0) <= 560
    assert len(out) < 200_000


# --------------------------------------------------------------------------- table


def test_money_french_format_negative_and_missing() -> None:
    frame = pd.DataFrame(
        {"Client": ["A", "B", "C"], "Marge": pd.array([946491, -120050, None], dtype="Int64")}
    )
    w = walk(table(frame, money=["Marge"]))
    assert [spaces(t) for t in w.texts["td"]] == ["A", "9 464,91 €", "B", "-1 200,50 €", "C", "—"]
    assert [attrs.get("class") for tag, attrs in w.tags if tag == "td"] == [
        None,
        "rk-num",
    ] * 3
    assert [attrs.get("class") for tag, attrs in w.tags if tag == "th"] == [None, "rk-num"]


def test_money_accepts_object_and_float_columns() -> None:
    frame = pd.DataFrame({"m": [946491, None, 5], "o": pd.Series([1, None, -5], dtype=object)})
    w = walk(table(frame, money=["m", "o"]))
    assert [spaces(t) for t in w.texts["td"]] == [
        "9 464,91 €",
        "0,01 €",
        "—",
        "—",
        "0,05 €",
        "-0,05 €",
    ]


def test_money_refuses_fractions_of_cents() -> None:
    with pytest.raises(ValueError, match="integer cents"):
        table(pd.DataFrame({"m": [12.5]}), money=["m"])
    with pytest.raises(ValueError, match="integer cents"):
        table(pd.DataFrame({"m": ["12"]}), money=["m"])


def test_percents_integers_and_text() -> None:
    frame = pd.DataFrame(
        {"t": ["x", None], "p": [0.125, None], "n": pd.array([1234567, None], dtype="Int64")}
    )
    w = walk(table(frame, percents=["p"], integers=["n"]))
    assert [spaces(t) for t in w.texts["td"]] == ["x", "12,5 %", "1 234 567", "", "—", "—"]


def test_unknown_column_is_an_error() -> None:
    with pytest.raises(ValueError, match="Marge"):
        table(pd.DataFrame({"a": [1]}), money=["Marge"])
    with pytest.raises(TypeError):
        table(pd.DataFrame({"a": [1]}), money="a")


def test_max_rows_says_how_many_are_left() -> None:
    frame = pd.DataFrame({"a": range(5)})
    w = walk(table(frame, max_rows=3))
    assert w.texts["td"] == ["0", "1", "2"]
    assert w.texts["p"] == ["… et 2 autres lignes"]
    assert walk(table(frame, max_rows=4)).texts["p"] == ["… et 1 autre ligne"]
    assert "rk-more" not in table(frame, max_rows=5)
    big = walk(table(pd.DataFrame({"a": range(1500)}), max_rows=0))
    assert [spaces(t) for t in big.texts["p"]] == ["… et 1 500 autres lignes"]


def test_empty_table() -> None:
    w = walk(table(pd.DataFrame({"a": [], "b": []}), caption="Rien"))
    assert w.texts["td"] == ["Aucune ligne."]
    assert w.texts["caption"] == ["Rien"]
    assert w.texts["th"] == ["a", "b"]
    custom = walk(table(pd.DataFrame(), empty="Pas de <déficit>."))
    assert custom.texts["td"] == ["Pas de <déficit>."]


def test_table_ignores_index_and_keeps_duplicate_columns() -> None:
    frame = pd.DataFrame([[1, 2]], columns=["x", "x"], index=["<secret-index>"])
    out = table(frame)
    assert "secret-index" not in out
    assert walk(out).texts["td"] == ["1", "2"]


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_table_escapes_any_text(t: str) -> None:
    out = table(pd.DataFrame({"a": [t]}))
    assert html.escape(t) in out
    outside = re.sub(r"</?(?:div|table|thead|tbody|tr|th|td)(?: [a-z]+=\"[a-z-]+\")*>", "", out)
    assert "<" not in outside and ">" not in outside
    assert walk(out).texts["td"] == [t]


# --------------------------------------------------------------------------- small pieces


def test_heading_levels() -> None:
    assert heading("Synthèse") == "<h2>Synthèse</h2>"
    assert heading("a&b", level=4) == "<h4>a&amp;b</h4>"
    for bad in (0, 7, True):
        with pytest.raises(ValueError):
            heading("x", level=bad)


def test_empty_lists() -> None:
    assert figures([]) == "" and sentences([]) == ""


def test_figure_quotes_are_escaped() -> None:
    out = figures([('Marge "totale"', "1 234,00 €")])
    assert "&quot;totale&quot;" in out


# --------------------------------------------------------------------------- mask_iban


def _shown(masked: str) -> str:
    return masked.replace(" ", "").replace("*", "")


def test_mask_iban() -> None:
    assert mask_iban(VALID_IBAN) == "FR76 **** **** **** **** ***0 189"
    assert mask_iban(VALID_IBAN_SPACED) == mask_iban(VALID_IBAN)
    assert mask_iban(VALID_IBAN.lower()) == mask_iban(VALID_IBAN)
    assert mask_iban(VALID_IBAN_GB) == "GB82 **** **** **** **54 32"
    assert mask_iban(None) == "" and mask_iban("") == "" and mask_iban("   ") == ""
    assert mask_iban(float("nan")) == ""  # type: ignore[arg-type]
    assert mask_iban("FR76") == "F**6"
    assert mask_iban("FR76 3000") == "FR** **00"
    assert mask_iban("NO93 8601 1117 947") == "NO93 **** ***7 947"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -", max_size=40))
def test_mask_iban_never_shows_more_than_8(iban: str) -> None:
    masked = mask_iban(iban)
    compact = re.sub(r"[^A-Z0-9]", "", iban)
    shown = _shown(masked)
    assert len(shown) <= 8
    assert len(compact) - len(shown) >= len(compact) // 2
    assert len(masked.replace(" ", "")) == len(compact)


def test_masked_iban_passes_the_gate() -> None:
    frame = pd.DataFrame({"IBAN": [mask_iban(VALID_IBAN), mask_iban(VALID_IBAN_GB)]})
    gate(page("Dossiers", table(frame)))


# --------------------------------------------------------------------------- gate


def _leak(doc: str, **kwargs: object) -> str:
    with pytest.raises(LeakError) as info:
        gate(doc, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    "iban",
    [
        VALID_IBAN,
        VALID_IBAN_SPACED,
        VALID_IBAN.lower(),
        VALID_IBAN_GB,
        VALID_IBAN_SPACED.replace(" ", "\u00a0"),
        "DE89 3704 0044 0532 0130 00",
    ],
)
def test_gate_refuses_a_full_iban(iban: str) -> None:
    doc = page("Dossiers", table(pd.DataFrame({"IBAN": [iban], "x": ["EUR"]})))
    message = _leak(doc)
    assert "IBAN" in message and iban not in message and VALID_IBAN[4:] not in message
    _leak(page("D", paragraph(f"Prélèvement sur {iban} EUR ce mois-ci.")))


def test_gate_accepts_iban_lookalikes() -> None:
    body = "".join(
        [
            paragraph("FR7630006000011234567890188"),  # wrong check digits
            paragraph("FR76 3000 6000 0112 3456 7890 18"),  # truncated
            paragraph("AB12CDEFGHIJKLMNOPQR et XY99 1234 5678 9012 3456"),
            paragraph("Référence SIP12345678901234567890 du trunk"),
        ]
    )
    gate(page("Contrôles", body))


def test_gate_refuses_a_listed_email_case_insensitively() -> None:
    doc = page("R", table(pd.DataFrame({"Contact": ["Jean.Dupont@Example.FR"]})))
    message = _leak(doc, emails=["", "  ", "jean.dupont@example.fr"])
    assert "e-mail" in message and "dupont" not in message.lower()
    gate(doc, emails=["", "marie@example.fr"])
    _leak(page("R", paragraph("écrire à a&b@example.fr")), emails=["a&b@example.fr"])


def test_gate_refuses_a_database_url() -> None:
    message = _leak(page("R", paragraph("Source : postgresql+psycopg://u:p@h/db")))
    assert "database URL" in message and "u:p@h" not in message
    for url in ("sqlite:///data/demo.sqlite", "MYSQL+pymysql://x@y/z", "duckdb:///f.db"):
        _leak(page("R", paragraph(url)))
    gate(page("R", paragraph("Base SQLite locale, pas d'adresse.")))


def test_gate_refuses_a_secret_even_escaped_or_quoted() -> None:
    secret = "p&ss<w0rd>"
    message = _leak(page("R", paragraph(f"mot de passe {secret}")), secrets=["", secret])
    assert secret not in message and html.escape(secret) not in message
    _leak(page("R", paragraph("p%26ss%3Cw0rd%3E")), secrets=[secret])
    gate(page("R", paragraph("rien")), secrets=["", "   ", secret])


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        "<SCRIPT src=x.js></SCRIPT>",
        '<img src="https://example.com/pixel.png" alt="">',
        "<img src=http://example.com/p.png>",
        '<a href="//cdn.example.com/x">x</a>',
        '<link rel="stylesheet" href="https://fonts.example.com/css">',
        "<style>@import 'theme.css';</style>",
        "<style>body { background: url( 'http://example.com/bg.png' ) }</style>",
        '<div style="background:url(https://example.com/x.png)">x</div>',
        '<img srcset="a.png 1x, https://example.com/b.png 2x" alt="">',
        '<a href="&#104;ttps://example.com/">x</a>',
    ],
)
def test_gate_refuses_scripts_and_network_resources(markup: str) -> None:
    message = _leak(page("R", markup))
    assert "script" in message or "network resource" in message


def test_gate_accepts_escaped_hostile_text() -> None:
    body = paragraph('<script>alert(1)</script> <img src="https://example.com/x.png">')
    body += table(pd.DataFrame({"Société": ["<a href=http://foo.bar/>x</a>"]}))
    gate(page("<script>", body))


# --------------------------------------------------------------------------- page


def test_page_is_self_contained_french_html() -> None:
    doc = page("Déficits <2026-11>", "<p>corps</p>", subtitle='Période "2026-11"')
    assert doc.startswith("<!DOCTYPE html>")
    assert '<html lang="fr">' in doc and '<meta charset="utf-8">' in doc
    assert "<script" not in doc.lower() and "http" not in doc.lower()
    assert "@import" not in doc and "url(" not in doc and "@font-face" not in doc
    w = assert_only_our_tags(doc)
    assert w.texts["title"] == ["Déficits <2026-11>"]
    assert w.texts["h1"] == ["Déficits <2026-11>"]
    assert "<p>corps</p>" in doc
    assert "Période &quot;2026-11&quot;" in doc
    assert "tr:nth-child(even)" in doc  # zebra rows
    gate(doc)
    assert 'class="rk-subtitle"' not in page("T", "")


@pytest.mark.parametrize(
    "page",
    [
        "<p>écrire à Jean.Dupont@ACME.fr.</p>",
        "<td>xjean.dupont@acme.frx</td>",
        "<p>a@b@jean.dupont@acme.fr</p>",
    ],
)
def test_gate_finds_a_contact_email_anywhere(page: str) -> None:
    emails = [f"user{i}@example.fr" for i in range(1000)] + ["jean.dupont@acme.fr", "no-at-sign"]
    with pytest.raises(LeakError, match="e-mail"):
        gate(page, emails=emails)


def test_gate_passes_other_addresses() -> None:
    gate("<p>support@reseller.fr, jean.dupont@acme.com</p>", emails=["jean.dupont@acme.fr"])
