"""The params of a run: one YAML file per billing run or month, checked before anything runs."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ParamsError

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_URL_PASSWORD_RE = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@:]*:[^/@]+@", re.IGNORECASE)


class Params(BaseModel):
    """What a run needs. Unknown keys are refused, so a typo never silently takes a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(description="SQLAlchemy URL, env:VARNAME, or a folder of CSV/Parquet")
    run_id: str = Field(min_length=1, description="the billing run to control")
    period: str | None = Field(default=None, description="YYYY-MM; defaults to the run's period")
    output_dir: str | None = Field(default=None, description="defaults to outputs/{period}")
    previous_recurring: str | None = Field(
        default=None, description="last month's recurring workbook, as edited by the analysts"
    )
    deficit_threshold: Decimal = Field(
        default=Decimal(0), description="a service is in deficit when its Marge totale is below"
    )
    variation_threshold: Decimal = Field(
        default=Decimal(30), ge=0, description="% change between the last two invoices to flag"
    )
    top_n: int = Field(default=15, ge=1, le=500, description="deficit services listed in the HTML")

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("is empty")
        if _URL_PASSWORD_RE.match(value):
            raise ValueError(
                "holds a password: put the URL in an environment variable and write env:VARNAME"
            )
        return value

    @field_validator("period")
    @classmethod
    def _period(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        value = str(value).strip()
        if not PERIOD_RE.match(value):
            raise ValueError(f"{value!r} is not a month written YYYY-MM")
        return value

    @field_validator("output_dir", "previous_recurring")
    @classmethod
    def _optional_path(cls, value: str | None) -> str | None:
        if value is None or not str(value).strip():
            return None
        return str(value)

    @field_validator("deficit_threshold", "variation_threshold", mode="before")
    @classmethod
    def _decimal(cls, value: Any) -> Any:
        # YAML gives floats: go through str so 0.1 stays 0.1.
        if isinstance(value, float):
            return Decimal(str(value))
        return value


def _one_line(exc: ValidationError, origin: str) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "params"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key missing"
        msg = msg.removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}")
    return f"{origin}: " + "; ".join(parts)


def parse_params(data: Any, *, origin: str = "params") -> Params:
    """Validate a mapping of params; every problem is named in one line."""
    if not isinstance(data, dict):
        raise ParamsError(f"{origin}: expected a mapping of keys, got {type(data).__name__}")
    try:
        return Params.model_validate(data)
    except ValidationError as exc:
        raise ParamsError(_one_line(exc, origin)) from None


def load_params(path: str | Path) -> Params:
    """Read and validate a params YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParamsError(f"params file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParamsError(f"params file {path} cannot be read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid syntax"
        raise ParamsError(f"params file {path} is not valid YAML{where}: {problem}") from None
    if data is None:
        raise ParamsError(f"params file {path} is empty")
    return parse_params(data, origin=f"params file {path}")


def resolve_source(source: str) -> str:
    """``env:VAR`` → the variable's value, read at run time so no secret sits in a file."""
    if source.startswith("env:"):
        name = source[4:].strip()
        value = os.environ.get(name)
        if not name or value is None or not value.strip():
            raise ParamsError(f"source: environment variable {name or '(empty)'} is not set")
        return value.strip()
    return source


def next_period(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def previous_period(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"


def period_bounds(period: str) -> tuple[str, str, str]:
    """First day, last day, and first day of the next month, as ISO dates."""
    import calendar

    year, month = int(period[:4]), int(period[5:7])
    last = calendar.monthrange(year, month)[1]
    return f"{period}-01", f"{period}-{last:02d}", f"{next_period(period)}-01"
