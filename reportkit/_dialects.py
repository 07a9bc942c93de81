"""The few SQL fragments that differ between engines; everything else is plain SQL."""

from __future__ import annotations

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
            f"({col} IS NOT NULL AND (typeof({col}) != 'text' OR date({col}) IS NULL "
            f"OR date({col}) != substr({col}, 1, 10)))"
        )

    def not_timestamp(self, col: str) -> str:
        return (
            f"({col} IS NOT NULL AND (typeof({col}) != 'text' OR datetime({col}) IS NULL "
            f"OR date({col}) != substr({col}, 1, 10)))"
        )

    def typed_check_needed(self, declared: str, kind: str) -> bool:
        return True

    def regex_mismatch(self, col: str, pattern: str) -> str:
        return f"NOT ({col} REGEXP '{pattern}')"


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
