"""Read a workbook's values safely: every readable kind of :mod:`.formats`, whoever saved it.

The one entry point is :func:`read_workbook`.  It never raises for a bad file: it returns
``(workbook_or_None, findings)``.  Order of defence:

1. :mod:`kpi_workbook.reading.safety` looks at the bytes (what the file is, zip bomb, DTDs,
   encryption) before any parser runs;
2. for a scanned format (.xlsx), :mod:`kpi_workbook.reading.xlsx_scan` finds error cells, formulas without a cached
   value, percent formats, missing sheet parts and a bound on the used range (and checks
   the prologue of the parts it reads whole, which step 1 leaves to it);
3. python-calamine reads the values in a memory-capped child process
   (:mod:`kpi_workbook.core.isolate`), so an abort inside it cannot take the run down.
"""
from __future__ import annotations

import functools
import io
import re
import zipfile
from dataclasses import dataclass, field

import python_calamine as pc  # imported here, once: a forked child inherits it

from ..core import findings as F
from ..core.isolate import IsolatedFailure, Retry, run_isolated
from .formats import format_of
from .safety import Refusal, sniff
from .xlsx_scan import ref_to_rc, scan_xlsx

MAX_CELLS = 4_000_000  # dense cells one sheet may occupy (rows x columns)
MAX_ROWS = 10_000  # rows of one sheet read (entry tables have 200-400): the rest are counted, not read


class CellError(str):
    """An Excel error value such as ``#DIV/0!`` (a str subclass so it prints as typed)."""


class NoCachedValue(str):
    """A formula cell whose result was never computed (written by a program)."""


@dataclass
class SheetData:
    name: str
    rows: list  # rows[r][c], absolute from A1; None for an empty cell
    merged: list = field(default_factory=list)  # [((r0, c0), (r1, c1)), ...] 0-based inclusive
    percent: set = field(default_factory=set)  # {(r, c)} numeric cells shown as %
    external: set = field(default_factory=set)  # {(r, c)} cells whose formula reads another workbook
    notes: dict = field(default_factory=dict)  # {(r, c): the text of the note (comment) on the cell} (.xlsx)
    hidden: bool = False
    rows_left: int = 0  # rows past MAX_ROWS not read (the sheet had that many more)

    def value(self, r: int, c: int):
        if 0 <= r < len(self.rows):
            row = self.rows[r]
            if 0 <= c < len(row):
                return row[c]
        return None

    @property
    def height(self) -> int:
        return len(self.rows)


@dataclass
class Workbook:
    path: str
    kind: str  # a key of :data:`kpi_workbook.reading.formats.FORMATS`
    sheets: dict  # name -> SheetData, in workbook order
    sheet_names: list
    macros: bool = False
    strict: bool = False


def read_workbook(path, sheets=None) -> tuple[Workbook | None, list]:
    """Read *path* (all sheets, or only those named in *sheets* that exist)."""
    name = str(path)
    try:
        sniffed = sniff(path)
        if not format_of(sniffed.kind).readable:
            raise Refusal("FILE_FORMAT_UNSUPPORTED", format_of(sniffed.kind).label)
        result = run_isolated(_read_in_child, name, sniffed.kind,
                              None if sheets is None else list(sheets))
    except Refusal as refusal:
        return None, [F.make(refusal.code, file=name, detail=refusal.detail or "")]
    except Retry:
        raise  # worker mode: the caller redoes this file in its own child
    except IsolatedFailure as failure:
        detail = {"timeout": "時間内に読み終わりませんでした",
                  "memory": "読み込みに必要なメモリが上限を超えました"}.get(failure.reason, "読み込み処理が異常終了しました")
        return None, [F.make("FILE_TOO_LARGE" if failure.reason != "crash" else "FILE_READ_FAILED",
                             file=name, detail=detail)]
    except Exception as exc:  # noqa: BLE001 - any library failure is a finding, never a traceback
        return None, [F.make("FILE_READ_FAILED", file=name, detail=type(exc).__name__)]
    workbook, missing = result
    workbook.macros = sniffed.macros
    out = [F.make("SHEET_PART_MISSING", file=name, sheet=s) for s in missing]
    if sniffed.macros:
        out.append(F.make("MACROS_IGNORED", file=name))
    return workbook, out


def _read_in_child(path: str, kind: str, wanted):
    """Runs in the isolated child: scan (xlsx), then calamine. Returns (Workbook, missing)."""
    scan = None
    if format_of(kind).scanned:
        try:
            scan = scan_xlsx(path, None if wanted is None else frozenset(wanted))
        except Refusal:
            raise
        except Exception as exc:  # noqa: BLE001
            raise Refusal("FILE_CORRUPT", type(exc).__name__) from None
    book = _open_calamine(path, kind)
    try:
        metadata = {m.name: m for m in book.sheets_metadata}
        names = list(book.sheet_names)
        sheets = {}
        missing = list(scan.missing_parts) if scan else []
        for sheet_name in names:
            if sheet_name in missing or (wanted is not None and sheet_name not in wanted):
                continue
            sheet_scan = scan.sheets.get(sheet_name) if scan else None
            sheets[sheet_name] = _read_sheet(book, sheet_name, sheet_scan, metadata.get(sheet_name))
        for sheet_name, cells in _percent_cells(path, kind, list(sheets)).items():
            if sheet_name in sheets:
                sheets[sheet_name].percent |= cells
        for sheet_name, notes in _cell_notes(path, kind, list(sheets)).items():
            if sheet_name in sheets:
                sheets[sheet_name].notes.update(notes)
        return Workbook(path=path, kind=kind, sheets=sheets, sheet_names=names,
                        strict=bool(scan and scan.strict)), missing
    finally:
        book.close()


def _open_calamine(path: str, kind: str):
    """calamine on *path*; an .ods it refuses for the indentation Gnumeric writes between
    table elements is read again with that indentation taken out (nothing else changes)."""
    try:
        return pc.CalamineWorkbook.from_filelike(open(path, "rb"))
    except Exception as exc:  # noqa: BLE001
        if kind == "ods":
            tidied = _without_indentation(path)
            if tidied is not None:
                try:
                    return pc.CalamineWorkbook.from_filelike(tidied)
                except Exception:  # noqa: BLE001 - the first refusal says it best
                    pass
        raise _calamine_refusal(exc) from None


@functools.cache
def _ods_indent():
    """White space between the table elements of content.xml, as Gnumeric indents them
    (compiled when first needed: most runs never do)."""
    return re.compile(rb">\s+(?=</?(?:table|office):|<text:p[ >/])")


def _without_indentation(path: str):
    """The .ods at *path* with content.xml's indentation between table elements removed,
    in memory (the file was vetted: its members are bounded), or None."""
    try:
        with zipfile.ZipFile(path) as source:
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
                for item in source.infolist():
                    data = source.read(item.filename)
                    if item.filename == "content.xml":
                        data = _ods_indent().sub(b">", data)
                    target.writestr(item, data)
        out.seek(0)
        return out
    except (OSError, zipfile.BadZipFile, RuntimeError):
        return None


def _read_sheet(book, name: str, scan, meta) -> SheetData:
    if scan is not None and scan.max_row * max(scan.max_col, 1) > MAX_CELLS:
        raise Refusal("FILE_TOO_LARGE", f"シート「{name}」の使用範囲が広すぎます")
    try:
        sheet = book.get_sheet_by_name(name)
    except Exception as exc:  # noqa: BLE001
        if type(exc).__name__ == "WorksheetNotFound":
            raise Refusal("FILE_CORRUPT", f"シート「{name}」の中身がありません") from None
        raise _calamine_refusal(exc) from None
    end_row, end_col = sheet.end if sheet.end else (-1, -1)
    if (end_row + 1) * (end_col + 1) > MAX_CELLS:
        raise Refusal("FILE_TOO_LARGE", f"シート「{name}」の使用範囲が広すぎます")
    try:
        grid = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS) if sheet.height else []
    except Exception as exc:  # noqa: BLE001
        raise _calamine_refusal(exc) from None
    rows_left = max(0, end_row + 1 - len(grid)) if len(grid) >= MAX_ROWS else 0
    rows = [[None if v == "" else v for v in row] for row in grid]
    percent, external, notes = set(), set(), {}
    if scan is not None:
        _apply_scan(rows, scan)
        percent = {ref_to_rc(ref) for ref in scan.percent}
        external = {ref_to_rc(ref) for ref in scan.external}
        notes = {ref_to_rc(ref): text for ref, text in scan.notes.items()}
    try:
        merged = [tuple(map(tuple, m)) for m in (sheet.merged_cell_ranges or [])]
    except Exception:  # noqa: BLE001 - not every format reports merges
        merged = []
    hidden = bool(meta) and "Visible" not in str(meta.visible)
    return SheetData(name=name, rows=rows, merged=merged, percent=percent, external=external, notes=notes,
                     hidden=hidden, rows_left=rows_left)


def _cell_notes(path: str, kind: str, sheets: list) -> dict:
    """What an unscanned format says about notes on cells (.ods); {} if unsure or none."""
    notes = format_of(kind).notes
    try:
        return notes(path, sheets, MAX_ROWS) if notes else {}
    except Exception:  # noqa: BLE001 - notes are a help: a file they cannot be read from is read without
        return {}


def _percent_cells(path: str, kind: str, sheets: list) -> dict:
    """What an unscanned format says about percentages (.ods, .xls); {} if unsure."""
    percent = format_of(kind).percent
    try:
        return percent(path, sheets, MAX_ROWS) if percent else {}
    except Exception:  # noqa: BLE001 - values are still read; only the % marks are missing
        return {}


def _apply_scan(rows: list, scan) -> None:
    """Put error and no-cached-value markers where calamine left empty strings."""
    for ref, text in scan.errors.items():
        _put(rows, *ref_to_rc(ref), CellError(text))
    for ref in scan.no_value:
        r, c = ref_to_rc(ref)
        current = rows[r][c] if r < len(rows) and c < len(rows[r]) else None
        if current in (None, 0, 0.0):
            _put(rows, r, c, NoCachedValue("="))


def _put(rows: list, r: int, c: int, value) -> None:
    while len(rows) <= r:
        rows.append([])
    row = rows[r]
    while len(row) <= c:
        row.append(None)
    row[c] = value


def _calamine_refusal(exc: Exception) -> Refusal:
    kind, text = type(exc).__name__, str(exc)
    lowered = text.lower()
    if kind == "PasswordError" or "password" in lowered or "encrypt" in lowered:
        return Refusal("FILE_ENCRYPTED")
    if "entity" in lowered or "dtd" in lowered:
        return Refusal("FILE_UNSAFE", "DTD・実体宣言")
    if "limit" in lowered or "larger than" in lowered or "too large" in lowered:
        return Refusal("FILE_TOO_LARGE", "展開後のサイズが上限を超えています")
    if kind in ("ZipError", "XmlError") or "zip" in lowered or "eocd" in lowered:
        return Refusal("FILE_CORRUPT", _short(text))
    if "detect" in lowered:
        return Refusal("FILE_CORRUPT", "形式を判別できません")
    return Refusal("FILE_READ_FAILED", f"{kind}: {_short(text)}")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text[:120]
