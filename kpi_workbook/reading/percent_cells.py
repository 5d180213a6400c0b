"""Which numeric cells a clerk sees as percentages, in .ods and .xls returns (and the notes
on cells of an .ods: :func:`ods_notes`).

python-calamine gives values only: 50 % typed in LibreOffice comes back as 0.5.  For
.xlsx the scan reads the styles part (:mod:`kpi_workbook.reading.xlsx_scan`); here:

- **.ods**: each cell states ``office:value-type="percentage"``; ``content.xml`` is walked
  with a pull parser (linear; its prologue was vetted before), counting repeated rows and
  columns, up to the rows the reader reads;
- **.xls**: the workbook's format records, through xlrd (``formatting_info``): a number
  cell whose format shows ``%``.

Both run in the reader's capped child; a file either cannot read is read without
percent information (as before), never refused for it.
"""
from __future__ import annotations

import zipfile
from xml.etree.ElementTree import iterparse

from ..core.meta_sheet import clerks_part
from .safety import read_member

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_CELLS = (_TABLE + "table-cell", _TABLE + "covered-table-cell")
MAX_MARKED = 200_000  # percentage cells noted per file, at most


def ods_percent_cells(path: str, max_rows: int) -> dict:
    """Sheet name -> {(row, column)} of percentage cells (0-based)."""
    import io
    with zipfile.ZipFile(path) as zf:
        content = read_member(zf, "content.xml")
    out: dict = {}
    sheet, marked = None, 0
    row = col = 0
    repeat = 1
    for event, element in iterparse(io.BytesIO(content), events=("start", "end")):
        tag = element.tag
        if event == "start":
            if tag == _TABLE + "table":
                sheet = out.setdefault(element.get(_TABLE + "name", ""), set())
                row = 0
            elif tag == _TABLE + "table-row":
                repeat, col = int(element.get(_TABLE + "number-rows-repeated", "1")), 0
            elif tag in _CELLS and sheet is not None:
                span = int(element.get(_TABLE + "number-columns-repeated", "1"))
                if element.get(_OFFICE + "value-type") == "percentage" and row < max_rows:
                    for r in range(row, min(row + repeat, max_rows)):
                        for c in range(col, col + min(span, 1024)):
                            sheet.add((r, c))
                            marked += 1
                    if marked > MAX_MARKED:
                        return out
                col += span
        else:
            if tag == _TABLE + "table-row":
                row += repeat
                if row >= max_rows:
                    row = max_rows  # past what is read: nothing more to note in this table
            element.clear()
    return out


_ANNOTATION = _OFFICE + "annotation"
_PARAGRAPH = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p"
_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
MAX_NOTES = 10_000  # notes kept per file, at most


def ods_notes(path: str, sheets, max_rows: int) -> dict:
    """Sheet name -> {(row, column): text} of the notes (office:annotation) on cells (0-based)."""
    import io
    with zipfile.ZipFile(path) as zf:
        content = read_member(zf, "content.xml")
    if b"annotation" not in content:  # most returns: nothing to walk
        return {}
    out: dict = {}
    sheet, row, col, repeat, cell = None, 0, 0, 1, (0, 0)
    note: list | None = None  # the paragraphs of the note being read
    author = ""
    kept = 0
    for event, element in iterparse(io.BytesIO(content), events=("start", "end")):
        tag = element.tag
        if event == "start":
            if tag == _TABLE + "table":
                sheet, row = out.setdefault(element.get(_TABLE + "name", ""), {}), 0
            elif tag == _TABLE + "table-row":
                repeat, col = int(element.get(_TABLE + "number-rows-repeated", "1")), 0
            elif tag in _CELLS:
                cell = (row, col)
                col += int(element.get(_TABLE + "number-columns-repeated", "1"))
            elif tag == _ANNOTATION:
                note = []
            continue
        if tag == _PARAGRAPH and note is not None:
            note.append("".join(element.itertext()))
        elif tag == _CREATOR and note is not None:
            author = element.text or ""
        elif tag == _ANNOTATION and note is not None:
            text = clerks_part(author, "\n".join(note).strip())  # an annotated copy's own notes are not the clerk's
            if sheet is not None and cell[0] < max_rows and text and kept < MAX_NOTES:
                sheet[cell] = text
                kept += 1
            note, author = None, ""
        elif tag == _TABLE + "table-row":
            row += repeat
        if note is None:
            element.clear()
    return {name: notes for name, notes in out.items() if notes}


def xls_percent_cells(path: str, sheets, max_rows: int) -> dict:
    """Sheet name -> {(row, column)} of number cells formatted as a percentage."""
    import xlrd
    book = xlrd.open_workbook(path, formatting_info=True, on_demand=True, logfile=_Silent())
    try:
        percent_xf = {i for i, xf in enumerate(book.xf_list)
                      if _is_percent(book.format_map.get(xf.format_key))}
        out: dict = {}
        for name in sheets:
            if name not in book.sheet_names():
                continue
            sheet = book.sheet_by_name(name)
            marked = out.setdefault(name, set())
            for r in range(min(sheet.nrows, max_rows)):
                for c, kind in enumerate(sheet.row_types(r)):
                    if kind == xlrd.XL_CELL_NUMBER and sheet.cell_xf_index(r, c) in percent_xf:
                        marked.add((r, c))
        return out
    finally:
        book.release_resources()


def _is_percent(fmt) -> bool:
    text = getattr(fmt, "format_str", "") or ""
    return "%" in text.replace('"%"', "").replace("\\%", "")


class _Silent:
    def write(self, _text):  # xlrd's warnings about odd records are not the clerk's business
        pass
