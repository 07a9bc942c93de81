"""One exception tree for everything a user can get wrong or meet.

::

    ReportkitError               every error reportkit raises on purpose
    ├── ParamsError              the params file or a parameter is wrong
    ├── SourceError              the source cannot be opened or read
    │   └── ContractError        the data breaks the contract (all problems at once)
    ├── WorkbookError            a previous workbook is missing, truncated or unrelated
    ├── OutputError              an output cannot be written, or the directory is locked
    │   └── LeakError            an HTML report would publish an IBAN, an e-mail or a URL
    └── RunError                 a notebook failed (names the cell and the saved notebook)

``str(error)`` is always one line that a user can act on; the CLI prints it as is.
"""

from __future__ import annotations

from dataclasses import dataclass


class ReportkitError(Exception):
    """Base of every error reportkit raises on purpose."""

    def __str__(self) -> str:
        # One line, whatever the message: newlines would break the CLI's promise.
        return " ".join(super().__str__().split())


class ParamsError(ReportkitError):
    """A params file or a parameter value is wrong."""


class SourceError(ReportkitError):
    """The billing source cannot be opened or read."""


@dataclass(frozen=True)
class Problem:
    """One way the source breaks the contract, located as precisely as possible."""

    table: str
    reason: str
    column: str | None = None
    keys: tuple[str, ...] = ()
    count: int | None = None

    def __str__(self) -> str:
        where = self.table if self.column is None else f"{self.table}.{self.column}"
        text = f"{where}: {self.reason}"
        if self.keys:
            shown = ", ".join(repr(k) for k in self.keys[:5])
            more = "" if self.count is None or self.count <= len(self.keys[:5]) else ", ..."
            text += f" (rows {shown}{more})"
        if self.count is not None and self.count > 1:
            text += f" [{self.count} rows]"
        return text


class ContractError(SourceError):
    """The source breaks the contract; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        head = "; ".join(str(p) for p in self.problems[:8])
        tail = f"; and {n - 8} more" if n > 8 else ""
        noun = "problem" if n == 1 else "problems"
        super().__init__(f"the source breaks the contract ({n} {noun}): {head}{tail}")


class WorkbookError(ReportkitError):
    """A workbook given as input (last month's recurring export) cannot be used."""


class OutputError(ReportkitError):
    """An output cannot be written, or another run holds the output directory."""


class LeakError(OutputError):
    """A report would reveal an IBAN, a contact's e-mail address or a database URL."""


class RunError(ReportkitError):
    """A notebook failed during a run."""

    def __init__(self, message: str, *, notebook: str | None = None, cell: int | None = None):
        self.notebook = notebook
        self.cell = cell
        super().__init__(message)
