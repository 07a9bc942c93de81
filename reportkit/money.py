"""Exact money: integer minor units, half-up rounding, French formatting.

Amounts travel as integers of 1/10,000 € ("units", the contract's 4 decimals) and are
rounded to integer cents only where the contract says. Python's ``round()`` and numpy's
round half to even, which is why neither appears here.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np
import pandas as pd

UNITS_PER_EURO = 10_000
UNITS_PER_CENT = 100


def to_units(value: object) -> int:
    """One amount (int, Decimal, str, float) as integer units; raises ValueError if not money."""
    if value is None or isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")
    if isinstance(value, int):
        return value * UNITS_PER_EURO
    try:
        # str() of a float is its shortest repr, so 0.1 stays 0.1 and not 0.1000000000000000055.
        dec = Decimal(value.strip() if isinstance(value, str) else str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not dec.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return int((dec * UNITS_PER_EURO).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def units_to_cents(units: int) -> int:
    """Half-up (away from zero) to the cent: 1250 units (0.125 €) -> 13 cents."""
    sign = -1 if units < 0 else 1
    return sign * ((abs(units) + UNITS_PER_CENT // 2) // UNITS_PER_CENT)


def round_cents(units: pd.Series) -> pd.Series:
    """Vectorised :func:`units_to_cents` on an integer Series."""
    arr = units.to_numpy(dtype=np.int64)
    cents = np.sign(arr) * ((np.abs(arr) + UNITS_PER_CENT // 2) // UNITS_PER_CENT)
    return pd.Series(cents, index=units.index, dtype="int64")


def cents_to_decimal(cents: int) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def format_eur(cents: int | None, *, signed: bool = False) -> str:
    """French display of an amount in cents: ``9 464,91 €`` (narrow no-break spaces)."""
    if cents is None or (isinstance(cents, float) and np.isnan(cents)):
        return "—"
    from babel.numbers import format_currency

    text = format_currency(cents_to_decimal(int(cents)), "EUR", locale="fr_FR")
    if signed and cents > 0:
        text = "+" + text
    return text


def format_percent(ratio: Decimal | float | None, *, digits: int = 1) -> str:
    """French display of a ratio (0.125 -> ``12,5 %``), rounded half-up."""
    if ratio is None or (isinstance(ratio, float) and np.isnan(ratio)):
        return "—"
    from babel.numbers import format_decimal

    value = (Decimal(str(ratio)) * 100).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    return format_decimal(value, format="#,##0." + "0" * digits, locale="fr_FR") + "\u00a0%"


def format_int(n: int) -> str:
    from babel.numbers import format_decimal

    return format_decimal(int(n), locale="fr_FR")
