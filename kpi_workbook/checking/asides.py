"""What an entry table holds besides its records: remarks, total rows, rows shifted by a
column, and columns or cells that are not read — each said, never silently dropped.

Clerks leave a remark on its own row under a table (「※ K004の目標値は見直し予定」) and add
合計 / 小計 rows under 事業費.  Read as records, a remark became an extra KPI and a total
doubled the costs.  Such a row is set aside here: it is counted nowhere and draws one
finding at its row (NOTE_ROW, TOTAL_ROW); a total whose amounts differ from the sum of the
records above it (since the previous total) draws a warning with the difference.

- a **total row**: a cell of a non-numeric column of the table (the key, a name, a
  choice) that is exactly one of the survey's ``words.total_row`` (合計, 小計, 計…), white
  space ignored;
- a **remark**: its first filled cell starts with one of ``words.note_marks`` (※, 注,
  （注）…), or it has a single filled cell and that cell is not the table's key (its
  first column).

The words live in the survey definition's ``[words]``.

A row typed one column to the right (its key empty, and every value reads cleanly one
column further) is one error ROW_SHIFTED, not an error per cell, and is not counted.  A
column inserted into the table (a header the survey does not have: 担当課, うち委託料) is
one info HEADER_UNKNOWN; a value in a column with no header (a note beside the table) is
an info FREE_CELL.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from ..core import findings as F
from ..reading.xlsx_scan import rc_to_ref

_SPACES = re.compile(r"\s+")
_NUMERIC_TYPES = frozenset({"number", "amount", "percent", "measure"})


def _plain(raw) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", raw)) if isinstance(raw, str) else ""


def set_aside(sheet, data, kept: list, columns: dict, survey, result) -> tuple[list, list]:
    """The rows of *kept* that are records, and the total rows (indexes) set aside.

    *columns*: key -> (Column, index) as found in the sheet.  Each row set aside gets
    its finding in *result*.  (Every row of every return passes here: the common case —
    a record with several cells, no total word — is decided without looking at each cell.)"""
    totals_words, starts, maybe, marks = survey.derived("aside words", lambda: _aside_words(survey.words))
    opening: dict = {}  # first character -> can it open a mark (worked out once each)
    key_index = columns[sheet.columns[0].key][1] if sheet.columns[0].key in columns else None
    text_indexes = sorted(c for column, c in columns.values() if column.type not in _NUMERIC_TYPES)
    records, totals = [], []
    for r in kept:
        row = data.rows[r]
        total = _total_cell(row, text_indexes, starts, totals_words) \
            if maybe is not None and maybe.search("\x1f".join(map(str, row))) else None
        if total is not None:
            totals.append(r)
            result.add(F.make("TOTAL_ROW", file=result.file, sheet=sheet.name, row=r + 1,
                              cell=rc_to_ref(r, total), value=str(row[total])))
            continue
        first = _first_filled(row)
        value = row[first] if first is not None else None
        if (value.__class__ is str and _marked(value, marks, opening)) or \
                (first is not None and first != key_index and _filled(row) == 1):
            result.add(F.make("NOTE_ROW", file=result.file, sheet=sheet.name, row=r + 1,
                              cell=rc_to_ref(r, first), value=str(value)[:60]))
        else:
            records.append(r)
    return records, totals


def _aside_words(words: dict) -> tuple:
    """(total words, their first characters, a pattern a row holding one matches, note marks):
    worked out once per survey."""
    totals_words = frozenset(_plain(w) for w in words.get("total_row", ()))
    starts = frozenset(w[:1] for w in totals_words)  # a cell not starting so is no total: no need to normalize it
    # a row none of whose cells starts so (the common case) is ruled out at C speed
    maybe = re.compile("(?:^|\x1f)\\s*[" + re.escape("".join(sorted(starts))) + "]") if starts else None
    marks = tuple(unicodedata.normalize("NFKC", m) for m in words.get("note_marks", ()))
    return totals_words, starts, maybe, marks


def _total_cell(row: list, indexes: list, starts: set, words: set):
    """The column of *row*'s total word (合計…), or None; white space and width ignored."""
    for c in indexes:
        v = row[c] if c < len(row) else None
        if v.__class__ is str and (v[:1] in starts or v[:1].isspace()) and _plain(v) in words:
            return c
    return None


def _marked(text: str, marks: tuple, opening: dict) -> bool:
    """Does *text* start with a remark's mark (※, 注, （注）…), width ignored?"""
    head = text.lstrip()[:1]
    known = opening.get(head)
    if known is None:
        known = opening[head] = any(m.startswith(unicodedata.normalize("NFKC", head)) for m in marks if head)
    return known and unicodedata.normalize("NFKC", text.strip()).startswith(marks)


def _first_filled(row: list):
    head = row[0] if row else None
    if head is not None and not (head.__class__ is str and not head.strip()):
        return 0  # the key, where records start
    for c, v in enumerate(row):
        if v is not None and not (v.__class__ is str and not v.strip()):
            return c
    return None


def _filled(row: list) -> int:
    return sum(1 for v in row if v is not None and not (isinstance(v, str) and not v.strip()))


def shifted_rows(sheet, data, kept: list, plan: list, columns: dict, result) -> list:
    """*kept* without the rows typed one column to the right (each gets ROW_SHIFTED)."""
    key = sheet.columns[0].key
    if key not in columns:
        return kept
    key_index = columns[key][1]
    out = []
    for r in kept:
        row = data.rows[r]
        if data.value(r, key_index) is None and data.value(r, key_index + 1) is not None and \
                _reads_cleanly(row, plan, 1) and not _reads_cleanly(row, plan, 0):
            result.add(F.make("ROW_SHIFTED", file=result.file, sheet=sheet.name, row=r + 1,
                              cell=rc_to_ref(r, key_index + 1)))
        else:
            out.append(r)
    return out


def _reads_cleanly(row: list, plan: list, shift: int) -> bool:
    for _key, column, c, _letter, convert in plan:
        raw = row[c + shift] if c + shift < len(row) else None
        value = convert(raw, False, "") if raw is not None else None
        if (value is not None and value.problem) or (column.required and (value is None or value.value is None)):
            return False
    return True


def unread(sheet, data, header: int, columns: dict, kept: list, result) -> None:
    """Info findings for an inserted column (its header) and for values in no column."""
    read = {c for _column, c in columns.values()}
    headed = set()
    for c, text in enumerate(data.rows[header]):
        if c not in read and isinstance(text, str) and text.strip():
            headed.add(c)
            result.add(F.make("HEADER_UNKNOWN", file=result.file, sheet=sheet.name, cell=rc_to_ref(header, c),
                              label=text.strip()[:40]))
    widest = max((len(data.rows[r]) for r in kept), default=0)
    others = [c for c in range(widest) if c not in read and c not in headed]  # usually none
    for r in kept if others else ():
        row = data.rows[r]
        for c in others:
            value = row[c] if c < len(row) else None
            if value is not None and not (isinstance(value, str) and not value.strip()):
                result.add(F.make("FREE_CELL", file=result.file, sheet=sheet.name, row=r + 1, cell=rc_to_ref(r, c),
                                  value=str(value)[:60]))


def check_totals(sheet, data, records: list, totals: list, plan: list, values: dict, result) -> None:
    """Warn where a total row's amount differs from the sum of the records above it."""
    sums = [(key, column, c, convert) for key, column, c, _letter, convert in plan
            if column.type in ("amount", "number")]
    start = 0
    for total_row in totals:
        above = [i for i, r in enumerate(records) if start <= r < total_row]
        for key, column, c, convert in sums:
            raw = data.value(total_row, c)
            if raw is None:
                continue
            stated = convert(raw, False, "").value
            summed = sum((values[key][i].value or Decimal(0) for i in above), Decimal(0))
            if isinstance(stated, Decimal) and stated != summed:
                result.add(F.make("TOTAL_MISMATCH", file=result.file, sheet=sheet.name, row=total_row + 1,
                                  cell=rc_to_ref(total_row, c), label=column.label, value=_number(stated),
                                  expected=_number(summed), difference=_number(stated - summed)))
        start = total_row + 1


def _number(value: Decimal) -> str:
    return f"{value.normalize():,f}" if value == value.to_integral() else f"{value:,f}"
