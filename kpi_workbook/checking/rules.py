"""Rules across cells, rows and sheets of one return (after each cell is normalized).

Required fields, uniqueness, references between sheets, the 事業費 identity, amounts and
rates in range, KPI consistency (time order, direction, cumulative targets) and the KPI
quality guidance of seed 001 (warnings).
"""
from __future__ import annotations

from decimal import Decimal

from ..core import findings as F
from ..core.survey import COST_PARTS
from .normalize import normalize_cell
from .since_last_round import unit_slip


def apply_rules(result, survey) -> None:
    add = result.add
    for sheet in survey.sheets:
        records = result.records.get(sheet.key, [])
        _required(result, sheet, records, add)
        _percent_bounds(result, sheet, records, add)
        if sheet.kind == "table":
            _unique(result, sheet, records, add)
    _resolve_units_from(result, survey)
    for sheet in survey.sheets:
        for column in sheet.columns:
            if column.references:
                _references(result, survey, sheet, column, add)
    _costs(result, survey, add)
    _kpis(result, survey, add)


def _where(result, sheet, record, key) -> dict:
    return {"file": result.file, "sheet": sheet.name, "cell": record.cells.get(key, ""),
            "row": record.row}


def _percent_bounds(result, sheet, records, add) -> None:
    """Every ``percent`` column of every sheet holds 0–100, as the format says."""
    columns = [c for c in sheet.columns if c.type == "percent"]
    for record in records if columns else ():
        for column in columns:
            value = record.values.get(column.key)
            if value is not None and type(value.value) is Decimal and not Decimal(0) <= value.value <= Decimal(100):
                add(F.make("PERCENT_RANGE", label=column.label, value=value.typed, **_where(result, sheet, record, column.key)))


def _required(result, sheet, records, add) -> None:
    required = sheet.required_columns
    for record in records:
        get = record.values.get
        for column in required:
            value = get(column.key)
            if value is not None and value.value is None and not value.problem:  # value.empty, inline
                add(F.make("REQUIRED_EMPTY", label=column.label, **_where(result, sheet, record, column.key)))


def _unique(result, sheet, records, add) -> None:
    for column in sheet.columns:
        if not column.unique:
            continue
        seen: dict = {}
        for record in records:
            value = record.values.get(column.key)
            if value is None or value.value is None:
                continue
            if value.value in seen:
                add(F.make("DUPLICATE_KEY", label=column.label, value=value.typed,
                           first_cell=seen[value.value], **_where(result, sheet, record, column.key)))
            else:
                seen[value.value] = record.cells.get(column.key, "")


def _references(result, survey, sheet, column, add) -> None:
    target_key, _, target_column = column.references.partition(".")
    target = survey.sheet(target_key)
    known = {r.values[target_column].value for r in result.records.get(target_key, [])
             if target_column in r.values and r.values[target_column].value is not None}
    if target_key not in result.records:
        return  # the target sheet is missing: already a finding
    for record in result.records.get(sheet.key, []):
        value = record.values.get(column.key)
        if value is not None and value.value is not None and value.value not in known:
            add(F.make("REFERENCE_UNKNOWN", label=column.label, value=value.typed,
                       target_sheet=target.name, **_where(result, sheet, record, column.key)))


def _resolve_units_from(result, survey) -> None:
    """Re-read values whose unit lives on another sheet (実績値 takes its KPI's 単位)."""
    for sheet in survey.sheets:
        for column in sheet.columns:
            if not column.unit_from:
                continue
            src_sheet, _, src_key = column.unit_from.partition(".")
            ref = next((c for c in sheet.columns if c.references.startswith(src_sheet + ".")), None)
            if ref is None:
                continue
            id_key = ref.references.partition(".")[2]
            units = {r.values[id_key].value: r.values[src_key].value
                     for r in result.records.get(src_sheet, [])
                     if id_key in r.values and src_key in r.values}
            for record in result.records.get(sheet.key, []):
                value, owner = record.values.get(column.key), record.values.get(ref.key)
                if value is None or owner is None or owner.value not in units:
                    continue
                unit = units[owner.value] or ""
                fresh = normalize_cell(value.typed if value.typed else None, column, survey, unit=unit)
                if fresh.problem == "UNIT_MISMATCH":
                    result.findings.append(F.make(
                        "UNIT_MISMATCH", label=column.label, value=value.typed,
                        unit=fresh.typed_unit, expected=unit, **_where(result, sheet, record, column.key)))
                if not value.problem:
                    record.values[column.key] = fresh


def _number(record, key):
    value = record.values.get(key)
    return value.value if value is not None and isinstance(value.value, Decimal) else None


def _costs(result, survey, add) -> None:
    sheet = survey.sheet("costs")
    checked = [c for c in sheet.columns if c.type == "amount"]
    for record in result.records.get("costs", []):
        get = record.values.get
        for column in checked:
            value = get(column.key)
            number = value.value if value is not None and type(value.value) is Decimal else None
            if number is None:
                continue
            if number < 0:
                add(F.make("NEGATIVE_AMOUNT", label=column.label, value=record.values[column.key].typed,
                           **_where(result, sheet, record, column.key)))
        _cost_identity(result, sheet, record, add)
    _cost_slips(result, sheet, result.records.get("costs", []), add)


def _cost_slips(result, sheet, records, add) -> None:
    """A 事業費 about 1,000 times (or a thousandth of) the same project's other rows: typed in 円, not 千円."""
    by_project: dict = {}
    for record in records:
        cost, code = _number(record, "cost"), record.values.get("project_code")
        if cost and code is not None and code.value:
            by_project.setdefault(code.value, []).append((record, cost))
    for rows in by_project.values():
        costs = sorted(c for _, c in rows)
        for record, cost in rows if len(rows) > 1 else ():
            # the project's typical row (its median); of two rows 1,000 times apart, both are said
            typical = costs[len(costs) // 2] if len(rows) > 2 else next(c for r, c in rows if r is not record)
            slip = unit_slip(cost, typical)
            if slip:
                add(F.make("UNIT_SLIP", label=sheet.column("cost").label, value=record.values["cost"].typed,
                           expected=_plain(typical), factor=slip, **_where(result, sheet, record, "cost")))


def _cost_identity(result, sheet, record, add) -> None:
    """事業費 is the sum of its parts, when every figure could be read."""
    total = _number(record, "cost")
    if total is None:
        return
    parts = Decimal(0)
    for key in COST_PARTS:
        value = record.values.get(key)
        if value is None:
            continue
        if value.problem:
            return  # a part that could not be read: the identity cannot be checked
        if type(value.value) is Decimal:
            parts += value.value
    if parts != total:
        add(F.make("COST_IDENTITY", value=_plain(total), expected=_plain(parts),
                   difference=_plain(total - parts), label=sheet.column("cost").label,
                   **_where(result, sheet, record, "cost")))


def _plain(number: Decimal) -> str:
    return f"{number:,}"


def _kpis(result, survey, add) -> None:
    sheet = survey.sheet("kpis")
    records = result.records.get("kpis", [])
    increase, decrease = survey.meanings["direction"]["increase"], survey.meanings["direction"]["decrease"]
    for record in records:
        _kpi_consistency(result, sheet, record, add, increase, decrease)
    if "kpis" in result.records:
        _kpi_quality(result, survey, sheet, records, add)


def _kpi_consistency(result, sheet, record, add, increase, decrease) -> None:
    v = record.values
    base_t, target_t, latest_t = (v.get(k).value if v.get(k) else None
                                  for k in ("baseline_time", "target_time", "latest_time"))
    if base_t is not None and target_t is not None and base_t.point > target_t.point:
        add(F.make("TIME_ORDER", value=base_t.raw, expected=target_t.raw,
                   **_where(result, sheet, record, "baseline_time")))
    base, target = _number(record, "baseline"), _number(record, "target")
    direction = v["direction"].value if v.get("direction") else None
    if base is not None and target is not None and direction in (increase, decrease):
        against = target < base if direction == increase else target > base
        if target == base:
            add(F.make("TARGET_MET_AT_BASELINE", value=_plain(base), expected=_plain(target),
                       **_where(result, sheet, record, "target")))
        elif against:
            add(F.make("TARGET_AGAINST_DIRECTION", value=_plain(base), expected=_plain(target),
                       direction=direction, word="下回" if direction == increase else "上回",
                       **_where(result, sheet, record, "target")))
    if target_t is not None and target_t.is_period and latest_t is not None and not latest_t.is_period:
        add(F.make("CUMULATIVE_VS_SINGLE", value=latest_t.raw, expected=target_t.raw,
                   **_where(result, sheet, record, "latest_time")))


def _kpi_quality(result, survey, sheet, records, add) -> None:
    """Seed 001's guidance, as warnings a reviewer would otherwise make by hand."""
    name = result.file
    if not records:
        add(F.make("NO_KPI_ROWS", file=name, sheet=sheet.name))
        return
    output_kind = survey.meanings["kpi_kind"]["output"]
    by_project: dict = {}
    for record in records:
        project = record.values.get("project_code")
        kind = record.values.get("kind")
        if project is not None and project.value and kind is not None and kind.value:
            by_project.setdefault(project.value, []).append((kind.value, record))
    for project, items in by_project.items():
        if all(kind == output_kind for kind, _ in items):
            add(F.make("OUTPUT_ONLY", value=project, **_where(result, sheet, items[0][1], "kind")))
    roles_with_kpi = set()
    for record in records:
        category = record.values.get("category")
        if category is not None and category.value:
            roles_with_kpi.add(survey.taxonomy.role_of(category.value))
    for role in survey.taxonomy.roles:
        if role.code not in roles_with_kpi:
            add(F.make("ROLE_WITHOUT_KPI", file=name, sheet=sheet.name,
                       value=survey.taxonomy.display(role.code)))
    if not any(r.values.get("cooperation") is not None and r.values["cooperation"].value is True
               for r in records):
        add(F.make("NO_COOPERATION_KPI", file=name, sheet=sheet.name))
