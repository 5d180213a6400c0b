"""What the fast reader does not tell about an .xlsx, found by one pass over its XML.

python-calamine gives values only.  It turns error cells (``#DIV/0!``) and formulas with
no cached value into empty strings, says nothing of number formats, and would allocate a
dense grid from A1 to the farthest cell.  This module reads the package parts directly
(after :mod:`kpi_workbook.reading.safety` has vetted them) and reports, per sheet:

- error cells and formula cells with no cached value, by A1 reference;
- numeric cells formatted as a percentage (``0.778`` shown as 77.8 %);
- a bound on the farthest row and column actually used, so a hostile sparse sheet is
  refused before any reader sizes a grid from it;
- sheets listed in the workbook whose part is missing.
"""
from __future__ import annotations

import functools
import html
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

from ..core.meta_sheet import clerks_part
from .safety import check_member_prologue, check_prologue, read_member, read_whole_by_scan

# Every pattern here is linear in its input, whatever the input: attribute runs stop at
# "<" as well as ">" (neither may appear inside a tag), element bodies stop at the next
# cell's start or end, closing tags allow the white space XML allows (</c >).
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^<>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^<>]*)/?>")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^<>]*?)(?:/>|>([^<]*(?:<(?!/?(?:\w+:)?c[\s/>])[^<]*)*)</(?:\w+:)?c\s*>)")
_VALUE = re.compile(rb"<(?:\w+:)?v\s*>([^<]*)</(?:\w+:)?v\s*>")
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
# Searches without a namespace prefix are much faster; a prefix is looked for once.
_PLAIN_FORMULA = re.compile(rb"<f\b")
# A formula that names another workbook: Excel writes it as [n]Sheet!A1 (n: its external link).
# Linear: each <f scans only up to the next "<".
_EXTERNAL_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^<>]*>[^<]*?\[\d{1,5}\]")
_PREFIXED = re.compile(rb":(?:c|f|v|is)\b")  # absent: no element below can carry a prefix
_PREFIXED_FORMULA = re.compile(rb":f\b")  # where <x:f> may be (a regex finds it faster than `in`)
_ERROR_TYPE = re.compile(rb't="e"')  # a regex finds a literal faster than bytes.find here
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_NUMFMT = re.compile(rb"<(?:\w+:)?numFmt\b([^<>]*)/?>")
_CELLXFS_START = re.compile(rb"<(?:\w+:)?cellXfs\b[^<>]*>")
_CELLXFS_END = re.compile(rb"</(?:\w+:)?cellXfs\s*>")
_XF = re.compile(rb"<(?:\w+:)?xf\b([^<>]*)")
_PERCENT_BUILTIN = {9, 10}
STRICT_NS = b"http://purl.oclc.org/ooxml/spreadsheetml/main"


@dataclass
class SheetScan:
    errors: dict = field(default_factory=dict)      # "C6" -> "#DIV/0!"
    no_value: set = field(default_factory=set)      # formula cells without a cached value
    percent: set = field(default_factory=set)       # numeric cells with a % format
    external: set = field(default_factory=set)      # formula cells that read another workbook ([1]Sheet!A1)
    notes: dict = field(default_factory=dict)       # "C6" -> the text of the note (comment) on that cell
    # At least the farthest row and column (1-based) holding a value: exact when the cells
    # were looked at one by one, else a bound that the sheet's cell references prove.
    max_row: int = 0
    max_col: int = 0


@dataclass
class Scan:
    sheets: dict = field(default_factory=dict)      # sheet name -> SheetScan
    missing_parts: list = field(default_factory=list)
    strict: bool = False


def _attrs(blob: bytes) -> dict:
    return {k.split(b":")[-1].decode(): v.decode("utf-8", "replace") for k, v in _ATTR.findall(blob)}


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def ref_to_rc(ref: str) -> tuple[int, int]:
    """"C6" -> (5, 2), 0-based."""
    match = _REF.fullmatch(ref)
    assert match is not None, ref  # refs come from the scan's own patterns
    return int(match.group(2)) - 1, col_number(match.group(1)) - 1


@functools.lru_cache(maxsize=1024)
def col_letters(c: int) -> str:
    """A column's letters, 0-based: 0 -> "A", 26 -> "AA" (the inverse of :func:`col_number`;
    importing xlsxwriter for it would cost ``check`` a tenth of its start-up)."""
    letters = ""
    c += 1
    while c:
        c, rest = divmod(c - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def rc_to_ref(r: int, c: int) -> str:
    """(5, 2) -> "C6", 0-based: the inverse of :func:`ref_to_rc`."""
    return f"{col_letters(c)}{r + 1}"


def sheet_parts(zf: zipfile.ZipFile) -> dict:
    """Sheet name -> part name (None when the workbook lists a sheet whose part is absent)."""
    names = set(zf.namelist())
    workbook = read_member(zf, "xl/workbook.xml") if "xl/workbook.xml" in names else b""
    return _sheet_parts(workbook, _relationships(lambda name: read_member(zf, name), names), names)


def _sheet_parts(workbook: bytes, rels: dict, names: set) -> dict:
    out = {}
    for raw in _SHEET.findall(workbook):
        attrs = _attrs(raw)
        target = rels.get(attrs.get("id", ""))
        out[html.unescape(attrs.get("name", ""))] = target if target in names else None
    return out


def scan_xlsx(path, wanted=None) -> Scan:
    """Scan every sheet of the .xlsx at *path* (or those named in *wanted*: only they are
    read after; a guide sheet or a hidden list is never looked into).  The parts read whole
    here have their prologue checked here (:func:`~kpi_workbook.reading.safety.sniff` leaves
    them to this scan), and so has any other such part, before this returns: before any
    parser sees them."""
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        checked = set()

        def read(name: str) -> bytes:
            data = read_member(zf, name)
            check_prologue(name, data)
            checked.add(name)
            return data
        workbook = read("xl/workbook.xml") if "xl/workbook.xml" in names else b""
        out = Scan(strict=STRICT_NS in workbook[:4000])
        percent_xfs = _percent_styles(read("xl/styles.xml")) if "xl/styles.xml" in names else frozenset()
        for name, part in _sheet_parts(workbook, _relationships(read, names), names).items():
            if part is None:
                out.missing_parts.append(name)
            elif wanted is None or name in wanted:
                out.sheets[name] = _scan_sheet(read(part), percent_xfs)
                out.sheets[name].notes = _notes(part, read, names)
        for info in zf.infolist():
            if read_whole_by_scan(info.filename) and info.filename not in checked:
                check_member_prologue(zf, info)  # a part no sheet points at
    return out


@functools.cache
def _note_patterns():
    """The patterns of a comments part (compiled when a sheet first has notes: most never do):
    authors, a comment's opening and closing tags, its text runs, a sheet's comments relationship."""
    return (re.compile(rb"<(?:\w+:)?author\b[^<>]*>([^<]*)</(?:\w+:)?author\s*>"),
            re.compile(rb"<(?:\w+:)?comment\b([^<>]*)>"),
            re.compile(rb"</(?:\w+:)?comment\s*>"),
            re.compile(rb"<(?:\w+:)?t\b[^<>]*>([^<]*)</(?:\w+:)?t\s*>"),
            re.compile(rb"<(?:\w+:)?Relationship\b([^<>]*/comments[\"'][^<>]*)/?>"))


def _notes(part: str, read, names: set) -> dict:
    """A sheet's cell notes (Excel's comments), by A1 reference: found through the sheet's
    relationships; none (nothing read) when it has no relationships part."""
    rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if rels not in names:
        return {}
    author_tag, _, _, text_run, comments_rel = _note_patterns()
    out = {}
    for raw in comments_rel.findall(read(rels)):
        target = _attrs(raw).get("Target", "")
        path = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(posixpath.dirname(part), target))
        if path not in names:
            continue
        xml = read(path)
        authors = [html.unescape(a.decode("utf-8", "replace")) for a in author_tag.findall(xml[:xml.find(b"</authors")])]
        for attrs, body in _comments(xml):
            text = html.unescape("".join(t.decode("utf-8", "replace") for t in text_run.findall(body))).strip()
            head, _, rest = text.partition("\n")
            if rest and head.endswith(":") and len(head) <= 40:  # "作成者:" Excel puts before a note
                text = rest.strip()
            index = _attrs(attrs).get("authorId", "")
            author = authors[int(index)] if index.isdigit() and int(index) < len(authors) else ""
            text = clerks_part(author, text)  # an annotated copy's own notes are not the clerk's
            ref = _attrs(attrs).get("ref", "")
            if text and _REF.fullmatch(ref):
                out[ref] = text
    return out


def _comments(xml: bytes):
    """(attributes, body) of each <comment>, in one pass: each body ends at the next closing
    tag, and a comment left open ends the search (linear in the part, whatever it holds)."""
    _, comment_open, comment_close, _, _ = _note_patterns()
    at = 0
    while True:
        opening = comment_open.search(xml, at)
        if opening is None:
            return
        closing = comment_close.search(xml, opening.end())
        if closing is None:
            return
        yield opening.group(1), xml[opening.end():closing.start()]
        at = closing.end()


def _relationships(read, names: set) -> dict:
    path = "xl/_rels/workbook.xml.rels"
    if path not in names:
        return {}
    out = {}
    for raw in _REL.findall(read(path)):
        attrs = _attrs(raw)
        target = attrs.get("Target", "")
        if target.startswith("/"):
            target = target[1:]
        else:
            target = posixpath.normpath(posixpath.join("xl", target))
        out[attrs.get("Id", "")] = target
    return out


def _percent_styles(styles: bytes) -> frozenset:
    """Indexes of the cell formats that show a number as a percentage.  Returns of one
    round share their styles part byte for byte (one template): worked out once each."""
    return _styles_seen(styles) if len(styles) <= 65536 else _percent_formats(styles)


@functools.lru_cache(maxsize=32)
def _styles_seen(styles: bytes) -> frozenset:
    return _percent_formats(styles)


def _percent_formats(styles: bytes) -> frozenset:
    percent_ids = set(_PERCENT_BUILTIN)
    for raw in _NUMFMT.findall(styles):
        attrs = _attrs(raw)
        code = attrs.get("formatCode", "")
        if "%" in code.replace('"%"', "").replace("\\%", ""):
            try:
                percent_ids.add(int(attrs.get("numFmtId", "-1")))
            except ValueError:
                pass
    start = _CELLXFS_START.search(styles)
    end = _CELLXFS_END.search(styles, start.end()) if start else None
    if not start or not end:
        return frozenset()
    out = set()
    for index, raw in enumerate(_XF.findall(styles, start.end(), end.start())):
        try:
            if int(_attrs(raw).get("numFmtId", "0")) in percent_ids:
                out.add(index)
        except ValueError:
            pass
    return frozenset(out)


# A cell that holds a value (<v> or an inline string), possibly after its formula.
_VALUE_CELL = re.compile(
    rb'<(?:\w+:)?c\b[^<>]*?\sr=["\']([A-Z]{1,3})([0-9]{1,7})["\'][^<>/]*>\s*'
    rb'(?:<(?:\w+:)?f\b[^<>]*?(?:/>|>[^<]*</(?:\w+:)?f\s*>)\s*)?<(?:\w+:)?(?:v|is)\b')
_PLAIN_VALUE_CELL = re.compile(  # the same where no element can carry a prefix: faster
    rb'<c\b[^<>]*?\sr=["\']([A-Z]{1,3})([0-9]{1,7})["\'][^<>/]*>\s*(?:<f\b[^<>]*?(?:/>|>[^<]*</f\s*>)\s*)?<(?:v|is)\b')
# A reference that is not "one letter, at most five digits" (or any attribute ending in r
# that looks like one: that only costs the exact count).  Absent, every cell lies within
# A1:Z99999, fewer cells than any reader's limit: no need to find the farthest one.
_WIDE_REF = re.compile(rb"""r=["'][A-Z](?:[A-Z]|[0-9]{6})""")
NARROW_BOUND = (99_999, 26)


def _scan_sheet(xml: bytes, percent_xfs: frozenset | set) -> SheetScan:
    formula = _PLAIN_FORMULA.search(xml) or (_PREFIXED_FORMULA.search(xml) and _FORMULA.search(xml))  # <f>, <x:f>
    if _ERROR_TYPE.search(xml) or formula or (percent_xfs and b' s="' in xml):
        return _scan_cells(xml, percent_xfs)
    # The common case (plain values only): just the range of cells holding a value (empty
    # styled cells and rows do not count, as for the readers), at C speed.
    scan = SheetScan()
    if _WIDE_REF.search(xml) is None:
        scan.max_row, scan.max_col = NARROW_BOUND
        return scan
    refs = (_VALUE_CELL if _PREFIXED.search(xml) else _PLAIN_VALUE_CELL).findall(xml)
    if refs:
        columns, rows = zip(*refs)  # each distinct one converted once
        scan.max_row = max(map(int, set(rows)))
        scan.max_col = max(col_number(c.decode()) for c in set(columns))
    return scan


def _scan_cells(xml: bytes, percent_xfs: frozenset | set) -> SheetScan:
    scan = SheetScan()
    for raw_attrs, body in _CELL.findall(xml):
        attrs = _attrs(raw_attrs)
        ref = attrs.get("r", "")
        match = _REF.fullmatch(ref)
        if not match:
            continue
        row, col = int(match.group(2)), col_number(match.group(1))
        if body and (_VALUE.search(body) or b"<is>" in body or b":is>" in body):
            scan.max_row, scan.max_col = max(scan.max_row, row), max(scan.max_col, col)
        kind = attrs.get("t", "n")
        if kind == "e":
            value = _VALUE.search(body or b"")
            scan.errors[ref] = value.group(1).decode("utf-8", "replace") if value else "#ERROR"
        elif body and _FORMULA.search(body) and not _VALUE.search(body):
            scan.no_value.add(ref)
            scan.max_row, scan.max_col = max(scan.max_row, row), max(scan.max_col, col)
        elif body and _EXTERNAL_FORMULA.search(body):  # its cached value is read, and said to come from outside
            scan.external.add(ref)
        elif kind == "n" and percent_xfs and attrs.get("s", "0").isdigit() and int(attrs.get("s", "0")) in percent_xfs:
            scan.percent.add(ref)
    return scan
