"""Open a billing source, check it against the contract, and pull aggregates from its engine.

Calls are summed per service and invoices per dossier by the database engine (SQL GROUP BY
and window functions): only per-dossier and per-service rows reach pandas. A folder of
CSV/Parquet files is queried through an in-process DuckDB, so the same SQL serves it.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from . import contract
from ._dialects import Dialect, dialect_for
from .contract import Kind, Table
from .errors import ContractError, ParamsError, Problem, SourceError
from .params import PERIOD_RE, period_bounds, resolve_source

_PARAM_RE = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def mask_url(url: str) -> str:
    """A URL fit for a message: the password replaced by ***."""
    return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)


class Source:
    """An opened source: run SQL, list a table's columns. Use :func:`open_source`."""

    dialect: Dialect
    label: str  # safe to print: never a password

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> tuple[list[str], list]:
        raise NotImplementedError

    def table_columns(self, table: str) -> dict[str, str] | None:
        """Column name → declared type, or None when the table is absent."""
        raise NotImplementedError

    def unique_keys(self, table: str) -> set[str]:
        """Columns the engine already guarantees unique (no duplicate check needed)."""
        return set()

    def another(self) -> Source | None:
        """A second connection to the same source, for a query run alongside, or None."""
        return None

    def close(self) -> None:  # pragma: no cover - trivial
        pass

    def frame(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        cols, data = self.rows(sql, params)
        return _object_frame(cols, data)

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _SqlAlchemySource(Source):
    def __init__(self, url: str) -> None:
        import sqlalchemy as sa

        self.label = mask_url(url)
        self._url = url
        try:
            parsed = sa.engine.make_url(url)
        except Exception:
            raise SourceError(f"source {self.label!r} is not a valid database URL") from None
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            db = parsed.database or ""
            if not db or db == ":memory:":
                raise SourceError("source: an SQLite source needs a file path (sqlite:///path.db)")
            path = Path(db)
            if not path.is_file():
                raise SourceError(f"source: SQLite database {path} does not exist")

            def connect() -> sqlite3.Connection:
                # Read-only URI: a wrong path can never create an empty database.
                con = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
                )
                con.create_function("regexp", 2, _sqlite_regexp, deterministic=True)
                return con

            self.engine = sa.create_engine(
                "sqlite://", creator=connect, poolclass=sa.pool.StaticPool
            )
        else:
            try:
                self.engine = sa.create_engine(parsed)
            except Exception as exc:  # missing driver, bad options
                raise SourceError(f"source {self.label}: {_first_line(exc)}") from None
        self.dialect = dialect_for(backend)
        try:
            self.conn = self.engine.connect()
        except Exception as exc:
            raise SourceError(f"source {self.label} cannot be opened: {_first_line(exc)}") from None
        self._inspector = sa.inspect(self.conn)

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> tuple[list[str], list]:
        import sqlalchemy as sa

        if self.dialect.name == "sqlite":
            # sqlite3 takes the same ":name" parameters; its plain tuples build a frame
            # about twice as fast as SQLAlchemy's Row objects (300,000 services: ~0.3 s less).
            try:
                cur = self.conn.connection.driver_connection.execute(sql, params or {})
                return [d[0] for d in cur.description], cur.fetchall()
            except Exception as exc:
                raise SourceError(
                    f"source {self.label}: query failed: {_first_line(exc)}"
                ) from None
        try:
            result = self.conn.execute(sa.text(sql), params or {})
            return list(result.keys()), result.fetchall()
        except Exception as exc:
            self.conn.rollback()
            raise SourceError(f"source {self.label}: query failed: {_first_line(exc)}") from None

    def table_columns(self, table: str) -> dict[str, str] | None:
        try:
            if not self._inspector.has_table(table):
                return None
            return {c["name"]: str(c["type"]) for c in self._inspector.get_columns(table)}
        except Exception as exc:
            raise SourceError(
                f"source {self.label}: cannot list {table}: {_first_line(exc)}"
            ) from None

    def unique_keys(self, table: str) -> set[str]:
        keys: set[str] = set()
        try:
            pk = self._inspector.get_pk_constraint(table).get("constrained_columns") or []
            if len(pk) == 1:
                keys.add(pk[0])
            for idx in self._inspector.get_indexes(table):
                if idx.get("unique") and len(idx["column_names"]) == 1:
                    keys.add(idx["column_names"][0])
            for uc in self._inspector.get_unique_constraints(table):
                if len(uc["column_names"]) == 1:
                    keys.add(uc["column_names"][0])
        except Exception:
            return set()
        return keys

    def another(self) -> Source | None:
        return _SqlAlchemySource(self._url)

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


class _FolderSource(Source):
    """A folder with one TABLE.csv or TABLE.parquet per table, queried with DuckDB."""

    def __init__(self, folder: Path) -> None:
        import duckdb

        self.label = str(folder)
        self.dialect = dialect_for("duckdb")
        self.con = duckdb.connect(":memory:")
        self.con.execute("SET preserve_insertion_order = false")
        self._tables: set[str] = set()
        for name in contract.TABLES:
            csv, parquet = folder / f"{name}.csv", folder / f"{name}.parquet"
            target = "'" + str(parquet if parquet.exists() else csv).replace("'", "''") + "'"
            if parquet.exists():
                reader = f"read_parquet({target})"
            elif csv.exists():
                # Every column as text: postal codes keep their zeros, "NA" stays "NA".
                reader = (
                    f"read_csv({target}, header = true, all_varchar = true, "
                    f"delim = '{_csv_delimiter(csv)}', quote = '\"', escape = '\"')"
                )
            else:
                continue
            try:
                self.con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM {reader}')
                self.con.execute(f'SELECT * FROM "{name}" LIMIT 0')
            except Exception as exc:
                raise SourceError(
                    f"source {folder}: cannot read {Path(target.strip(chr(39))).name}: "
                    f"{_first_line(exc)}"
                ) from None
            self._tables.add(name)

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> tuple[list[str], list]:
        sql = _PARAM_RE.sub(r"$\1", sql)
        try:
            cur = self.con.execute(sql, params or {})
            cols = [d[0] for d in cur.description]
            return cols, cur.fetchall()
        except Exception as exc:
            raise SourceError(f"source {self.label}: query failed: {_first_line(exc)}") from None

    def table_columns(self, table: str) -> dict[str, str] | None:
        if table not in self._tables:
            return None
        desc = self.con.execute(f'DESCRIBE "{table}"').fetchall()
        return {row[0]: str(row[1]) for row in desc}

    def close(self) -> None:
        self.con.close()


def _object_frame(cols: list[str], data: list) -> pd.DataFrame:
    """Rows as a frame of object columns: no float inference, so units and text stay exact.

    Built a column at a time: pandas' row-wise constructor probes every row object for
    named-tuple fields, and SQLAlchemy's ``Row`` answers a missing attribute by raising, which
    cost ~10 µs a row (3 s for the 300,000 services of the large demo).
    """
    if len(set(cols)) != len(cols):  # pragma: no cover - our queries name each column once
        return pd.DataFrame(data, columns=cols, dtype=object)
    n = len(data)
    columns = {}
    for c, values in zip(cols, zip(*data, strict=True) if n else [()] * len(cols), strict=True):
        arr = np.empty(n, dtype=object)
        arr[:] = values
        columns[c] = arr
    return pd.DataFrame(columns, columns=cols, dtype=object)


def _csv_delimiter(path: Path) -> str:
    """Comma, or semicolon for a file saved by a French spreadsheet (its header says which)."""
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        header = fh.readline()
    return ";" if header.count(";") > header.count(",") else ","


def _sqlite_regexp(pattern: str, value: object) -> bool:
    return value is not None and re.search(pattern, str(value)) is not None


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return mask_url(text.splitlines()[0] if text else type(exc).__name__)


def open_source(spec: str) -> Source:
    """Open a source given as a URL, ``env:VAR`` or a folder; raise SourceError if it cannot be."""
    try:
        resolved = resolve_source(spec)
    except ParamsError as exc:
        raise SourceError(str(exc)) from None
    if "://" in resolved:
        return _SqlAlchemySource(resolved)
    folder = Path(resolved)
    if folder.is_dir():
        return _FolderSource(folder)
    if folder.exists():
        raise SourceError(f"source {folder} is a file, not a database URL nor a folder of tables")
    raise SourceError(
        f"source {mask_url(resolved)!r} is neither a database URL nor an existing folder"
    )


# --- contract checks --------------------------------------------------------------------------


def _q(name: str) -> str:
    return f'"{name}"' if not name.isidentifier() else name


class _Rule(NamedTuple):
    """One declared rule: a SQL predicate true on a bad row, and an optional cheap shortcut
    (see ``Dialect.surely_valid``) true only on rows the predicate cannot flag."""

    column: str
    reason: str
    predicate: str
    shortcut: str | None = None


def _column_checks(src: Source, table: Table, declared: dict[str, str]) -> list[_Rule]:
    """Every declared rule of a table, as SQL for this source's engine."""
    d = src.dialect
    typed = {
        Kind.MONEY: ("number", "not a number", d.not_number),
        Kind.NUMBER: ("number", "not a number", d.not_number),
        Kind.DATE: ("date", "not a date (YYYY-MM-DD)", d.not_date),
        Kind.TIMESTAMP: ("timestamp", "not a timestamp (YYYY-MM-DD HH:MM:SS)", d.not_timestamp),
    }
    checks: list[_Rule] = []
    for col in table.columns:
        c, decl = col.name, declared.get(col.name, "")
        if not col.nullable:
            empty = f"({c} IS NULL OR TRIM({d.text(c)}) = '')"
            checks.append(_Rule(c, "empty value", empty, d.surely_valid("present", c, decl)))
        if col.kind in typed and d.typed_check_needed(decl, col.kind.value):
            rule, reason, predicate = typed[col.kind]
            checks.append(_Rule(c, reason, predicate(c), d.surely_valid(rule, c, decl)))
        elif col.kind is Kind.ENUM:
            allowed = ", ".join(f"'{v}'" for v in col.values)
            reason = f"unknown value (expected one of {', '.join(col.values)})"
            checks.append(_Rule(c, reason, f"({c} IS NOT NULL AND {d.text(c)} NOT IN ({allowed}))"))
        elif col.kind is Kind.FLAG:
            flags = "('0', '1', '0.0', '1.0', 'true', 'false', 't', 'f')"
            checks.append(
                _Rule(c, "not 0 or 1", f"({c} IS NOT NULL AND LOWER({d.text(c)}) NOT IN {flags})")
            )
    if table.name == "billing_runs" and "period" in declared:
        month = d.regex_mismatch("period", "^[0-9]{4}-(0[1-9]|1[0-2])$")
        checks.append(_Rule("period", "not a month (YYYY-MM)", f"(period IS NOT NULL AND {month})"))
    return checks


def check_source(src: Source, *, tables: Sequence[str] | None = None) -> None:
    """Check tables, columns, values and keys against the contract; raise every problem at once.

    One scan per table counts the bad rows of every rule (each rule's costly predicate only
    on the values its cheap shortcut cannot vouch for); only rules that fail are queried again
    for a few row keys to show. When the source can open a second connection, each table's
    rules are split in two scans run side by side (the engine works while Python waits): on
    the 10 M calls of the large demo that takes the check from ~4 s to ~2.3 s on two cores.
    """
    problems: list[Problem] = []
    names = list(tables or contract.TABLES)
    plans: dict[str, list[_Rule]] = {}
    for name in names:
        table = contract.TABLES[name]
        declared = src.table_columns(name)
        if declared is None:
            continue
        if all(c in declared for c in table.column_names):
            plans[name] = _column_checks(src, table, declared)
    counts = _count_bad_rows(src, plans)
    for name in names:
        table = contract.TABLES[name]
        declared = src.table_columns(name)
        if declared is None:
            problems.append(Problem(name, "table is missing"))
            continue
        missing = [c for c in table.column_names if c not in declared]
        for c in missing:
            problems.append(Problem(name, "column is missing", column=c))
        if missing:
            continue
        for rule, n in zip(plans[name], counts[name], strict=True):
            if n:
                _, bad = src.rows(
                    f"SELECT {table.key} FROM {_q(name)} WHERE {rule.predicate} ORDER BY 1 LIMIT 5"
                )
                keys = tuple(str(r[0]) for r in bad)
                problems.append(Problem(name, rule.reason, column=rule.column, keys=keys, count=n))
        if table.key not in src.unique_keys(name):
            key = table.key
            _, dup = src.rows(
                f"SELECT {key}, COUNT(*) FROM {_q(name)} WHERE {key} IS NOT NULL "
                f"GROUP BY {key} HAVING COUNT(*) > 1 ORDER BY {key} LIMIT 5"
            )
            if dup:
                _, total = src.rows(
                    f"SELECT COUNT(*) FROM (SELECT {key} FROM {_q(name)} WHERE {key} IS NOT NULL "
                    f"GROUP BY {key} HAVING COUNT(*) > 1) dups"
                )
                problems.append(
                    Problem(
                        name,
                        "duplicate key",
                        column=key,
                        keys=tuple(str(r[0]) for r in dup),
                        count=int(total[0][0]),
                    )
                )
    if problems:
        raise ContractError(problems)


def _count_bad_rows(src: Source, plans: dict[str, list[_Rule]]) -> dict[str, list[int]]:
    """Per table, the number of rows each rule flags (one list per table, in rule order)."""
    # (table, positions of its rules) per scan; the largest tables of the contract come last
    # in it, so scanning in reverse order starts with them.
    scans: list[tuple[str, list[int]]] = []
    helper = src.another() if any(len(rules) > 1 for rules in plans.values()) else None
    for name in reversed(list(plans)):
        rules = plans[name]
        if not rules:
            continue
        parts = _halves(rules) if helper is not None else [list(range(len(rules)))]
        scans += [(name, part) for part in parts if part]
    counts = {name: [0] * len(rules) for name, rules in plans.items()}

    def scan(on: Source, name: str, part: list[int]) -> None:
        exprs = []
        for i in part:
            pred, ok = plans[name][i].predicate, plans[name][i].shortcut
            case = pred if ok is None else f"CASE WHEN {ok} THEN 0 WHEN {pred} THEN 1 ELSE 0 END"
            exprs.append(f"{on.dialect.count_where(case)} AS c{i}")
        _, data = on.rows(f"SELECT {', '.join(exprs)} FROM {_q(name)}")
        for i, v in zip(part, data[0], strict=True):
            counts[name][i] = int(v or 0)

    if helper is None:
        for name, part in scans:
            scan(src, name, part)
        return counts
    import queue
    import threading

    todo: queue.SimpleQueue[tuple[str, list[int]]] = queue.SimpleQueue()
    for item in scans:
        todo.put(item)
    errors: list[BaseException] = []

    def worker(on: Source) -> None:
        while not errors:
            try:
                name, part = todo.get_nowait()
            except queue.Empty:
                return
            try:
                scan(on, name, part)
            except BaseException as exc:  # re-raised below, in the caller's thread
                errors.append(exc)

    try:
        thread = threading.Thread(target=worker, args=(helper,), daemon=True)
        thread.start()
        worker(src)
        thread.join()
    finally:
        helper.close()
    if errors:
        raise errors[0]
    return counts


def _halves(rules: list[_Rule]) -> list[list[int]]:
    """Rule positions in two groups of about the same cost (a date() call weighs ~3 tests)."""
    weight = [3 if "date(" in (r.shortcut or r.predicate) else 1 for r in rules]
    groups: list[list[int]] = [[], []]
    loads = [0, 0]
    for i in sorted(range(len(rules)), key=lambda i: -weight[i]):
        g = 0 if loads[0] <= loads[1] else 1
        groups[g].append(i)
        loads[g] += weight[i]
    return [sorted(g) for g in groups]


# --- loading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    period: str
    kind: str


# The converters below run on every loaded row (300,000 services at the large scale): each
# has a fast path for the values engines return as they are (str, int, None), checked with
# exact type tests, and the general conversion for the rest.


def _objects(series: pd.Series, values: list) -> pd.Series:
    """``values`` (each a str or None) as the object Series ``Series.map(...)`` used to give.

    Where there is text, pandas infers its string dtype, whose missing value pandas 3 turns
    into NaN on the way back to object (pandas 2 keeps None); all None stays None. Doing it
    directly saves the round trip through the inferred dtype (~0.1 s per 100,000 values).
    """
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    if _TEXT_MISSING is not None and str in set(map(type, values)):
        arr[pd.isna(arr)] = _TEXT_MISSING
    return pd.Series(arr, index=series.index, name=series.name, dtype=object)


# What a missing value becomes in a column of text, as Series(...).astype(object) gives it.
_TEXT_MISSING = pd.Series(["", None]).astype(object).iloc[1]


def _is_plain_text(values: list) -> bool:
    return set(map(type, values)) <= _PLAIN_TEXT


_PLAIN_TEXT = {str, type(None)}


def _text_value(v: object) -> object:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _text(series: pd.Series) -> pd.Series:
    """Identifiers and labels as Python str (None kept): '01000' stays '01000'."""
    values = series.tolist()
    if _is_plain_text(values):  # already what the conversion gives
        return _objects(series, values)
    return _objects(series, [_text_value(v) for v in values])


def _iso_value(v: object) -> object:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    return str(v).strip()[:10]


def _iso_date(series: pd.Series) -> pd.Series:
    """Dates of any engine (date objects, ISO text, timestamps) as 'YYYY-MM-DD' text or None."""
    values = series.tolist()
    if _is_plain_text(values):  # ISO text (SQLite): str has no isoformat
        return _objects(series, [None if v is None else v.strip()[:10] for v in values])
    return _objects(series, [_iso_value(v) for v in values])


def _units(series: pd.Series) -> pd.Series:
    values = series.tolist()
    if set(map(type, values)) <= {int}:
        units = np.array(values, dtype=np.int64) if values else np.zeros(0, dtype=np.int64)
    else:
        units = np.fromiter(
            (0 if v is None or v != v else int(v) for v in values), np.int64, len(values)
        )
    return pd.Series(units, index=series.index, name=series.name, dtype="int64")


def load_runs(src: Source) -> pd.DataFrame:
    df = src.frame("SELECT run_id, period, kind FROM billing_runs")
    for c in df.columns:
        df[c] = _text(df[c])
    return df


def resolve_run(src: Source, *, run_id: str, period: str | None = None) -> RunInfo:
    """The billing run to control, and the period (the run's own unless given)."""
    runs = load_runs(src)
    match = runs[runs["run_id"] == run_id]
    if match.empty:
        known = ", ".join(sorted(runs["run_id"].dropna())[-5:])
        raise ParamsError(
            f"run_id: {run_id!r} is not a billing run of the source (latest: {known})"
        )
    row = match.iloc[0]
    run_period = str(row["period"])
    chosen = period or run_period
    if not PERIOD_RE.match(chosen):
        raise ParamsError(f"period: {chosen!r} is not a month written YYYY-MM")
    return RunInfo(run_id=run_id, period=chosen, kind=str(row["kind"]))


def load_dossiers(src: Source) -> pd.DataFrame:
    """Every dossier with its salesperson's name."""
    cols = ", ".join(f"d.{c}" for c in contract.TABLES["dossiers"].column_names)
    df = src.frame(
        f"SELECT {cols}, r.name AS sales_rep_name FROM dossiers d "
        "LEFT JOIN sales_reps r ON r.rep_id = d.sales_rep_id"
    )
    for c in df.columns:
        df[c] = _text(df[c])
    return df


def load_contacts(src: Source) -> pd.DataFrame:
    df = src.frame(
        "SELECT contact_id, dossier_id, first_name, last_name, email, is_primary FROM contacts"
    )
    flags = df["is_primary"].map(lambda v: str(v).strip().lower() in ("1", "1.0", "true", "t"))
    for c in ("contact_id", "dossier_id", "first_name", "last_name", "email"):
        df[c] = _text(df[c])
    df["is_primary"] = flags.astype(bool)
    return df


def load_services(src: Source) -> pd.DataFrame:
    """Every service, amounts in units; purchase_missing says the price was NULL."""
    d = src.dialect
    df = src.frame(
        "SELECT service_id, dossier_id, reference, designation, "
        f"{d.money('purchase_ht')} AS purchase_units, {d.money('sale_ht')} AS sale_units, "
        "start_date, end_date FROM services"
    )
    for c in ("service_id", "dossier_id", "reference", "designation"):
        df[c] = _text(df[c])
    df["purchase_missing"] = df["purchase_units"].isna()
    df["purchase_units"] = _units(df["purchase_units"])
    df["sale_units"] = _units(df["sale_units"])
    df["start_date"] = _iso_date(df["start_date"])
    df["end_date"] = _iso_date(df["end_date"])
    return df


def call_totals(src: Source, *, period: str) -> pd.DataFrame:
    """Per service with calls in the period: count, exact sums in units, first and last call."""
    d = src.dialect
    first, _, after = period_bounds(period)
    lo, hi = (":lo", ":hi") if d.name == "sqlite" else (d.ts(":lo"), d.ts(":hi"))
    df = src.frame(
        f"SELECT service_id, COUNT(*) AS calls, "
        f"SUM({d.money('purchase_ht')}) AS purchase_units, SUM({d.money('sale_ht')}) AS sale_units, "
        f"MIN(started_at) AS first_call, MAX(started_at) AS last_call "
        f"FROM calls WHERE {d.ts('started_at')} >= {lo} AND {d.ts('started_at')} < {hi} "
        f"GROUP BY service_id",
        {"lo": first, "hi": after},
    )
    df["service_id"] = _text(df["service_id"])
    df["calls"] = df["calls"].astype("int64")
    df["purchase_units"] = _units(df["purchase_units"])
    df["sale_units"] = _units(df["sale_units"])
    df["first_call"] = _iso_date(df["first_call"])
    df["last_call"] = _iso_date(df["last_call"])
    return df


def call_destinations(src: Source, *, period: str, service_ids: Sequence[str]) -> pd.DataFrame:
    """Per destination for the given services: calls and margin in units (for the commentary)."""
    d = src.dialect
    first, _, after = period_bounds(period)
    lo, hi = (":lo", ":hi") if d.name == "sqlite" else (d.ts(":lo"), d.ts(":hi"))
    if not service_ids:
        return pd.DataFrame(columns=["destination", "calls", "purchase_units", "sale_units"])
    ids = {f"s{i}": s for i, s in enumerate(service_ids)}
    placeholders = ", ".join(f":{k}" for k in ids)
    df = src.frame(
        f"SELECT destination, COUNT(*) AS calls, SUM({d.money('purchase_ht')}) AS purchase_units, "
        f"SUM({d.money('sale_ht')}) AS sale_units FROM calls "
        f"WHERE {d.ts('started_at')} >= {lo} AND {d.ts('started_at')} < {hi} "
        f"AND service_id IN ({placeholders}) GROUP BY destination",
        {"lo": first, "hi": after, **ids},
    )
    df["destination"] = _text(df["destination"])
    df["purchase_units"] = _units(df["purchase_units"])
    df["sale_units"] = _units(df["sale_units"])
    return df


def _considered_docs(src: Source) -> str:
    """Documents of final runs up to the period, plus the controlled run's own."""
    d = src.dialect
    return (
        f"SELECT i.dossier_id, i.number, i.kind, {d.date('i.issued_on')} AS issued_on, "
        f"{d.money('i.total_ttc')} AS ttc, {d.money('i.net_to_pay')} AS net "
        "FROM invoices i WHERE i.run_id = :run_id OR i.run_id IN "
        "(SELECT r.run_id FROM billing_runs r WHERE r.kind = 'final' AND r.period <= :period)"
    )


def invoice_summary(src: Source, *, run_id: str, period: str) -> pd.DataFrame:
    """Per dossier: invoice count, TTC total (credit notes in), last two invoices' amounts."""
    docs = _considered_docs(src)
    params = {"run_id": run_id, "period": period}
    totals = src.frame(
        f"WITH docs AS ({docs}) SELECT dossier_id, "
        "SUM(CASE WHEN kind = 'invoice' THEN 1 ELSE 0 END) AS invoices, SUM(ttc) AS ttc_units "
        "FROM docs GROUP BY dossier_id",
        params,
    )
    last = src.frame(
        f"WITH docs AS ({docs}), ranked AS (SELECT dossier_id, number, issued_on, ttc, net, "
        "ROW_NUMBER() OVER (PARTITION BY dossier_id ORDER BY issued_on DESC, number DESC) AS rn "
        "FROM docs WHERE kind = 'invoice') "
        "SELECT dossier_id, rn, number, ttc, net FROM ranked WHERE rn <= 2",
        params,
    )
    totals["dossier_id"] = _text(totals["dossier_id"])
    totals["invoices"] = _units(totals["invoices"])
    totals["ttc_units"] = _units(totals["ttc_units"])
    last["dossier_id"] = _text(last["dossier_id"])
    last["rn"] = last["rn"].astype("int64")
    out = totals.set_index("dossier_id")
    for rank, prefix in ((1, "last"), (2, "prev")):
        part = last[last["rn"] == rank].set_index("dossier_id")
        out[f"{prefix}_number"] = _text(part["number"]).reindex(out.index)
        out[f"{prefix}_ttc_units"] = part["ttc"].map(int).reindex(out.index).astype("Int64")
        if rank == 1:
            out["last_net_units"] = part["net"].map(int).reindex(out.index).astype("Int64")
    return out.reset_index()


def run_documents(src: Source, *, run_id: str) -> pd.DataFrame:
    """Every document of the controlled run, one row each (at most a few per dossier)."""
    d = src.dialect
    df = src.frame(
        f"SELECT invoice_id, number, dossier_id, kind, {d.date('issued_on')} AS issued_on, "
        f"{d.money('total_ht')} AS ht_units, {d.money('total_vat')} AS vat_units, "
        f"{d.money('total_ttc')} AS ttc_units, {d.money('net_to_pay')} AS net_units "
        "FROM invoices WHERE run_id = :run_id",
        {"run_id": run_id},
    )
    for c in ("invoice_id", "number", "dossier_id", "kind"):
        df[c] = _text(df[c])
    df["issued_on"] = _iso_date(df["issued_on"])
    for c in ("ht_units", "vat_units", "ttc_units", "net_units"):
        df[c] = _units(df[c])
    return df


def contact_emails(src: Source) -> list[str]:
    """Every e-mail address of a contact, a dossier or a salesperson (for the leak gate)."""
    found: set[str] = set()
    for table in ("contacts", "dossiers", "sales_reps"):
        _, rows = src.rows(f"SELECT DISTINCT email FROM {table} WHERE email IS NOT NULL")
        found.update(str(r[0]).strip() for r in rows if r[0] is not None and "@" in str(r[0]))
    return sorted(found)
