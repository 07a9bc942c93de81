from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reportkit.money import format_eur, format_percent, round_cents, to_units, units_to_cents


@pytest.mark.parametrize(
    ("units", "cents"),
    [(1250, 13), (150, 2), (149, 1), (-1250, -13), (-150, -2), (0, 0), (50, 1), (49, 0), (250, 3)],
)
def test_half_up_away_from_zero(units, cents):
    assert units_to_cents(units) == cents
    assert round_cents(pd.Series([units])).iloc[0] == cents


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_vectorised_rounding_matches_decimal(units):
    expected = int((Decimal(units) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert units_to_cents(units) == expected
    assert round_cents(pd.Series([units], dtype="int64")).iloc[0] == expected


@pytest.mark.parametrize(
    ("value", "units"),
    [
        ("0.125", 1250),
        (0.1, 1000),
        ("1.0005", 10005),
        (3, 30000),
        (Decimal("-2.5"), -25000),
        (" 12.3 ", 123000),
    ],
)
def test_to_units(value, units):
    assert to_units(value) == units


@pytest.mark.parametrize("value", ["abc", None, "nan", "inf", True])
def test_to_units_refuses(value):
    with pytest.raises(ValueError):
        to_units(value)


def _plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def test_french_formats():
    assert _plain(format_eur(946491)) == "9 464,91 €"
    assert _plain(format_eur(-5)) == "-0,05 €"
    assert format_eur(None) == "—"
    assert _plain(format_percent(0.1255)) == "12,6 %"
