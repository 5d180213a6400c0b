"""``check``: read a filled return back into typed records, with every problem located.

Stages: read safely (:mod:`..reading.reader`) → identify survey, round and region
(:mod:`.identify`) → locate each table's columns by header label and normalize every cell
(:mod:`.locate`, :mod:`.normalize`) → cross-row rules (:mod:`.rules`) → compared with last
round (:mod:`.since_last_round`).  The result is a :class:`ReturnResult`; nothing here
raises for bad data.
"""
from __future__ import annotations

from dataclasses import replace

from ..core import findings as F
from ..core import meta_sheet as metadata
from ..reading.last_round import SHEET as PREVIOUS_SHEET
from ..reading.last_round import parse_sheet
from ..reading.reader import read_workbook
from .identify import check_region, identify, not_found, pick_survey, wanted_sheets
from .locate import form_records, table_records
from .result import MAX_FINDINGS, ReturnResult
from .rules import apply_rules
from .since_last_round import compare_with_previous, previous_latest

__all__ = ["check_files", "check_workbook", "ReturnResult", "MAX_FINDINGS"]


def check_files(paths, survey=None, roster=None, secret=None, round_=None, definitions=None,
                progress=None) -> list[ReturnResult]:
    """Check each file; one result per file, in order (with annotated copies:
    :func:`kpi_workbook.checking.annotate.check_and_annotate`).  *progress(1)* after each file."""
    results = []
    for path in paths:
        results.append(check_workbook(path, survey=survey, roster=roster, secret=secret, round_=round_,
                                      definitions=definitions))
        if progress:
            progress(1)
    return results


def check_workbook(path, survey=None, roster=None, secret=None, round_=None, definitions=None) -> ReturnResult:
    """Check one return.  *roster*: regions (a list, or a dict by code) to verify the region against;
    *round_*: this round's name, when not the definition's (a workbook of another round is last round's
    or a later one's).  Without *survey*, the definition is the one the return names (survey id and
    version), among the installed ones and those in the folder *definitions*."""
    name = str(path)
    wanted = wanted_sheets(survey, definitions)
    workbook, problems = read_workbook(path, sheets=wanted)
    result = ReturnResult(file=name, findings=list(problems))
    if workbook is None:
        return result
    result.readable, result.kind, result.strict = True, workbook.kind, workbook.strict
    meta_sheet = workbook.sheets.get(metadata.SHEET)
    meta = metadata.parse(meta_sheet.rows) if meta_sheet else None
    result.meta = meta or {}
    picked = pick_survey(survey, meta, workbook, definitions)
    if picked is None:  # no definition of its survey and version: say which, and how to give it
        not_found(result, meta or {}, definitions)
        return result
    definition = picked.for_round(round_)
    result.survey = definition
    if meta is None and not any(sheet.name in workbook.sheets for sheet in definition.sheets):
        result.findings.append(F.make("META_MISSING", file=name))  # no survey workbook: one finding, not one a sheet
        return result
    identify(result, definition, meta, secret)
    for sheet in definition.sheets:
        data = workbook.sheets.get(sheet.name)
        if data is None:
            result.findings.append(F.make("SHEET_MISSING", file=name, sheet=sheet.name))
            continue
        reader = form_records if sheet.kind == "form" else table_records
        result.records[sheet.key] = reader(sheet, data, definition, result)
    check_region(result, definition, roster)
    apply_rules(result, definition)
    last_round = workbook.sheets.get(PREVIOUS_SHEET)
    previous = parse_sheet(last_round.rows) if last_round else None
    compare_with_previous(result, definition, previous)
    result.previous_latest = previous_latest(definition, previous)
    result.last_round = previous
    if result.dropped:  # one finding for the rest, which still count
        dropped = result.dropped
        rest = F.make("FINDINGS_TRUNCATED", file=name, limit=MAX_FINDINGS, count=sum(dropped.values()),
                      errors=dropped.get(F.ERROR, 0), warnings=dropped.get(F.WARNING, 0))
        result.findings.append(replace(rest, severity=F.ERROR if dropped.get(F.ERROR) else F.WARNING))
    return result
