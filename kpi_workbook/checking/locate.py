"""Where a return's tables are and what their cells say: a form's fields by their labels,
a table's columns by its header row (inserted or moved columns found), each cell
normalized by its column's type, each problem a finding at its cell."""
from __future__ import annotations

import functools
from decimal import Decimal

from ..core import findings as F
from ..core.survey import Survey
from ..core.values import figure_text
from ..core.values import label_key as _label
from ..reading.reader import SheetData
from ..reading.xlsx_scan import col_letters, rc_to_ref
from .asides import check_totals, set_aside, shifted_rows, unread
from .normalize import EMPTY, Value, converter, normalize_cell
from .result import MAX_FINDINGS, CellRefs, Record, ReturnResult

HEADER_SEARCH_ROWS = 30
SHORT = 64  # characters: a header cell's label is remembered up to this length


def form_records(sheet, data: SheetData, survey: Survey, result: ReturnResult) -> list:
    """Each field's value is the first cell to the right of its label."""
    wanted = {_label(c.label): c for c in sheet.columns}
    found = {}
    for r, row in enumerate(data.rows[:200]):
        for c, cell in enumerate(row[:10]):
            column = wanted.get(_label(cell))
            if column is not None and column.key not in found:
                found[column.key] = (r, c + 1)
    values, cells = {}, {}
    for column in sheet.columns:
        if column.key not in found:
            result.findings.append(F.make("HEADER_MISSING", file=result.file, sheet=sheet.name,
                                          label=column.label))
            continue
        r, c = found[column.key]
        cells[column.key] = rc_to_ref(r, c)
        values[column.key] = _value(data.value(r, c), r, c, column, survey, result, sheet, cells[column.key],
                                    data.percent)
    return [Record(sheet.key, 1, values, cells)]


def _header_row(sheet, data: SheetData, survey: Survey) -> tuple[int, dict]:
    labels = survey.derived(("header labels", sheet.key), lambda: {_label(c.label): c.key for c in sheet.columns})
    best_row = -1
    best: dict = {}
    for r, row in enumerate(data.rows[:HEADER_SEARCH_ROWS]):
        found: dict = {}
        for c, cell in enumerate(row):
            if cell.__class__ is not str:  # a header is text
                continue
            key = labels.get(_short_label(cell) if len(cell) <= SHORT else _label(cell))
            if key is not None:
                found.setdefault(key, []).append(c)
        if len(found) > len(best):
            best_row, best = r, found
            if len(best) == len(labels):
                break  # every column found: no later row can do better
    return best_row, best


@functools.lru_cache(maxsize=4096)
def _short_label(text: str) -> str:
    """:func:`~kpi_workbook.core.values.label_key` of a short cell above or at a table's
    header: the same texts in every return of a round (one template), worked out once each
    (at most 4,096 texts of :data:`SHORT` characters are kept)."""
    return _label(text)


def table_records(sheet, data: SheetData, survey: Survey, result: ReturnResult) -> list:
    header, found = _header_row(sheet, data, survey)
    name = result.file
    if header < 0:
        for column in sheet.columns:
            if column.required:
                result.findings.append(F.make("HEADER_MISSING", file=name, sheet=sheet.name,
                                              label=column.label))
        return []
    columns = {}
    for column in sheet.columns:
        places = found.get(column.key)
        if not places:
            result.findings.append(F.make("HEADER_MISSING", file=name, sheet=sheet.name,
                                          label=column.label))
            continue
        if len(places) > 1:
            result.findings.append(F.make("HEADER_DUPLICATE", file=name, sheet=sheet.name,
                                          cell=rc_to_ref(header, places[1]), label=column.label))
        columns[column.key] = (column, places[0])
    first = _first_data_row(data, header)
    kept = [r for r in range(first, data.height) if not _blank(data.rows[r])]
    kept, totals = set_aside(sheet, data, kept, columns, survey, result)
    if data.rows_left:
        result.findings.append(F.make("TABLE_TRUNCATED", file=name, sheet=sheet.name, row=data.height + 1,
                                      cell=f"A{data.height + 1}", line=data.height + 1, count=data.rows_left))
    plan = [(key, column, c, col_letters(c), converter(column, survey)) for key, (column, c) in columns.items()]
    kept = shifted_rows(sheet, data, kept, plan, columns, result)
    unread(sheet, data, header, columns, kept, result)
    values = _convert_columns(sheet, data, kept, plan, result)
    if totals:
        check_totals(sheet, data, kept, totals, plan, values, result)
    keys = list(values)
    letters = {key: letter for key, _, _, letter, _ in plan}
    return [Record(sheet.key, r + 1, dict(zip(keys, row)), CellRefs(letters, str(r + 1)))
            for r, row in zip(kept, zip(*values.values()))]


def _blank(row: list) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _convert_columns(sheet, data: SheetData, kept: list, plan: list, result) -> dict:
    """Column key -> the Value of each kept row, a column at a time (measures last: they
    take their unit from their row's unit column).  Findings come out row by row."""
    rows = [data.rows[r] for r in kept]
    percent = data.percent
    out: dict = {}
    problems: list = []
    for index, (key, column, c, letter, convert) in enumerate(sorted(plan, key=lambda p: p[1].type == "measure")):
        raws = [row[c] if c < len(row) else None for row in rows]
        units = [""] * len(rows)
        if column.type == "measure" and column.unit_column in out:
            units = [value.value or "" for value in out[column.unit_column]]
        if percent:
            out[key] = values = [EMPTY if raw is None else convert(raw, (r, c) in percent, unit)
                                 for raw, r, unit in zip(raws, kept, units)]
        else:
            out[key] = values = [EMPTY if raw is None else convert(raw, False, unit) for raw, unit in zip(raws, units)]
        problems += [(i, index, column, letter, units[i]) for i, value in enumerate(values) if value.problem]
    for i, _, column, letter, unit in sorted(problems, key=lambda p: p[:2]):
        r = kept[i]
        _cell_finding(out[column.key][i], r, column, result, sheet, letter + str(r + 1), unit)
    if data.external:
        _external(sheet, data, kept, plan, out, result)
    if data.notes:
        _cell_notes(sheet, data, kept, plan, out, result)
    return out


def _cell_notes(sheet, data: SheetData, kept: list, plan: list, out: dict, result) -> None:
    """A clerk's note (an Excel comment) on an entry cell: said with its text (CELL_NOTE), and
    kept as the row's 説明 where the row has none — an explanation is never lost in a comment."""
    rows = {r: i for i, r in enumerate(kept)}
    by_column = {p[2]: p for p in plan}
    for (r, c), note in sorted(data.notes.items()):
        if r not in rows or c not in by_column:
            continue
        key, column, _, letter, _ = by_column[c]
        i = rows[r]
        explanation: list | None = out.get(EXPLANATION)
        carried = explanation is not None and not explanation[i].typed.strip()
        if explanation is not None and carried:
            explanation[i] = Value(note, note)
        result.add(F.make("CELL_NOTE_AS_EXPLANATION" if carried else "CELL_NOTE", file=result.file, sheet=sheet.name,
                          cell=letter + str(r + 1), label=column.label, value=out[key][i].typed, note=note, row=r + 1))


EXPLANATION = "explanation"  # the column key a row's explanation (説明) is in


def _external(sheet, data: SheetData, kept: list, plan: list, out: dict, result) -> None:
    """A figure whose formula reads another workbook is read as saved, and said (EXTERNAL_VALUE)."""
    rows = {r: i for i, r in enumerate(kept)}
    for r, c in sorted(data.external):
        column = next((p for p in plan if p[2] == c), None)
        if r in rows and column is not None:
            key, column, _, letter, _ = column
            result.add(F.make("EXTERNAL_VALUE", file=result.file, sheet=sheet.name, cell=letter + str(r + 1),
                              label=column.label, value=out[key][rows[r]].typed, row=r + 1))


def _first_data_row(data: SheetData, header: int) -> int:
    """The row after the header, or after a header merged downwards."""
    bottom = header
    for (r0, _c0), (r1, _c1) in data.merged:
        if r0 == header:
            bottom = max(bottom, r1)
    return bottom + 1


def _value(raw, r, c, column, survey, result, sheet, cell, percent, unit="") -> Value:
    value = normalize_cell(raw, column, survey, unit=unit, percent_cell=bool(percent) and (r, c) in percent)
    if value.problem:
        _cell_finding(value, r, column, result, sheet, cell, unit)
    return value


def _cell_finding(value: Value, r: int, column, result, sheet, cell: str, unit: str) -> None:
    if len(result.findings) >= MAX_FINDINGS:  # counted only: not worth wording
        severity = F.CATALOGUE[value.problem].severity
        result.dropped[severity] = result.dropped.get(severity, 0) + 1
        return
    result.add(F.make(
        value.problem, file=result.file, sheet=sheet.name, cell=cell, label=column.label,
        value=value.typed, suggestion=value.suggestion, row=r + 1,
        unit=value.typed_unit or value.unit, expected=unit or column.unit, read=_read(value)))


def _read(value: Value) -> str:
    """What a figure was read as, for a message: 1,084人."""
    number = value.value
    return figure_text(number) + (value.unit or "") if isinstance(number, Decimal) else ""
