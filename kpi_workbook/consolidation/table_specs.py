"""The output tables, each described once: every sheet, CSV and schema that shows one is
derived from its description here.

A table is a list of :class:`Column`: its header, how its values come from one return's
checked records (:class:`Block`), its width in the summary, and its type in
``datapackage.json``.  A column says where it appears (``where``): in the summary sheet,
in the CSV, or both.  So KPI一覧's header, widths and outline, its rows, kpis.csv's header
and body and the kpis schema all come from :func:`kpi_columns`; the other CSVs from
:func:`record_columns`; 指摘一覧 and findings.csv from :data:`FINDING_COLUMNS`.  Adding a
column to KPI一覧 or to a CSV is one entry in one of these lists.

Values are taken a column at a time (a national round has some 70,000 KPIs): a column's
``get`` returns the raw values of all the block's records; the summary shows them as
:func:`shown` cells, the CSV writes them as :func:`~kpi_workbook.core.csv_files.plain` text.
"""
from __future__ import annotations

from typing import Callable, NamedTuple, Sequence

from ..checking.normalize import EMPTY
from ..core import findings as F
from ..core.csv_files import LATEST, LATEST_TIME, ROW_LABEL, plain
from ..core.values import WAREKI

SHEET, CSV, BOTH = "sheet", "csv", "both"
PAIRED = frozenset({"measure", "time", "number", "amount", "percent", "choice"})  # understood and as typed
TYPED_ONLY = frozenset({"text", "longtext"})  # the sheet shows what was typed
MODEL_TABLES = ("projects", "costs", "kpis", "actuals")  # shown by the summary's own sheets
FIGURES = frozenset({"number", "amount", "measure"})  # shown with separators
FIELD_TYPES = {"number": "number", "amount": "number", "percent": "number", "measure": "number",
               "date": "date", "flag": "string"}


class Block:
    """One return's records of one table, and what its columns are derived from: the
    submission, each KPI's (latest, its time, Achievement) and the findings at its row."""

    __slots__ = ("sub", "records", "figures", "messages", "previous", "_values")

    def __init__(self, sub, records: list, figures: Sequence = (), messages: Sequence = (), previous: Sequence = ()):
        self.sub, self.records, self.figures, self.messages = sub, records, figures, messages
        self.previous = previous  # each KPI's (latest figure, its time) last round, or None
        self._values: dict = {}

    def values(self, key: str) -> list:
        """The records' :class:`~kpi_workbook.checking.normalize.Value` for column *key* (EMPTY where none)."""
        out = self._values.get(key)
        if out is None:
            out = self._values[key] = [record.values.get(key, EMPTY) for record in self.records]
        return out


class Column(NamedTuple):
    label: str
    get: Callable | None     # Block -> the raw value of each record (None: filled elsewhere)
    kind: str = "string"     # datapackage.json field type
    description: str = ""
    width: float = 12        # in the summary sheet
    as_typed: bool = False   # the clerk's own text beside an understood column (outlined, not printed)
    where: str = BOTH        # SHEET, CSV or BOTH
    enum: tuple = ()         # the values a CSV field may take (a choice column's codes)
    key: str = ""            # the survey column's key (none: a column of the tool's own)
    fmt: str | None = None   # in the summary: its kind of format (fast_writer.KINDS: figure, mark, rate)

    def field(self) -> tuple:
        """(name, type, description, more properties) for export.CsvExport and datapackage.json:
        a choice column's ``constraints``; a survey column's ``key`` (and ``typed`` for its
        text as typed), by which the next round finds it whatever its label becomes."""
        extra: dict = {"constraints": {"enum": list(self.enum)}} if self.enum else {}
        if self.key:
            extra |= {"key": self.key, **({"typed": True} if self.as_typed else {})}
        return (self.label, self.kind, self.description, extra)


def shown(value, calendar: str = WAREKI):
    """A raw value as a summary cell shows it: a time in the survey's calendar, several
    choices joined."""
    if type(value) is str:  # most values: asked first (hasattr would raise and catch)
        return value
    if hasattr(value, "label"):
        return value.shown(calendar)
    if isinstance(value, tuple):
        return "、".join(value)
    return value


def in_sheet(columns: list) -> list:
    return [c for c in columns if c.where != CSV]


def in_csv(columns: list) -> list:
    return [c for c in columns if c.where != SHEET]


def sheet_kinds(columns: list) -> tuple:
    """The kind of format of each of a sheet's *columns* (for fast_writer.ColumnFormats)."""
    return tuple(column.fmt for column in in_sheet(columns))


# ----------------------------------------------------------------------------- getters

def _understood(key: str) -> Callable:
    return lambda block: [value.value for value in block.values(key)]


def _typed(key: str) -> Callable:
    return lambda block: [value.typed for value in block.values(key)]


def _region_code(block: Block) -> list:
    return [block.sub.region_code] * len(block.records)


def _region_name(block: Block) -> list:
    return [block.sub.region_name] * len(block.records)


def _row(block: Block) -> list:
    return [record.row for record in block.records]


# ----------------------------------------------------------------------------- tables

def _pair(survey, column, suffix: str, where_sheet: bool) -> list:
    """A survey column as understood and as typed; in the summary (*where_sheet*), a text
    column shows what was typed, under its own label.  A column not for publication
    (``public = false``: personal data) is shown in the summary only, never in a CSV."""
    codes = tuple(survey.choice_codes(column)) if column.type == "choice" and not column.multiple else ()
    width = column.summary_width or column.width
    sheet_understood = where_sheet and column.type not in TYPED_ONLY
    fmt = "figure" if column.type in FIGURES else "mark" if column.type == "flag" else None
    out = [Column(column.label, _understood(column.key), FIELD_TYPES.get(column.type, "string"),
                  f"{column.label}（正規化した値）", max(width, 15) if column.type == "time" else width,
                  where=BOTH if sheet_understood else CSV, enum=codes, key=column.key, fmt=fmt)]
    if where_sheet and column.type in TYPED_ONLY:
        out.append(Column(column.label, _typed(column.key), width=width, where=SHEET, key=column.key))
    out.append(Column(column.label + suffix, _typed(column.key), "string", f"{column.label}（記入されたとおり）",
                      column.width, as_typed=True, where=BOTH if where_sheet and column.type in PAIRED else CSV,
                      key=column.key))
    if not column.public:
        out = [c._replace(where=SHEET) for c in out if c.where != CSV]
    return out


def record_columns(survey, key: str) -> list:
    """One sheet's records (a form: one record a return): its CSV — the region, the row,
    each column as understood and as typed — and, for a sheet the summary lists as it is
    (:func:`listed_sheets`), its records sheet.  A field labelled as one of the tool's own
    columns (圏域コード, 圏域名) is that column."""
    L, suffix = survey.summary["labels"], survey.summary["typed_suffix"]
    out = [Column(L["region_code"], _region_code, description="圏域コード", width=8),
           Column(L["region_name"], _region_name, width=20, where=SHEET)]
    if survey.sheet(key).kind != "form":  # a form is one record a return
        out.append(Column(ROW_LABEL, _row, "integer", "記入されていた行番号", where=CSV))
    own = {c.label for c in out}
    for column in survey.sheet(key).columns:
        if column.label not in own:
            out += _pair(survey, column, suffix, where_sheet=True)
    return out


def csv_tables(survey) -> tuple:
    """The CSVs of what the clerks typed, one per sheet: the model's tables, then the rest."""
    return MODEL_TABLES + tuple(listed_sheets(survey))


def listed_sheets(survey) -> list:
    """The survey's sheets the summary lists record by record in a sheet of their own: the
    forms (圏域情報...) and every table the KPI model does not have a view of its own for."""
    return [s.key for s in survey.sheets if s.kind == "form" or s.key not in MODEL_TABLES]


def kpi_columns(survey) -> list:
    """KPI一覧 and kpis.csv: every KPI, each value as understood and as typed, its latest
    figure, 達成率 and 区分, and (in the sheet) the findings on its row."""
    L, suffix = survey.summary["labels"], survey.summary["typed_suffix"]
    out = [Column(L["region_code"], _region_code, description="圏域コード", width=8),
           Column(L["region_name"], _region_name, width=26, where=SHEET),
           Column(ROW_LABEL, _row, "integer", "記入されていた行番号", where=CSV)]
    for column in survey.sheet("kpis").columns:
        out += _pair(survey, column, suffix, where_sheet=True)
    return out + [
        Column(L["previous_latest"], _previous_figure, "number", "前回の調査での最新値", 10, fmt="figure"),
        Column(L["change"], _change, "number", "最新値の前回からの増減", 10, fmt="figure"),
        # 達成率 beside the figure it comes from (the 現状値 or a later yearly actual)
        Column(LATEST, lambda b: [latest for latest, _, _ in b.figures], "number", "現状値または最新の実績値", 10,
               fmt="figure"),
        Column(LATEST_TIME, lambda b: [time if latest is not None else None for latest, time, _ in b.figures], width=15),
        Column(L["achievement"], lambda b: [result.rate for _, _, result in b.figures], "number", "達成率（%）", 8,
               fmt="rate"),
        Column(L["progress"], lambda b: [result.status for _, _, result in b.figures], "string", "区分", 6,
               enum=tuple(survey.progress.values()), fmt="mark"),
        Column(L["findings"], lambda b: list(b.messages), width=50, where=SHEET)]


def revision_columns(survey) -> list:
    """revisions.csv and KPI見直し状況: one row per KPI and changed field (項目 empty for a KPI
    that did not change); the values come from :func:`kpi_workbook.consolidation.round_comparison.compare_rounds`."""
    L = survey.summary["labels"]
    labels = [(L["region_code"], 8), (survey.sheet("kpis").column("kpi_no").label, 9), (L["revision"], 10),
              (L["item"], 14), (L["before"], 30), (L["after"], 30)]
    return [Column(label, None, width=width) for label, width in labels]


def _previous_figure(block: Block) -> list:
    return [before[0] if before else None for before in block.previous] if block.previous else [None] * len(block.records)


def _change(block: Block) -> list:
    if not block.previous:
        return [None] * len(block.records)
    return [latest - before[0] if before and latest is not None else None
            for (latest, _, _), before in zip(block.figures, block.previous)]


FINDING_COLUMNS = (  # 指摘一覧 and findings.csv: (label key, value of a Finding)
    ("severity", lambda f: F.SEVERITY_LABELS[f.severity]), ("file", lambda f: f.file),
    ("sheet", lambda f: f.sheet), ("cell", lambda f: f.cell), ("item", lambda f: f.column),
    ("typed", lambda f: f.value), ("message", lambda f: f.message), ("code", lambda f: f.code))


def finding_values(finding) -> list:
    """A finding's row: 重要度 in Japanese (エラー / 警告 / 情報), the code last, for machines."""
    return [get(finding) for _, get in FINDING_COLUMNS]


def csv_text_columns(columns: list, block: Block) -> list:
    """The CSV columns of *block* as text (lists of str, one per record)."""
    return [[plain(x) for x in column.get(block)] for column in in_csv(columns)]
