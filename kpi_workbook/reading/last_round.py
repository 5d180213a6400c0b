"""Last round, where the next one starts from it.

``generate --previous PREV`` reads last round's ``consolidate --csv`` folder (the open-data
CSVs are the carrier between rounds: documented, stable, editable by hand) and gives each
region its projects, KPIs and yearly actuals as its clerk typed them (:func:`read_previous`).
They are written into the region's new workbook twice: in its entry sheets, for the clerk
to update, and in a very hidden, protected sheet (:data:`SHEET`), so that ``check`` can
compare what comes back with last round without PREV (:func:`sheet_rows`,
:func:`parse_sheet`).
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..core import findings as F
from ..core.csv_files import MAX_BYTES, unneutralize
from ..core.errors import KpiWorkbookError

SHEET = "_previous"  # the hidden sheet of last round's values
TABLES = ("projects", "kpis", "actuals")  # what a new round starts from (costs are each year's own)
KEYS = {"projects": "project_code", "kpis": "kpi_no", "actuals": "kpi_no"}


class PreviousRoundError(KpiWorkbookError):
    """The PREV folder cannot be used: not a round's CSVs, another survey's, a file or column missing."""


@dataclass
class RegionPrevious:
    """One region's last round: its records by table, each {column key: text as typed}."""
    round: str = ""
    rows: dict = field(default_factory=dict)

    def kpis(self) -> dict:
        """KPI number -> its record, the KPIs still in force (not marked 廃止)."""
        return {r["kpi_no"]: r for r in self.rows.get("kpis", []) if r.get("kpi_no")}


def read_previous(folder, survey) -> tuple[dict, list]:
    """``({region code: RegionPrevious}, findings)`` from last round's CSV folder; a row that
    cannot be used is a finding (file and line), the rest are read."""
    folder = Path(folder)
    package = check_folder(folder, survey)
    regions: dict = {}
    findings: list = []
    region_label = survey.summary["labels"]["region_code"]
    for table in TABLES:
        path = folder / f"{table}.csv"
        columns = {c.key: c.label + survey.summary["typed_suffix"] for c in survey.sheet(table).columns}
        for line, row in _rows(path, [region_label, *columns.values()]):
            code = row[region_label].strip()
            values = {key: unneutralize(row[label]) for key, label in columns.items() if row[label]}
            if not code or not values.get(KEYS[table]):
                findings.append(F.make("PREVIOUS_ROW_INVALID", file=path.name, row=line, line=line))
                continue
            regions.setdefault(code, RegionPrevious(package.get("round", ""))).rows.setdefault(table, []).append(values)
    return regions, findings


def check_folder(folder, survey) -> dict:
    """Last round's datapackage.json, when *folder* is this survey's round; else PreviousRoundError."""
    folder = Path(folder)
    path = folder / "datapackage.json"
    try:
        if path.stat().st_size > MAX_BYTES:
            raise PreviousRoundError(f"{path}: 大きすぎます。")
        package = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PreviousRoundError(f"{path}: 前回の集計結果（consolidate --csv のフォルダ）として読み込めません"
                                 f"（{getattr(exc, 'strerror', None) or exc}）。") from None
    if package.get("name") != survey.id:
        raise PreviousRoundError(f"{path}: 別の調査（{package.get('title') or package.get('name')}）の集計結果です。"
                                 f"この調査（{survey.title}）の前回の集計結果を指定してください。")
    return package


def _rows(path: Path, needed: list):
    """(line number, row) for each data line of a CSV that has every *needed* column."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise PreviousRoundError(f"{path}: 大きすぎます。")
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise PreviousRoundError(f"{path}: 読み込めません（{exc.strerror}）。前回の集計結果のCSVが必要です。") from None
    with handle:
        reader = csv.DictReader(handle)
        missing = [name for name in needed if name not in (reader.fieldnames or [])]
        if missing:
            raise PreviousRoundError(f"{path}: 列「{'」「'.join(missing)}」がありません。")
        try:
            for row in reader:
                yield reader.line_num, {k: v or "" for k, v in row.items() if k is not None}
        except (csv.Error, UnicodeDecodeError) as exc:
            raise PreviousRoundError(f"{path}: {reader.line_num}行目を読み込めません（{exc}）。") from None


def sheet_rows(previous: RegionPrevious) -> list:
    """The hidden sheet's rows: the round, then one row per record (table, JSON of its values)."""
    out = [["round", previous.round]]
    for table in TABLES:
        out += [[table, json.dumps(values, ensure_ascii=False, sort_keys=True)] for values in previous.rows.get(table, [])]
    return out


def parse_sheet(rows) -> RegionPrevious | None:
    """The hidden sheet read back; None when it is not one (a clerk cannot reach it)."""
    out = RegionPrevious()
    for row in rows:
        kind, text = (list(row) + ["", ""])[:2]
        if kind == "round":
            out.round = str(text or "")
        elif kind in TABLES and isinstance(text, str):
            try:
                values = json.loads(text)
            except ValueError:
                return None
            if isinstance(values, dict):
                out.rows.setdefault(kind, []).append({str(k): str(v) for k, v in values.items()})
    return out if out.rows else None


def carried(previous: RegionPrevious, survey) -> dict:
    """What the new workbook starts with, by table: last round's records as typed, without
    the KPIs marked 廃止 (nor their actuals), each KPI's 見直し状況 reset to 継続 and no
    説明 (last round's explained last round's changes, not this round's)."""
    words = survey.rounds

    def fresh(row):
        return {key: text for key, text in row.items() if key != "explanation"}
    kpis = [dict(fresh(r), review=words.get("continued", "")) for r in previous.rows.get("kpis", [])
            if not words or r.get("review") != words["abolished"]]
    live = {r["kpi_no"] for r in kpis}
    return {"projects": previous.rows.get("projects", []), "kpis": kpis,
            "actuals": [fresh(r) for r in previous.rows.get("actuals", []) if r.get("kpi_no") in live]}
