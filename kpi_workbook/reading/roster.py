"""The roster: which regions take part, who they are (CSV in UTF-8 or cp932, or .xlsx).

Columns are found by their Japanese header labels, which come from the survey
definition (the 圏域情報 fields that have a ``prefill``), so roster and workbook always use
the same words.  A bad row is a finding with its line number; the other rows are used.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..core import findings as F
from ..core.errors import RosterError
from ..core.survey import Survey
from .reader import read_workbook

MAX_ROSTER_BYTES = 20_000_000  # a national roster is ~100 KB
_LIST_SPLIT = re.compile(r"[、，,・／/;；\n]+")


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    kind: str
    central: tuple
    members: tuple
    prefecture: str
    line: int = 0
    migrated: bool = False  # moved to the other regime (定住自立圏 → 連携中枢都市圏): not surveyed
    vision: bool = True     # its ビジョン adopted (counted in 概要's sentence); unknown counts as adopted

    def prefill(self, what: str) -> str:
        """The text a pre-filled 圏域情報 field shows."""
        return {"code": self.code, "name": self.name, "kind": self.kind,
                "central": "・".join(self.central), "members": "、".join(self.members),
                "prefecture": self.prefecture}[what]


def split_names(text: str) -> tuple:
    return tuple(p.strip() for p in _LIST_SPLIT.split(text or "") if p.strip())


def _clean(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def read_roster(path, survey: Survey) -> tuple[list[Region], list[F.Finding]]:
    """Parse the roster; return the usable regions (all regimes) and the row findings."""
    path = Path(path)
    rows = _read_rows(path)
    fields = [c for c in survey.sheet("region").columns if c.prefill]
    labels = {c.prefill: c.label for c in fields}
    if not rows:
        raise RosterError(f"{path.name}: 名簿が空です。")
    header = [_clean(h) for h in rows[0]]
    index = {}
    missing = []
    for what, label in labels.items():
        if label in header:
            index[what] = header.index(label)
        else:
            missing.append(label)
    if missing:
        raise RosterError(f"{path.name}: 名簿に列「{'」「'.join(missing)}」がありません（1行目に見出しが必要です）。")
    marks = _mark_columns(header, survey)
    regions: list = []
    findings: list = []
    seen: dict = {}
    for line, row in enumerate(rows[1:], start=2):
        values = {w: _clean(row[i]) if i < len(row) else "" for w, i in index.items()}
        if not any(values.values()):
            continue
        empty = [labels[w] for w in ("code", "name", "kind", "central", "prefecture") if not values[w]]
        if empty:
            findings.append(F.make("ROSTER_REQUIRED_EMPTY", file=path.name, row=line,
                                   label=empty[0], line=line))
            continue
        folded = unicodedata.normalize("NFKC", values["code"]).casefold()  # R01, r01, Ｒ０１: one file on Windows
        if folded in seen:
            findings.append(F.make("ROSTER_DUPLICATE_CODE", file=path.name, row=line,
                                   value=values["code"], line=line, first_line=seen[folded]))
            continue
        seen[folded] = line
        central = split_names(values["central"])
        members = split_names(values["members"])
        members = tuple(dict.fromkeys(central + members))  # central cities are members too
        regions.append(Region(values["code"], values["name"], values["kind"], central,
                              members, values["prefecture"], line, **_marks(row, marks, survey)))
    return regions, findings


def _mark_columns(header: list, survey: Survey) -> dict:
    """The optional columns: {"migrated" | "vision": index} for those the roster has."""
    words = survey.words
    labels = {"migrated": words.get("roster_migrated", ""), "vision": words.get("roster_vision", "")}
    return {what: header.index(label) for what, label in labels.items() if label and label in header}


def _marks(row: list, columns: dict, survey: Survey) -> dict:
    """Whether the region has moved to the other regime (its cell has the definition's mark
    or ○) and whether its vision is adopted (not, when the cell says one of the 'none' words)."""
    cells = {what: _clean(row[i]) if i < len(row) else "" for what, i in columns.items()}
    words = survey.words
    migrated = cells.get("migrated", "") in (words.get("roster_migrated_mark", ""), "○", "〇")
    vision = cells.get("vision", "") not in tuple(words.get("roster_vision_none", ()))
    return {"migrated": bool(cells.get("migrated")) and migrated, "vision": vision}


def regions_for(regions: list[Region], survey: Survey, source: str = "") -> tuple[list[Region], list]:
    """Keep the regions of the survey's regime that have not moved to the other; note the
    others."""
    keep, notes = [], []
    for region in regions:
        if region.kind == survey.regime and region.migrated:
            notes.append(F.make("ROSTER_MIGRATED", file=source, row=region.line, value=region.name,
                                line=region.line, regime=survey.regime))
        elif region.kind == survey.regime:
            keep.append(region)
        else:
            notes.append(F.make("ROSTER_OTHER_REGIME", file=source, row=region.line,
                                value=region.kind, line=region.line, regime=survey.regime))
    return keep, notes


def _read_rows(path: Path) -> list[list]:
    if not path.is_file():
        raise RosterError(f"名簿「{path}」が見つかりません。")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        workbook, problems = read_workbook(path)
        if workbook is None or not workbook.sheets:
            why = problems[0].message if problems else "シートがありません"
            raise RosterError(f"{path.name}: 名簿を読み込めません。{why}")
        first = next(iter(workbook.sheets.values()))
        return [list(r) for r in first.rows]
    if path.stat().st_size > MAX_ROSTER_BYTES:
        raise RosterError(f"{path.name}: 名簿が大きすぎます（{MAX_ROSTER_BYTES // 1_000_000} MB まで）。")
    text = _decode(path.read_bytes(), path)
    reader = csv.reader(io.StringIO(text))
    try:
        return list(reader)
    except csv.Error:  # a stray quote runs on until a field is too long, or the file ends
        raise RosterError(f"{path.name}: {reader.line_num}行目付近の書式が正しくありません"
                          "（引用符「\"」の閉じ忘れ、または長すぎる項目）。") from None


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterError(f"{path.name}: 文字コードを判別できません（UTF-8 または Shift_JIS で保存してください）。")
