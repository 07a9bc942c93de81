"""HTML pieces for the reports, the page around them, and the gate before publishing.

The HTML reports are executed notebooks converted without code: every cell displays pieces
built here, so these pieces *are* the report. Hence the rules:

* pure functions, no hidden state: a notebook cell re-run gives the same markup;
* every value that comes from data is escaped with :func:`html.escape` (quotes included),
  so a company called ``<script>`` is shown, never run;
* French text and French number formats (via :mod:`reportkit.money`);
* nothing fetched from the network: the page must open from an e-mail attachment offline;
* :func:`gate` refuses a page that would publish an IBAN, a contact's e-mail address, a
  database URL or a secret, whatever the notebook author did.
"""

from __future__ import annotations

import base64
import html
import io
import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from html import unescape as _unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, unquote

import pandas as pd

from .errors import LeakError
from .money import format_eur, format_int, format_percent

__all__ = [
    "Html",
    "bar_chart",
    "figures",
    "gate",
    "heading",
    "mask_iban",
    "page",
    "paragraph",
    "sensitive",
    "sentences",
    "table",
]

MISSING = "—"


class Html(str):
    """Trusted markup: ``display(piece)`` renders it in notebooks and in nbconvert's HTML.

    A plain ``str`` subclass so that pieces concatenate, compare and write like text;
    ``str(piece)`` is the markup itself.
    """

    __slots__ = ()

    def _repr_html_(self) -> str:
        return str(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        # The text/plain twin stored next to text/html in the notebook: keep it short rather
        # than a second copy of the markup (and of any embedded image).
        p.text(f"<Html: {len(self)} caractères>")


def _e(value: object) -> str:
    """Escape one data value for element content or a quoted attribute."""
    return html.escape(str(value), quote=True)


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return pd.api.types.is_scalar(value) and bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- text pieces


def figures(items: Sequence[tuple[str, str]]) -> Html:
    """Key-figure cards (label, already formatted value): what a manager reads first."""
    if not items:
        return Html("")
    cards = "".join(
        f'<div class="rk-figure"><dt>{_e(label)}</dt><dd>{_e(value)}</dd></div>'
        for label, value in items
    )
    return Html(f'<dl class="rk-figures">{cards}</dl>')


def heading(text: str, *, level: int = 2) -> Html:
    """A section title; level 1 is the page title, so sections start at 2."""
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 6:
        raise ValueError(f"heading level must be an integer from 1 to 6, got {level!r}")
    return Html(f"<h{level}>{_e(text)}</h{level}>")


def paragraph(text: str) -> Html:
    """Escaped prose: commentary sentences may quote company names and other data."""
    return Html(f"<p>{_e(text)}</p>")


def sentences(items: Sequence[str]) -> Html:
    """A bulleted list of escaped sentences (one finding per bullet)."""
    if not items:
        return Html("")
    rows = "".join(f"<li>{_e(item)}</li>" for item in items)
    return Html(f'<ul class="rk-sentences">{rows}</ul>')


# --------------------------------------------------------------------------- tables


def _money_cell(column: object, value: object) -> str:
    if _missing(value):
        return MISSING
    try:
        cents = int(value)  # type: ignore[call-overload]
        exact = not isinstance(value, bool | str) and bool(cents == value)
    except (TypeError, ValueError, OverflowError):
        exact = False
    if not exact:
        raise ValueError(f"money column {column!r} must hold integer cents, got {value!r}")
    return format_eur(cents)


def _percent_cell(value: object) -> str:
    if _missing(value):
        return MISSING
    return format_percent(value)  # type: ignore[arg-type]


def _integer_cell(value: object) -> str:
    if _missing(value):
        return MISSING
    return format_int(value)  # type: ignore[arg-type]


def _text_cell(value: object) -> str:
    return "" if _missing(value) else str(value)


def _rows_left(n: int) -> str:
    if n == 1:
        return "… et 1 autre ligne"
    return f"… et {format_int(n)} autres lignes"


def table(
    frame: pd.DataFrame,
    *,
    money: Sequence[str] = (),
    percents: Sequence[str] = (),
    integers: Sequence[str] = (),
    caption: str | None = None,
    max_rows: int | None = None,
    empty: str = "Aucune ligne.",
) -> Html:
    """A readable French table, every cell escaped.

    ``money`` columns hold integer cents (None/NA shows "—"), ``percents`` hold ratios,
    ``integers`` counts; these are right-aligned. Other cells are ``str()``-ed (missing values
    left blank). The index is not shown. ``DataFrame.to_html`` and ``Styler`` are not used:
    they do not escape everything, and their markup is theirs, not ours.
    """
    if max_rows is not None and (isinstance(max_rows, bool) or max_rows < 0):
        raise ValueError(f"max_rows must be a non-negative integer or None, got {max_rows!r}")
    columns = list(frame.columns)
    for option, names in (("money", money), ("percents", percents), ("integers", integers)):
        if isinstance(names, str):
            raise TypeError(f"{option} must be a sequence of column names, not a string")
        unknown = [name for name in names if name not in columns]
        if unknown:
            raise ValueError(f"{option}: no such column(s) {unknown!r} in the table")

    kinds: list[str] = []
    for col in columns:
        if col in money:
            kinds.append("money")
        elif col in percents:
            kinds.append("percent")
        elif col in integers:
            kinds.append("integer")
        else:
            kinds.append("text")

    def th(col: object, kind: str) -> str:
        cls = ' class="rk-num"' if kind != "text" else ""
        return f'<th scope="col"{cls}>{_e(col)}</th>'

    parts = ['<div class="rk-table-wrap"><table class="rk-table">']
    if caption is not None:
        parts.append(f"<caption>{_e(caption)}</caption>")
    if columns:
        parts.append("<thead><tr>" + "".join(map(th, columns, kinds)) + "</tr></thead>")
    parts.append("<tbody>")

    n_rows = len(frame)
    shown = frame if max_rows is None else frame.iloc[:max_rows]
    if n_rows == 0 or not columns:
        span = f' colspan="{len(columns)}"' if len(columns) > 1 else ""
        parts.append(f'<tr><td class="rk-empty"{span}>{_e(empty)}</td></tr>')
    else:
        for row in shown.itertuples(index=False, name=None):
            cells = []
            for col, kind, value in zip(columns, kinds, row, strict=True):
                if kind == "money":
                    cells.append(f'<td class="rk-num">{_e(_money_cell(col, value))}</td>')
                elif kind == "percent":
                    cells.append(f'<td class="rk-num">{_e(_percent_cell(value))}</td>')
                elif kind == "integer":
                    cells.append(f'<td class="rk-num">{_e(_integer_cell(value))}</td>')
                else:
                    cells.append(f"<td>{_e(_text_cell(value))}</td>")
            parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table>")
    if columns and n_rows > len(shown):
        parts.append(f'<p class="rk-more">{_e(_rows_left(n_rows - len(shown)))}</p>')
    parts.append("</div>")
    return Html("".join(parts))


# --------------------------------------------------------------------------- chart

_LABEL_MAX = 40


def _chart_label(text: object, limit: int = _LABEL_MAX) -> str:
    """One line, printable, bounded: a tick label, not a place for data to take over."""
    s = " ".join(str(text).split())
    s = "".join(ch for ch in s if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    if len(s) > limit:
        s = s[: limit - 1].rstrip() + "…"
    return s


def _euros_tick(x: float, _pos: object) -> str:
    from babel.numbers import format_decimal

    return format_decimal(round(x), format="#,##0", locale="fr_FR")


def bar_chart(
    labels: Sequence[str],
    values_cents: Sequence[int],
    *,
    title: str,
    xlabel: str = "€",
) -> Html:
    """Horizontal bars of amounts (integer cents), as a PNG embedded in the page.

    Embedded rather than linked so that the report stays one self-contained file. Labels are
    data (company names...): matplotlib's mathtext is switched off for every text, so a ``$``
    in a label is shown as is instead of being parsed as LaTeX (which renders or raises).
    Labels are shortened to 40 characters and the title to 90 in the image; ``alt`` holds the
    full title.
    """
    if len(labels) != len(values_cents):
        raise ValueError(
            f"bar_chart needs one value per label, got {len(labels)} labels "
            f"and {len(values_cents)} values"
        )
    if not labels:
        return paragraph(f"{title} : aucune donnée à représenter.")
    values: list[float] = []
    for i, v in enumerate(values_cents):
        if _missing(v) or isinstance(v, bool):
            raise ValueError(f"bar_chart: value #{i + 1} is missing")
        values.append(int(v) / 100)

    import matplotlib as mpl
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    n = len(values)
    names = [_chart_label(label) for label in labels]
    height = min(5.0, max(1.6, 0.8 + 0.3 * n))
    tick_size = 9 if n <= 16 else 7 if n <= 30 else 5
    colors = ["#b03a2e" if v < 0 else "#2e6f9e" for v in values]

    # rc_context only for the duration of this call (no global state changed); the figure is a
    # bare Figure, so no pyplot state machine and no GUI backend are involved.
    with (
        mpl.rc_context({"text.usetex": False, "text.parse_math": False}),
        warnings.catch_warnings(),
    ):
        # Data may hold characters no installed font has (emoji, control pictures...).
        warnings.filterwarnings("ignore", message=r".*missing from font", category=UserWarning)
        fig = Figure(figsize=(8, height), dpi=100)
        ax = fig.add_subplot()
        positions = list(range(n))
        bars = ax.barh(positions, values, color=colors, height=0.7)
        ax.set_yticks(positions, labels=names)
        ax.tick_params(axis="y", labelsize=tick_size, length=0)
        ax.tick_params(axis="x", labelsize=8)
        ax.invert_yaxis()  # first item on top, as in a table
        ax.xaxis.set_major_formatter(FuncFormatter(_euros_tick))
        ax.set_title(_chart_label(title, 90), loc="left", fontsize=11, parse_math=False)
        ax.set_xlabel(_chart_label(xlabel, 90), fontsize=9, parse_math=False)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if min(values) < 0:
            ax.axvline(0, color="#555555", linewidth=0.8)
        if n <= 20:
            texts = ax.bar_label(
                bars,
                labels=[format_eur(int(v)) for v in values_cents],
                padding=3,
                fontsize=7,
            )
            for t in texts:
                t.set_parse_math(False)
            ax.margins(x=0.18)
        for t in [*ax.get_yticklabels(), *ax.get_xticklabels(), ax.title, ax.xaxis.label]:
            t.set_parse_math(False)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    png = buf.getvalue()
    width_px = int.from_bytes(png[16:20], "big")
    height_px = int.from_bytes(png[20:24], "big")
    data = base64.b64encode(png).decode("ascii")
    return Html(
        f'<figure class="rk-chart"><img src="data:image/png;base64,{data}" '
        f'alt="{_e(title)}" width="{width_px}" height="{height_px}"></figure>'
    )


# --------------------------------------------------------------------------- IBAN


def mask_iban(iban: str | None) -> str:
    """An IBAN a reader can recognise but not use: country, check digits and last 4 only.

    ``FR7630006000011234567890189`` -> ``FR76 **** **** **** **** ***0 189``. Never more than
    4 + 4 characters are kept, and never more than half of a string too short to be an IBAN.
    """
    if iban is None or _missing(iban):
        return ""
    compact = re.sub(r"[^A-Za-z0-9]", "", str(iban)).upper()
    n = len(compact)
    if n == 0:
        return ""
    keep = 4 if n >= 15 else n // 4  # 15: the shortest IBAN (Norway)
    masked = compact[:keep] + "*" * (n - 2 * keep) + (compact[n - keep :] if keep else "")
    return " ".join(masked[i : i + 4] for i in range(0, n, 4))


# --------------------------------------------------------------------------- page

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0 auto; max-width: 68rem; padding: 1.5rem 1.25rem 3rem;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; line-height: 1.5; color: #1f2933; background: #ffffff;
}
header { border-bottom: 3px solid #2e6f9e; margin-bottom: 1.5rem; padding-bottom: .5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; color: #17324d; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; color: #17324d; }
h3, h4, h5, h6 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; color: #17324d; }
.rk-subtitle { margin: 0; color: #52606d; }
p { margin: .5rem 0; }
ul.rk-sentences { margin: .5rem 0 1rem; padding-left: 1.3rem; }
ul.rk-sentences li { margin: .2rem 0; }
dl.rk-figures {
  display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0 1.5rem; padding: 0;
}
.rk-figure {
  flex: 1 1 11rem; min-width: 11rem; padding: .75rem 1rem; border: 1px solid #d9e2ec;
  border-left: 4px solid #2e6f9e; border-radius: 6px; background: #f5f8fb;
  break-inside: avoid; page-break-inside: avoid;
}
.rk-figure dt { margin: 0; font-size: .8rem; color: #52606d; text-transform: uppercase;
  letter-spacing: .03em; }
.rk-figure dd { margin: .2rem 0 0; font-size: 1.35rem; font-weight: 600; color: #17324d;
  font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.rk-table-wrap { overflow-x: auto; margin: .75rem 0 1.5rem; }
table.rk-table { border-collapse: collapse; width: 100%; font-size: .88rem; }
table.rk-table caption { caption-side: top; text-align: left; font-weight: 600;
  padding: 0 0 .4rem; color: #17324d; }
table.rk-table th, table.rk-table td { padding: .35rem .6rem; border-bottom: 1px solid #e4e7eb;
  text-align: left; vertical-align: top; overflow-wrap: break-word; }
table.rk-table thead th { background: #17324d; color: #ffffff; font-weight: 600;
  border-bottom: 0; }
table.rk-table tbody tr:nth-child(even) { background: #f3f6f9; }
table.rk-table .rk-num { text-align: right; white-space: nowrap;
  font-variant-numeric: tabular-nums; overflow-wrap: normal; }
table.rk-table td.rk-empty { color: #52606d; font-style: italic; text-align: center; }
.rk-more { color: #52606d; font-style: italic; font-size: .88rem; }
figure.rk-chart { margin: 1rem 0 1.5rem; }
figure.rk-chart img { max-width: 100%; height: auto; }
/* nbconvert leaves prompts and wrappers around the pieces: no code in the report. */
.jp-InputPrompt, .jp-OutputPrompt, .prompt, .input_prompt, .output_prompt,
a.anchor-link { display: none; }
.jp-Cell, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output { margin: 0; padding: 0; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; color: #000000; }
  .rk-table-wrap { overflow: visible; }
  table.rk-table thead { display: table-header-group; }
  table.rk-table tr, figure.rk-chart { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  table.rk-table tbody tr:nth-child(even), .rk-figure, table.rk-table thead th {
    -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
""".strip()


def page(title: str, body: str, *, subtitle: str | None = None) -> str:
    """The whole document around trusted ``body`` markup: one file that opens offline.

    Inline style only: no script, no web font, no link to anything outside the file.
    """
    sub = f'<p class="rk-subtitle">{_e(subtitle)}</p>' if subtitle else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
        f"<header><h1>{_e(title)}</h1>{sub}</header>\n<main>\n{body}\n</main>\n"
        "</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- gate

# Embedded images are opaque to a reader; their base64 would only feed false IBAN matches.
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+", re.I)
_SEP = "[ \u00a0\u202f\u2009-]"
# All candidate starts (lookahead, so overlapping): country, check digits, 11-30 more
# alphanumerics, single separators allowed. Validity is then decided by schwifty.
_IBAN_CANDIDATE = re.compile(rf"(?=([A-Za-z]{{2}}[0-9]{{2}}(?:{_SEP}?[A-Za-z0-9]){{11,30}}))")
_DB_URL = re.compile(
    r"(?:sqlite|postgres|postgresql|mysql|mariadb|duckdb|mssql|oracle)(?:\+[A-Za-z0-9_.-]+)?://",
    re.I,
)
_SCRIPT_TAG = re.compile(r"<script", re.I)
_URL_ATTRS = frozenset(
    {
        "src", "href", "srcset", "poster", "action", "formaction", "data", "background",
        "xlink:href", "cite", "longdesc", "ping", "manifest", "codebase", "archive",
        "lowsrc", "dynsrc", "icon",
    }
)  # fmt: skip
_NETWORK_URL = re.compile(r"(?:^|[\s,])(?:[a-z][a-z0-9+.-]*:)?//|https?:", re.I)
_CSS_NETWORK = re.compile(r"@import|url\(\s*['\"]?\s*(?:(?:[a-z][a-z0-9+.-]*:)?//|https?:)", re.I)


def _is_network_url(value: str) -> bool:
    return bool(_NETWORK_URL.search(value.strip()))


class _ResourceFinder(HTMLParser):
    """Walks the real tags (not escaped text) looking for anything fetched over the network."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problem: str | None = None
        self._in_style = False

    def _flag(self, what: str) -> None:
        if self.problem is None:
            self.problem = what

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in _URL_ATTRS and _is_network_url(value):
                self._flag(f"a network resource ({name}= of a <{tag}> tag)")
            elif name == "style" and _CSS_NETWORK.search(value):
                self._flag(f"a network resource (CSS in the style= of a <{tag}> tag)")
            elif tag == "meta" and name == "content" and re.search(r"url\s*=", value, re.I):
                if _is_network_url(value.split("=", 1)[-1]):
                    self._flag("a network resource (<meta> refresh)")
        if tag == "style":
            self._in_style = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "style":
            self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style and _CSS_NETWORK.search(data):
            self._flag("a network resource (CSS url() or @import in a <style>)")


_LETTERS_AS_DIGITS = str.maketrans({chr(c): str(c - 55) for c in range(ord("A"), ord("Z") + 1)})


def _mod97(iban: str) -> bool:
    """ISO 13616 check on an uppercase alphanumeric string; a cheap filter before schwifty."""
    return int((iban[4:] + iban[:4]).translate(_LETTERS_AS_DIGITS)) % 97 == 1


def _valid_iban_in(candidate: str) -> bool:
    """Whether some prefix of the candidate is a valid IBAN (what follows may be other text)."""
    from schwifty import IBAN

    compact = re.sub(_SEP, "", candidate).upper()
    for length in range(15, min(34, len(compact)) + 1):
        prefix = compact[:length]
        if not _mod97(prefix):
            continue
        try:
            IBAN(prefix)
        except ValueError:
            continue
        return True
    return False


_EMAIL_LIKE = re.compile(r"[^\s@<>\"']+@[^\s@<>\"']+\.[A-Za-z]{2,}")


def sensitive(text: object) -> bool:
    """Whether free text (an analyst's comment) holds a full IBAN, an e-mail address or a
    database URL: such text is masked in a report rather than letting the gate refuse it."""
    if text is None or _missing(text):
        return False
    t = str(text)
    if _EMAIL_LIKE.search(t) or _DB_URL.search(t):
        return True
    return any(_valid_iban_in(m.group(1)) for m in _IBAN_CANDIDATE.finditer(t))


def _finds_any(views: Sequence[str], needles: set[str]) -> bool:
    """Whether any needle occurs in a view, in time independent of the number of needles.

    A run has as many contact e-mails as dossiers (hundreds of thousands); searching the page
    once per address would dominate the conversion. An address occurs only where the page has
    an "@": the needles are grouped by the offset of their first "@" and their length, and
    only the text around each "@" of the page is looked up.
    """
    by_shape: dict[tuple[int, int], set[str]] = {}
    plain: list[str] = []
    for n in needles:
        if "@" in n:
            by_shape.setdefault((n.index("@"), len(n)), set()).add(n)
        else:
            plain.append(n)
    for view in views:
        if any(n in view for n in plain):
            return True
        for at in (m.start() for m in re.finditer("@", view)):
            for (offset, length), group in by_shape.items():
                start = at - offset
                if start >= 0 and view[start : start + length] in group:
                    return True
    return False


def gate(html: str, *, emails: Iterable[str] = (), secrets: Iterable[str] = ()) -> None:
    """Refuse to publish a page that leaks, raising :class:`LeakError` (one line).

    Checked: a full valid IBAN (mod-97, so random text passes), any of ``emails``
    (case-insensitive), any of ``secrets`` (as given, URL-quoted or unquoted), a database URL,
    a ``<script`` tag, and anything fetched from the network (src/href/CSS ``url()``).
    Leaks are looked for both in the markup and in its text once entities are decoded, since
    the page shows the decoded text. The message says what kind of leak, never the value.
    """
    if _SCRIPT_TAG.search(html):
        raise LeakError("the HTML report contains a <script> tag; refusing to publish it")
    finder = _ResourceFinder()
    finder.feed(html)
    finder.close()
    if finder.problem:
        raise LeakError(
            f"the HTML report would load {finder.problem}; it must open offline, refusing "
            "to publish it"
        )

    stripped = _DATA_IMAGE.sub("data:image/png;base64,", html)
    views = (stripped, _unescape(stripped))
    lowered = tuple(v.lower() for v in views)

    for view in views:
        found = _DB_URL.search(view)
        if found:
            scheme = found.group(0).split("+")[0].split(":")[0].lower()
            raise LeakError(
                f"the HTML report would publish a database URL ({scheme}://...); "
                "refusing to publish it"
            )
    for secret in secrets:
        if secret is None or not str(secret).strip():
            continue
        s = str(secret)
        forms = {f for f in (s, quote(s, safe=""), quote(s, safe="/:@"), unquote(s)) if f.strip()}
        if any(form in view for form in forms for view in views):
            raise LeakError(
                "the HTML report would publish a secret (a database URL or password); "
                "refusing to publish it"
            )
    if _finds_any(lowered, {str(e).strip().lower() for e in emails if e and str(e).strip()}):
        raise LeakError(
            "the HTML report would publish a contact's e-mail address; refusing to publish it"
        )
    for view in views:
        for match in _IBAN_CANDIDATE.finditer(view):
            if _valid_iban_in(match.group(1)):
                raise LeakError(
                    "the HTML report would publish a full IBAN (show it with mask_iban); "
                    "refusing to publish it"
                )
