"""reportkit.excel: safe, formatted XLSX writing and reading back by headers."""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import BLNS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportkit import excel
from reportkit.contract import TRACKING_CODES
from reportkit.errors import OutputError, WorkbookError
from reportkit.excel import SheetSpec, clean_text, read_sheet, write_workbook

FORBIDDEN = {*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF}
FORBIDDEN |= set(range(0xD800, 0xE000))
EURO = '#,##0.00\\ "€"'

# Text that spreadsheet software likes to turn into something else.
NAUGHTY = [
    '=HYPERLINK("http://evil.test","clic")',
    "{=1+1}",
    "=1+1",
    "+33 1 23 45 67 89",
    "-1",
    "@SUM(A1)",
    "http://example.com",
    "mailto:a@b.test",
    "#N/A",
    "#DIV/0!",
    "NA",
    "N/A",
    "NULL",
    "nan",
    "None",
    "TRUE",
    "0123",
    "1E5",
    "1,5",
    "01/02/2026",
    " espace devant",
    "espace derrière ",
    "   ",
    "ligne 1\nligne 2",
    "a\r\nb",
    "tab\there",
    "a&b<c>]]>",
    "_x0041_",
    "_x005F_x0041_",
    "a_x000D_b",
    "FR76 3000 4000 0312 3456 7890 143",
    "😀 astral",
]


def opened(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def recurring_frame(n: int = 4) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "N° dossier": [f"D{i:05d}" for i in range(n)],
            "Raison sociale": [f"Société {i}" for i in range(n)],
            "Code postal": ["01000"] * n,
            "Marge totale": [(-1) ** i * (i + 0.5) for i in range(n)],
            "Nb": list(range(n)),
            "Taux": [i / 8 for i in range(n)],
            "Code suivi": ([TRACKING_CODES[0], None] * n)[:n],
        }
    )


def recurring_spec(frame: pd.DataFrame, **kw) -> SheetSpec:
    options = {
        "money": ["Marge totale"],
        "integers": ["Nb"],
        "percents": ["Taux"],
        "negative_red": ["Marge totale"],
        "dropdowns": {"Code suivi": TRACKING_CODES},
    }
    options.update(kw)
    return SheetSpec("Récurrent", frame, **options)


def raw_sheet_xml(path: Path, n: int = 1) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(f"xl/worksheets/sheet{n}.xml").decode("utf-8")


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# --- clean_text ----------------------------------------------------------------------------


def test_clean_text_removes_exactly_the_xml_forbidden_characters():
    assert clean_text("a\x00b\x08c\x0bd\x0ce\x1ff\ufffeg\uffffh\ud800i\udfffj") == "abcdefghij"
    kept = "\t\n\r\x7f\x85\xa0\u2028 é😀\ufffd\U0010ffff"
    assert clean_text(kept) == kept
    assert clean_text("") == ""


@given(st.text(st.characters(exclude_categories=())))
def test_clean_text_property(s):
    out = clean_text(s)
    assert not any(ord(c) in FORBIDDEN for c in out)
    assert out == "".join(c for c in s if ord(c) not in FORBIDDEN)


# --- writing: layout and formats -------------------------------------------------------------


def test_header_is_bold_frozen_and_filtered(tmp_path):
    frame = recurring_frame(4)
    path = write_workbook(
        tmp_path / "r.xlsx", [recurring_spec(frame), SheetSpec("Vide", frame[:0])]
    )
    assert path == tmp_path / "r.xlsx"
    wb = opened(path)
    assert wb.sheetnames == ["Récurrent", "Vide"]
    ws = wb["Récurrent"]
    assert [c.value for c in ws[1]] == list(frame.columns)
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G5"
    assert re.search(r'<dimension ref="A1:G5"/>', raw_sheet_xml(path))
    empty = wb["Vide"]
    assert [c.value for c in empty[1]] == list(frame.columns)
    assert empty.max_row == 1 and empty.freeze_panes == "A2" and empty.auto_filter.ref == "A1:G1"


def test_numbers_stay_numbers_with_their_formats(tmp_path):
    frame = pd.DataFrame(
        {
            "Montant": [1234.56, None, Decimal("-0.10"), np.float32(2.5)],
            "Nb": pd.array([1, 2, None, 4], dtype="Int64"),
            "Taux": [0.125, 1.0, float("nan"), -0.5],
            "Brut": [1, 2, 3, 4],
        },
        dtype=object,
    ).astype({"Brut": "int64"})
    spec = SheetSpec("S", frame, money=["Montant"], integers=["Nb"], percents=["Taux"])
    ws = opened(write_workbook(tmp_path / "n.xlsx", [spec]))["S"]
    money = [ws.cell(r, 1) for r in range(2, 6)]
    assert [c.value for c in money] == [1234.56, None, -0.1, 2.5]
    assert all(c.number_format == EURO for c in money if c.value is not None)
    assert all(c.data_type == "n" for c in money)
    assert [ws.cell(r, 2).value for r in range(2, 6)] == [1, 2, None, 4]
    assert ws.cell(2, 2).number_format == "0"
    assert [ws.cell(r, 3).value for r in range(2, 6)] == [0.125, 1, None, -0.5]
    assert ws.cell(2, 3).number_format == "0.0 %"
    assert [ws.cell(r, 4).value for r in range(2, 6)] == [1, 2, 3, 4]
    assert ws.column_dimensions["A"].number_format == EURO  # rows typed later get it too


def test_mixed_values_are_written_sanely(tmp_path):
    frame = pd.DataFrame(
        {
            "Valeur": [
                1,
                2.5,
                Decimal("3.25"),
                np.int64(7),
                True,
                pd.Timestamp("2026-11-30"),
                pd.Timestamp("2026-11-30 08:15:00"),
                None,
                pd.NA,
                float("nan"),
                "texte",
            ],
            "Jour": pd.to_datetime(["2026-11-01"] * 10 + [None]),
        }
    )
    ws = opened(write_workbook(tmp_path / "m.xlsx", [SheetSpec("S", frame)]))["S"]
    values = [ws.cell(r, 1).value for r in range(2, 13)]
    assert values == [1, 2.5, 3.25, 7, True, "2026-11-30", "2026-11-30 08:15:00"] + [None] * 3 + [
        "texte"
    ]
    assert ws.cell(6, 1).data_type == "b"
    assert ws.cell(7, 1).data_type == "s" and ws.cell(2, 2).value == "2026-11-01"
    assert ws.cell(12, 2).value is None


def test_programmer_errors_raise_value_error_before_touching_disk(tmp_path):
    frame = recurring_frame(2)
    target = tmp_path / "x.xlsx"
    bad = [
        SheetSpec("x" * 32, frame),
        SheetSpec("a/b", frame),
        SheetSpec("", frame),
        SheetSpec("S", frame, money=["Inconnue"]),
        SheetSpec("S", frame, money="Marge totale"),
        SheetSpec("S", frame, money=["Raison sociale"]),  # text in a money column
        SheetSpec("S", frame, money=["Nb"], integers=["Nb"]),
        SheetSpec("S", frame, dropdowns={"Code suivi": ["a,b"]}),
        SheetSpec("S", frame, highlight=pd.Series([True], index=[99])),
        SheetSpec("S", pd.DataFrame({"Montant": [float("inf")]}), money=["Montant"]),
        SheetSpec("S", pd.DataFrame({1: ["x"]})),
    ]
    for spec in bad:
        with pytest.raises(ValueError):
            write_workbook(target, [spec])
    with pytest.raises(ValueError, match="two sheets"):
        write_workbook(target, [SheetSpec("Feuille", frame), SheetSpec("FEUILLE", frame)])
    with pytest.raises(ValueError):
        write_workbook(target, [])
    assert files_in(tmp_path) == []


def test_widths_are_automatic_capped_and_overridable(tmp_path):
    frame = pd.DataFrame({"A": ["x"], "Long": ["y" * 500], "Fixe": ["z"], "Montant": [1e6]})
    spec = SheetSpec("S", frame, money=["Montant"], widths={"Fixe": 30})
    ws = opened(write_workbook(tmp_path / "w.xlsx", [spec]))["S"]
    widths = {k: ws.column_dimensions[k].width for k in "ABCD"}
    assert 6 <= widths["A"] < 10
    assert 60 <= widths["B"] < 62
    assert 30 <= widths["C"] < 31
    assert widths["D"] >= len("1 000 000,00 €")


# --- writing: data never becomes anything but itself ----------------------------------------


def test_blns_strings_are_written_as_plain_text(tmp_path):
    frame = pd.DataFrame(
        {"Raison sociale": BLNS, "N° dossier": [f"{i:06d}" for i in range(len(BLNS))]}
    )
    path = write_workbook(tmp_path / "blns.xlsx", [SheetSpec("Dossiers", frame)])
    ws = opened(path)["Dossiers"]
    for row, s in enumerate(BLNS, start=2):
        cell = ws.cell(row, 1)
        expected = clean_text(s) or None
        assert cell.value == expected, (row, s)
        if expected is not None:
            assert cell.data_type == "s", (row, s)
        assert cell.hyperlink is None
        assert ws.cell(row, 2).value == f"{row - 2:06d}"  # leading zeros kept
    assert not ws._hyperlinks
    xml = raw_sheet_xml(path)
    assert "<f>" not in xml and 't="e"' not in xml and "<hyperlink" not in xml
    with zipfile.ZipFile(path) as z:
        assert not [n for n in z.namelist() if "_rels/sheet" in n]


def test_naughty_values_and_identifiers_stay_exact_text(tmp_path):
    frame = pd.DataFrame({"Commentaire": NAUGHTY, "Code postal": ["01000"] * len(NAUGHTY)})
    path = write_workbook(tmp_path / "n.xlsx", [SheetSpec("S", frame)])
    ws = opened(path)["S"]
    for row, s in enumerate(NAUGHTY, start=2):
        cell = ws.cell(row, 1)
        assert cell.data_type == "s" and cell.hyperlink is None, s
        if "\r" not in s and "_x" not in s:  # openpyxl does not decode _xHHHH_ in inline strings
            assert cell.value == s
        assert ws.cell(row, 2).value == "01000"
    back = read_sheet(path, sheet="S", required=["Commentaire", "Code postal"])
    assert back["Commentaire"].tolist() == NAUGHTY  # calamine decodes like Excel
    assert set(back["Code postal"]) == {"01000"}
    assert "<f>" not in raw_sheet_xml(path)


def test_text_longer_than_excel_allows_is_cut_at_32767_units(tmp_path, caplog):
    frame = pd.DataFrame({"T": ["x" * 40_000, "😀" * 20_000, "y" * 32_767]})
    path = write_workbook(tmp_path / "long.xlsx", [SheetSpec("S", frame)])
    back = read_sheet(path, sheet="S", required=["T"])["T"].tolist()
    assert back[0] == "x" * 32_767
    assert back[1] == "😀" * 16_383  # never half a character
    assert back[2] == "y" * 32_767
    assert "2 cell(s) cut" in caplog.text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(st.characters(exclude_categories=())), min_size=1, max_size=8))
def test_any_text_round_trips_as_cleaned_text(texts):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "h.xlsx"
        # object dtype: pandas 3 would store text as Arrow strings, which refuse lone surrogates.
        frame = pd.DataFrame(
            {"Texte": pd.Series(texts, dtype=object), "Clé": [f"k{i}" for i in range(len(texts))]}
        )
        write_workbook(path, [SheetSpec("S", frame)])
        back = read_sheet(path, sheet="S", required=["Clé", "Texte"])
        assert back["Texte"].tolist() == [clean_text(t) or None for t in texts]
        ws = openpyxl.load_workbook(path)["S"]
        for row, text in enumerate(texts, start=2):
            cell = ws.cell(row, 1)
            assert cell.data_type == "s" if clean_text(text) else cell.value is None


# --- writing: drop-downs, conditional formats, highlight ------------------------------------


def test_dropdown_covers_the_data_rows(tmp_path):
    frame = recurring_frame(5)
    empty = SheetSpec("Vide", frame[:0], dropdowns={"Code suivi": TRACKING_CODES})
    path = write_workbook(tmp_path / "d.xlsx", [recurring_spec(frame), empty])
    wb = opened(path)
    (dv,) = wb["Récurrent"].data_validations.dataValidation
    assert dv.type == "list" and dv.allow_blank
    assert dv.formula1 == '"' + ",".join(TRACKING_CODES) + '"'
    assert str(dv.sqref) == "G2:G6"
    (dv,) = wb["Vide"].data_validations.dataValidation
    assert str(dv.sqref) == "G2"


def test_negative_red_is_a_conditional_format(tmp_path):
    ws = opened(write_workbook(tmp_path / "c.xlsx", [recurring_spec(recurring_frame(3))]))[
        "Récurrent"
    ]
    ranges = {str(cf.sqref): cf.rules for cf in ws.conditional_formatting}
    (rule,) = ranges["D2:D4"]
    assert rule.type == "cellIs" and rule.operator == "lessThan" and rule.formula == ["0"]
    assert rule.dxf.font.color.rgb.endswith("C00000")
    assert len(ranges) == 1


def test_highlight_fills_flagged_rows_only(tmp_path):
    frame = recurring_frame(4)
    flags = pd.Series([False, True, None, True], index=frame.index)
    ws = opened(write_workbook(tmp_path / "h.xlsx", [recurring_spec(frame, highlight=flags)]))[
        "Récurrent"
    ]
    for row, lit in zip(range(2, 6), [False, True, False, True], strict=True):
        for col in range(1, 8):
            cell = ws.cell(row, col)
            filled = cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb.endswith("FFC7CE")
            assert filled == lit, (row, col)
    assert ws.cell(3, 4).number_format == EURO  # the fill keeps the number format
    assert ws.cell(3, 7).value is None  # an empty cell of a flagged row is filled too


def test_rows_are_written_in_order_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(excel, "CHUNK_ROWS", 7)
    frame = recurring_frame(50)
    flags = frame["Marge totale"] < 0
    path = write_workbook(tmp_path / "c.xlsx", [recurring_spec(frame, highlight=flags)])
    back = read_sheet(path, sheet="Récurrent", required=list(frame.columns))
    assert back["N° dossier"].tolist() == frame["N° dossier"].tolist()
    ws = opened(path)["Récurrent"]
    assert [ws.cell(r, 4).value for r in range(2, 52)] == frame["Marge totale"].tolist()
    lit = [ws.cell(r, 1).fill.fill_type == "solid" for r in range(2, 52)]
    assert lit == flags.tolist()


# --- writing: atomic save -------------------------------------------------------------------


def test_successful_write_leaves_no_temp_file_and_normal_permissions(tmp_path):
    write_workbook(tmp_path / "ok.xlsx", [recurring_spec(recurring_frame())])
    assert files_in(tmp_path) == ["ok.xlsx"]
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "ok.xlsx").stat().st_mode & 0o777 == 0o666 & ~umask


def test_failure_mid_write_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"previous version")
    real_rows = excel._sheet_rows

    def failing_rows(plan, styles):
        rows = real_rows(plan, styles)
        yield next(rows)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(excel, "CHUNK_ROWS", 2)
    monkeypatch.setattr(excel, "_sheet_rows", failing_rows)
    with pytest.raises(OutputError) as err:
        write_workbook(target, [recurring_spec(recurring_frame(10))])
    assert str(target) in str(err.value) and "No space left" in str(err.value)
    assert "\n" not in str(err.value)
    assert target.read_bytes() == b"previous version"
    assert files_in(tmp_path) == ["r.xlsx"]


def test_failure_on_rename_keeps_the_previous_file(tmp_path):
    target = tmp_path / "r.xlsx"
    target.mkdir()  # a directory cannot be replaced by a file
    with pytest.raises(OutputError, match="cannot write"):
        write_workbook(target, [recurring_spec(recurring_frame())])
    assert files_in(tmp_path) == ["r.xlsx"] and target.is_dir()


def test_unwritable_directory_is_an_output_error(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    for target in (not_a_dir / "r.xlsx", tmp_path / "missing" / "r.xlsx"):
        with pytest.raises(OutputError, match=re.escape(str(target))):
            write_workbook(target, [recurring_spec(recurring_frame())])


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_directory_is_an_output_error(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="Permission denied"):
            write_workbook(locked / "r.xlsx", [recurring_spec(recurring_frame())])
    finally:
        locked.chmod(0o700)


# --- reading --------------------------------------------------------------------------------


def test_read_sheet_round_trip(tmp_path):
    values = [*BLNS, *NAUGHTY]
    frame = pd.DataFrame({"ID service": [f"{i:05d}" for i in range(len(values))], "Texte": values})
    path = write_workbook(tmp_path / "rt.xlsx", [SheetSpec("Récurrent", frame)])
    back = read_sheet(path, sheet="Récurrent", required=["ID service"], optional=["Texte", "Autre"])
    assert list(back.columns) == ["ID service", "Texte"]
    assert back["ID service"].tolist() == frame["ID service"].tolist()
    assert back["Texte"].tolist() == [clean_text(v) or None for v in values]
    for text in ("NA", "NULL", "N/A", "nan", "0123", "=1+1"):
        assert text in back["Texte"].tolist()


def test_read_sheet_maps_columns_by_header_not_position(tmp_path):
    path = tmp_path / "edited.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Récurrent"
    ws.append(["Ajout", "  Commentaire ", "Code suivi", "Autre", "ID service"])
    rows = [
        ["x", "NA", "À corriger", 1, 123],  # a service id typed as a number
        ["y", None, None, None, "0042"],
        [None, None, None, None, None],  # an empty row in the middle
        ["z", "NULL", "Corrigé", True, 12.5],
        ["w", "placeholder", "nan", None, "S9"],
    ]
    for row in rows:
        ws.append(row)
    ws.cell(6, 2).value = "=1+1"
    ws.cell(6, 2).data_type = "s"  # typed as text, not as a formula
    wb.save(path)
    back = read_sheet(
        path,
        sheet="Récurrent",
        required=["ID service", "Code suivi"],
        optional=["Commentaire", "Absente"],
    )
    assert list(back.columns) == ["ID service", "Code suivi", "Commentaire"]
    assert back.to_dict("list") == {
        "ID service": ["123", "0042", "12.5", "S9"],
        "Code suivi": ["À corriger", None, "Corrigé", "nan"],
        "Commentaire": ["NA", None, "NULL", "=1+1"],
    }
    assert all(dtype == np.dtype(object) for dtype in back.dtypes)


def test_read_sheet_accepts_an_empty_data_area(tmp_path):
    path = write_workbook(tmp_path / "e.xlsx", [SheetSpec("S", pd.DataFrame({"A": [], "B": []}))])
    back = read_sheet(path, sheet="S", required=["A"], optional=["B"])
    assert list(back.columns) == ["A", "B"] and len(back) == 0


def _valid_workbook(path: Path) -> Path:
    frame = pd.DataFrame({"ID service": [f"S{i}" for i in range(2000)], "Code suivi": "x"})
    return write_workbook(path, [SheetSpec("Récurrent", frame), SheetSpec("Synthèse", frame)])


def _expect_error(path: Path, match: str, **kw) -> str:
    kw.setdefault("sheet", "Récurrent")
    kw.setdefault("required", ["ID service"])
    with pytest.raises(WorkbookError, match=match) as err:
        read_sheet(path, what="previous_recurring workbook", **kw)
    message = str(err.value)
    assert message.startswith(f"previous_recurring workbook {path}:")
    assert "\n" not in message
    return message


def test_read_sheet_errors(tmp_path):
    _expect_error(tmp_path / "absent.xlsx", "file not found")
    _expect_error(tmp_path, "is a directory")

    csv = tmp_path / "csv.xlsx"
    csv.write_text("ID service;Code suivi\nS1;x\n")
    _expect_error(csv, "not a readable XLSX")
    noise = tmp_path / "noise.xlsx"
    noise.write_bytes(bytes(range(256)) * 40)
    _expect_error(noise, "not a readable XLSX")
    empty_file = tmp_path / "empty.xlsx"
    empty_file.write_bytes(b"")
    _expect_error(empty_file, "not a readable XLSX")

    good = _valid_workbook(tmp_path / "good.xlsx")
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _expect_error(truncated, "not a readable XLSX")

    message = _expect_error(good, "no sheet 'Recurrent'", sheet="Recurrent")
    assert "'Récurrent', 'Synthèse'" in message
    message = _expect_error(good, "lacks the column", required=["ID service", "Commentaire", "X"])
    assert "'Commentaire', 'X'" in message

    blank = write_workbook(tmp_path / "blank.xlsx", [SheetSpec("Récurrent", recurring_frame())])
    wb = openpyxl.Workbook()
    wb.active.title = "Récurrent"
    wb.save(blank)
    _expect_error(blank, "is empty")

    twice = tmp_path / "twice.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Récurrent"
    wb.active.append(["ID service", "Code suivi", "ID service "])
    wb.save(twice)
    _expect_error(twice, "twice")
