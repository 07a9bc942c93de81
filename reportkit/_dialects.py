"""The few SQL fragments that differ between engines; everything else is plain SQL."""

from __future__ import annotations

import sqlite3

_NUMBER_RE = r"^ *[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)? *$"
_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_TIMESTAMP_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?$"


class Dialect:
    """ANSI defaults, close to PostgreSQL."""

    name = "generic"
    text_type = "VARCHAR(255)"

    def money(self, col: str) -> str:
        """An amount as integer 1/10,000 € computed by the engine, so sums stay exact."""
        return f"CAST(ROUND(CAST({col} AS DECIMAL(20,6)) * 10000) AS BIGINT)"

    def text(self, col: str) -> str:
        return f"CAST({col} AS {self.text_type})"

    def ts(self, col: str) -> str:
        return f"CAST({col} AS TIMESTAMP)"

    def date(self, col: str) -> str:
        return f"CAST({col} AS DATE)"

    def regex_mismatch(self, col: str, pattern: str) -> str:
        return f"NOT ({self.text(col)} ~ '{pattern}')"

    def not_number(self, col: str) -> str:
        return f"({col} IS NOT NULL AND {self.regex_mismatch(col, _NUMBER_RE)})"

    def not_date(self, col: str) -> str:
        return f"({col} IS NOT NULL AND {self.regex_mismatch(col, _DATE_RE)})"

    def not_timestamp(self, col: str) -> str:
        return f"({col} IS NOT NULL AND {self.regex_mismatch(col, _TIMESTAMP_RE)})"

    def surely_valid(self, rule: str, col: str, declared: str = "") -> str | None:
        """A cheap SQL condition true only on values that ``rule`` cannot flag, or None.

        The contract check counts bad rows with ``CASE WHEN surely_valid THEN 0 WHEN
        predicate THEN 1 ELSE 0 END``: the exact, costly predicate only runs on the values the
        shortcut cannot vouch for, so the counts are the same, only cheaper. ``rule`` is one
        of ``present`` (not NULL nor blank), ``number``, ``date`` and ``timestamp``;
        ``declared`` is the column's declared type.
        """
        return None

    def count_where(self, condition: str) -> str:
        """An aggregate counting the rows where ``condition`` is true."""
        return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    def typed_check_needed(self, declared: str, kind: str) -> bool:
        """False when the engine's own column type already guarantees the kind."""
        t = declared.lower()
        if kind in ("money", "number"):
            return not any(w in t for w in ("int", "numeric", "decimal", "real", "double", "float"))
        if kind == "date":
            return not ("date" in t or "timestamp" in t)
        if kind == "timestamp":
            return not ("timestamp" in t or "datetime" in t)
        return True


class PostgresDialect(Dialect):
    name = "postgresql"
    text_type = "TEXT"

    def money(self, col: str) -> str:
        return f"CAST(ROUND(CAST({col} AS NUMERIC) * 10000) AS BIGINT)"


class MySQLDialect(Dialect):
    name = "mysql"
    text_type = "CHAR"

    def money(self, col: str) -> str:
        return f"CAST(ROUND(CAST({col} AS DECIMAL(30,8)) * 10000) AS SIGNED)"

    def ts(self, col: str) -> str:
        return f"CAST({col} AS DATETIME)"

    def regex_mismatch(self, col: str, pattern: str) -> str:
        return f"NOT ({self.text(col)} REGEXP '{pattern}')"


class SQLiteDialect(Dialect):
    """SQLite keeps any value in any column: the checks look at each value's storage class."""

    name = "sqlite"
    text_type = "TEXT"

    def money(self, col: str) -> str:
        # REAL or TEXT: ROUND(x * 10000) is exact for amounts of at most 4 decimals.
        return f"CAST(ROUND({col} * 10000) AS INTEGER)"

    def ts(self, col: str) -> str:
        return col  # ISO text compares in time order

    def date(self, col: str) -> str:
        return col

    def not_number(self, col: str) -> str:
        return (
            f"(typeof({col}) NOT IN ('integer', 'real', 'null') AND NOT "
            f"(typeof({col}) = 'text' AND {col} REGEXP '{_NUMBER_RE}'))"
        )

    def not_date(self, col: str) -> str:
        return (
            f"({col} IS NOT NULL AND (typeof({col}) != 'text' OR date({col}, '+0 days') IS NULL "
            f"OR date({col}, '+0 days') != substr({col}, 1, 10)))"
        )

    def not_timestamp(self, col: str) -> str:
        return (
            f"({col} IS NOT NULL AND (typeof({col}) != 'text' OR datetime({col}, '+0 days') IS NULL "
            f"OR date({col}, '+0 days') != substr({col}, 1, 10)))"
        )

    def typed_check_needed(self, declared: str, kind: str) -> bool:
        return True

    def regex_mismatch(self, col: str, pattern: str) -> str:
        return f"NOT ({col} REGEXP '{pattern}')"

    def surely_valid(self, rule: str, col: str, declared: str = "") -> str | None:
        # Comparisons are VDBE opcodes, several times cheaper than the function calls of the
        # exact predicates (typeof, TRIM, CAST, datetime, REGEXP). "+col" drops the column's
        # affinity, so no value is converted before comparing, and SQLite orders any NULL <
        # any number < any text < any blob whatever their content: "+col < ''" is true
        # exactly on numbers (integer or real), "+col < x''" on everything but blobs.
        number = f"+{col} < ''"
        if rule == "present":
            # A number, or a text whose first character sorts after the space: either way
            # TRIM(CAST(col AS TEXT)) is not ''. The likelier kind is tested first.
            text = f"(+{col} >= '!' COLLATE BINARY AND +{col} < x'')"
            return f"({number} OR {text})" if _numeric(declared) else f"({text} OR {number})"
        if rule == "number":
            return f"({number} OR {col} IS NULL)"
        if rule in ("date", "timestamp"):
            # date() of a valid value is its first 10 characters; date() is NULL exactly when
            # datetime() is (same parser); a number or a blob never equals a text date. The
            # "+0 days" modifier makes SQLite normalise the day, so 2026-02-30 does not pass.
            return f"({col} IS NULL OR date({col}, '+0 days') = substr({col}, 1, 10))"
        return None

    def count_where(self, condition: str) -> str:
        # The aggregate step only runs on the rows counted (SQLite >= 3.30).
        if sqlite3.sqlite_version_info >= (3, 30):
            return f"COUNT(*) FILTER (WHERE {condition})"
        return super().count_where(condition)  # pragma: no cover - older SQLite


def _numeric(declared: str) -> bool:
    """Whether SQLite gives a column of this declared type a numeric affinity."""
    t = declared.upper()
    return bool(t) and not any(w in t for w in ("CHAR", "CLOB", "TEXT", "BLOB"))


class DuckDBDialect(Dialect):
    name = "duckdb"
    text_type = "VARCHAR"

    def money(self, col: str) -> str:
        return f"CAST(ROUND(CAST({col} AS DECIMAL(30,8)) * 10000) AS BIGINT)"

    def not_number(self, col: str) -> str:
        return f"({col} IS NOT NULL AND TRY_CAST({col} AS DOUBLE) IS NULL)"

    def not_date(self, col: str) -> str:
        return (
            f"({col} IS NOT NULL AND (TRY_CAST({col} AS DATE) IS NULL "
            f"OR {self.regex_mismatch(col, _DATE_RE)}))"
        )

    def not_timestamp(self, col: str) -> str:
        return f"({col} IS NOT NULL AND TRY_CAST({col} AS TIMESTAMP) IS NULL)"

    def regex_mismatch(self, col: str, pattern: str) -> str:
        return f"NOT regexp_matches({self.text(col)}, '{pattern}')"


def dialect_for(name: str) -> Dialect:
    if name == "sqlite":
        return SQLiteDialect()
    if name.startswith("postgres"):
        return PostgresDialect()
    if name in ("mysql", "mariadb"):
        return MySQLDialect()
    if name == "duckdb":
        return DuckDBDialect()
    return Dialect()
