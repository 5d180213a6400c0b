"""A worksheet for the summary's long tables: rows of plain values written in one step.

A national round puts some 2.3 million cells in the summary.  Through xlsxwriter's
general cell path (argument conversion, a dimension check per cell, four regular
expressions and a file write per string) each cost ~3 µs: more than the main process
did for anything else.  :class:`RowSheet` adds :meth:`RowSheet.put_row` for rows of
:func:`~kpi_workbook.summary_tables.cell` values (str, float or None) and writes each
finished row with one file write.  Cells are still stored in xlsxwriter's own table and
laid out in its own XML; anything out of the ordinary (a formatted row, a comment, a
link, a control character, ``&``, a very long text, a value that is not a plain str or
float) goes through xlsxwriter's code unchanged.  ``tests/test_row_sheet.py`` checks
that the files are byte for byte what stock xlsxwriter writes.

This is xlsxwriter's documented subclassing hook (``worksheet_class``) and it works in
``constant_memory`` mode only (the summary's); elsewhere :meth:`put_row` simply calls
the ordinary ``write_*`` methods.
"""
from __future__ import annotations

import math

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet

_HALF_MAX = 32767 // 2  # a str this short cannot pass Excel's 32,767 UTF-16 unit limit
_FAST = (CellStringTuple, CellNumberTuple, CellBlankTuple)


class RowSheet(Worksheet):
    """A :class:`xlsxwriter.worksheet.Worksheet` with a fast path for whole rows."""

    _letters: list = [xl_col_to_name(c) for c in range(256)]

    def __init__(self) -> None:
        super().__init__()
        self._styles = {}  # Format -> ' s="N"'

    def put_row(self, row: int, values, cell_format=None, first: int = 0) -> None:
        """Write *values* (non-empty str, finite float or None) in *row* from column
        *first*; None is a blank cell, written only when *cell_format* is given."""
        last = first + len(values) - 1
        if (not self.constant_memory or row < self.previous_row or row >= self.xls_rowmax
                or last >= min(self.xls_colmax, len(self._letters)) or first < 0 or not values):
            self._put_slowly(row, values, cell_format, first)
            return
        if row > self.previous_row:
            self._write_single_row(row)
        table = self.table[row]
        low = high = None
        for col, value in enumerate(values, start=first):
            kind = type(value)
            if kind is str and len(value) <= _HALF_MAX:
                table[col] = CellStringTuple(value, cell_format)
            elif kind is float and math.isfinite(value):
                table[col] = CellNumberTuple(value, cell_format)
            elif value is None:
                if cell_format is None:
                    continue
                table[col] = CellBlankTuple(cell_format)
            else:
                self._put_slowly(row, [value], cell_format, col)
                continue
            if low is None:
                low = col
            high = col
        if low is not None:
            self._check_dimensions(row, low)
            self._check_dimensions(row, high)

    def _put_slowly(self, row: int, values, cell_format, first: int) -> None:
        for col, value in enumerate(values, start=first):
            if value is None:
                self.write_blank(row, col, None, cell_format)
            elif type(value) is str:
                self.write_string(row, col, value, cell_format)
            else:
                self.write_number(row, col, value, cell_format)

    def _write_single_row(self, current_row_num=0) -> None:
        """xlsxwriter's own, but a plain row (no height, format or comment) is laid out
        here and written with one call; the XML is the same."""
        row = self.previous_row
        cells = self.table.get(row)
        if (not cells or row in self.row_info or row in self.comments or self.excel_version == 2010
                or self.default_row_height != self.original_row_height):
            super()._write_single_row(current_row_num)
            return
        self.previous_row = current_row_num
        parts = [f'<row r="{row + 1}">']
        number = str(row + 1)
        for col in sorted(cells):
            xml = self._cell_xml(cells[col], col, number)
            if xml is None:  # not a plain cell: xlsxwriter writes it
                self.fh.write("".join(parts))
                parts = []
                self._write_cell(row, col, cells[col])
            else:
                parts.append(xml)
        parts.append("</row>")
        self.fh.write("".join(parts))
        self.table.clear()

    def _cell_xml(self, cell, col: int, number: str) -> str | None:
        """The ``<c>`` element xlsxwriter would write for a plain cell, else None."""
        kind = cell.__class__
        if kind not in _FAST or col >= len(self._letters):
            return None
        fmt = cell.format
        if fmt is None and col in self.col_info:
            fmt = self.col_info[col].column_format
        style = "" if fmt is None else self._styles.get(fmt) or self._style(fmt)
        if kind is CellStringTuple:
            text = cell.string
            # xlsxwriter escapes control characters, "_xHHHH_" and &, <, >: those go its way
            if not text.isprintable() or "_x" in text or "&" in text or "<" in text or ">" in text:
                return None
            space = ' xml:space="preserve"' if text[:1] == " " or text[-1:] == " " else ""
            return f'<c r="{self._letters[col]}{number}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'
        if kind is CellNumberTuple:
            return f'<c r="{self._letters[col]}{number}"{style}><v>{cell.number:.16G}</v></c>'
        return f'<c r="{self._letters[col]}{number}"{style}/>' if style else None

    def _style(self, fmt) -> str:
        """`` s="N"`` for a format, worked out (and the format numbered) on first use."""
        style = self._styles[fmt] = f' s="{fmt._get_xf_index()}"'
        return style


class RowBook(xlsxwriter.Workbook):
    """A workbook whose worksheets are :class:`RowSheet`."""
    worksheet_class = RowSheet
