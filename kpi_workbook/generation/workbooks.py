"""``generate``: one standardized, pre-filled survey workbook per region (xlsxwriter).

Layout of every table sheet: row 1 the title and legend, row 2 the column labels, data
from row 3 on.  Form sheets (圏域情報) have one label/value pair per row from row 3.
``check`` does not rely on these positions: it finds columns by their labels.
"""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.utility import xl_col_to_name

from .. import __version__
from ..core import findings as F
from ..core import meta_sheet as metadata
from ..core.atomic import atomic_path
from ..core.filenames import inside, region_filename
from ..core.isolate import signals_held, start_pool_worker
from ..core.errors import OutputError
from ..core.outputs import refuse_inputs, writable, write_failures
from ..core.reference import workers
from ..core.row_heights import row_height
from ..core.survey import COST_PARTS, Survey, load_survey
from ..reading.last_round import SHEET as PREVIOUS_SHEET
from ..reading.last_round import MAX_CELL, carried, read_previous, sheet_rows
from ..reading.reader import read_workbook
from ..reading.roster import Region, read_roster, regions_for
from ..xlsx.fast_writer import FormulaBook

TITLE_ROW, NOTE_ROW, HEADER_ROW, FIRST_ROW = 0, 1, 2, 3
LISTS_SHEET = "_lists"
WIDE_TABLE = 150  # a table sheet wider than this (Excel widths) prints two pages wide
GUIDE_WIDTHS = (26, 40, 60)  # 記入要領: its lines span all three; examples: item, example, how
COLORS = {"header": "#DDEBF7", "required": "#F8CBAD", "locked": "#E7E6E6",
          "missing": "#FFC7CE", "border": "#BFBFBF", "title": "#1F4E78"}
FIGURE_TYPES = frozenset({"measure", "number", "amount"})  # carried as numbers when plainly one
DEFAULT_HEIGHT = 15  # points: Excel's row height for the workbook's font size
_PLAIN_NUMBER = None


def plain_number(text: str) -> float | None:
    """*text* as a number when it is plainly one (1200, 1,200, -3.5), else None: 「772人」,
    「１，０８４」 and 「約10」 stay as the clerk typed them."""
    global _PLAIN_NUMBER
    if _PLAIN_NUMBER is None:
        import re
        _PLAIN_NUMBER = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
    if not _PLAIN_NUMBER.fullmatch(text) or len(text) > 16:
        return None
    return float(text.replace(",", ""))


# ("#,##0.##" would show a whole number as "5." in Excel: a number column stays General)
NUMBER_FORMATS = {"amount": "#,##0", "number": "General", "percent": "0.0",
                  "code": "@", "text": "@", "longtext": "@", "time": "@", "date": "yyyy/m/d"}


@dataclass
class GenerateResult:
    written: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    regions: int = 0


def generate(roster, survey="renkei", out_dir="out", *, force: bool = False,
             password: str | None = None, secret: str | None = None, progress=None,
             now: dt.datetime | None = None, jobs: int | None = None,
             deadline: str | None = None, contact: str | None = None, round_: str | None = None,
             previous=None) -> GenerateResult:
    """Write one workbook per roster region of the survey's regime into *out_dir*,
    in *jobs* processes (default: the number of cores) when there are many.
    *deadline* and *contact* (else the definition's) are printed on 記入要領; *round_* (else
    the definition's) names the round in every workbook's metadata and on 記入要領.
    *previous*: last round's ``consolidate --csv`` folder; each region's workbook starts
    from its projects, KPIs and actuals there (a region new to the roster: a blank one)."""
    survey = (survey if isinstance(survey, Survey) else load_survey(survey)).for_round(round_, deadline, contact)
    regions, findings = read_roster(roster, survey)
    regions, notes = regions_for(regions, survey, Path(roster).name)
    last_round, carried = read_previous(previous, survey) if previous else ({}, [])
    result = GenerateResult(findings=findings + notes + carried, regions=len(regions))
    if not regions:
        result.findings.append(F.make("ROSTER_EMPTY", file=Path(roster).name))
        return result
    if not survey.deadline:  # 記入要領 would say nothing of when to send it
        result.findings.append(F.make("DEADLINE_NOT_SET"))
    out = Path(out_dir)
    writable(out)
    stamp = (now or dt.datetime.now()).replace(microsecond=0)
    todo: list[tuple] = []  # (region, target, last round's carried values)
    for region in regions:
        try:
            target = inside(out, region_filename(region.code, region.name))
        except OutputError as exc:  # a link where the workbook goes: that region is skipped, said
            result.findings.append(F.make("OUTPUT_REFUSED", file=region_filename(region.code, region.name),
                                          value=str(exc)))
            continue
        refuse_inputs([target], inputs=[roster])  # even with --force
        if target.exists() and not force:
            result.findings.append(F.make("OUTPUT_EXISTS", file=target.name, value=target.name))
            if progress:
                progress(1)
        elif target.exists() and not made_here(target):  # --force replaces only a workbook of ours
            result.findings.append(F.make("OUTPUT_NOT_OURS", file=target.name, value=target.name))
            if progress:
                progress(1)
        else:
            todo.append((region, target, last_round.get(region.code)))
    options: dict = {"password": password, "secret": metadata.secret_from(secret), "now": stamp}
    with write_failures("調査票", kept="書き終えた調査票はそのまま残っています"):
        return _write_all(survey, todo, options, result, jobs, progress)


def _write_all(survey, todo: list, options: dict, result: GenerateResult, jobs, progress) -> GenerateResult:
    jobs = workers(jobs)
    if jobs == 1 or len(todo) < PARALLEL_FROM:
        for region, target, before in todo:
            result.written.append(write_workbook(survey, region, target, previous=before, **options))
            if progress:
                progress(1)
        return result
    with ProcessPoolExecutor(max_workers=jobs, initializer=start_pool_worker) as pool:
        chunk = max(1, min(64, len(todo) // (jobs * 8)))
        with signals_held():  # map hands every chunk over now: a Ctrl-C there could hang the shutdown
            written_all = pool.map(_write_one, ((survey, region, target, dict(options, previous=before))
                                                for region, target, before in todo), chunksize=chunk)
        for written in written_all:
            result.written.append(written)
            if progress:
                progress(1)
    return result


CARRIED_MARGIN = 20  # empty entry rows kept below last round's records when they fill the sheet
def made_here(path: Path) -> bool:
    """Whether the file at *path* is a workbook this tool generated (it carries the metadata
    sheet): what ``--force`` may replace.  Read safely (bounded), never trusted by name."""
    workbook, _ = read_workbook(path, sheets=[metadata.SHEET])
    sheet = workbook.sheets.get(metadata.SHEET) if workbook else None
    return bool(sheet and metadata.parse(sheet.rows))


PARALLEL_FROM = 50  # fewer workbooks than this are written in-process (a pool costs ~0.1 s)


def _write_one(job) -> Path:
    survey, region, target, options = job
    return write_workbook(survey, region, target, **options)


def write_workbook(survey: Survey, region: Region, target, *, password=None, secret=None,
                   now: dt.datetime | None = None, previous=None, prefill: bool = True) -> Path:
    """Write the workbook for one region atomically; return its path.  *previous*: its
    :class:`~kpi_workbook.reading.last_round.RegionPrevious`, to start from (in the entry
    sheets unless not *prefill*, and in the hidden sheet ``check`` compares with)."""
    now = now or dt.datetime.now().replace(microsecond=0)
    with atomic_path(target) as tmp:
        book = FormulaBook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                "strings_to_urls": False, "in_memory": True})
        _Builder(book, survey, region, password, previous, prefill).build(now, secret)
        try:
            book.close()
        except FileCreateError as exc:  # xlsxwriter's wrapper of the OSError (the disk full...)
            raise exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc)) from None
    return Path(target)


class _Builder:
    def __init__(self, book, survey: Survey, region: Region, password, previous=None, prefill: bool = True):
        self.book, self.survey, self.region, self.password = book, survey, region, password
        self.previous = previous
        self.carried = carried(previous, survey) if previous and prefill else {}
        self.words = survey.words
        self._formats: dict = {}
        self.lists: dict = {}  # list name -> defined name

    # ----------------------------------------------------------------- formats
    def fmt(self, name: str, **extra):
        key = (name, tuple(sorted(extra.items())))
        if key not in self._formats:
            props = {"font_name": self.survey.font, "font_charset": 128, "font_family": 3,
                     "font_size": 10, "valign": "top"}
            props.update(_STYLE.get(name) or {})
            props.update(extra)
            self._formats[key] = self.book.add_format(props)
        return self._formats[key]

    def entry_fmt(self, col, num_format: str | None = None):
        extra = {"locked": False, "num_format": num_format or NUMBER_FORMATS.get(col.type, "General")}
        if col.type in ("longtext", "text") or col.width >= 18:
            extra["text_wrap"] = True
        return self.fmt("entry", **extra)

    # ----------------------------------------------------------------- workbook
    def build(self, now: dt.datetime, secret) -> None:
        s = self.survey
        self.book.set_properties({
            "title": f"{s.title}（{self.region.name}）", "subject": s.title,
            "author": s.author, "company": s.author, "category": s.round,
            "keywords": f"{s.id} {s.version} {self.region.code}",
            "comments": f"{self.region.code} {self.region.name}", "created": now})
        self.book.set_size(1600, 1000)
        guide = self.add_sheet(s.guide["sheet"])
        sheets = [(sheet, self.add_sheet(sheet.name)) for sheet in s.sheets]
        lists_ws = self.book.add_worksheet(LISTS_SHEET)
        meta_ws = self.book.add_worksheet(metadata.SHEET)
        self.write_lists(lists_ws)
        self.write_guide(guide)
        for sheet, ws in sheets:
            (self.write_form if sheet.kind == "form" else self.write_table)(sheet, ws)
        meta = metadata.build(s, self.region, now.isoformat(), __version__, secret)
        for r, (key, value) in enumerate(meta.items()):
            meta_ws.write_string(r, 0, key)
            meta_ws.write_string(r, 1, value)
        meta_ws.very_hidden()
        meta_ws.protect(self.password or "")
        if self.previous:  # last round's values, for check to compare with (never shown)
            last = self.book.add_worksheet(PREVIOUS_SHEET)
            for r, row in enumerate(sheet_rows(self.previous)):
                for c, text in enumerate(row):
                    last.write_string(r, c, text)
            last.very_hidden()
            last.protect(self.password or "")
        guide.activate()

    def add_sheet(self, name: str):
        ws = self.book.add_worksheet(name)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_header(f"&L&\"{self.survey.font}\"&9{self.region.name}&R&9&A")
        ws.set_footer("&C&9&P / &N")
        return ws

    def protect(self, ws) -> None:
        ws.protect(self.password or "", {"format_columns": True, "format_rows": True,
                                         "select_locked_cells": True,
                                         "select_unlocked_cells": True})

    # ----------------------------------------------------------------- lists
    def write_lists(self, ws) -> None:
        sources = {"taxonomy_leaves": None, "taxonomy_all": None, "members": None}
        sources.update({name: None for name in self.survey.choices})
        for index, name in enumerate(sources):
            values = self.list_values(name)
            if not values:
                continue
            for r, value in enumerate(values):
                ws.write_string(r, index, value)
            col = xl_col_to_name(index)
            defined = f"list_{index}"
            self.book.define_name(defined, f"='{LISTS_SHEET}'!${col}$1:${col}${len(values)}")
            self.lists[name] = defined
        ws.hide()
        self.protect(ws)

    def list_values(self, name: str) -> list:
        tax = self.survey.taxonomy
        if name == "taxonomy_leaves":
            return [tax.display(n.code) for n in tax.leaves]
        if name == "taxonomy_all":
            return [tax.display(n.code) for n in tax.nodes]
        if name == "members":
            return list(self.region.members)
        return list(self.survey.choices.get(name, []))

    # ----------------------------------------------------------------- guide
    def write_guide(self, ws) -> None:
        """記入要領: the round's deadline and contact, the lines, then a worked example of
        every entry sheet (item, example, how to fill it), each line wrapped in A..C."""
        guide = self.survey.guide
        widths = GUIDE_WIDTHS
        for c, width in enumerate(widths):
            ws.set_column(c, c, width)
        ws.write_string(0, 0, guide["title"], self.fmt("title"))
        ws.write_string(1, 0, f"{self.region.code}　{self.region.name}　（{self.survey.round}）",
                        self.fmt("subtitle"))
        row = 3
        for line in self._round_lines(guide):  # 提出期限 and 問い合わせ先, first
            ws.write_string(row, 0, line, self.fmt("subtitle"))
            row += 1
        for line in guide["lines"]:
            self._guide_line(ws, row, line, "wrap")
            row += 1
        for note in (self.survey.required_legend, self.survey.locked_note):
            self._guide_line(ws, row + 1, note, "note_wrap")
            row += 1
        row += 1
        for sheet in self.survey.sheets:
            example = guide.get("examples", {}).get(sheet.key)
            if example and sheet.kind == "table":
                row = self._example(ws, row + 1, sheet, example)
        self.protect(ws)

    def _guide_line(self, ws, row: int, text: str, style: str) -> None:
        """One line of 記入要領 across A..C, wrapped, as tall as its text."""
        if text:
            ws.set_row(row, row_height([(text, sum(GUIDE_WIDTHS))]))
            ws.merge_range(row, 0, row, len(GUIDE_WIDTHS) - 1, text, self.fmt(style))

    def _example(self, ws, row: int, sheet, example: dict) -> int:
        """A worked example of one entry sheet: a row per column (label, example, the
        column's input message); returns the row after it."""
        words, values = self.words, example.get("row", {})
        ws.write_string(row, 0, example.get("title", ""), self.fmt("subtitle"))
        for c, text in enumerate(self.survey.guide.get("example_headers", ())[:3]):
            ws.write_string(row + 1, c, text, self.fmt("header"))
        row += 2
        for col in sheet.columns:
            message = col.message or words.get(f"input_{col.type}", "")
            value = str(values.get(col.key, ""))
            ws.set_row(row, row_height(zip((col.label, value, message), GUIDE_WIDTHS)))
            for c, text in enumerate((col.label, value, message)):
                ws.write_string(row, c, text, self.fmt("example") if c == 1 else self.fmt("wrap_cell"))
            row += 1
        return row

    def _round_lines(self, guide) -> list:
        s, out = self.survey, []
        if s.deadline:
            try:
                when = dt.date.fromisoformat(s.deadline)
                text = f"{when.year}年{when.month}月{when.day}日"
            except ValueError:
                text = s.deadline  # worded already (令和8年10月31日)
            out.append(guide.get("deadline_line", "{deadline}").format(deadline=text))
        if s.contact:
            out.append(guide.get("contact_line", "{contact}").format(contact=s.contact))
        return out

    # ----------------------------------------------------------------- form sheet
    def write_form(self, sheet, ws) -> None:
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 70)
        ws.write_string(TITLE_ROW, 0, sheet.title, self.fmt("title"))
        ws.write_string(NOTE_ROW, 0, self.survey.locked_note, self.fmt("note"))
        ws.write_string(HEADER_ROW, 0, self.words.get("form_item", ""), self.fmt("header"))
        ws.write_string(HEADER_ROW, 1, self.words.get("form_value", ""), self.fmt("header"))
        for i, col in enumerate(sheet.columns):
            r = FIRST_ROW + i
            ws.write_string(r, 0, col.label, self.fmt("header_required" if col.required else "header"))
            if col.prefill:
                text = self.region.prefill(col.prefill)
                ws.write_string(r, 1, text, self.fmt("locked"))
                if len(text) > 34:  # about 34 full-width characters fit in the 70-wide column
                    ws.set_row(r, 14 * (len(text) // 34 + 1))
                continue
            ws.write_blank(r, 1, None, self.entry_fmt(col))
            self.validate(ws, r, 1, r, col)
            if col.required:
                ws.conditional_format(r, 1, r, 1, {"type": "blanks", "format": self.fmt("missing")})
        ws.set_row(TITLE_ROW, 24)
        ws.repeat_rows(HEADER_ROW)
        self.protect(ws)

    # ----------------------------------------------------------------- table sheet
    def write_table(self, sheet, ws) -> None:
        cols = sheet.columns
        carried = self.carried.get(sheet.key, [])
        rows = max(sheet.rows, len(carried) + CARRIED_MARGIN) if carried else sheet.rows  # every carried record fits
        last_row = FIRST_ROW + rows - 1
        ws.write_string(TITLE_ROW, 0, sheet.title, self.fmt("title"))
        ws.write_string(NOTE_ROW, 0, self.survey.required_legend, self.fmt("note"))
        ws.set_row(TITLE_ROW, 24)
        ws.set_row(HEADER_ROW, max(36, row_height([(col.label, col.width) for col in cols])))
        if sum(col.width for col in cols) > WIDE_TABLE:  # A4 would shrink it past reading: A3, one page wide
            ws.set_paper(8)
        for c, col in enumerate(cols):
            header = "header_required" if col.required else "header"
            ws.set_column(c, c, col.width, self.entry_fmt(col))
            ws.write_string(HEADER_ROW, c, col.label, self.fmt(header))
            self.validate(ws, FIRST_ROW, c, last_row, col)
            if col.required:
                self.mark_missing(ws, c, last_row, len(cols))
        if sheet.key == "costs":
            self.mark_cost_identity(sheet, ws, last_row)
        ws.conditional_format(FIRST_ROW, 0, last_row, len(cols) - 1,
                              {"type": "formula", "criteria": "=TRUE", "format": self.fmt("grid")})
        ws.freeze_panes(FIRST_ROW, 1)
        ws.repeat_rows(HEADER_ROW)
        for r, values in enumerate(carried, start=FIRST_ROW):
            for c, col in enumerate(cols):  # last round's records, as typed, for the clerk to update
                if values.get(col.key):  # (a text past Excel's cell limit was said at read: see last_round)
                    self.write_carried(ws, r, c, col, values[col.key])
            height = row_height([(values.get(col.key) or "", col.width) for col in cols if col.type != "choice"])
            if height > DEFAULT_HEIGHT:  # a long name wraps, in full, on screen and in print
                ws.set_row(r, height)
        self.protect(ws)

    def write_carried(self, ws, r: int, c: int, col, text: str) -> None:
        """Last round's value as typed; a plain figure (1,200) as the number it is."""
        number = plain_number(text) if col.type in FIGURE_TYPES else None
        if number is not None:  # with separators when whole (General would drop them)
            whole = number.is_integer() and col.type != "amount"
            ws.write_number(r, c, number, self.entry_fmt(col, "#,##0") if whole else self.entry_fmt(col))
        else:
            ws.write_string(r, c, text[:MAX_CELL], self.entry_fmt(col))

    def mark_missing(self, ws, c: int, last_row: int, width: int) -> None:
        """Colour a required cell red while its row has data but the cell is empty."""
        first = FIRST_ROW + 1
        row = f"$A{first}:${xl_col_to_name(width - 1)}{first}"
        cell = f"{xl_col_to_name(c)}{first}"
        ws.conditional_format(FIRST_ROW, c, last_row, c, {
            "type": "formula", "criteria": f"=AND(COUNTA({row})>0,LEN(TRIM({cell}))=0)",
            "format": self.fmt("missing")})

    def mark_cost_identity(self, sheet, ws, last_row: int) -> None:
        """Colour 事業費 red while it differs from the sum of its funding sources."""
        keys = [col.key for col in sheet.columns]
        n = FIRST_ROW + 1
        total = f"{xl_col_to_name(keys.index('cost'))}{n}"
        parts = "+".join(f"N({xl_col_to_name(keys.index(k))}{n})" for k in COST_PARTS)
        c = keys.index("cost")
        ws.conditional_format(FIRST_ROW, c, last_row, c, {
            "type": "formula", "criteria": f"=AND(ISNUMBER({total}),ROUND(N({total})-({parts}),6)<>0)",
            "format": self.fmt("missing")})

    def validate(self, ws, r0: int, c: int, r1: int, col) -> None:
        words = self.words
        rule = {"input_title": col.label[:32], "error_title": words.get("alert_title", "")[:32],
                "ignore_blank": True}
        message = col.message or words.get(f"input_{col.type}", "")  # every entry column says what it wants
        if message:
            rule["input_message"] = message[:255]
        source = col.choices_from or col.choice_list
        if col.type in ("choice", "multichoice", "flag") or col.choices_from:
            if source not in self.lists:
                return
            soft = col.type == "multichoice" or col.multiple or col.choices_from
            rule.update(validate="list", source=f"={self.lists[source]}",
                        error_type="warning" if soft else "stop",
                        error_message=words.get("alert_choice_soft" if soft else "alert_choice", ""))
        elif col.type in ("amount", "number"):
            rule.update(validate="decimal", criteria=">=", value=-1e15, error_type="warning",
                        error_message=words.get("alert_number", ""))
        elif col.type == "percent":
            rule.update(validate="decimal", criteria="between", minimum=0, maximum=100,
                        error_type="warning", error_message=words.get("alert_percent", ""))
        elif message:
            rule.update(validate="any")
        else:
            return
        ws.data_validation(r0, c, r1, c, rule)


_STYLE: dict[str, dict] = {
    "title": {"bold": True, "font_size": 14, "font_color": COLORS["title"], "valign": "vcenter"},
    "subtitle": {"bold": True, "font_size": 11},
    "note": {"font_color": "#C00000", "valign": "vcenter"},
    "note_wrap": {"font_color": "#C00000", "text_wrap": True, "valign": "top"},
    "header": {"bold": True, "bg_color": COLORS["header"], "border": 1, "text_wrap": True,
               "align": "center", "valign": "vcenter"},
    "header_required": {"bold": True, "bg_color": COLORS["required"], "border": 1,
                        "text_wrap": True, "align": "center", "valign": "vcenter"},
    "locked": {"bg_color": COLORS["locked"], "border": 1, "text_wrap": True},
    "example": {"border": 1, "bg_color": "#FFF2CC", "text_wrap": True, "valign": "top"},
    "wrap": {"text_wrap": True, "valign": "top"},
    "wrap_cell": {"border": 1, "text_wrap": True, "valign": "top"},
    "entry": {},
    "missing": {"bg_color": COLORS["missing"]},
    "grid": {"border": 1, "border_color": COLORS["border"]},
}
