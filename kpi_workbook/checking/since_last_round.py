"""A return compared with last round, at its cells: what the workbook carries from last
round (:mod:`kpi_workbook.reading.last_round`) against what the clerk sent back.

- a compared field of a KPI (the definition's ``[rounds] compared``: 指標名, 目標値, 基準値…)
  changed while its 見直し状況 still says 継続 → REVISION_UNMARKED at the cell, with the
  previous value;
- a KPI of last round missing, not kept and marked 廃止 → KPI_REMOVED, naming it;
- a past year's actual altered → ACTUAL_ALTERED;
- a new yearly actual that moves more than ``jump_percent`` from the year before →
  ACTUAL_JUMP, asking for an explanation.

A row whose 説明 is filled has explained itself: its warning becomes EXPLAINED (info), with
the explanation, which the summary and the CSVs carry too (the 説明 column).
"""
from __future__ import annotations

from decimal import Decimal

from ..core import findings as F
from ..core.values import figure_text, parse_time
from .normalize import normalize_cell


def compare_with_previous(result, survey, previous) -> None:
    """Add to *result* the findings of what changed since *previous* (a RegionPrevious)."""
    words = survey.rounds
    if not words or previous is None:
        return
    _kpis(result, survey, previous, words)
    _actuals(result, survey, previous, words)


def previous_latest(survey, previous) -> dict:
    """KPI number -> (its latest figure last round, that figure's time): its 現状値 or a
    later yearly actual, as typed last round and read again here."""
    if previous is None:
        return {}
    kpis, actuals = survey.sheet("kpis"), survey.sheet("actuals")
    out: dict = {}

    def offer(number, value_text, time_text, column):
        value = normalize_cell(value_text or None, column, survey).value
        time, _ = parse_time(time_text or "")
        if isinstance(value, Decimal) and time is not None:
            if number not in out or time.point > out[number][1].point:
                out[number] = (value, time)
    for row in previous.rows.get("kpis", []):
        offer(row.get("kpi_no", ""), row.get("latest"), row.get("latest_time"), kpis.column("latest"))
    for row in previous.rows.get("actuals", []):
        offer(row.get("kpi_no", ""), row.get("value"), row.get("time"), actuals.column("value"))
    return out


def _kpis(result, survey, previous, words) -> None:
    sheet = survey.sheet("kpis")
    before = previous.kpis()
    seen = set()
    for record in result.records.get("kpis", []):
        number = record.values["kpi_no"].value
        seen.add(number)
        last = before.get(number)
        review = record.values.get("review")
        status = review.value if review is not None else None
        if last is None or status in (words["revised"], words["abolished"], words["new"]):
            continue
        for key in words["compared"]:
            if not previous.had("kpis", key):  # a field added since: nothing to compare it with
                continue
            column = sheet.column(key)
            now = record.values.get(key)
            was = last.get(key, "")
            unit = _unit_of(record, column)  # last round's figure read in the KPI's unit (1,200万人 in 万人)
            if now is not None and _differs(normalize_cell(was or None, column, survey, unit=unit), now):
                _add(result, record, F.make("REVISION_UNMARKED", file=result.file, sheet=sheet.name,
                                            cell=record.cells.get(key, ""),
                                            label=column.label, value=now.typed, expected=was, row=record.row,
                                            status=status or "（空欄）"))
    for number, last in sorted(before.items()):
        if number not in seen and last.get("review") != words["abolished"]:
            result.add(F.make("KPI_REMOVED", file=result.file, sheet=sheet.name,
                              value=f"{number} {last.get('name', '')}".strip(),
                              abolished=words["abolished"]))


def _actuals(result, survey, previous, words) -> None:
    sheet = survey.sheet("actuals")
    value_column = sheet.column("value")
    before = {}
    unit_key = value_column.unit_from.partition(".")[2]  # kpis.unit: each KPI's unit now
    units = {r.values["kpi_no"].value: _text_value(r.values.get(unit_key))
             for r in result.records.get("kpis", []) if r.values.get("kpi_no")}
    for row in previous.rows.get("actuals", []):
        time, _ = parse_time(row.get("time", ""))
        unit = units.get(row.get("kpi_no"), "")
        number = normalize_cell(row.get("value") or None, value_column, survey, unit=unit).value
        if time is not None:
            before[(row.get("kpi_no", ""), time.start, time.end)] = (time, number, row.get("value", ""))
    for record in result.records.get("actuals", []):
        number, time, now = (record.values[k].value for k in ("kpi_no", "time", "value"))
        if time is None or not isinstance(now, Decimal):
            continue
        cell = record.cells.get("value", "")
        last = before.get((number, time.start, time.end))
        if last is not None:
            if isinstance(last[1], Decimal) and last[1] != now:
                _add(result, record, F.make("ACTUAL_ALTERED", file=result.file, sheet=sheet.name, cell=cell, row=record.row,
                                            value=record.values["value"].typed, expected=last[2], time=time.wareki))
            continue
        earlier = [(t, v) for (k, _, _), (t, v, _) in before.items() if k == number and t.end < time.start
                   and isinstance(v, Decimal)]
        if earlier:
            _, base = max(earlier, key=lambda pair: pair[0].end)
            change = (now - base) * 100 / base if base else None
            slip = unit_slip(now, base)
            if slip:
                _add(result, record, F.make("ACTUAL_UNIT_SLIP", file=result.file, sheet=sheet.name, cell=cell,
                                            row=record.row, value=record.values["value"].typed, expected=figure_text(base),
                                            time=time.wareki, factor=slip))
            elif change is not None and abs(change) > Decimal(str(words["jump_percent"])):
                _add(result, record, F.make("ACTUAL_JUMP", file=result.file, sheet=sheet.name, cell=cell, row=record.row,
                                            value=record.values["value"].typed, expected=figure_text(base),
                                            time=time.wareki, change=f"{change:+.1f}"))


def _add(result, record, finding) -> None:
    """The finding, or EXPLAINED (info) with the row's 説明 when the clerk gave one."""
    explanation = record.values.get("explanation")
    if explanation is not None and explanation.typed.strip():
        finding = F.make("EXPLAINED", file=finding.file, sheet=finding.sheet, cell=finding.cell, row=finding.row,
                         label=finding.column, value=finding.value, what=finding.message,
                         explanation=explanation.typed.strip())
    result.add(finding)


def unit_slip(figure: Decimal, other: Decimal) -> str:
    """「1,000倍」 or 「1,000分の1」 when *figure* is about a thousand times *other* (or a
    thousandth): a figure typed in 円 for 千円, in 人 for 千人; else ""."""
    if not figure or not other or (figure < 0) != (other < 0):
        return ""
    ratio = abs(figure / other)
    if SLIP_LOW <= ratio <= SLIP_HIGH:
        return "1,000倍"
    if SLIP_LOW <= 1 / ratio <= SLIP_HIGH:
        return "1,000分の1"
    return ""


SLIP_LOW, SLIP_HIGH = Decimal(500), Decimal(2000)  # "about a thousand times"


def _unit_of(record, column) -> str:
    """The unit a measure column of *record* is in (its row's unit column), else ""."""
    return _text_value(record.values.get(column.unit_column)) if column.unit_column else ""


def _text_value(value) -> str:
    return value.value if value is not None and isinstance(value.value, str) else ""


def _differs(was, now) -> bool:
    """Whether a field changed, by what it means (「1,000」 and 「1000」 are the same)."""
    if was.value is None and now.value is None:
        return was.typed.strip() != now.typed.strip()
    if hasattr(was.value, "point") and hasattr(now.value, "point"):  # a time, however it was written
        return (was.value.start, was.value.end) != (now.value.start, now.value.end)
    return was.value != now.value

