"""Every input format in one place: what a return can be, and what each kind needs.

:func:`kpi_workbook.reading.safety.sniff` tells a file's kind from its bytes (never its
name); this table says, for each kind, the file names it is found under, whether its
values are read, what is read before python-calamine (the .xlsx scan), where its
percent-formatted cells and its cell notes come from, and whether ``check --annotate`` edits the return
itself or rebuilds a copy.  Adding a format is one entry here (and its sniff test).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from .percent_cells import ods_notes, ods_percent_cells, xls_percent_cells

PercentCells = Callable[[str, list, int], dict]  # (path, sheet names, row limit) -> {sheet: {(r, c)}}
CellNotes = Callable[[str, list, int], dict]  # (path, sheet names, row limit) -> {sheet: {(r, c): text}}


@dataclass(frozen=True)
class Format:
    kind: str                      # what sniff() calls it
    suffixes: tuple                # the file names it is found under (discover lists these)
    label: str                     # as a clerk knows it (messages)
    readable: bool = True          # False: refused by name, with how to re-save it
    scanned: bool = False          # its parts are scanned before calamine (error cells, formulas, % formats)
    percent: Optional[PercentCells] = None  # where its % cells are, when not scanned
    editable: bool = False         # annotate edits the return itself (openpyxl); else rebuilds a copy
    notes: Optional[CellNotes] = None  # where its cell notes are, when not scanned


FORMATS = {f.kind: f for f in (
    Format("xlsx", (".xlsx", ".xlsm"), "Excelブック（.xlsx/.xlsm）", scanned=True, editable=True),
    Format("xls", (".xls",), "Excel 97-2003ブック（.xls）",
           percent=lambda path, sheets, rows: xls_percent_cells(path, sheets, rows)),
    Format("ods", (".ods",), "OpenDocumentスプレッドシート（.ods）",
           percent=lambda path, sheets, rows: ods_percent_cells(path, rows), notes=ods_notes),
    # python-calamine reads .xlsb values, but not which cells are errors, formulas without a
    # value or percentages: a 77.8 % cell would read 0.778.  Refused by name instead.
    Format("xlsb", (".xlsb",), "Excelバイナリブック（.xlsb）", readable=False),
)}
SUFFIXES = tuple(suffix for f in FORMATS.values() for suffix in f.suffixes)


def format_of(kind: str) -> Format:
    return FORMATS[kind]
