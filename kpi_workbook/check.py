"""``check``: read a filled return back into typed records, with every problem located.

Stages: read safely (:mod:`reader`) → identify survey and region (metadata sheet) →
locate each table's columns by header label → normalize every cell (:mod:`normalize`)
→ cross-row rules (:mod:`rules`).  The result is a :class:`ReturnResult`; nothing here
raises for bad data.
"""
from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from . import findings as F
from . import metadata
from .asides import check_totals, set_aside, shifted_rows, unread
from .filenames import shown
from .normalize import EMPTY, Value, converter, normalize_cell
from .reader import SheetData, read_workbook
from .previous import SHEET as PREVIOUS_SHEET, parse_sheet
from .revisions import compare_with_previous, previous_latest
from .rules import apply_rules
from .roster import split_names
from .survey import Survey, available, load_survey
from .values import label_key as _label

HEADER_SEARCH_ROWS = 30
MAX_FINDINGS = 1_000  # per file; past it they are counted in one FINDINGS_TRUNCATED


@dataclass
class Record:
    sheet: str        # sheet key
    row: int          # 1-based row in the workbook
    values: dict      # column key -> Value
    cells: dict       # column key -> "B7" (a dict or CellRefs)


class CellRefs:
    """A table record's cells ("B7" by column key), each made when asked for."""

    __slots__ = ("letters", "number")

    def __init__(self, letters: dict, number: str) -> None:
        self.letters, self.number = letters, number  # letters: shared by the sheet's records

    def get(self, key, default=None):
        letter = self.letters.get(key)
        return default if letter is None else letter + self.number

    def __getitem__(self, key) -> str:
        return self.letters[key] + self.number

    def __contains__(self, key) -> bool:
        return key in self.letters

    def keys(self):
        return self.letters.keys()

    def __iter__(self):
        return iter(self.letters)

    def __len__(self) -> int:
        return len(self.letters)

    def __eq__(self, other) -> bool:
        return dict(self) == dict(other) if hasattr(other, "keys") else NotImplemented

    def __repr__(self) -> str:
        return repr(dict(self))


@dataclass
class ReturnResult:
    file: str
    survey: Survey | None = None
    meta: dict = field(default_factory=dict)
    region_code: str = ""
    region_name: str = ""
    records: dict = field(default_factory=dict)   # sheet key -> [Record]
    findings: list = field(default_factory=list)
    readable: bool = False
    annotated: str = ""  # path of the annotated copy, when one was written
    dropped: dict = field(default_factory=dict)  # severity -> findings past MAX_FINDINGS, counted
    previous_latest: dict = field(default_factory=dict)  # KPI number -> (last round's latest figure, its time)

    def add(self, finding) -> None:
        """Keep *finding*, or only count it once the file has MAX_FINDINGS of them."""
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(finding)
        else:
            self.dropped[finding.severity] = self.dropped.get(finding.severity, 0) + 1

    @property
    def ok(self) -> bool:
        return self.readable and not F.has_errors(self.findings)

    def to_dict(self) -> dict:
        return {"file": shown(self.file), "survey": self.survey.id if self.survey else "",
                "region_code": self.region_code, "region_name": self.region_name,
                "readable": self.readable, "meta": self.meta, "annotated": self.annotated,
                "findings": [f.to_dict() for f in self.findings],
                "records": {k: [_record_dict(r) for r in v] for k, v in self.records.items()}}


def _record_dict(record: Record) -> dict:
    out = {"row": record.row}
    for key, value in record.values.items():
        normalized = value.value.to_dict() if hasattr(value.value, "to_dict") else value.value
        out[key] = {"typed": value.typed, "value": normalized, "cell": record.cells.get(key, "")}
        if value.unit:
            out[key]["unit"] = value.unit
    return out


def check_files(paths, survey=None, roster=None, secret=None, round_=None) -> list[ReturnResult]:
    """Check each file; one result per file, in order (with annotated copies:
    :func:`kpi_workbook.annotate.check_and_annotate`)."""
    return [check_workbook(path, survey=survey, roster=roster, secret=secret, round_=round_) for path in paths]


def check_workbook(path, survey=None, roster=None, secret=None, round_=None) -> ReturnResult:
    """Check one return.  *roster*: regions (a list, or a dict by code) to verify the region against;
    *round_*: this round's name, when not the definition's (a workbook of another round is last round's)."""
    name = str(path)
    wanted = _wanted_sheets(survey)
    workbook, problems = read_workbook(path, sheets=wanted)
    result = ReturnResult(file=name, findings=list(problems))
    if workbook is None:
        return result
    result.readable = True
    meta_sheet = workbook.sheets.get(metadata.SHEET)
    meta = metadata.parse(meta_sheet.rows) if meta_sheet else None
    result.meta = meta or {}
    definition = _pick_survey(survey, meta, workbook).for_round(round_)
    result.survey = definition
    if meta is None and not any(sheet.name in workbook.sheets for sheet in definition.sheets):
        result.findings.append(F.make("META_MISSING", file=name))  # no survey workbook: one finding, not one a sheet
        return result
    _identify(result, definition, meta, secret)
    for sheet in definition.sheets:
        data = workbook.sheets.get(sheet.name)
        if data is None:
            result.findings.append(F.make("SHEET_MISSING", file=name, sheet=sheet.name))
            continue
        reader = _form_records if sheet.kind == "form" else _table_records
        result.records[sheet.key] = reader(sheet, data, definition, result)
    _check_region(result, definition, roster)
    apply_rules(result, definition)
    last_round = workbook.sheets.get(PREVIOUS_SHEET)
    previous = parse_sheet(last_round.rows) if last_round else None
    compare_with_previous(result, definition, previous)
    result.previous_latest = previous_latest(definition, previous)
    if result.dropped:  # one finding for the rest, which still count
        dropped = result.dropped
        rest = F.make("FINDINGS_TRUNCATED", file=name, limit=MAX_FINDINGS, count=sum(dropped.values()),
                      errors=dropped.get(F.ERROR, 0), warnings=dropped.get(F.WARNING, 0))
        result.findings.append(replace(rest, severity=F.ERROR if dropped.get(F.ERROR) else F.WARNING))
    return result


def _wanted_sheets(survey) -> list:
    names = {metadata.SHEET, PREVIOUS_SHEET}
    for candidate in ([survey] if survey is not None else available()):
        definition = candidate if isinstance(candidate, Survey) else load_survey(candidate)
        names.update(s.name for s in definition.sheets)
    return sorted(names)


def _pick_survey(survey, meta, workbook) -> Survey:
    if isinstance(survey, Survey):
        return survey
    if survey:
        return load_survey(survey)
    definitions = [load_survey(n) for n in available()]
    if meta:
        for definition in definitions:
            if definition.id == meta.get("survey_id"):
                return definition
    return max(definitions, key=lambda d: sum(s.name in workbook.sheets for s in d.sheets))


def _identify(result: ReturnResult, survey: Survey, meta, secret) -> None:
    name = result.file
    if meta is None:
        result.findings.append(F.make("META_MISSING", file=name))
        return
    result.region_code = meta.get("region_code", "")
    result.region_name = meta.get("region_name", "")
    if meta.get("survey_id") != survey.id:
        other = next((d for d in map(load_survey, available()) if d.id == meta.get("survey_id")), None)
        result.findings.append(F.make("META_SURVEY_MISMATCH", file=name, value=other.title if other else
                                      meta.get("survey_id", ""), expected=survey.title))
        return
    round_, version = meta.get("survey_round", ""), meta.get("survey_version", "")
    if round_ and round_ != survey.round:  # another round's workbook: last round's
        result.findings.append(F.make("META_PREVIOUS_ROUND", file=name, value=round_, expected=survey.round))
    elif version != survey.version:  # this round, another version of its workbook
        older = _version(version) < _version(survey.version)
        result.findings.append(F.make("META_PREVIOUS_ROUND" if older else "META_VERSION_MISMATCH", file=name,
                                      value=version, expected=survey.version))
    if meta.get("layout_fingerprint") != survey.fingerprint:
        result.findings.append(F.make("META_TAMPERED", file=name))
    key = metadata.secret_from(secret)
    if key:
        if not meta.get("signature"):
            result.findings.append(F.make("SIGNATURE_MISSING", file=name))
        elif not metadata.verify(meta, key):
            result.findings.append(F.make("SIGNATURE_INVALID", file=name))


def _version(text: str) -> tuple:
    """"2026.1" -> (2026, 1); what does not parse sorts first (an older, odd workbook)."""
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        return ()


def _check_region(result: ReturnResult, survey: Survey, roster) -> None:
    records = result.records.get("region") or []
    if not records or any(f.code == "META_SURVEY_MISMATCH" for f in result.findings):
        return  # another survey's workbook: its region is not this roster's business
    values = records[0].values
    typed_code = values.get("region_code")
    code = typed_code.value if typed_code else None
    sheet = survey.sheet("region")
    if result.region_code and code and code != result.region_code:
        result.findings.append(F.make("REGION_MISMATCH", file=result.file, sheet=sheet.name,
                                      cell=records[0].cells.get("region_code", ""),
                                      label=sheet.column("region_code").label, value=code,
                                      expected=result.region_code))
    result.region_code = result.region_code or (code or "")
    if not result.region_name and values.get("region_name"):
        result.region_name = values["region_name"].value or ""
    if roster is None:
        return
    by_code = roster if isinstance(roster, dict) else {r.code: r for r in roster}
    region = by_code.get(result.region_code)
    if region is None:
        result.findings.append(F.make("REGION_NOT_IN_ROSTER", file=result.file,
                                      value=result.region_code))
        return
    typed_name = values.get("region_name")
    if typed_name and typed_name.value and typed_name.value != region.name:
        result.findings.append(F.make("REGION_MISMATCH", file=result.file, sheet=sheet.name,
                                      cell=records[0].cells.get("region_name", ""),
                                      label=sheet.column("region_name").label,
                                      value=typed_name.value, expected=region.name))
    result.region_name = region.name
    _check_borrowed(result, survey, region, by_code)


def _check_borrowed(result: ReturnResult, survey: Survey, region, by_code: dict) -> None:
    """A workbook of region B filled with region A's answers: its file name (generate's
    ``<code>_…``) or its 実施市町村 point at A while its metadata and 圏域情報 say B."""
    def conflict(where: str, other) -> None:
        result.findings.append(F.make("REGION_CONFLICT", file=result.file, where=where,
                                      value=f"{other.code} {other.name}", expected=f"{region.code} {region.name}"))
    head = Path(shown(result.file)).stem.split("_", 1)[0]  # "R01_熊本….xlsx", "R01.xlsx"
    if head in by_code and head != region.code:
        conflict("ファイル名", by_code[head])
        return
    named = [n for record in result.records.get("projects", ())
             for n in split_names(_text(record.values.get("municipalities")))]
    if not named or any(n in region.members for n in named):
        return
    elsewhere = Counter(r.code for n in named for r in by_code.values() if n in r.members)
    if elsewhere:
        conflict("実施市町村", by_code[elsewhere.most_common(1)[0][0]])


def _text(value) -> str:
    return value.typed if value is not None and isinstance(value.typed, str) else ""


# --------------------------------------------------------------------------- locating

def _form_records(sheet, data: SheetData, survey: Survey, result: ReturnResult) -> list:
    """Each field's value is the first cell to the right of its label."""
    wanted = {_label(c.label): c for c in sheet.columns}
    found = {}
    for r, row in enumerate(data.rows[:200]):
        for c, cell in enumerate(row[:10]):
            column = wanted.get(_label(cell))
            if column is not None and column.key not in found:
                found[column.key] = (r, c + 1)
    values, cells = {}, {}
    for column in sheet.columns:
        if column.key not in found:
            result.findings.append(F.make("HEADER_MISSING", file=result.file, sheet=sheet.name,
                                          label=column.label))
            continue
        r, c = found[column.key]
        cells[column.key] = xl_rowcol_to_cell(r, c)
        values[column.key] = _value(data.value(r, c), r, c, column, survey, result, sheet, cells[column.key],
                                    data.percent)
    return [Record(sheet.key, 1, values, cells)]


def _header_row(sheet, data: SheetData) -> tuple[int, dict]:
    labels = {_label(c.label): c.key for c in sheet.columns}
    best_row, best = -1, {}
    for r, row in enumerate(data.rows[:HEADER_SEARCH_ROWS]):
        found = {}
        for c, cell in enumerate(row):
            key = labels.get(_label(cell))
            if key is not None:
                found.setdefault(key, []).append(c)
        if len(found) > len(best):
            best_row, best = r, found
            if len(best) == len(labels):
                break  # every column found: no later row can do better
    return best_row, best


def _table_records(sheet, data: SheetData, survey: Survey, result: ReturnResult) -> list:
    header, found = _header_row(sheet, data)
    name = result.file
    if header < 0:
        for column in sheet.columns:
            if column.required:
                result.findings.append(F.make("HEADER_MISSING", file=name, sheet=sheet.name,
                                              label=column.label))
        return []
    columns = {}
    for column in sheet.columns:
        places = found.get(column.key)
        if not places:
            result.findings.append(F.make("HEADER_MISSING", file=name, sheet=sheet.name,
                                          label=column.label))
            continue
        if len(places) > 1:
            result.findings.append(F.make("HEADER_DUPLICATE", file=name, sheet=sheet.name,
                                          cell=xl_rowcol_to_cell(header, places[1]), label=column.label))
        columns[column.key] = (column, places[0])
    first = _first_data_row(data, header)
    kept = [r for r in range(first, data.height) if not _blank(data.rows[r])]
    kept, totals = set_aside(sheet, data, kept, columns, survey, result)
    if data.rows_left:
        result.findings.append(F.make("TABLE_TRUNCATED", file=name, sheet=sheet.name, row=data.height + 1,
                                      cell=f"A{data.height + 1}", line=data.height + 1, count=data.rows_left))
    plan = [(key, column, c, _letter(c), converter(column, survey)) for key, (column, c) in columns.items()]
    kept = shifted_rows(sheet, data, kept, plan, columns, result)
    unread(sheet, data, header, columns, kept, result)
    values = _convert_columns(sheet, data, kept, plan, result)
    if totals:
        check_totals(sheet, data, kept, totals, plan, values, result)
    keys = list(values)
    letters = {key: letter for key, _, _, letter, _ in plan}
    return [Record(sheet.key, r + 1, dict(zip(keys, row)), CellRefs(letters, str(r + 1)))
            for r, row in zip(kept, zip(*values.values()))]


def _blank(row: list) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _convert_columns(sheet, data: SheetData, kept: list, plan: list, result) -> dict:
    """Column key -> the Value of each kept row, a column at a time (measures last: they
    take their unit from their row's unit column).  Findings come out row by row."""
    rows = [data.rows[r] for r in kept]
    percent = data.percent
    out, problems = {}, []
    for index, (key, column, c, letter, convert) in enumerate(sorted(plan, key=lambda p: p[1].type == "measure")):
        raws = [row[c] if c < len(row) else None for row in rows]
        units = [""] * len(rows)
        if column.type == "measure" and column.unit_column in out:
            units = [value.value or "" for value in out[column.unit_column]]
        if percent:
            out[key] = values = [EMPTY if raw is None else convert(raw, (r, c) in percent, unit)
                                 for raw, r, unit in zip(raws, kept, units)]
        else:
            out[key] = values = [EMPTY if raw is None else convert(raw, False, unit) for raw, unit in zip(raws, units)]
        problems += [(i, index, column, letter, units[i]) for i, value in enumerate(values) if value.problem]
    for i, _, column, letter, unit in sorted(problems, key=lambda p: p[:2]):
        r = kept[i]
        _cell_finding(out[column.key][i], r, column, result, sheet, letter + str(r + 1), unit)
    return out


def _first_data_row(data: SheetData, header: int) -> int:
    """The row after the header, or after a header merged downwards."""
    bottom = header
    for (r0, _c0), (r1, _c1) in data.merged:
        if r0 == header:
            bottom = max(bottom, r1)
    return bottom + 1


def _value(raw, r, c, column, survey, result, sheet, cell, percent, unit="") -> Value:
    value = normalize_cell(raw, column, survey, unit=unit, percent_cell=bool(percent) and (r, c) in percent)
    if value.problem:
        _cell_finding(value, r, column, result, sheet, cell, unit)
    return value


@functools.lru_cache(maxsize=1024)
def _letter(c: int) -> str:
    return xl_col_to_name(c)


def _cell_finding(value: Value, r: int, column, result, sheet, cell: str, unit: str) -> None:
    if len(result.findings) >= MAX_FINDINGS:  # counted only: not worth wording
        severity = F.CATALOGUE[value.problem].severity
        result.dropped[severity] = result.dropped.get(severity, 0) + 1
        return
    result.add(F.make(
        value.problem, file=result.file, sheet=sheet.name, cell=cell, label=column.label,
        value=value.typed, suggestion=value.suggestion, row=r + 1,
        unit=value.typed_unit or value.unit, expected=unit or column.unit))
