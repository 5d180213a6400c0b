"""Fill a generated workbook with answers (the demo and the tests play the clerk).

Answers are keyed by sheet name and column label, so any survey definition works:
``{"圏域情報": {"担当者": "…"}, "事業": [{"事業コード": "P001", …}, …], …}``.
openpyxl edits the existing workbook (its role); text is always written as text.
"""
from __future__ import annotations

import copy
from pathlib import Path

from ..core.atomic import atomic_path
from ..core.values import label_key as _key


def _put(cell, value, column_styles=None) -> None:
    """Write like a clerk typing: a new cell takes its column's format (font, unlocked)."""
    if column_styles and cell.has_style is False and cell.column in column_styles:
        cell._style = copy.copy(column_styles[cell.column])
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with


def fill_workbook(source, answers: dict, target) -> Path:
    """Copy *source* to *target* with *answers* written into the matching cells."""
    return _edited(source, answers, target, _fill_table)


def _edited(source, content: dict, target, put_table) -> Path:
    """*source* copied to *target*, each sheet's *content* put in: a form's by label, a
    table's by ``put_table(ws, rows)``."""
    import openpyxl

    book = openpyxl.load_workbook(source)
    for sheet_name, answers in content.items():
        if sheet_name in book.sheetnames:
            if isinstance(answers, dict):
                _fill_form(book[sheet_name], answers)
            else:
                put_table(book[sheet_name], answers)
    with atomic_path(target) as tmp:
        book.save(tmp)
    return Path(target)


def update_workbook(source, changes: dict, target, keys: dict) -> Path:
    """Copy *source* (a workbook already filled, or pre-filled from last round) to *target*
    with *changes*, as a clerk updates it: a table row whose key cells (*keys*: sheet name
    -> the labels that name a row) match an existing row changes that row, any other is
    added below the last; form answers replace the field's value."""
    def put_table(ws, rows):
        styles = _column_styles(ws)
        header_row, columns = table_header(ws)
        for record in rows:
            _put_record(ws, header_row, columns, record, styles, keys.get(ws.title, ()))
    return _edited(source, changes, target, put_table)


def _put_record(ws, header_row: int, columns: dict, record: dict, styles: dict, labels) -> None:
    keys = [(columns[_key(k)], str(record[k])) for k in labels if k in record and _key(k) in columns]
    last, found = header_row, None
    for r in range(header_row + 1, ws.max_row + 1):
        if any(ws.cell(r, c).value not in (None, "") for c in columns.values()):
            last = r
            if keys and all(str(ws.cell(r, c).value or "") == v for c, v in keys):
                found = r
    row = found or last + 1
    for label, value in record.items():
        column = columns.get(_key(label))
        if column is not None and value is not None:
            _put(ws.cell(row, column), value, styles)


def _fill_form(ws, content: dict) -> None:
    wanted = {_key(k): v for k, v in content.items()}
    for row in ws.iter_rows(min_row=1, max_row=60, max_col=4):
        for cell in row:
            if _key(cell.value) in wanted:
                _put(ws.cell(cell.row, cell.column + 1), wanted.pop(_key(cell.value)))


def _column_styles(ws) -> dict:
    out = {}
    for dim in list(ws.column_dimensions.values()):
        if dim.min and dim.has_style:
            for column in range(dim.min, dim.max + 1):
                out[column] = dim._style
    return out


def table_header(ws) -> tuple[int, dict]:
    """The header row of a generated table sheet (1-based) and {label key: column}."""
    header_row = 0
    columns: dict = {}
    for row in ws.iter_rows(min_row=1, max_row=10):
        found = {_key(c.value): c.column for c in row if isinstance(c.value, str)}
        if len(found) > len(columns):
            header_row, columns = row[0].row, found
    return header_row, columns


def _fill_table(ws, rows: list) -> None:
    styles = _column_styles(ws)
    header_row, columns = table_header(ws)
    for offset, record in enumerate(rows, start=1):
        for label, value in record.items():
            column = columns.get(_key(label))
            if column is not None and value is not None:
                _put(ws.cell(header_row + offset, column), value, styles)
