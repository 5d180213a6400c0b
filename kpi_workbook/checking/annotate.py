"""The annotated copy a coordinator sends back to a municipality (差し戻し).

A copy of the return (the original is never touched) with every finding's cell filled and
commented in Japanese, and a first sheet listing the findings with links to the cells.
openpyxl edits the copy (its role).  What openpyxl would lose is put back or avoided:

- data validations stored as Excel 2010 extensions (``x14:dataValidation``, the kind that
  points at another sheet) are dropped by openpyxl on save; they are read from the
  original XML and re-added as ordinary validations, which Excel 2010+ and LibreOffice
  accept with cross-sheet references;
- macros are never carried: the copy is always a macro-free .xlsx;
- text from the return is written as text, never as a formula.

Returns that openpyxl cannot edit faithfully (.xls, .ods, Strict OOXML) get a copy
rebuilt from a fresh workbook of the survey, filled with the values as typed.
"""
from __future__ import annotations

import html
import re
import tempfile
import warnings
import zipfile
from dataclasses import replace
from pathlib import Path

from ..core import findings as F
from ..core import meta_sheet as metadata
from ..core.atomic import Pending, atomic_path
from ..core.errors import OutputError
from ..core.filenames import inside, safe_stem
from ..core.isolate import IsolatedFailure, run_isolated
from ..core.outputs import Claimed, writable
from ..core.values import label_key
from ..generation.fill import fill_workbook, table_header
from ..generation.workbooks import LISTS_SHEET, write_workbook
from ..reading.formats import format_of
from ..reading.last_round import SHEET as PREVIOUS_SHEET
from ..reading.roster import Region
from ..reading.safety import read_member
from ..reading.xlsx_scan import sheet_parts
from .check import check_workbook

ANNOTATE_TIMEOUT = 20.0  # seconds for one annotated copy

FILLS = {F.ERROR: "FFC7CE", F.WARNING: "FFEB9C", F.INFO: "DDEBF7"}
# Linear whatever the input (see xlsx_scan): a body never runs past the next validation.
_X14_DV = re.compile(rb"<x14:dataValidation\b([^<>]*)>([^<]*(?:<(?!/?x14:dataValidation[\s>])[^<]*)*)"
                     rb"</x14:dataValidation\s*>")
_XM_F = re.compile(rb"<xm:f\s*>([^<]*)</xm:f\s*>")
_XM_SQREF = re.compile(rb"<xm:sqref\s*>([^<]*)</xm:sqref\s*>")
_ATTR = re.compile(rb'(\w+)="([^"]*)"')


def check_and_annotate(paths, annotate_dir, survey=None, roster=None, secret=None, round_=None,
                       definitions=None, progress=None) -> list:
    """Check each file (:func:`kpi_workbook.checking.check.check_workbook`) and write each readable
    return's annotated copy into *annotate_dir*; one result per file, in order.  *progress(1)*
    after each file."""
    writable(annotate_dir)
    claimed = Claimed(inputs=paths)  # a copy never replaces an input, nor another copy
    results = []
    for path in paths:
        result = check_workbook(path, survey=survey, roster=roster, secret=secret, round_=round_,
                                definitions=definitions)
        _annotate_isolated(result, annotate_dir, claimed)
        results.append(result)
        if progress:
            progress(1)
    return results


def _annotate_isolated(result, out_dir, claimed: Claimed) -> None:
    """Write *result*'s annotated copy (openpyxl, on a clerk's file) in a child under the
    reader's caps; a failure is a warning on the file, never the clerk's error."""
    if not result.readable or result.survey is None:
        return
    target = claimed.claim(out_dir, lambda variant: annotated_name(result, variant))
    pending = Pending(target)  # the child writes here; the copy appears only complete
    try:
        if run_isolated(annotate, result, target, pending.path, timeout=ANNOTATE_TIMEOUT):
            pending.commit()
            result.annotated = str(target)
    except OutputError:
        raise
    except IsolatedFailure as failure:
        why = {"timeout": "時間内に終わりませんでした", "memory": "必要なメモリが上限を超えました"}
        result.findings.append(F.make("ANNOTATE_FAILED", file=result.file,
                                      detail=why.get(failure.reason, "処理が異常終了しました")))
    except Exception as exc:  # noqa: BLE001 - openpyxl fails in many ways on odd files
        result.findings.append(F.make("ANNOTATE_FAILED", file=result.file, detail=type(exc).__name__))
    finally:
        pending.abort()  # a no-op once committed




def annotated_name(result, variant: int = 0) -> str:
    """The copy's file name: ``<stem>_確認結果.xlsx``; *variant* 1, 2... when that is taken
    (``C.xls`` and ``C.ods``: ``C_xls_確認結果.xlsx``, then numbered)."""
    source = Path(result.file)
    suffix = result.survey.words.get("annotate_suffix", "_確認結果")
    tag = "" if variant == 0 else f"_{source.suffix.lstrip('.') or 'file'}" + (f"_{variant}" if variant > 1 else "")
    return safe_stem(source.stem + tag + suffix) + ".xlsx"


def annotate(result, target, into=None) -> Path | None:
    """Write the annotated copy of one checked return as *target* (atomically), or, with
    *into*, write it to that path (a caller's temporary file) and let the caller move it
    onto *target*; return *target*."""
    if not result.readable or result.survey is None:
        return None
    words = result.survey.words
    target = inside(Path(target).parent, Path(target).name)
    book, moved = _editable_copy(result)
    findings = [_moved(f, moved) for f in result.findings] if moved is not None else result.findings
    _mark_cells(book, findings)
    heading = words.get("annotate_title", "{region}　{round}").format(
        region=f"{result.region_code} {result.region_name}".strip(), round=result.survey.round)
    _findings_sheet(book, findings, words, heading, result.survey.font)
    _hide_machinery(book)
    if into is not None:
        book.save(into)
        keep_connections(Path(result.file), Path(into))
        return target
    with atomic_path(target) as tmp:
        book.save(tmp)
        keep_connections(Path(result.file), Path(tmp))
    return target


CONNECTIONS = "xl/connections.xml"
_CONNECTIONS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml"
_CONNECTIONS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/connections"


def keep_connections(source: Path, copy: Path) -> None:
    """openpyxl keeps a return's pivot caches and query tables but drops the data
    connections they are built on: Excel would then repair the copy.  Put the return's
    ``xl/connections.xml`` back, whole, with its relationship and content type, when a part
    of the copy still names a connection (``connectionId``)."""
    if not zipfile.is_zipfile(source):
        return
    with zipfile.ZipFile(source) as zs:
        if CONNECTIONS not in zs.namelist():
            return
        connections = read_member(zs, CONNECTIONS)
    with zipfile.ZipFile(copy) as zc:
        names = zc.namelist()
        if CONNECTIONS in names or not any(
                b"connectionId=" in zc.read(n) for n in names if n.startswith(("xl/pivotCache/", "xl/queryTables/"))):
            return
        parts = {n: zc.read(n) for n in names}
    parts[CONNECTIONS] = connections
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", f'<Override PartName="/{CONNECTIONS}" ContentType="{_CONNECTIONS_TYPE}"/></Types>'.encode())
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = parts[rels].replace(b"</Relationships>", f'<Relationship Id="rIdKpiWorkbookConnections" '
                                      f'Type="{_CONNECTIONS_REL}" Target="connections.xml"/></Relationships>'.encode())
    with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


def _hide_machinery(book) -> None:
    """The metadata, last round's values and the dropdown lists very hidden again, as
    generated: a re-save by LibreOffice or Gnumeric shows them or merely hides them."""
    for name in (metadata.SHEET, PREVIOUS_SHEET, LISTS_SHEET):
        if name in book.sheetnames:
            book[name].sheet_state = "veryHidden"


def _editable_copy(result):
    import openpyxl

    source = Path(result.file)
    if _editable(result):
        with warnings.catch_warnings():  # "Data Validation extension ... will be removed":
            warnings.simplefilter("ignore", UserWarning)  # put back just below
            book = openpyxl.load_workbook(source, keep_vba=False, keep_links=True)  # links kept whole, never dangling
        _restore_x14_validations(source, book)
        return book, None
    return _rebuilt(result)


def _editable(result) -> bool:
    """Whether openpyxl may edit the return itself: its format, as the reader told it
    (reading/formats.py), says so, and it is not Strict OOXML."""
    return bool(result.kind) and format_of(result.kind).editable and not result.strict


def _rebuilt(result):
    """A fresh workbook of the survey for this region, with the return's values as typed."""
    import openpyxl

    survey = result.survey
    region_values = (result.records.get("region") or [None])[0]
    def typed(key):
        value = region_values.values.get(key) if region_values else None
        return value.typed if value else ""
    region = Region(result.region_code or typed("region_code"), result.region_name or typed("region_name"),
                    typed("region_kind"), (typed("central_city"),), tuple(typed("members").split("、")),
                    typed("prefecture"))
    answers = {}
    for sheet in survey.sheets:
        records = result.records.get(sheet.key, [])
        labels = {c.key: c.label for c in sheet.columns}
        rows = [{labels[k]: v.typed for k, v in r.values.items() if v.typed} for r in records]
        answers[sheet.name] = rows[0] if sheet.kind == "form" and rows else rows
    with tempfile.TemporaryDirectory() as tmp:
        # last round's values travel on in the copy (its hidden sheet), so the resubmission is compared too
        blank = write_workbook(survey, region, Path(tmp) / "blank.xlsx", previous=result.last_round, prefill=False)
        filled = fill_workbook(blank, answers, Path(tmp) / "filled.xlsx")
        book = openpyxl.load_workbook(filled)
    return book, _new_places(book, survey, result)


def _new_places(book, survey, result) -> dict:
    """(sheet, cell in the return) -> where that value is in the rebuilt copy: each table
    record one row below the other from the header down, each column under its label."""
    from openpyxl.utils import get_column_letter

    places = {}
    for sheet in survey.sheets:
        records = result.records.get(sheet.key, [])
        if sheet.kind == "form" or not records or sheet.name not in book.sheetnames:
            continue
        ws = book[sheet.name]
        places[(sheet.name, None)] = ""  # a table sheet: its cells move
        header, found = table_header(ws)
        for i, record in enumerate(records, start=1):
            for column in sheet.columns:
                old, new = record.cells.get(column.key), found.get(label_key(column.label))
                if old and new:
                    places[(sheet.name, old)] = f"{get_column_letter(new)}{header + i}"
    return places


def _moved(finding, places: dict):
    """*finding* pointing where its value is in the rebuilt copy; one about a cell the copy
    does not have (a note beside the table, an inserted column) keeps the place in words."""
    if not finding.cell or (finding.sheet, None) not in places:
        return finding  # about the file, or on a form sheet (laid out as in the return)
    new = places.get((finding.sheet, finding.cell))
    if new is not None:
        return replace(finding, cell=new)
    return replace(finding, cell="", message=f"（提出ファイルの{finding.sheet}!{finding.cell}）{finding.message}")


def _mark_cells(book, findings) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    order = {F.ERROR: 0, F.WARNING: 1, F.INFO: 2}
    by_cell: dict = {}
    for finding in findings:
        if finding.sheet in book.sheetnames and finding.cell:
            ref = _merge_anchor(book[finding.sheet], finding.cell)  # a merged cell: its first cell
            by_cell.setdefault((finding.sheet, ref), []).append(finding)
    for (sheet, ref), items in by_cell.items():
        items.sort(key=lambda f: order[f.severity])
        cell = book[sheet][ref]
        cell.fill = PatternFill("solid", start_color=FILLS[items[0].severity], end_color=FILLS[items[0].severity])
        text = "\n".join(f"【{F.SEVERITY_LABELS[f.severity]}】{f.message}" for f in items)
        own = cell.comment.text.strip() if cell.comment is not None and cell.comment.text else ""
        own = metadata.clerks_part(cell.comment.author or "", own) if own else ""  # not our own findings again
        if own:  # the clerk's own note stays first; the findings are added beside it
            text = f"{own}{metadata.NOTE_SEPARATOR}{text}"
        comment = Comment(text, metadata.NOTE_AUTHOR)
        comment.width, comment.height = 320, 40 + 40 * (len(items) + own.count("\n") + bool(own))
        cell.comment = comment


def _merge_anchor(ws, ref: str) -> str:
    """*ref*, or the first cell of the merged range it lies in (only that one can carry a
    fill and a comment)."""
    for merged in ws.merged_cells.ranges:
        if ref in merged:
            return merged.start_cell.coordinate
    return ref


def _findings_sheet(book, findings, words, heading: str, font: str) -> None:
    """The copy's first sheet: a heading (region, round), what to do, then the findings —
    the message first, the code last and small — printed one page wide, headers repeated,
    in the workbook's own *font* (not the office program's default)."""
    from openpyxl.styles import Alignment, Font, PatternFill

    name = words.get("annotate_sheet", "指摘一覧")
    if name in book.sheetnames:
        del book[name]
    ws = book.create_sheet(name, 0)
    ws.cell(1, 1, heading).font = Font(bold=True, size=14)
    lines = list(words.get("annotate_instructions", ()))
    for i, line in enumerate(lines, start=2):
        ws.cell(i, 1, line).alignment = Alignment(wrap_text=False, vertical="top")
    top = len(lines) + 3  # the header row, after a blank one
    headers = words.get("annotate_headers", ["重要度", "指摘内容", "シート", "セル", "項目", "記入内容", "コード"])
    for c, label in enumerate(headers, start=1):
        cell = ws.cell(top, c, label)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    order = {F.ERROR: 0, F.WARNING: 1, F.INFO: 2}
    for r, f in enumerate(sorted(findings, key=lambda f: (order[f.severity], f.sheet, f.row, f.cell)), start=top + 1):
        _finding_row(ws, r, f, book)
    for letter, width in zip("ABCDEFG", (8, 60, 12, 8, 16, 20, 18)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{top + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = f"{top}:{top}"
    ws.oddHeader.right.text, ws.oddHeader.right.size = "&A", 9  # as every sheet of the workbook
    ws.oddFooter.center.text, ws.oddFooter.center.size = "&P / &N", 9
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                cell.font = Font(name=font, b=cell.font.b, sz=cell.font.sz, color=cell.font.color, u=cell.font.u)
    book.active = 0
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws


def _finding_row(ws, r: int, f, book) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    row = [F.SEVERITY_LABELS[f.severity], f.message, f.sheet, f.cell, f.column, f.value, f.code]
    for c, value in enumerate(row, start=1):
        cell = ws.cell(r, c)
        cell.value = value
        cell.data_type = "s"  # text from a return stays text
        cell.alignment = Alignment(wrap_text=c in (2, 6), vertical="top")
    ws.cell(r, 7).font = Font(size=8, color="808080")  # the code: for the coordinator's tools
    # Readers do not size wrapped rows themselves: about 30 full-width characters a line
    # at column B's width (60), and 10 at F's (20)
    lines = max(1, -(-len(f.message) // 30), -(-len(str(f.value or "")) // 10))
    ws.row_dimensions[r].height = 15 * min(lines, 12)
    if f.cell and f.sheet in book.sheetnames:
        link = ws.cell(r, 4)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{f.sheet}'!{f.cell}")
        link.font = Font(color="0563C1", underline="single")


def _restore_x14_validations(source: Path, book) -> None:
    """Re-add the Excel 2010 extension validations openpyxl drops (as ordinary ones)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    for title, xml in _sheet_xml(source).items():
        if title not in book.sheetnames:
            continue
        ws = book[title]
        for attrs, body in _X14_DV.findall(xml):
            formula = _XM_F.search(body)
            sqref = _XM_SQREF.search(body)
            if not sqref:
                continue
            options = {k.decode(): html.unescape(v.decode()) for k, v in _ATTR.findall(attrs)}
            dv = DataValidation(type=options.get("type", "list"),
                                formula1=html.unescape(formula.group(1).decode()) if formula else None,
                                allow_blank=options.get("allowBlank") == "1",
                                showDropDown=options.get("showDropDown") == "1")
            dv.sqref = sqref.group(1).decode()
            for key in ("promptTitle", "prompt", "errorTitle", "error", "errorStyle"):
                if key in options:
                    setattr(dv, key, options[key])
            dv.showInputMessage = options.get("showInputMessage") == "1"
            dv.showErrorMessage = options.get("showErrorMessage") == "1"
            ws.add_data_validation(dv)


def _sheet_xml(source: Path) -> dict:
    out = {}
    with zipfile.ZipFile(source) as zf:
        for title, part in sheet_parts(zf).items():
            xml = read_member(zf, part)
            if b"x14:dataValidation" in xml:
                out[title] = xml
    return out
