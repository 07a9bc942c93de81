from __future__ import annotations

from decimal import Decimal

import pytest

from reportkit.errors import ParamsError
from reportkit.params import load_params, parse_params, period_bounds, resolve_source


def write(tmp_path, text: str):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults(tmp_path):
    p = load_params(write(tmp_path, "source: sqlite:///x.db\nrun_id: R1\n"))
    assert p.period is None and p.output_dir is None and p.previous_recurring is None
    assert p.deficit_threshold == Decimal(0) and p.variation_threshold == Decimal(30)


def test_demo_params_file_is_valid():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for f in (root / "params").glob("*.yaml"):
        load_params(f)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("run_id: R1\n", "source: required key missing"),
        ("source: x\nrun_id: R1\ncolour: red\n", "colour: unknown key"),
        ("source: x\nrun_id: R1\nperiod: 2026-13\n", "is not a month"),
        ("source: x\nrun_id: R1\nperiod: November\n", "is not a month"),
        ("source: x\nrun_id: [unclosed\n", "not valid YAML at line"),
        ("- a\n- b\n", "expected a mapping"),
        ("", "is empty"),
        ("source: postgresql://u:pw@h/db\nrun_id: R1\n", "holds a password"),
        ("source: x\nrun_id: R1\ndeficit_threshold: abc\n", "deficit_threshold"),
    ],
)
def test_bad_params_are_refused_in_one_line(tmp_path, text, message):
    with pytest.raises(ParamsError) as err:
        load_params(write(tmp_path, text))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(ParamsError, match="does not exist"):
        load_params(tmp_path / "nope.yaml")


def test_every_problem_is_named_at_once():
    with pytest.raises(ParamsError) as err:
        parse_params({"period": "x", "oops": 1})
    text = str(err.value)
    assert "source" in text and "run_id" in text and "oops" in text and "period" in text


def test_float_threshold_is_exact():
    assert parse_params(
        {"source": "x", "run_id": "R", "deficit_threshold": 0.1}
    ).deficit_threshold == Decimal("0.1")


def test_env_source(monkeypatch):
    monkeypatch.setenv("RK_URL", "sqlite:///a.db")
    assert resolve_source("env:RK_URL") == "sqlite:///a.db"
    monkeypatch.delenv("RK_URL")
    with pytest.raises(ParamsError, match="RK_URL is not set"):
        resolve_source("env:RK_URL")


def test_period_bounds():
    assert period_bounds("2026-02") == ("2026-02-01", "2026-02-28", "2026-03-01")
    assert period_bounds("2026-12") == ("2026-12-01", "2026-12-31", "2027-01-01")
