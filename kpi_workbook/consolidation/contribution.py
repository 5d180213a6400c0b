"""What one checked return adds to the summary and the CSVs, worked out where it was checked.

``consolidate`` checks returns in worker processes and writes the summary in one process.
So that the writer only emits cells, each worker turns its return into a
:class:`Contribution`: the KPI一覧, KPIの状況 and 指摘一覧 rows as finished cell values (see
:func:`kpi_workbook.consolidation.summary_sheets.cell`), the rows of each CSV as text, and the counts the
sheets of totals need: plain values only (how cells become XML is the writer's business,
:func:`kpi_workbook.xlsx.fast_writer.prepared`).  It depends on the return alone, so the summary's bytes do not
depend on which process made it.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from ..core.csv_files import csv_columns_text, csv_text, plain
from ..core.shown_text import all_visible
from . import table_specs as tables
from .achievement import kpi_assessment
from .summary_sheets import cell
from .table_specs import CSV, SHEET, Block, finding_values, in_csv, in_sheet, shown


@dataclass(slots=True)
class Contribution:
    kpi_rows: list = field(default_factory=list)      # KPI一覧: a list of cells a row (Rendered once prepared)
    status_rows: list = field(default_factory=list)   # KPIの状況 (in a format): the same
    findings: list = field(default_factory=list)      # 指摘一覧: (row, sheet, cell), sorted
    csv: dict = field(default_factory=dict)           # table -> CSV rows, UTF-8
    counts: Counter = field(default_factory=Counter)  # kpis, kinds, outcome, cooperation, left_out
    leaf_kpis: Counter = field(default_factory=Counter)
    leaves: tuple = ()                                # leaves the region set a KPI for, sorted
    records: dict = field(default_factory=dict)       # a listed sheet's key -> its records sheet's rows
    projects: int = 0


def contribution(survey, sub, rows: dict, findings: list, previous: dict | None = None) -> Contribution:
    """*sub*'s rows (kept records, as ``consolidate`` parks them) and *findings*, rendered;
    *previous*: each KPI's latest figure last round (KPI一覧 shows it and the change)."""
    out = Contribution(projects=len(rows.get("projects", [])))
    actuals = defaultdict(list)
    for record in rows.get("actuals", []):
        actuals[record.values["kpi_no"].value].append(record)
    notes = defaultdict(list)
    for finding in findings:
        if finding.sheet and finding.row:
            notes[(finding.sheet, finding.row)].append(finding.message)
    sheet_name = survey.sheet("kpis").name
    leaves = frozenset(n.code for n in survey.taxonomy.nodes)  # a KPI may be set at a field, not a leaf
    assessed, messages = {}, []
    kpis = rows.get("kpis", [])
    for record in kpis:
        v = record.values
        latest, latest_time, result = kpi_assessment(survey, v, actuals.get(v["kpi_no"].value, []))
        assessed[v["kpi_no"].value] = (latest, latest_time, result)
        messages.append("／".join(notes.get((sheet_name, record.row), [])))
        before = (previous or {}).get(v["kpi_no"].value)
        cells = [cell(x) for x in _status_row(sub, v, latest, latest_time, result, survey.calendar, before)]
        out.status_rows.append(cells)
        _count(out, survey, v, leaves)
    block = Block(sub, kpis, [assessed[record.values["kpi_no"].value] for record in kpis], messages,
                  [(previous or {}).get(record.values["kpi_no"].value) for record in kpis])
    out.kpi_rows = sheet_rows(_columns(survey, "kpis", SHEET), block, survey.calendar)
    out.leaves = tuple(sorted(out.leaf_kpis))
    ordered = sorted(findings, key=lambda f: (f.sheet, f.row, f.cell, f.code))
    blocks = {"kpis": block}  # a table's values are taken once for its sheet and its CSV
    for key in tables.listed_sheets(survey):
        blocks[key] = Block(sub, rows.get(key, []))
        out.records[key] = sheet_rows(_columns(survey, key, SHEET), blocks[key], survey.calendar)
    out.csv = _csv(survey, sub, rows, blocks, ordered)
    out.findings = [([cell(x) for x in finding_values(f)], f.sheet, f.cell) for f in ordered]
    return out


def finding_csv_row(finding) -> list:
    """findings.csv: the row 指摘一覧 shows, as text."""
    return [str(x) for x in finding_values(finding)]


def sheet_rows(columns: list, block: Block, calendar: str) -> list:
    """The summary rows of *block* for *columns*, as :func:`cell` values, a column at a time."""
    cells = [_cells([shown(x, calendar) for x in column.get(block)]) for column in columns]
    return [list(row) for row in zip(*cells)]


_TEXT = frozenset({str})


def _texts(values: list) -> list:
    """:func:`plain` of each value; a column of text as it is (most are)."""
    if _TEXT.issuperset(map(type, values)):  # all str, asked at C speed
        return values
    return [plain(x) for x in values]


def _cells(values: list) -> list:
    """:func:`cell` of each value; a column of plain text looked at whole first (most are)."""
    if _TEXT.issuperset(map(type, values)) and all_visible(values):
        return [v or None for v in values]
    return [cell(v) for v in values]


def kpi_kinds(survey) -> tuple:
    """KPI一覧's format kind of each column (figures, marks, rates), worked out once."""
    return survey.derived(("kinds", "kpis"), lambda: tables.sheet_kinds(tables.kpi_columns(survey)))


def _columns(survey, table: str, where: str) -> list:
    """A table's columns for the sheet or the CSV, worked out once per survey (and process)."""
    def make():
        columns = tables.kpi_columns(survey) if table == "kpis" else tables.record_columns(survey, table)
        return in_sheet(columns) if where == SHEET else in_csv(columns)
    return survey.derived(("columns", table, where), make)


def _when(value, calendar: str) -> str:
    """A time value in the survey's calendar; as typed when it was not understood."""
    return value.value.shown(calendar) if hasattr(value.value, "shown") else value.typed


def _status_row(sub, v, latest, latest_time, result, calendar: str, before=None) -> list:
    """Seed 000's row (ＫＰＩ, 目標値（達成時期）, 実績値（時点）, 区分, 方針), then last round's
    実績値（時点） when the workbook carries it."""
    unit = v["unit"].value or ""
    target = f"{_n(v['target'].value)}{unit}（{_when(v['target_time'], calendar)}）" \
        if v["target"].value is not None else ""
    actual = f"{_n(latest)}{unit}（{latest_time.shown(calendar) if latest_time else ''}）" if latest is not None else ""
    last = f"{_n(before[0])}{unit}（{before[1].shown(calendar)}）" if before else ""
    # 次回の把握時期と今後の方針 is the ministry's to write (seed 000), not the clerk's 備考
    return [f"{sub.region_name}：{v['name'].typed}", target, actual, result.status, "", last]


def _count(out: Contribution, survey, v, leaves) -> None:
    counts = out.counts
    counts["kpis"] += 1
    kind = v["kind"].value
    if kind:
        counts["kinds"] += 1
        counts["outcome"] += kind == survey.meanings["kpi_kind"]["outcome"]
    counts["cooperation"] += v["cooperation"].value is True
    category = v["category"].value
    if category in leaves:
        out.leaf_kpis[category] += 1
    elif not category:
        counts["left_out"] += 1


def _csv(survey, sub, rows, blocks: dict, ordered_findings) -> dict:
    """Each table's CSV lines, from its description (:mod:`kpi_workbook.consolidation.table_specs`);
    *blocks*: the tables the summary's sheets show, as they took them (the CSVs share no
    column that depends on the sheet, such as its 指摘)."""
    out = {}
    for key in survey.derived("csv_tables", lambda: tables.csv_tables(survey)):
        block = blocks.get(key) or Block(sub, rows.get(key, []))
        out[key] = csv_columns_text([_texts(column.get(block)) for column in _columns(survey, key, CSV)]).encode()
    out["findings"] = csv_text(finding_csv_row(f) for f in ordered_findings).encode()
    return out


def _n(value) -> str:
    if value is None:
        return ""
    return f"{value:,f}" if isinstance(value, Decimal) and value != value.to_integral_value() else f"{int(value):,}"
