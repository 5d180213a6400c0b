"""The names the stages pass each other: a finding's severity, a return's status, a sheet's
and a column's kind.

Each is an Enum whose members are also their text (``Severity.ERROR`` is ``"error"``).
Written to a CSV, JSON, a sheet or a page, compared with a plain string or looked up in a
dict by one, a member behaves as the string it is, so no output changes; in the code it is
named, listed in one place and type-checked.  (Python 3.11's ``StrEnum`` does the same; the
package still runs on 3.10.)
"""
from __future__ import annotations

from enum import Enum


class Text(str, Enum):
    """An Enum whose members are their text, in every use (str, format, hash)."""

    __str__ = str.__str__
    __hash__ = str.__hash__  # C slots: members are dict keys on hot paths

    def __format__(self, spec: str) -> str:
        return str.__format__(self, spec)


class Severity(Text):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Status(Text):
    """What became of a file of a consolidated folder."""

    PENDING = ""  # checked, not yet selected
    USED = "used"  # the region's return in the summary
    SUPERSEDED = "superseded"  # a newer return of the same region is used
    HELD = "held"  # set aside for the coordinator (another round's, another region's)
    FAILED = "failed"  # unreadable, or not a return of this roster
    SKIPPED = "skipped"  # not a spreadsheet, a lock or hidden file: never read


class SheetKind(Text):
    FORM = "form"  # label/value rows (圏域情報)
    TABLE = "table"  # a header row and one record per row


class ColumnType(Text):
    """A column's type in the survey definition: how its cells are read (checking/normalize.py)."""

    CODE = "code"
    TEXT = "text"
    LONGTEXT = "longtext"
    CHOICE = "choice"
    MULTICHOICE = "multichoice"
    NUMBER = "number"
    AMOUNT = "amount"
    PERCENT = "percent"
    MEASURE = "measure"
    TIME = "time"
    DATE = "date"
    FLAG = "flag"
