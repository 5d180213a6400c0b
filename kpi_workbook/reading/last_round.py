"""Last round, read once, matched to this round's definition by column key.

``generate --previous PREV``, ``consolidate --previous PREV`` and ``publish --previous PREV``
all start from last round's ``consolidate --csv`` folder (the open-data CSVs are the
carrier between rounds: documented, stable, editable by hand).  :func:`load_last_round`
reads it once into a :class:`LastRound`: its ``datapackage.json`` validated (this survey's,
bounded in size), and every CSV column matched to a column of *this* round's definition —
by the column key each field records in ``datapackage.json``, or by an old key or label
the definition declares (``was``), or, for a folder written before keys were recorded, by
its label.  So a survey may change between rounds:

* a column added this round is empty for last round, without a word;
* a relabelled column carries (same key, new label);
* a column whose key changed carries when the definition says ``was = "old_key"``;
* a column the definition no longer has is noted once (PREVIOUS_COLUMN_DROPPED) and not carried;
* a column that matches nothing (an old folder's relabelled column) is a warning naming it
  (PREVIOUS_COLUMN_UNMATCHED); the rest is carried.

Each region's records, as its clerk typed them (:meth:`LastRound.regions`), are written
into its new workbook twice: in its entry sheets, for the clerk to update, and in a very
hidden, protected sheet (:data:`SHEET`), so that ``check`` can compare what comes back
with last round without PREV (:func:`sheet_rows`, :func:`parse_sheet`).
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..core import findings as F
from ..core.csv_files import LATEST, LATEST_TIME, ROW_LABEL, read_package, round_file, unneutralize
from ..core.errors import KpiWorkbookError
from ..core.survey import Survey
from .round_frames import load_round

SHEET = "_previous"  # the hidden sheet of last round's values
MAX_CELL = 32_767  # characters an Excel cell holds
CHUNK = 16_000  # characters of a record's JSON a hidden cell takes (in UTF-16 units too: under MAX_CELL)
TABLES = ("projects", "kpis", "actuals")  # what a new round starts from (costs are each year's own)
KEYS = {"projects": "project_code", "kpis": "kpi_no", "actuals": "kpi_no"}


class PreviousRoundError(KpiWorkbookError):
    """The PREV folder cannot be used: not a round's CSVs, another survey's, a file or column missing."""


@dataclass
class RegionPrevious:
    """One region's last round: its records by table, each {column key: text as typed}."""
    round: str = ""
    rows: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)  # table -> the column keys last round had (empty: unknown, all)

    def had(self, table: str, key: str) -> bool:
        """Whether last round's *table* had the column *key* (a column added since had none)."""
        return not self.columns.get(table) or key in self.columns[table]

    def kpis(self) -> dict:
        """KPI number -> its record, the KPIs still in force (not marked 廃止)."""
        return {r["kpi_no"]: r for r in self.rows.get("kpis", []) if r.get("kpi_no")}


@dataclass
class LastRound:
    """Last round's CSV folder, validated and matched to this round's definition.

    ``names[table]`` maps each usable CSV header of last round to this round's header
    (the same text for a column that did not change); ``notes`` are the findings about
    columns not carried, once each."""
    folder: Path
    package: dict
    survey: Survey
    names: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    @property
    def round(self) -> str:
        return str(self.package.get("round", ""))

    def header(self, table: str, key: str, typed: bool = False) -> str | None:
        """Last round's header of this round's column *key* of *table* (None: not there)."""
        wanted = self.survey.sheet(table).column(key).label + (self.survey.summary["typed_suffix"] if typed else "")
        return next((old for old, new in self.names.get(table, {}).items() if new == wanted), None)

    def regions(self) -> tuple[dict, list]:
        """``({region code: RegionPrevious}, findings)``: each region's records of
        :data:`TABLES` as typed, by this round's column keys; a row that cannot be used is
        a finding (file and line), the rest are read."""
        out: dict = {}
        findings: list = list(self.notes)
        code_header = self.survey.summary["labels"]["region_code"]
        for table in TABLES:
            path = self.folder / f"{table}.csv"
            columns = {c.key: self.header(table, c.key, typed=True) for c in self.survey.sheet(table).columns}
            columns = {key: old for key, old in columns.items() if old}
            had = sorted(columns)
            for line, row in _rows(path, [code_header, columns[KEYS[table]]]):
                code = row[code_header].strip()
                values = {key: unneutralize(row[old]) for key, old in columns.items() if row.get(old)}
                if not code or not values.get(KEYS[table]):
                    findings.append(F.make("PREVIOUS_ROW_INVALID", file=path.name, row=line, line=line))
                    continue
                findings += [F.make("PREVIOUS_TEXT_TOO_LONG", file=path.name, row=line, line=line, value=code,
                                    label=self.survey.sheet(table).column(key).label, length=f"{len(text):,}",
                                    limit=f"{MAX_CELL:,}") for key, text in values.items() if len(text) > MAX_CELL]
                region = out.setdefault(code, RegionPrevious(self.round))
                region.rows.setdefault(table, []).append(values)
                region.columns[table] = had
        return out, findings

    def text_table(self, table: str):
        """Last round's *table* as a DataFrame of text as written (formula prefix taken
        off), its columns under this round's headers; columns not carried left out."""
        import pandas as pd

        path = self.folder / f"{table}.csv"
        _bounded(path)
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise PreviousRoundError(f"{path}: 読み込めません（{getattr(exc, 'strerror', None) or exc}）。") from None
        return self._renamed(table, frame.apply(lambda column: column.map(unneutralize)))

    def typed_tables(self, tables) -> dict:
        """:func:`~kpi_workbook.reading.round_frames.load_round` of last round's *tables*,
        each column typed as its package says and named as this round names it."""
        try:
            frames = load_round(self.folder, tables=tables)
        except KpiWorkbookError as exc:
            raise PreviousRoundError(str(exc)) from None
        out = {}
        for table, frame in frames.items():
            frame = self._renamed(table, frame)
            if table in self.names:  # this round's columns last round lacked: there, empty (never a KeyError)
                wanted = [c.label + end for c in self.survey.sheet(table).columns
                          for end in ("", self.survey.summary["typed_suffix"])]
                frame = frame.assign(**{label: None for label in wanted if label not in frame.columns})
            out[table] = frame
        return out

    def _renamed(self, table: str, frame):
        names = self.names.get(table)
        if names is None:  # a table of the tool's own (regions, findings...): as written
            return frame
        return frame[[c for c in frame.columns if c in names]].rename(columns=names)


def load_last_round(folder, survey) -> LastRound:
    """Read last round's CSV folder *folder* for *survey* (this round's definition), or
    PreviousRoundError naming the file: not a round's folder, another survey's, too large,
    or a table without its region code or record key."""
    folder = Path(folder)
    package = check_folder(folder, survey)
    out = LastRound(folder, package, survey)
    resources = {r.get("name"): r for r in package.get("resources", []) if isinstance(r, dict)}
    for table in record_tables(survey):
        path = folder / f"{table}.csv"
        header = _header(path) if table in TABLES or path.exists() else None
        if header is None:
            continue  # a table this round adds: nothing to carry
        fields = ((resources.get(table) or {}).get("schema") or {}).get("fields") or []
        names, notes = match_columns(survey, table, header, [f for f in fields if isinstance(f, dict)])
        out.names[table], out.notes = names, out.notes + notes
        needed = [survey.summary["labels"]["region_code"]] + (
            [survey.sheet(table).column(KEYS[table]).label + survey.summary["typed_suffix"]] if table in KEYS else [])
        missing = [n for n in needed if n not in names.values()]
        if missing:
            raise PreviousRoundError(f"{path}: 列「{'」「'.join(missing)}」がありません。")
    return out


def record_tables(survey) -> list:
    """The tables of a round's CSVs that hold what the clerks typed: one per sheet."""
    return [s.key for s in survey.sheets]


def match_columns(survey, table: str, header: list, fields: list) -> tuple[dict, list]:
    """``({last round's header: this round's}, notes)`` for last round's CSV of *table*.

    *fields* are its ``datapackage.json`` fields: a field with a ``key`` is matched by it
    (or by an old key the definition declares in ``was``); without keys (a folder written
    before they were recorded) a column is matched by its label, or an old label in ``was``.
    A described field without a key is a column of the tool's own (圏域コード, 行, 最新値...)
    and keeps its name; anything else is noted, never guessed at."""
    suffix = survey.summary["typed_suffix"]
    columns = survey.sheet(table).columns
    by_key: dict = {}
    for column in columns:
        for name in (column.key, *column.was):
            by_key.setdefault(name, column)
    by_label = {column.label: column for column in columns} | {old: column for column in columns for old in column.was}
    described = {f.get("name"): f for f in fields if isinstance(f.get("name"), str)}
    keyed = any(isinstance(f.get("key"), str) for f in described.values())
    twins = {name[:-len(suffix)] for name in header if suffix and name.endswith(suffix)}
    own = {survey.summary["labels"]["region_code"], ROW_LABEL, LATEST, LATEST_TIME}  # the tool's, described or not
    names, unmatched, dropped = {}, [], []
    for name in header:
        spec = described.get(name) or {}
        typed = bool(suffix) and name.endswith(suffix) and name[:-len(suffix)] in twins
        base = name[:-len(suffix)] if typed else name
        if isinstance(spec.get("key"), str):
            column = by_key.get(spec["key"])
            if column is None:
                dropped += [spec["key"]] if spec["key"] not in dropped else []
            else:
                names[name] = column.label + (suffix if spec.get("typed") else "")
        elif not keyed and by_label.get(base) is not None:
            names[name] = by_label[base].label + (suffix if typed else "")
        elif name in own or (spec and not (base in twins and not keyed)):
            names[name] = name  # the tool's own column
        elif base not in unmatched:
            unmatched.append(base)
    labels = {f.get("key"): f.get("name") for f in described.values() if f.get("key") and not f.get("typed")}
    notes = [F.make("PREVIOUS_COLUMN_UNMATCHED", file=f"{table}.csv", table=f"{table}.csv", value=base)
             for base in unmatched]
    notes += [F.make("PREVIOUS_COLUMN_DROPPED", file=f"{table}.csv", table=f"{table}.csv",
                     value=labels.get(key) or key) for key in dropped]
    return names, notes


def check_folder(folder, survey) -> dict:
    """Last round's datapackage.json, when *folder* is this survey's round; else PreviousRoundError."""
    folder = Path(folder)
    try:
        package = read_package(folder)
    except KpiWorkbookError as exc:
        raise PreviousRoundError(f"{exc} 前回の集計結果（consolidate --csv のフォルダ）を指定してください。") from None
    if package.get("name") != survey.id:
        raise PreviousRoundError(f"{folder / 'datapackage.json'}: 別の調査（{package.get('title') or package.get('name')}）"
                                 f"の集計結果です。この調査（{survey.title}）の前回の集計結果を指定してください。")
    return package


def _bounded(path: Path) -> None:
    try:
        round_file(path.parent, path.name)
    except KpiWorkbookError as exc:
        raise PreviousRoundError(str(exc)) from None


def _header(path: Path) -> list:
    _bounded(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise PreviousRoundError(f"{path}: 読み込めません（{getattr(exc, 'strerror', None) or exc}）。") from None


def _rows(path: Path, needed: list):
    """(line number, row) for each data line of a CSV that has every *needed* column."""
    _bounded(path)
    try:
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


def read_previous(folder, survey) -> tuple[dict, list]:
    """``({region code: RegionPrevious}, findings)`` from last round's CSV folder."""
    return load_last_round(folder, survey).regions()


def sheet_rows(previous: RegionPrevious) -> list:
    """The hidden sheet's rows: the round, the columns last round had (JSON), then one row
    per record (table, JSON of its values)."""
    out = [["round", previous.round]]
    if previous.columns:
        out.append(["columns", json.dumps(previous.columns, ensure_ascii=False, sort_keys=True)])
    for table in TABLES:
        for values in previous.rows.get(table, []):
            text = json.dumps(values, ensure_ascii=False, sort_keys=True)
            out.append([table, *(text[i:i + CHUNK] for i in range(0, len(text), CHUNK))])  # no cell limit applies
    return out


def parse_sheet(rows) -> RegionPrevious | None:
    """The hidden sheet read back; None when it is not one (a clerk cannot reach it)."""
    out = RegionPrevious()
    for row in rows:
        kind = row[0] if row else ""
        text = "".join(part for part in row[1:] if isinstance(part, str)) if len(row) > 1 else ""
        if kind == "round":
            out.round = str(text or "")
        elif kind == "columns" and isinstance(text, str):
            try:
                columns = json.loads(text)
            except ValueError:
                return None
            if isinstance(columns, dict):
                out.columns = {str(k): [str(c) for c in v] for k, v in columns.items() if isinstance(v, list)}
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
