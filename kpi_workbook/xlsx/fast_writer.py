"""xlsxwriter, faster where the tool writes a lot: the one module that uses its private methods.

Two workloads go through here.  **The summary's long tables**: a national round puts some
2.3 million cells in the summary, and through xlsxwriter's general cell path (argument
conversion, a dimension check per cell, four regular expressions and a file write per
string) each cost ~3 µs.  :class:`RowSheet` adds :meth:`RowSheet.put_row` for rows of
:func:`~kpi_workbook.consolidation.summary_sheets.cell` values (str, float or None) and writes each
finished row with one file write; a worker can go further and lay a row out as XML
(:func:`render_row`), so that the writing process only puts the row number in
(:meth:`RowSheet.put_rendered_rows`).  Rows are deflated as they are written and
:class:`RowBook` copies that stream into the package
(:mod:`kpi_workbook.xlsx.deflated_zip`).  **The survey workbooks**: every workbook of a round
carries the same validation formulas, and :class:`FormulaBook` prepares each once.

Cells are still stored in xlsxwriter's own table and laid out in its own XML; anything
out of the ordinary (a formatted row, a comment, a link, a control character, ``&``, a
very long text, a value that is not a plain str or float, a column format under an
unformatted cell, a row that already has cells) goes through xlsxwriter's code
unchanged, and a rendered row that cannot be written as it is falls back to that path
with its values read back (:meth:`Rendered.values`).  Only writing before the last row
written (which constant-memory mode cannot do at all) is refused.

**The stock path**: with ``KPI_WORKBOOK_XLSX=stock`` in the environment, nothing here
departs from stock xlsxwriter (plain writes, its own packaging, no rendering in the
workers); ``tests/test_xlsx_fast.py`` checks that both paths give the same parts, byte
for byte, and that every private method overridden or called (:data:`PRIVATE_HOOKS`)
is still there, with the signature relied on, in the xlsxwriter installed.
"""
from __future__ import annotations

import functools
import math
import os
import queue
import re
import sys
import threading
import zlib
from typing import Any, NamedTuple

import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet

from ..core.reference import reference
from .deflated_zip import DeflatedZip, Rows

FAST = os.environ.get("KPI_WORKBOOK_XLSX", "").strip().lower() != "stock" and not reference()  # "The stock path"
COMPRESSLEVEL = 2  # zlib level of the package (see RowBook)
PIECE = 1 << 16  # bytes of rows a sheet's deflating thread is handed at a time
# Every private member of xlsxwriter used here: (class, name, parameters relied on).
PRIVATE_HOOKS = (
    ("Worksheet", "_initialize", ("self", "init_data")),
    ("Worksheet", "_opt_reopen", ("self",)),
    ("Worksheet", "_write_optimized_sheet_data", ("self",)),
    ("Worksheet", "_write_single_row", ("self", "current_row_num")),
    ("Worksheet", "_write_cell", ("self", "row", "col", "cell")),
    ("Worksheet", "_check_dimensions", ("self", "row", "col", "ignore_row", "ignore_col")),
    ("Worksheet", "_xml_start_tag", ("self", "tag", "attributes")),
    ("Worksheet", "_xml_end_tag", ("self", "tag")),
    ("Worksheet", "_prepare_formula", ("self", "formula", "expand_future_functions")),
    ("Format", "_get_xf_index", ("self",)),
    ("Workbook", "_store_workbook", ("self",)),
)
_HALF_MAX = 32767 // 2  # a str this short cannot pass Excel's 32,767 UTF-16 unit limit
_FAST = (CellStringTuple, CellNumberTuple, CellBlankTuple)
_LETTERS = [xl_col_to_name(c) for c in range(256)]
ROW_MARK, STYLE_MARK = "\x00", "\x01"  # placeholders in a rendered row: plain text has neither
_REFS = [letter + ROW_MARK for letter in _LETTERS]  # a rendered cell's reference
_COLUMN = {letter: c for c, letter in enumerate(_LETTERS)}
# a rendered cell: its column, and its text (inline string), number or nothing (blank)
_RENDERED_CELL = re.compile('<c r="([A-Z]+)\x00"[\x01-\x1f]?(?: t="inlineStr")?'
                            '(?:><is><t(?: xml:space="preserve")?>([^<]*)</t></is></c>|><v>([^<]*)</v></c>|/>)')


# A table whose columns differ (figures, ○ marks, rates): each column's kind names its
# format (ColumnFormats); a figure that is not whole takes "figure_decimal" ("#,##0" would
# round it, "#,##0.##" shows "1,084." for a whole one).  A rendered cell carries its kind
# as one control character (never in plain text), replaced by the style when written.
KINDS = ("figure", "figure_decimal", "mark", "rate")
_KIND_MARK = {kind: chr(2 + i) for i, kind in enumerate(KINDS)}


def cell_kind(kind: str | None, value) -> str | None:
    """The format key of one cell of a column of *kind*."""
    if kind == "figure" and type(value) is float and not value.is_integer():
        return "figure_decimal"
    return kind


def number_now(formats) -> None:
    """Give *formats* their style numbers now, in this order, on either path: a format is
    numbered when first written, and the two paths first write a kind's cells at different
    moments (the summary's parts stay byte for byte the same)."""
    for fmt in formats:
        fmt._get_xf_index()


class ColumnFormats(NamedTuple):
    """A row's formats by column: *kinds* the kind (a :data:`KINDS` key, or None) of each
    column from A; *formats* the Format of each kind."""

    kinds: tuple
    formats: dict

    def of(self, col: int, value):
        kind = cell_kind(self.kinds[col], value) if col < len(self.kinds) else None
        return self.formats[kind] if kind else None


class Rendered(NamedTuple):
    """A row laid out by :func:`render_row`, for :meth:`RowSheet.put_rendered`."""

    xml: bytes    # UTF-8, with ROW_MARK for the row's number and STYLE_MARK for its style
    low: int      # first and last column written (-1 when the row writes no cell)
    high: int
    styled: bool  # laid out for a format (blank cells written) or for none
    kinds: bool = False  # laid out for ColumnFormats (a kind's mark on its cells)

    def values(self) -> tuple:
        """(first column, the values) this row was rendered from: for the stock path."""
        cells = {}
        for letters, text, number in _RENDERED_CELL.findall(self.xml.decode()):
            col = _COLUMN[letters]
            cells[col] = text if text else _number(number) if number else None  # text is never empty
        if not cells:
            return 0, []
        first = min(cells)
        return first, [cells.get(c) for c in range(first, max(cells) + 1)]


def write_value(ws, row: int, col: int, value, cell_format=None) -> None:
    """A str, number or None (blank) through xlsxwriter's public writes, on any worksheet:
    strings as strings, never read as a formula, a URL or a number."""
    if value is None:
        ws.write_blank(row, col, None, cell_format)
    elif type(value) is str:
        ws.write_string(row, col, value, cell_format)
    else:
        ws.write_number(row, col, value, cell_format)


def _number(text: str) -> float:
    """A rendered number read back; 16 digits of the largest doubles round past them."""
    value = float(text)
    return value if math.isfinite(value) else math.copysign(sys.float_info.max, value)


def prepared(rows: list, styled: bool = False, kinds: tuple = ()) -> list:
    """*rows* (lists of cell values) as :class:`RowSheet` will take them: each laid out as XML
    where :func:`render_row` can, else as it is.  Workers call it, so the writing process
    only copies bytes; on the stock path the rows stay values."""
    return [render_row(row, styled, kinds=kinds) or row for row in rows]


def render_row(values, styled: bool = False, first: int = 0, kinds: tuple = ()) -> Rendered | None:
    """The XML :meth:`RowSheet.put_row` would write for *values* (non-empty str, finite
    float or None), with a format when *styled*, or each column's (*kinds*, for
    :class:`ColumnFormats`); None when a value is not plain (and always on the stock path:
    the row keeps its values)."""
    if not FAST:
        return None
    text = "".join([v for v in values if type(v) is str])  # the row's text, tested at once
    if (not text.isprintable() or "_x" in text or "&" in text or "<" in text or ">" in text
            or first + len(values) > len(_LETTERS) or "" in values):
        return None  # a value xlsxwriter must escape (or "_x" across two values): its way
    if len(text) > _HALF_MAX and any(type(v) is str and len(v) > _HALF_MAX for v in values):
        return None
    spaces = " " in text
    style = STYLE_MARK if styled else ""
    parts, low, high = [f'<row r="{ROW_MARK}">'], -1, -1
    add = parts.append
    known = len(kinds)
    for col, value in enumerate(values, start=first):
        kind = type(value)
        if known:  # cell_kind, inline: it is asked of every cell of a long list
            kind_of = kinds[col] if col < known else None
            if kind_of == "figure" and kind is float and not value.is_integer():
                kind_of = "figure_decimal"
            style = _KIND_MARK[kind_of] if kind_of else ""
        if kind is str:
            space = ' xml:space="preserve"' if spaces and (value[0] == " " or value[-1] == " ") else ""
            add(f'<c r="{_REFS[col]}"{style} t="inlineStr"><is><t{space}>{value}</t></is></c>')
        elif kind is float and math.isfinite(value):
            add(f'<c r="{_REFS[col]}"{style}><v>{value:.16G}</v></c>')
        elif value is None:
            if not style:
                continue
            add(f'<c r="{_REFS[col]}"{style}/>')
        else:
            return None
        if low < 0:
            low = col
        high = col
    if low < 0:
        return Rendered(b"", -1, -1, styled, bool(kinds))
    parts.append("</row>")
    return Rendered("".join(parts).encode(), low, high, styled, bool(kinds))


def _value_xml(value, ref: str, style: str) -> str | None:
    """The ``<c>`` element xlsxwriter writes for a str, float or blank (style needed),
    or None when xlsxwriter must write it."""
    kind = type(value)
    if kind is str:
        # xlsxwriter escapes control characters, "_xHHHH_" and &, <, >: those go its way
        if not value.isprintable() or "_x" in value or "&" in value or "<" in value or ">" in value:
            return None
        space = ' xml:space="preserve"' if value[:1] == " " or value[-1:] == " " else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{value}</t></is></c>'
    if kind is float or kind is int:
        return f'<c r="{ref}"{style}><v>{value:.16G}</v></c>' if math.isfinite(value) else None
    return f'<c r="{ref}"{style}/>' if value is None and style else None


class RowSheet(Worksheet):
    """A :class:`xlsxwriter.worksheet.Worksheet` with a fast path for whole rows."""

    _letters: list = _LETTERS
    # xlsxwriter's own attributes this class uses (set by Worksheet, not annotated there)
    fh: Any
    row_data_fh: Any
    row_data_fh_closed: bool
    previous_row: Any
    dim_rowmin: int | None
    dim_rowmax: int | None
    dim_colmin: int | None
    dim_colmax: int | None

    def __init__(self) -> None:
        super().__init__()
        self._styles: dict = {}  # Format -> ' s="N"'
        self._formatted: frozenset | None = None  # columns with a format of their own (None: work it out again)
        self._deflated: dict | None = None  # set by RowBook: {sheet XML file: Rows}, for DeflatedZip

    def set_column_pixels(self, *args, **kwargs):
        self._formatted = None
        return super().set_column_pixels(*args, **kwargs)

    def autofit(self, *args, **kwargs):
        self._formatted = None
        return super().autofit(*args, **kwargs)

    def _initialize(self, init_data) -> None:
        super()._initialize(init_data)
        if self.constant_memory and FAST:  # the row file, deflated as it is written
            self.row_data_fh.close()
            self.row_data_fh = self.fh = _RowData(self.row_data_filename, "w+b")

    def _opt_reopen(self) -> None:
        if not FAST:
            super()._opt_reopen()
        elif self.row_data_fh_closed:
            self.row_data_fh = self.fh = _RowData(self.row_data_filename, "ab", self.row_data_fh)
            self.row_data_fh_closed = False

    def _write_optimized_sheet_data(self) -> None:
        """xlsxwriter's own, but the rows are already deflated: a :class:`RowBook` copies
        them into the package as they are (noted in ``_deflated``), else they are
        inflated here."""
        if self.dim_rowmin is None or not FAST:  # no rows (nothing to copy), or the stock path
            super()._write_optimized_sheet_data()
            return
        self._xml_start_tag("sheetData")
        rows = self.row_data_fh
        rows.close()  # the deflate stream ended by a sync flush
        self.fh.flush()
        if self._deflated is not None:
            self._deflated[self.fh.name] = Rows(self.fh.buffer.tell(), self.row_data_filename, rows.crc, rows.size)
        else:
            with open(self.row_data_filename, "rb") as deflated:
                inflate = zlib.decompressobj(-15)
                while chunk := deflated.read(1 << 20):
                    self.fh.buffer.write(inflate.decompress(chunk))
            os.unlink(self.row_data_filename)
        self._xml_end_tag("sheetData")

    def put_row(self, row: int, values, cell_format=None, first: int = 0) -> None:
        """Write *values* (non-empty str, finite float or None) in *row* from column
        *first*; None is a blank cell, written only when *cell_format* is given."""
        last = first + len(values) - 1
        if (not FAST or not self.constant_memory or type(cell_format) is ColumnFormats or row < self.previous_row or row >= self.xls_rowmax
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
        by_column = type(cell_format) is ColumnFormats
        for col, value in enumerate(values, start=first):
            write_value(self, row, col, value, cell_format.of(col, value) if by_column else cell_format)

    def _write_single_row(self, current_row_num=0) -> None:
        """xlsxwriter's own, but a plain row (no height, format or comment) is laid out
        here and written with one call; the XML is the same."""
        row = self.previous_row
        cells = self.table.get(row)
        if (not FAST or not cells or row in self.row_info or row in self.comments or self.excel_version == 2010
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
        value = cell.string if kind is CellStringTuple else cell.number if kind is CellNumberTuple else None
        return _value_xml(value, self._letters[col] + number, style)

    def put_rendered(self, row: int, rendered: Rendered, cell_format=None) -> None:
        """Write a row made by :func:`render_row` as *row*, in *cell_format*."""
        self.put_rendered_rows(row, [rendered], cell_format)

    def put_rendered_rows(self, row: int, rows: list, cell_format=None) -> None:
        """Write rows made by :func:`render_row` as *row*, *row* + 1, …, in *cell_format*.

        As they are where a rendered row can be: the next rows of a constant-memory sheet
        with default heights, no row settings or comments there, and no column format
        under unformatted cells.  Anywhere else (and on the stock path) each row's values
        are written xlsxwriter's way.  Rows before the last one written cannot be written
        in constant-memory mode at all: a programming error (ValueError)."""
        if not rows:
            return
        last = row + len(rows) - 1
        if self.constant_memory and (row < self.previous_row or last >= self.xls_rowmax):
            raise ValueError(f"rows cannot be written from row {row}: row {self.previous_row} is written")
        written = [(n, rendered) for n, rendered in enumerate(rows, row) if rendered.low >= 0]
        low = min((rendered.low for _, rendered in written), default=0)
        high = max((rendered.high for _, rendered in written), default=0)
        by_column = type(cell_format) is ColumnFormats
        whole = None if by_column else cell_format  # one format for the row
        if (not FAST or not self.constant_memory
                or any(r.styled != (whole is not None) or r.kinds != by_column for r in rows)
                or (row == self.previous_row and self.table.get(row))
                or any(n in self.row_info or n in self.comments for n in range(row, last + 1))
                or self.excel_version == 2010 or self.default_row_height != self.original_row_height
                or (whole is None and any(low <= c <= high for c in self._formatted_columns()))):
            for n, rendered in written:  # the stock path, from the values the rows hold
                first, values = rendered.values()
                self._put_slowly(n, values, cell_format, first)
            return
        if row > self.previous_row:
            if self.table or self.previous_row in self.row_info or self.previous_row in self.comments:
                self._write_single_row(row)
            else:
                self.previous_row = row  # nothing waits to be written: what _write_single_row would do
        self.previous_row = last  # written below, nothing left waiting
        if not written:
            return
        xml = b"".join([rendered.xml.replace(b"\x00", str(n + 1).encode()) for n, rendered in written])
        if by_column:  # each kind's style, numbered in the order its cells come (as xlsxwriter would)
            found = sorted((xml.find(mark.encode()), kind, mark) for kind, mark in _KIND_MARK.items())
            for at, kind, mark in found:
                fmt = cell_format.formats.get(kind)
                if at >= 0 and fmt is not None:
                    xml = xml.replace(mark.encode(), (self._styles.get(fmt) or self._style(fmt)).encode())
        elif cell_format is not None:
            style = self._styles.get(cell_format) or self._style(cell_format)
            xml = xml.replace(b"\x01", style.encode())
        self.fh.write_bytes(xml)
        # what _check_dimensions would make of each cell written, the checks above done
        first_row, last_row = written[0][0], written[-1][0]
        self.dim_rowmin = first_row if self.dim_rowmin is None else min(self.dim_rowmin, first_row)
        self.dim_rowmax = last_row if self.dim_rowmax is None else max(self.dim_rowmax, last_row)
        self.dim_colmin = low if self.dim_colmin is None else min(self.dim_colmin, low)
        self.dim_colmax = high if self.dim_colmax is None else max(self.dim_colmax, high)

    def _formatted_columns(self) -> frozenset:
        if self._formatted is None:
            self._formatted = frozenset(c for c, info in self.col_info.items() if info.column_format)
        return self._formatted

    def _style(self, fmt) -> str:
        """`` s="N"`` for a format, worked out (and the format numbered) on first use."""
        style = self._styles[fmt] = f' s="{fmt._get_xf_index()}"'
        return style


class _RowData:
    """The row file of a constant-memory :class:`RowSheet`: what xlsxwriter writes (str)
    and rendered rows (bytes) go in raw-deflated, with their CRC-32 and length kept
    (:class:`~kpi_workbook.xlsx.deflated_zip.DeflatedZip` copies the stream into the package).
    *before*: the row file this one continues (reopened to append).

    The summary is written once the returns are checked, when the other cores are idle:
    the rows are gathered here in pieces of :data:`PIECE` bytes and a thread deflates them
    (zlib lets go of the GIL), in order, while the writer goes on."""

    def __init__(self, path: str, mode: str, before: _RowData | None = None) -> None:
        self.file = open(path, mode)  # noqa: SIM115 - closed by xlsxwriter or the copy
        self._deflate = zlib.compressobj(COMPRESSLEVEL, zlib.DEFLATED, -15)
        self.crc: int = before.crc if before else 0
        self.size: int = before.size if before else 0
        self._pending: list = []
        self._pending_size = 0
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def write(self, text: str) -> None:
        self.write_bytes(text.encode())

    def write_bytes(self, data: bytes) -> None:
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size >= PIECE:
            self._hand_over()

    def _hand_over(self) -> None:
        if self._error is not None:
            self._end_thread()
            self.file.close()
            raise self._error
        data = b"".join(self._pending)
        self._pending.clear()
        self._pending_size = 0
        if self._thread is None:
            self._queue = queue.Queue(maxsize=4)  # bounded: a few pieces a sheet wait at most
            self._thread = threading.Thread(target=self._deflating, daemon=True)
            self._thread.start()
        assert self._queue is not None
        self._queue.put(data)

    def _end_thread(self) -> None:
        if self._thread is not None and self._queue is not None:
            self._queue.put(None)
            self._thread.join()
        self._thread = None

    def _deflating(self) -> None:
        assert self._queue is not None
        while (data := self._queue.get()) is not None:
            if self._error is None:  # after a failure (a full disk), the rest is only taken off the queue
                try:
                    self._take(data)
                except BaseException as exc:  # noqa: BLE001 - raised in the writer's thread, at close
                    self._error = exc

    def _take(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self.file.write(self._deflate.compress(data))

    def close(self) -> None:
        if self.file.closed:
            return
        if self._thread is not None:
            assert self._queue is not None
            if self._pending:
                self._hand_over()
            self._end_thread()
            if self._error is not None:
                self.file.close()
                raise self._error
        elif self._pending:
            self._take(b"".join(self._pending))
            self._pending.clear()
        self.file.write(self._deflate.flush(zlib.Z_SYNC_FLUSH))  # byte-aligned, not final
        self.file.close()


class RowBook(xlsxwriter.Workbook):
    """A workbook whose worksheets are :class:`RowSheet`, packed faster.

    A national summary is ~120 MB of XML.  Deflated while the package is stored, at
    zlib's default level, it kept one core busy for 0.7 s at the end of a run with
    nothing else to do.  Here the sheets' rows were deflated as they were written, at
    level 2 (under 40 % of the time of level 6, for a file ~20 % larger), and
    :class:`~kpi_workbook.xlsx.deflated_zip.DeflatedZip` copies them into the package."""
    worksheet_class = RowSheet
    compresslevel = COMPRESSLEVEL

    def _store_workbook(self) -> None:
        if not FAST:
            super()._store_workbook()
            return
        stock = xlsxwriter.workbook.ZipFile
        if isinstance(self.filename, (str, os.PathLike)) and not self.in_memory:
            rows: dict = {}
            for sheet in self.worksheets():
                if isinstance(sheet, RowSheet):
                    sheet._deflated = rows
            xlsxwriter.workbook.ZipFile = functools.partial(DeflatedZip, rows=rows, compresslevel=self.compresslevel)
        else:
            xlsxwriter.workbook.ZipFile = functools.partial(stock, compresslevel=self.compresslevel)
        try:
            super()._store_workbook()
        finally:
            xlsxwriter.workbook.ZipFile = stock


class FormulaSheet(Worksheet):
    """A worksheet that prepares each distinct formula once per process.

    Every workbook of a round carries the same validation and conditional-format
    formulas, and xlsxwriter runs some 150 regular expressions over each one (to spell
    newer functions with their ``_xlfn.`` prefix): a third of the time of ``generate``.
    """
    _prepared: dict = {}

    def _prepare_formula(self, formula, expand_future_functions=False):
        if not FAST:
            return super()._prepare_formula(formula, expand_future_functions)
        key = (formula, expand_future_functions, self.use_future_functions)
        done = self._prepared.get(key)
        if done is None:
            done = super()._prepare_formula(formula, expand_future_functions)
            if len(self._prepared) < 4096:
                self._prepared[key] = done
        return done


class FormulaBook(xlsxwriter.Workbook):
    """xlsxwriter's documented subclassing hook: worksheets are :class:`FormulaSheet`."""
    worksheet_class = FormulaSheet
