"""Write DataFrames to XLSX sheets safely and fast; read a sheet back by its headers.

Writing. XlsxWriter builds each workbook (header row, styles, column widths, frozen header,
autofilter, drop-downs, conditional formats) around a header-only sheet; the data rows are then
streamed into that sheet's ``<sheetData>`` by this module while the final zip is assembled.
Why: XlsxWriter's per-cell API costs ~4 µs a cell (about 23 s for 300,000 rows × 16 columns,
even in ``constant_memory`` mode); building the row XML a column at a time is ~6x faster and
has a property we want anyway: the data cells can only ever be numbers, booleans or inline
strings. No formula, hyperlink or error cell can come out of the data, whatever the text says
(``=HYPERLINK(...)``, ``http://...``, ``#N/A``, ``0123`` all stay that exact text). The cells
have the same form as XlsxWriter's own ``constant_memory`` output; what this relies on in
XlsxWriter beyond its public API (``Format._get_xf_index()``, sheets stored as
``xl/worksheets/sheetN.xml`` with one ``<dimension>`` and a ``</sheetData>``) is checked at
each write and covered by the tests.

Cell values:

* ``str`` → text, through :func:`clean_text` (characters XML 1.0 cannot carry are removed) and
  cut at Excel's limit of 32,767 characters (UTF-16 code units, never inside a character; a
  warning is logged with the number of cells cut). An empty string is an empty cell: Excel
  does not tell the two apart for a user, and neither does :func:`read_sheet`.
* ``int``/``float``/``Decimal``/numpy numbers → numbers; ``None``/NaN/``pd.NA``/``NaT`` → empty
  cell; infinite numbers are refused (``ValueError``): Excel has no such number.
* ``bool`` → an Excel boolean (shown VRAI/FAUX by a French Excel).
* dates and timestamps → ISO text (``2026-11-30``, ``2026-11-30 08:00:00``).
* anything else → ``str(value)`` as text.

Saving is atomic: the workbook is written to ``.NAME.tmp-XXXX`` next to the target, flushed to
disk, then renamed onto it; on any failure the temporary file is removed and ``OutputError``
is raised, so a final name never holds a half-written file.

Reading uses python-calamine (about 10x faster than openpyxl on large sheets) and maps
columns by header name; see :func:`read_sheet`.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import os
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from numbers import Number
from pathlib import Path

import numpy as np
import pandas as pd
import python_calamine
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from .errors import OutputError, WorkbookError

__all__ = ["SheetSpec", "clean_text", "read_sheet", "write_workbook"]

log = logging.getLogger(__name__)

MONEY_FORMAT = '#,##0.00\\ "€"'  # 1 234,56 € in a French Excel
INTEGER_FORMAT = "0"
PERCENT_FORMAT = "0.0 %"  # values are ratios: 0.125 shows as 12,5 %
HIGHLIGHT_FILL = "#FFC7CE"  # Excel's own "light red fill"
NEGATIVE_FONT = "#C00000"

MAX_CELL_CHARS = 32_767  # Excel's limit, in UTF-16 code units
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_SHEET_NAME = 31
MAX_WIDTH = 60.0
MIN_WIDTH = 6.0
WIDTH_SAMPLE = 1_000
CHUNK_ROWS = 20_000  # rows built and compressed at a time: bounds memory, keeps speed
# zlib level of the sheets' XML. Measured on 300k rows x 16 columns: level 1 writes in 3.7 s
# a 39 MB file, level 3 4.1 s / 35 MB, level 6 (zlib's default) 6.0 s / 29 MB.
ZIP_LEVEL = 1

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A character that may need more than pasting the text between <t> and </t> (any "_" may
# start an "_xHHHH_" pattern); the rare strings holding one take the slow, exact path.
_NEEDS_WORK = re.compile("[\x00-\x08\x0b-\x1f&<>_\ud800-\udfff\ufffe\uffff]")
# OOXML reads "_xHHHH_" in a string as an escaped character, so a literal one has its
# underscore escaped as "_x005F_". The look-ahead also catches patterns sharing an underscore
# ("_x005F_x0041_"), which XlsxWriter's own escaping gets wrong.
_ESCAPE_UNDERSCORE = re.compile("_(?=x[0-9A-Fa-f]{4}_)")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def clean_text(value: str) -> str:
    """Remove the characters XML 1.0 forbids; nothing else changes.

    Those are the C0 controls other than tab, line feed and carriage return, U+FFFE, U+FFFF
    and surrogate code points (a Python ``str`` holds astral characters whole, so a surrogate
    in one is always unpaired). An XLSX cannot carry them: Excel would refuse the file.
    """
    return _FORBIDDEN.sub("", value)


@dataclass(frozen=True, eq=False)
class SheetSpec:
    """One sheet to write: the frame, already with its final (French) headers, and its looks.

    Column options name columns of ``frame``. ``money``, ``integers`` and ``percents`` columns
    must hold numbers (or missing values). ``dropdowns`` maps a column to the values offered
    by a list validation on every data row (at least row 2). ``highlight`` is a boolean per
    row (same index as ``frame``) that fills the row in light red. ``widths`` overrides the
    automatic column widths. ``eq=False``: comparing frames has no single truth value.
    """

    name: str
    frame: pd.DataFrame
    money: Sequence[str] = ()
    integers: Sequence[str] = ()
    percents: Sequence[str] = ()
    negative_red: Sequence[str] = ()
    dropdowns: Mapping[str, Sequence[str]] = field(default_factory=dict)
    highlight: pd.Series | None = None
    widths: Mapping[str, float] = field(default_factory=dict)


# --- Writing --------------------------------------------------------------------------------


def write_workbook(path: str | Path, sheets: Sequence[SheetSpec]) -> Path:
    """Write ``sheets`` to the XLSX file ``path``, atomically, and return ``path``.

    Programmer errors (bad sheet names, unknown columns, text in a money column...) raise
    ``ValueError`` before anything touches the disk; a failure to write raises ``OutputError``
    naming the file, and leaves whatever was at ``path`` before untouched.
    """
    path = Path(path)
    plans = _plan_sheets(sheets)
    tmp = _create_temp(path)
    try:
        _write_xlsx(tmp, plans)
        with open(tmp, "rb+") as fh:  # on disk before the rename (writable: Windows needs it)
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        _remove_quietly(tmp)
        if isinstance(exc, Exception):
            raise OutputError(f"cannot write {path}: {_reason(exc)}") from exc
        raise
    return path


def _create_temp(path: Path) -> Path:
    """Create ``.NAME.tmp-XXXX`` beside ``path``, with the permissions a new file would get."""
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.tmp-{secrets.token_hex(4)}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {_reason(exc)}") from exc
        os.close(fd)
        return tmp
    raise OutputError(f"cannot write {path}: no free temporary file name")  # pragma: no cover


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


# A column ready to be serialised: how to turn a slice of it into cell payloads.
@dataclass
class _Column:
    header: str
    kind: str  # "number" | "integer" | "text" | "bool" | "any"
    data: object  # np.ndarray for number/integer/bool/any, pd.Series for text
    num_format: str | None = None
    width: float = MIN_WIDTH

    def values(self, start: int, stop: int) -> list:
        if self.kind == "text":
            return self.data.iloc[start:stop].tolist()  # type: ignore[attr-defined]
        return self.data[start:stop].tolist()  # type: ignore[index]


@dataclass
class _SheetPlan:
    spec: SheetSpec
    columns: list[_Column]
    flags: np.ndarray | None  # highlighted rows
    nrows: int


def _plan_sheets(sheets: Sequence[SheetSpec]) -> list[_SheetPlan]:
    """Validate every spec and convert every column once, before any file is opened."""
    if isinstance(sheets, SheetSpec) or not sheets:
        raise ValueError("write_workbook needs a non-empty sequence of SheetSpec")
    seen: set[str] = set()
    plans = []
    for spec in sheets:
        if not isinstance(spec, SheetSpec):
            raise ValueError(f"not a SheetSpec: {spec!r}")
        _check_sheet_name(spec.name)
        if spec.name.casefold() in seen:
            raise ValueError(f"two sheets are named {spec.name!r} (Excel ignores case)")
        seen.add(spec.name.casefold())
        plans.append(_plan_sheet(spec))
    return plans


def _check_sheet_name(name: object) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a sheet name must be a non-blank string, not {name!r}")
    if len(name) > MAX_SHEET_NAME:
        raise ValueError(f"sheet name {name!r} is longer than {MAX_SHEET_NAME} characters")
    if _BAD_SHEET_CHARS.search(name) or name.startswith("'") or name.endswith("'"):
        raise ValueError(f"sheet name {name!r} holds a character Excel forbids ([]:*?/\\ or ')")
    if clean_text(name) != name:
        raise ValueError(f"sheet name {name!r} holds a control character")
    if name.casefold() == "history":
        raise ValueError("Excel reserves the sheet name 'History'")


def _names(spec: SheetSpec, option: str, value: object) -> list[str]:
    if isinstance(value, str):
        raise ValueError(f"sheet {spec.name!r}: {option} must be a sequence of column names")
    names = list(value)  # type: ignore[call-overload]
    unknown = [n for n in names if n not in spec.frame.columns]
    if unknown:
        raise ValueError(f"sheet {spec.name!r}: {option} names unknown columns {unknown}")
    return names


def _plan_sheet(spec: SheetSpec) -> _SheetPlan:
    frame = spec.frame
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"sheet {spec.name!r}: frame must be a DataFrame")
    headers = list(frame.columns)
    if not headers:
        raise ValueError(f"sheet {spec.name!r}: the frame has no columns")
    if len(headers) > MAX_COLUMNS:
        raise ValueError(f"sheet {spec.name!r}: more than {MAX_COLUMNS} columns")
    if len(frame) > MAX_ROWS - 1:
        raise ValueError(f"sheet {spec.name!r}: more than {MAX_ROWS - 1} rows")
    for h in headers:
        if not isinstance(h, str) or not h.strip() or clean_text(h) != h:
            raise ValueError(f"sheet {spec.name!r}: header {h!r} is not a plain non-blank str")
    if len(set(headers)) != len(headers):
        raise ValueError(f"sheet {spec.name!r}: duplicated headers")

    formats: dict[str, str] = {}
    for option, fmt in (
        ("money", MONEY_FORMAT),
        ("integers", INTEGER_FORMAT),
        ("percents", PERCENT_FORMAT),
    ):
        for name in _names(spec, option, getattr(spec, option)):
            if formats.get(name, fmt) != fmt:
                raise ValueError(f"sheet {spec.name!r}: column {name!r} has two number formats")
            formats[name] = fmt
    _names(spec, "negative_red", spec.negative_red)
    _names(spec, "dropdowns", list(spec.dropdowns))
    _names(spec, "widths", list(spec.widths))
    for name, choices in spec.dropdowns.items():
        _check_choices(spec.name, name, choices)
    for name, width in spec.widths.items():
        if not isinstance(width, int | float) or not 0 <= width <= 255:
            raise ValueError(f"sheet {spec.name!r}: width of {name!r} must be in 0..255")

    flags = None
    if spec.highlight is not None:
        hl = spec.highlight
        if not isinstance(hl, pd.Series) or not hl.index.equals(frame.index):
            raise ValueError(
                f"sheet {spec.name!r}: highlight must be a Series on the frame's index"
            )
        flags = np.asarray(hl.fillna(False).astype(bool).to_numpy(), dtype=bool)
        if not flags.any():
            flags = None

    columns = []
    for position, header in enumerate(headers):
        series = frame.iloc[:, position]
        where = f"sheet {spec.name!r}, column {header!r}"
        col = _plan_column(series, header, formats.get(header), where)
        _warn_if_cut(col, where)
        col.width = float(spec.widths.get(header, _auto_width(col, len(frame))))
        columns.append(col)
    return _SheetPlan(spec, columns, flags, len(frame))


def _check_choices(sheet: str, column: str, choices: object) -> None:
    if isinstance(choices, str) or not isinstance(choices, Sequence) or not choices:
        raise ValueError(f"sheet {sheet!r}: dropdown of {column!r} needs a non-empty list")
    for choice in choices:
        if not isinstance(choice, str) or not choice or clean_text(choice) != choice:
            raise ValueError(f"sheet {sheet!r}: dropdown value {choice!r} is not a plain str")
        if "," in choice or '"' in choice:
            raise ValueError(f"sheet {sheet!r}: dropdown value {choice!r} holds a comma or quote")
    if len(",".join(choices)) > 255:
        raise ValueError(f"sheet {sheet!r}: dropdown of {column!r} exceeds Excel's 255 characters")


def _plan_column(series: pd.Series, header: str, num_format: str | None, where: str) -> _Column:
    """Decide once per column how its cells are written, so the per-cell work is minimal."""
    dtype = series.dtype
    if num_format is not None:
        return _Column(header, "number", _to_floats(series, where), num_format)
    if pd.api.types.is_bool_dtype(dtype):
        data = series.astype(object).where(series.notna(), None).to_numpy()
        return _Column(header, "bool", data)
    if pd.api.types.is_integer_dtype(dtype) and not series.hasnans:
        return _Column(header, "integer", series.to_numpy())
    if pd.api.types.is_numeric_dtype(dtype):
        return _Column(header, "number", _to_floats(series, where))
    if pd.api.types.is_string_dtype(dtype) and not isinstance(dtype, np.dtype):
        return _Column(header, "text", series)  # pandas' str / string dtypes
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return _Column(header, "text", _iso_dates(series))
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred in ("string", "empty"):
        return _Column(header, "text", series)
    if inferred in ("floating", "integer", "mixed-integer-float", "decimal"):
        return _Column(header, "number", _to_floats(series, where))
    data = np.array([_cell_value(v, where) for v in series.tolist()], dtype=object)
    return _Column(header, "any", data)


def _warn_if_cut(col: _Column, where: str) -> None:
    """Log the cells that will be cut at Excel's 32,767 characters (see ``_fit``)."""
    if col.kind == "text":
        series = col.data.dropna()  # type: ignore[attr-defined]
        candidates = series[series.str.len() > MAX_CELL_CHARS // 2].tolist()
    elif col.kind == "any":
        candidates = [v for v in col.data if isinstance(v, str) and len(v) > MAX_CELL_CHARS // 2]  # type: ignore[attr-defined]
    else:
        return
    cut = sum(len(clean_text(v).encode("utf-16-le")) > 2 * MAX_CELL_CHARS for v in candidates)
    if cut:
        log.warning("%s: %d cell(s) cut to Excel's %d characters", where, cut, MAX_CELL_CHARS)


def _to_floats(series: pd.Series, where: str) -> np.ndarray:
    """A number column as float64 (NaN = empty cell); text, bools or infinities are refused."""
    if pd.api.types.is_bool_dtype(series.dtype):
        raise ValueError(f"{where}: booleans in a number column")
    numeric = ("floating", "integer", "mixed-integer-float", "decimal", "empty")
    if pd.api.types.is_numeric_dtype(series.dtype) or (
        pd.api.types.infer_dtype(series, skipna=True) in numeric  # e.g. floats and None
    ):
        arr = series.to_numpy(dtype=np.float64, na_value=np.nan)
    else:  # mixed objects: check each value, so that text is refused rather than parsed
        out = []
        for v in series.tolist():
            if v is None or v is pd.NA or v is pd.NaT:
                out.append(math.nan)
            elif isinstance(v, Number) and not isinstance(v, bool | np.bool_ | complex):
                out.append(float(v))  # type: ignore[arg-type]
            else:
                raise ValueError(f"{where}: {v!r} is not a number")
        arr = np.array(out, dtype=np.float64)
    if np.isinf(arr).any():
        raise ValueError(f"{where}: infinite number")
    return arr


def _iso_dates(series: pd.Series) -> pd.Series:
    """Timestamps as ISO text: dates alone when every value is at midnight."""
    present = series.dropna()
    date_only = bool((present == present.dt.normalize()).all())
    text = series.dt.strftime("%Y-%m-%d" if date_only else "%Y-%m-%d %H:%M:%S")
    return text.astype(object).where(series.notna(), None)


def _cell_value(v: object, where: str) -> str | int | float | bool | None:
    """One value of a mixed column as what its cell holds (text, number, boolean or empty)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating | Decimal):
        f = float(v)
        if math.isinf(f):
            raise ValueError(f"{where}: infinite number")
        return None if math.isnan(f) else f
    if isinstance(v, dt.datetime):  # pd.Timestamp included
        if (v.hour, v.minute, v.second, v.microsecond) == (0, 0, 0, 0):
            return v.date().isoformat()
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, np.datetime64):
        return _cell_value(pd.Timestamp(v), where)
    if isinstance(v, Number) and not isinstance(v, complex):
        return _cell_value(float(v), where)  # type: ignore[arg-type]
    return str(v)


# --- Widths ---------------------------------------------------------------------------------


def _auto_width(col: _Column, nrows: int) -> float:
    """Header or widest sampled content, in Excel character units, capped at MAX_WIDTH."""
    header = max(len(line) for line in col.header.split("\n")) * 1.1 + 3  # bold + filter arrow
    content = 0.0
    if nrows:
        idx = np.unique(np.linspace(0, nrows - 1, min(nrows, WIDTH_SAMPLE)).astype(np.int64))
        if col.kind == "text":
            sample = col.data.iloc[idx].tolist()  # type: ignore[attr-defined]
        else:
            sample = col.data[idx].tolist()  # type: ignore[index]
        content = max((_display_len(v, col.num_format) for v in sample), default=0) + 1.5
    return round(min(max(header, content, MIN_WIDTH), MAX_WIDTH), 1)


def _display_len(v: object, num_format: str | None) -> int:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return 0
    if isinstance(v, str):
        return max(len(line) for line in v.split("\n"))
    if isinstance(v, bool):
        return 5
    if isinstance(v, int | float):
        if num_format == MONEY_FORMAT:
            return len(f"{v:,.2f}") + 2
        if num_format == PERCENT_FORMAT:
            return len(f"{v * 100:.1f}") + 2
        if num_format == INTEGER_FORMAT:
            return len(f"{v:.0f}")
        return len(f"{v:.10g}")
    return len(str(v))


# --- Cell XML -------------------------------------------------------------------------------


def _text_payload(s: str) -> str | None:
    """The end of a ``<c>`` element holding ``s`` as an inline string; None for no cell."""
    if not s:
        return None
    if len(s) <= MAX_CELL_CHARS // 2 and _NEEDS_WORK.search(s) is None and s.strip() == s:
        return f' t="inlineStr"><is><t>{s}</t></is></c>'
    s = _fit(clean_text(s))
    if not s:
        return None
    space = ' xml:space="preserve"' if s[0].isspace() or s[-1].isspace() else ""
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _ESCAPE_UNDERSCORE.sub("_x005F_", s).replace("\r", "_x000D_")  # XML turns \r into \n
    return f' t="inlineStr"><is><t{space}>{s}</t></is></c>'


def _fit(s: str) -> str:
    """Cut ``s`` to Excel's 32,767 UTF-16 code units, never inside a character."""
    if len(s) <= MAX_CELL_CHARS // 2:
        return s
    units = s.encode("utf-16-le")
    if len(units) <= 2 * MAX_CELL_CHARS:
        return s
    return units[: 2 * MAX_CELL_CHARS].decode("utf-16-le", errors="ignore")


_TRUE = ' t="b"><v>1</v></c>'
_FALSE = ' t="b"><v>0</v></c>'


def _any_payload(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, str):
        return _text_payload(v)
    if isinstance(v, bool):
        return _TRUE if v else _FALSE
    return f"><v>{v!r}</v></c>"


def _payloads(col: _Column, start: int, stop: int) -> list[str | None]:
    values = col.values(start, stop)
    if col.kind == "number":
        return [None if v != v else f"><v>{v!r}</v></c>" for v in values]
    if col.kind == "integer":
        return [f"><v>{v}</v></c>" for v in values]
    if col.kind == "text":
        # The common case (short, plain text) inline: a call per cell costs ~30% of a write.
        text, needs_work, half = _text_payload, _NEEDS_WORK.search, MAX_CELL_CHARS // 2
        return [
            (
                f' t="inlineStr"><is><t>{v}</t></is></c>'
                if v and len(v) <= half and needs_work(v) is None and v.strip() == v
                else text(v)
            )
            if isinstance(v, str)
            else None
            for v in values
        ]
    if col.kind == "bool":
        return [None if v is None else (_TRUE if v else _FALSE) for v in values]
    return [_any_payload(v) for v in values]


def _sheet_rows(plan: _SheetPlan, styles: list[tuple[str, str]]) -> Iterator[str]:
    """The data rows' XML, a chunk of rows at a time (row 1 is the header)."""
    letters = [xl_col_to_name(c) for c in range(len(plan.columns))]
    for start in range(0, plan.nrows, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, plan.nrows)
        numbers = [str(r + 2) for r in range(start, stop)]
        cells = []
        for c, col in enumerate(plan.columns):
            head = f'<c r="{letters[c]}'
            plain, lit = styles[c]
            payloads = _payloads(col, start, stop)
            if plan.flags is None:
                cells.append(
                    [
                        "" if p is None else f'{head}{r}"{plain}{p}'
                        for r, p in zip(numbers, payloads, strict=True)
                    ]
                )
            else:
                flags = plan.flags[start:stop].tolist()
                cells.append(
                    [
                        (f'{head}{r}"{lit}/>' if f else "")
                        if p is None
                        else f'{head}{r}"{lit if f else plain}{p}'
                        for r, p, f in zip(numbers, payloads, flags, strict=True)
                    ]
                )
        yield "".join(
            f'<row r="{r}">{"".join(row)}</row>' for r, *row in zip(numbers, *cells, strict=True)
        )


# --- Workbook -------------------------------------------------------------------------------


def _write_xlsx(target: Path, plans: list[_SheetPlan]) -> None:
    """XlsxWriter writes a header-only workbook in memory; the rows are spliced in on copy."""
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = wb.add_format({"bold": True, "valign": "top"})
    red_font = wb.add_format({"font_color": NEGATIVE_FONT})
    sheet_styles = []
    for plan in plans:
        ws = wb.add_worksheet(plan.spec.name)
        sheet_styles.append(_format_sheet(wb, ws, plan, bold, red_font))
    wb.close()

    splices = {f"xl/worksheets/sheet{i + 1}.xml": i for i in range(len(plans))}
    with (
        zipfile.ZipFile(buffer) as src,
        zipfile.ZipFile(
            target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL
        ) as out,
    ):
        missing = set(splices) - set(src.namelist())
        if missing:  # pragma: no cover - XlsxWriter names its sheets sheet1.xml, sheet2.xml...
            raise RuntimeError(f"unexpected XlsxWriter layout: no {sorted(missing)}")
        for info in src.infolist():
            data = src.read(info)
            if info.filename not in splices:
                out.writestr(info, data)
                continue
            i = splices[info.filename]
            _splice_sheet(out, info, data.decode("utf-8"), plans[i], sheet_styles[i])


def _format_sheet(wb, ws, plan: _SheetPlan, bold, red_font) -> list[tuple[str, str]]:
    """Header, widths, filter, panes, drop-downs, conditional formats; returns cell styles."""
    spec, ncols = plan.spec, len(plan.columns)
    last_row = max(plan.nrows, 1)  # validation and formats cover at least row 2
    styles = []
    for c, col in enumerate(plan.columns):
        ws.write_string(0, c, col.header, bold)
        fmt = wb.add_format({"num_format": col.num_format}) if col.num_format else None
        ws.set_column(c, c, col.width, fmt)
        lit_props = {"bg_color": HIGHLIGHT_FILL, "pattern": 1}
        if col.num_format:
            lit_props["num_format"] = col.num_format
        lit = wb.add_format(lit_props)
        # _get_xf_index() registers a format that only our own cells use (no public API).
        plain = f' s="{fmt._get_xf_index()}"' if fmt is not None else ""
        lit_s = f' s="{lit._get_xf_index()}"' if plan.flags is not None else ""
        styles.append((plain, lit_s))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, plan.nrows, ncols - 1)
    headers = [col.header for col in plan.columns]
    for name in spec.negative_red:
        c = headers.index(name)
        ws.conditional_format(
            1,
            c,
            last_row,
            c,
            {
                "type": "cell",
                "criteria": "<",
                "value": 0,
                "format": red_font,
            },
        )
    for name, choices in spec.dropdowns.items():
        c = headers.index(name)
        ws.data_validation(
            1,
            c,
            last_row,
            c,
            {
                "validate": "list",
                "source": list(choices),
                "ignore_blank": True,
            },
        )
    return styles


_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')


def _splice_sheet(
    out: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    xml: str,
    plan: _SheetPlan,
    styles: list[tuple[str, str]],
) -> None:
    end = xml.find("</sheetData>")
    if end < 0 or len(_DIMENSION.findall(xml)) != 1:  # pragma: no cover - layout guard
        raise RuntimeError(f"unexpected XlsxWriter sheet layout in {info.filename}")
    last = f"{xl_col_to_name(len(plan.columns) - 1)}{plan.nrows + 1}"
    head = _DIMENSION.sub(f'<dimension ref="A1:{last}"/>', xml[:end], count=1)
    big = plan.nrows * len(plan.columns) > 20_000_000  # may pass zip's 2 GiB without zip64
    # Opened by name, the entry takes the archive's compression and level.
    with out.open(info.filename, "w", force_zip64=big) as fh:
        fh.write(head.encode("utf-8"))
        for chunk in _sheet_rows(plan, styles):
            fh.write(chunk.encode("utf-8"))
        fh.write(xml[end:].encode("utf-8"))


# --- Reading --------------------------------------------------------------------------------


def read_sheet(
    path: str | Path,
    *,
    sheet: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
    what: str = "workbook",
) -> pd.DataFrame:
    """The ``required`` and present ``optional`` columns of ``sheet``, found by header name.

    The header row is the sheet's first non-empty row; headers match after stripping
    whitespace (and Unicode NFC normalisation), so columns may be moved, and others added,
    by the users. The frame has the columns in the order asked, object dtype, and every value
    as the text of its cell:

    * text cells exactly as typed: "NA", "NULL", "N/A", "nan", "0123", "=1+1" stay text;
    * whole numbers without ".0" (a service id typed as 123 gives "123"), other numbers as
      ``str(float)`` ("12.5"; what Excel displays depends on the cell's format, not stored);
    * booleans "TRUE"/"FALSE"; dates, times and timestamps in ISO format;
    * empty cells (and empty strings, and error cells, which calamine does not tell apart)
      are None. Rows empty across the whole sheet are dropped.

    Any failure (missing file, not an XLSX, truncated, missing sheet, missing or duplicated
    headers, empty sheet) is a ``WorkbookError`` whose message starts with ``what`` and the
    file's path.
    """
    where = f"{what} {path}"
    wanted = [*required, *(o for o in optional if o not in required)]
    rows = _load_rows(Path(path), sheet, where)
    if not rows or all(v == "" for v in rows[0]):
        raise WorkbookError(f"{where}: sheet {sheet!r} is empty")
    header = [_header_key(v) for v in rows[0]]
    positions: dict[str, int] = {}
    for name in wanted:
        key = _header_key(name)
        found = [i for i, h in enumerate(header) if h == key]
        if len(found) > 1:
            cols = ", ".join(xl_col_to_name(i) for i in found)
            raise WorkbookError(f"{where}: sheet {sheet!r} has the column {name!r} twice ({cols})")
        if found:
            positions[name] = found[0]
    missing = [name for name in required if name not in positions]
    if missing:
        present = ", ".join(repr(h) for h in header if h)
        raise WorkbookError(
            f"{where}: sheet {sheet!r} lacks the column(s) {', '.join(map(repr, missing))} "
            f"(headers found: {present or 'none'})"
        )
    width = len(rows[0])
    body = [r for r in rows[1:] if r.count("") != width]
    data = {}
    for name in wanted:
        if name in positions:
            i = positions[name]
            # Text cells (the usual case) need no conversion: skip the call for them.
            data[name] = [
                v if type(v) is str and v else _cell_text(v) for v in (r[i] for r in body)
            ]
    return pd.DataFrame(data, columns=[n for n in wanted if n in positions], dtype=object)


def _load_rows(path: Path, sheet: str, where: str) -> list[list]:
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise WorkbookError(f"{where}: file not found") from None
    except IsADirectoryError:
        raise WorkbookError(f"{where}: is a directory, not a workbook") from None
    except OSError as exc:
        raise WorkbookError(f"{where}: cannot open it ({_reason(exc)})") from exc
    with fh:
        try:
            # from_filelike detects the format from the content, not from the file's name.
            wb = python_calamine.CalamineWorkbook.from_filelike(fh)
        except python_calamine.PasswordError as exc:
            raise WorkbookError(f"{where}: the workbook is password-protected") from exc
        except BaseException as exc:
            if not _bad_file(exc):
                raise
            raise WorkbookError(
                f"{where}: not a readable XLSX workbook (corrupt, truncated or another kind "
                f"of file: {_calamine_reason(exc)})"
            ) from exc
    try:
        names = list(wb.sheet_names)
        if sheet not in names:
            listed = ", ".join(repr(n) for n in names) or "none"
            raise WorkbookError(f"{where}: no sheet {sheet!r} (sheets: {listed})")
        try:
            return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=True)
        except BaseException as exc:
            if not _bad_file(exc):
                raise
            raise WorkbookError(
                f"{where}: sheet {sheet!r} cannot be read (corrupt or truncated: "
                f"{_calamine_reason(exc)})"
            ) from exc
    finally:
        wb.close()


def _bad_file(exc: BaseException) -> bool:
    """calamine raises its own errors, OSError/ValueError on some malformed parts, and a Rust
    panic (pyo3's PanicException, a BaseException) on the worst inputs: all mean a bad file."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _calamine_reason(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__


def _header_key(value: object) -> str:
    text = _cell_text(value)
    return "" if text is None else unicodedata.normalize("NFC", text.strip())


def _cell_text(value: object) -> str | None:
    """The text a cell value read by calamine stands for; None for an empty cell."""
    if isinstance(value, str):
        return value if value else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if value is None:
        return None
    return str(value)
