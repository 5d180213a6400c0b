"""Survey definitions: load a templates/*.toml file into typed, validated objects.

A definition is data: sheet names, column labels, types, choices, guidance and the
policy taxonomy.  Python code refers to columns only by their *key* (``project_code``,
``kpi_no``...); :data:`CONTRACT` lists the keys the checking and consolidation code relies
on, so a definition that lacks one fails here, at load time, with the key named.
See docs/survey-format.md for the format.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.resources
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from .csv_files import KPI_LIST_LABELS, LATEST, LATEST_TIME, ROW_LABEL
from .definition_schema import required, validate
from .definition_source import DEFINITION_FILE, read_definition
from .errors import DefinitionError
from .kinds import ColumnType, SheetKind

# The bundled definitions: templates/ in the checkout, installed as kpi_workbook.surveys
# (setup.cfg maps the one onto the other, so there is a single copy).  Installed packages
# are plain directories, so the resource is a real path (``extends`` needs one).
TEMPLATES_DIR = Path(str(importlib.resources.files("kpi_workbook.surveys")))

TYPES = frozenset(ColumnType)  # a column's type, by name

# Column keys the Python code relies on, per sheet key.
CONTRACT = {
    "region": {"region_code", "region_name", "region_kind", "central_city", "members",
               "prefecture"},
    "projects": {"project_code", "project_name", "summary", "category", "start_year", "legal_basis",
                 "related_plans", "staff_regular", "staff_fiscal", "output", "viewpoints", "issues",
                 "direction_of_improvement", "expected_effect"},  # the 事務事業評価 block shows them
    "costs": {"project_code", "stage", "fiscal_year", "cost", "national", "prefectural",
              "bonds", "other", "general", "tax_allocation"},
    "kpis": {"kpi_no", "project_code", "category", "name", "kind", "unit", "direction",
             "baseline", "baseline_time", "target", "target_time", "latest",
             "latest_time", "cooperation", "review"},
    "actuals": {"kpi_no", "time", "value"},
}
SURVEY_KEYS = ("id", "version", "name", "title", "regime", "round")
# 事業費 = the sum of these columns of the costs sheet (交付税措置 is a rate, not added).
COST_PARTS = ("national", "prefectural", "bonds", "other", "general")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    type: ColumnType
    required: bool = False
    unique: bool = False
    width: float = 12
    summary_width: float = 0  # its width in the summary's lists (0: its width)
    message: str = ""
    choices: tuple = ()
    choice_list: str = ""  # name in [choices] the values came from
    choices_from: str = ""
    multiple: bool = False
    unit: str = ""
    unit_column: str = ""
    unit_from: str = ""
    references: str = ""
    prefill: str = ""
    was: tuple = ()  # its old keys or labels: last round's column of that key or label carries into this one
    public: bool = True  # False: personal data, in the coordinator's summary but not in the open-data CSVs


@dataclass(frozen=True)
class Sheet:
    key: str
    name: str
    kind: SheetKind  # FORM (label/value rows) or TABLE (header row + one record per row)
    title: str
    columns: tuple
    rows: int = 200

    @functools.cached_property
    def required_columns(self) -> tuple:
        return tuple(c for c in self.columns if c.required)

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)


@dataclass(frozen=True)
class Node:
    code: str
    label: str
    parent: str = ""


@dataclass(frozen=True)
class Taxonomy:
    title: str
    nodes: tuple

    _by_code: dict = field(init=False, repr=False, compare=False)  # code -> Node, made from nodes

    def __post_init__(self):
        object.__setattr__(self, "_by_code", {n.code: n for n in self.nodes})

    @property
    def roles(self) -> list[Node]:
        return [n for n in self.nodes if not n.parent]

    @property
    def leaves(self) -> list[Node]:
        parents = {n.parent for n in self.nodes}
        return [n for n in self.nodes if n.code not in parents]

    def tallied(self, extra=()) -> list[Node]:
        """The nodes KPIs are counted under, in order: every role (its KPIs set for the role
        as a whole), every leaf, and any other field in *extra* (where some KPI was set)."""
        parents = {n.parent for n in self.nodes}
        return [n for n in self.nodes if not n.parent or n.code not in parents or n.code in extra]

    def get(self, code: str) -> Node | None:
        return self._by_code.get(code)

    def role_of(self, code: str) -> str:
        node = self._by_code.get(code)
        while node is not None and node.parent:
            node = self._by_code.get(node.parent)
        return node.code if node else ""

    def chain(self, code: str) -> list[Node]:
        """The node and its ancestors, root first."""
        out: list = []
        node = self._by_code.get(code)
        while node is not None:
            out.insert(0, node)
            node = self._by_code.get(node.parent) if node.parent else None
        return out

    def display(self, code: str) -> str:
        node = self._by_code.get(code)
        return f"{code} {node.label}" if node else code


@dataclass(frozen=True)
class Survey:
    id: str
    version: str
    name: str
    title: str
    regime: str
    round: str
    author: str
    font: str
    required_legend: str
    locked_note: str
    taxonomy: Taxonomy
    choices: dict
    guide: dict
    sheets: tuple
    words: dict
    progress: dict
    national_kpis: tuple
    summary: dict
    rounds: dict = field(default_factory=dict)  # [rounds]: 見直し状況 words, what is compared, the jump
    path: str = ""
    raw: dict = field(default_factory=dict, repr=False, compare=False)
    as_of: str = ""  # the date the round's figures stand at (seed 002: 令和2年3月末); "" = the summary's date
    deadline: str = ""  # 提出期限 (YYYY-MM-DD or as worded), shown on 記入要領; generate --deadline
    contact: str = ""  # 問い合わせ先, shown on 記入要領; generate --contact
    license: dict = field(default_factory=dict)  # the results' licence (datapackage.json): name, title, path
    meanings: dict = field(default_factory=dict)  # [meanings]: choices by what they mean (direction, kpi_kind)
    calendar: str = "和暦"  # 和暦 or 西暦: how every sheet and page shows a time
    chart_from_zero: bool = True  # the site's progress charts: an axis from zero, or near the figures

    def for_round(self, round_: str | None = None, deadline: str | None = None,
                  contact: str | None = None) -> "Survey":
        """This survey for one round (``--round``, ``--deadline``, ``--contact``): the same
        definition with the round's name, deadline and contact where given."""
        if not (round_ or deadline or contact):
            return self
        return dataclasses.replace(self, round=round_ or self.round, deadline=deadline or self.deadline,
                                   contact=contact or self.contact)

    def sheet(self, key: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.key == key:
                return sheet
        raise KeyError(key)

    def derived(self, key, make):
        """What is worked out once from this definition (a column's converter, a table's
        columns): ``make()`` the first time *key* is asked for, kept with the survey after.
        A survey is loaded once per run and travels to every worker, so this is the run's
        cache, never a module's; it is not pickled (each process works its own out), and
        :meth:`for_round` starts a new one."""
        cache = self.__dict__.setdefault("_derived", {})  # frozen: the instance dict, as cached_property
        made = cache.get(key)
        if made is None:
            made = cache[key] = make()
        return made

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_derived", None)  # functions made here do not travel
        return state

    @functools.cached_property
    def no_value(self) -> tuple:
        """What clerks type for "no figure" (－, 未定, …)."""
        return tuple(self.words.get("no_value", ()))

    @property
    def fingerprint(self) -> str:
        """A digest of the layout `check` relies on: sheet names and column labels."""
        layout = [self.id, [[s.name, s.kind, [c.label for c in s.columns]]
                            for s in self.sheets]]
        text = json.dumps(layout, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def choice_values(self, column: Column, members: list[str] | None = None) -> list[str]:
        """The allowed values of a choice column (as they appear in the dropdown)."""
        if column.choices_from == "taxonomy_leaves":
            return [self.taxonomy.display(n.code) for n in self.taxonomy.leaves]
        if column.choices_from == "taxonomy_all":
            return [self.taxonomy.display(n.code) for n in self.taxonomy.nodes]
        if column.choices_from == "members":
            return list(members or [])
        return list(column.choices)

    def choice_codes(self, column: Column) -> list[str]:
        """The canonical values a choice column normalizes to (taxonomy: the codes)."""
        if column.choices_from == "taxonomy_leaves":
            return [n.code for n in self.taxonomy.leaves]
        if column.choices_from == "taxonomy_all":
            return [n.code for n in self.taxonomy.nodes]
        return list(column.choices)


# --------------------------------------------------------------------------- loading

def available() -> list[str]:
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.toml"))


def definitions(folder=None) -> list[Survey]:
    """The installed definitions, then each definition in *folder* (the coordinator's
    definitions folder: ``--definitions`` or round.toml's ``definitions``), loaded."""
    paths = [TEMPLATES_DIR / f"{name}.toml" for name in available()]
    if folder:
        if not Path(folder).is_dir():
            raise DefinitionError(f"定義のフォルダ「{folder}」が見つかりません")
        paths += sorted(p for p in Path(folder).glob("*.toml") if p.name != "round.toml")
        paths += [p for p in (Path(folder) / DEFINITION_FILE,) if p.is_file()]
    return [load_survey(path) for path in paths]


def as_json(survey: Survey) -> str:
    """The definition as a round's CSV folder carries it (:data:`DEFINITION_FILE`): merged, with its round."""
    data = dict(survey.raw, survey=dict(survey.raw.get("survey", {}), round=survey.round))
    return json.dumps(data, ensure_ascii=False, indent=1)


def find_definition(survey_id: str, version: str, folder=None) -> Survey | None:
    """The definition of *survey_id* at *version* among :func:`definitions`, or None."""
    return next((d for d in definitions(folder) if d.id == survey_id and d.version == version), None)


def resolve(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if path.suffix in (".toml", ".json") and path.is_file():
        return path
    candidate = TEMPLATES_DIR / f"{name_or_path}.toml"
    if candidate.is_file():
        return candidate
    raise DefinitionError(
        f"調査の定義「{name_or_path}」が見つかりません。指定できる調査：{', '.join(available())}")


def load_survey(name_or_path: str | Path) -> Survey:
    """Load and validate one survey definition by name (templates/NAME.toml) or path."""
    path = resolve(name_or_path).resolve()
    return _load_cached(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _load_cached(path: str, _mtime: int) -> Survey:
    data, files = read_definition(Path(path), installed=TEMPLATES_DIR)
    if any(f.resolve().parent != TEMPLATES_DIR.resolve() for f in files):
        validate(data, files)  # the installed definitions are validated by the tests: a command starts 40 ms sooner
    return _build(data, path)


class _Ctx:
    """Carries the file name so every error names the file and the key path."""

    def __init__(self, source: str):
        self.source = Path(source).name

    def fail(self, where: str, what: str) -> NoReturn:
        raise DefinitionError(f"{self.source}: {where}: {what}")

    def get(self, table: dict, key: str, where: str, kind=str, required=True, default=None):
        if key not in table:
            if required:
                self.fail(f"{where}.{key}" if where else key, "必須のキーがありません")
            return default
        value = table[key]
        if kind is not None and not isinstance(value, kind):
            self.fail(f"{where}.{key}" if where else key,
                      f"値の型が違います（{type(value).__name__}、期待：{_kind_name(kind)}）")
        return value


def _kind_name(kind) -> str:
    names = {str: "文字列", int: "整数", bool: "true/false", list: "配列", dict: "テーブル"}
    if isinstance(kind, tuple):
        return "・".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def _build(data: dict, source: str) -> Survey:
    """The Survey of *data* (valid against the schema): what the schema cannot say —
    the KPI model's sheets and columns, references between them, meanings among the choices."""
    ctx = _Ctx(source)
    head = ctx.get(data, "survey", "", dict)
    for key in SURVEY_KEYS:
        ctx.get(head, key, "survey")
    taxonomy = _build_taxonomy(ctx, ctx.get(data, "taxonomy", "", dict))
    choices = ctx.get(data, "choices", "", dict, required=False, default={})
    for name, values in choices.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            ctx.fail(f"choices.{name}", "文字列の配列にしてください")
    sheets = tuple(_build_sheet(ctx, s, i, choices)
                   for i, s in enumerate(ctx.get(data, "sheet", "", list)))
    _check_contract(ctx, sheets)
    meanings = _build_meanings(ctx, data["meanings"], sheets)
    summary = _build_summary(ctx, ctx.get(data, "summary", "", dict))
    _check_own_names(ctx, sheets, summary)
    taken = set(summary["sheets"].values())
    for sheet in sheets:
        if sheet.kind == "form" or sheet.key not in CONTRACT:  # listed in the summary under its own name
            if sheet.name in taken:
                ctx.fail(f"sheet({sheet.key}).name", f"「{sheet.name}」は集計結果のシート名と重なります")
    guide = ctx.get(data, "guide", "", dict)
    progress = ctx.get(data, "progress", "", dict, required=False, default={})
    legend = summary.get("progress_legend")
    unexplained = [label for label in progress.values() if legend and label not in legend]
    if unexplained:
        ctx.fail("summary.progress_legend", f"区分「{'」「'.join(unexplained)}」の説明がありません")
    return Survey(
        id=head["id"], version=str(head["version"]), name=head["name"], title=head["title"],
        regime=head["regime"], round=head["round"], author=head.get("author", ""), as_of=head.get("as_of", ""),
        font=head.get("font", "游ゴシック"),
        required_legend=head.get("required_legend", ""),
        locked_note=head.get("locked_note", ""),
        deadline=str(head.get("deadline", "")), contact=head.get("contact", ""), license=_license(ctx, head),
        taxonomy=taxonomy, choices=choices, guide=guide, sheets=sheets,
        words=ctx.get(data, "words", "", dict, required=False, default={}),
        progress=progress, calendar=head.get("calendar", "和暦"), chart_from_zero=head.get("chart_from_zero", True),
        rounds=_build_rounds(ctx, ctx.get(data, "rounds", "", dict, required=False, default={}), sheets),
        national_kpis=tuple(ctx.get(data, "national_kpi", "", list, required=False,
                                    default=[])),
        summary=summary, meanings=meanings,
        path=source, raw=data)


def _license(ctx: _Ctx, head: dict) -> dict:
    """[survey] license: the results' licence, as datapackage.json's ``licenses`` says it."""
    value = ctx.get(head, "license", "survey", dict, required=False, default={})
    if value and not all(isinstance(value.get(k, ""), str) for k in ("name", "title", "path")):
        ctx.fail("survey.license", "name・title・path は文字列にしてください")
    if value and not (value.get("name") or value.get("path")):
        ctx.fail("survey.license", "name か path のどちらかが必要です")
    return value


# The [summary] keys the code reads: the schema's required keys (tests/test_survey_contract.py keeps them whole).
SUMMARY_SHEETS = required("summary", "sheets")
SUMMARY_LABELS = required("summary", "labels")
SUMMARY_TEXTS = tuple(k for k in required("summary") if k not in ("sheets", "labels"))


ROUNDS_TEXTS = ("continued", "revised", "new", "abolished")  # the 見直し状況 choices, by meaning


def _build_rounds(ctx: _Ctx, table: dict, sheets: tuple) -> dict:
    """[rounds]: the 見直し状況 words, the KPI fields compared with last round, and the
    change in a yearly actual (percent) that asks for an explanation.  The KPI sheet must
    have 見直し状況 (``review``) and every compared column."""
    if not table:
        return {}
    for key in ROUNDS_TEXTS:
        ctx.get(table, key, "rounds")
    compared = ctx.get(table, "compared", "rounds", list)
    ctx.get(table, "jump_percent", "rounds", (int, float))
    kpis = {c.key for s in sheets if s.key == "kpis" for c in s.columns}
    missing = sorted({"review", *map(str, compared)} - kpis)
    if missing:
        ctx.fail("rounds.compared", f"KPIのシートに列 {', '.join(missing)} が必要です")
    return table


def _check_own_names(ctx: _Ctx, sheets: tuple, summary: dict) -> None:
    """A table's column may not take the name of a column the tool adds to its CSV and list
    (圏域コード, 行, 最新値…), nor end as a column's as-typed twin does: the CSV would have two."""
    every = {ROW_LABEL, summary["labels"]["region_code"], summary["labels"]["region_name"]}
    kpis = every | {LATEST, LATEST_TIME, *(summary["labels"][key] for key in KPI_LIST_LABELS)}
    suffix = summary["typed_suffix"]
    for sheet in sheets:
        own = kpis if sheet.key == "kpis" else every
        for column in sheet.columns if sheet.kind == "table" else ():
            if column.label in own or (suffix and column.label.endswith(suffix)):
                ctx.fail(f"sheet({sheet.key}).{column.key}.label",
                         f"「{column.label}」は集計結果の表でツールが使う列名（または「{suffix}」で終わる名前）のため使えません")


def _build_meanings(ctx: _Ctx, table: dict, sheets: tuple) -> dict:
    """[meanings]: each value one of its column's choices, each choice given a meaning
    (so neither the order of a list nor a choice added to it can change a result unseen)."""
    kpis = next(s for s in sheets if s.key == "kpis")
    for name, column_key in (("direction", "direction"), ("kpi_kind", "kind")):
        choices = kpis.column(column_key).choices
        given = table[name]
        for meaning, value in given.items():
            if value not in choices:
                ctx.fail(f"meanings.{name}.{meaning}",
                         f"「{value}」は列「{kpis.column(column_key).label}」の選択肢（{'、'.join(choices)}）にありません")
        unmeant = [c for c in choices if c not in given.values()]
        if unmeant:
            ctx.fail(f"meanings.{name}", f"選択肢「{'」「'.join(unmeant)}」の意味がありません")
    return table


def _build_summary(ctx: _Ctx, table: dict) -> dict:
    for key in SUMMARY_TEXTS:
        ctx.get(table, key, "summary")
    sheets = ctx.get(table, "sheets", "summary", dict)
    for key in SUMMARY_SHEETS:
        ctx.get(sheets, key, "summary.sheets")
    labels = ctx.get(table, "labels", "summary", dict)
    for key in SUMMARY_LABELS:
        ctx.get(labels, key, "summary.labels")
    return table


def _build_taxonomy(ctx: _Ctx, table: dict) -> Taxonomy:
    nodes, seen = [], set()
    for i, raw in enumerate(ctx.get(table, "node", "taxonomy", list)):
        where = f"taxonomy.node[{i}]"
        if not isinstance(raw, dict):
            ctx.fail(where, "テーブルにしてください")
        code = ctx.get(raw, "code", where)
        if code in seen:
            ctx.fail(where, f"code「{code}」が重複しています")
        parent = ctx.get(raw, "parent", where, required=False, default="")
        if parent and parent not in seen:
            ctx.fail(where, f"parent「{parent}」が前に定義されていません")
        seen.add(code)
        nodes.append(Node(code, ctx.get(raw, "label", where), parent))
    if not nodes:
        ctx.fail("taxonomy.node", "分類が1つもありません")
    return Taxonomy(ctx.get(table, "title", "taxonomy", required=False, default=""),
                    tuple(nodes))


_COLUMN_FIELDS = frozenset(f.name for f in dataclasses.fields(Column)) - {"choices", "choice_list", "type", "was"}


def _build_column(ctx: _Ctx, raw: dict, where: str, choices: dict) -> Column:
    """A column of a definition valid against the schema (keys and types): its choices resolved."""
    ctype = raw["type"]
    values: tuple = ()
    if "choices" in raw:
        if raw["choices"] not in choices:
            ctx.fail(f"{where}.choices", f"選択肢「{raw['choices']}」が [choices] にありません")
        values = tuple(choices[raw["choices"]])
    if ctype in ("choice", "multichoice") and not values and not raw.get("choices_from"):
        ctx.fail(where, "選択肢の列には choices か choices_from が必要です")
    if ctype == "flag":
        values = tuple(choices.get("flag", ["○"]))
    was = raw.get("was", ())
    return Column(type=ColumnType(ctype), choices=values, choice_list=raw.get("choices", "flag" if ctype == "flag" else ""),
                  was=(was,) if isinstance(was, str) else tuple(was),
                  **{k: v for k, v in raw.items() if k in _COLUMN_FIELDS})


def _build_sheet(ctx: _Ctx, raw: dict, index: int, choices: dict) -> Sheet:
    where = f"sheet[{index}]"
    if not isinstance(raw, dict):
        ctx.fail(where, "テーブルにしてください")
    key = ctx.get(raw, "key", where)
    kind = ctx.get(raw, "kind", where)
    if kind not in frozenset(SheetKind):
        ctx.fail(f"{where}.kind", "form か table を指定してください")
    kind = SheetKind(kind)
    items = ctx.get(raw, "field" if kind == "form" else "column", where, list)
    columns = tuple(_build_column(ctx, c, f"{where}({key}).{'field' if kind == 'form' else 'column'}[{i}]", choices)
                    for i, c in enumerate(items))
    seen_keys, seen_labels = set(), set()
    for col in columns:
        if col.key in seen_keys or col.label in seen_labels:
            ctx.fail(f"{where}({key})", f"列「{col.key} / {col.label}」が重複しています")
        seen_keys.add(col.key)
        seen_labels.add(col.label)
    name = ctx.get(raw, "name", where)
    if len(name) > 31 or any(ch in name for ch in "[]:*?/\\"):
        ctx.fail(f"{where}.name", f"「{name}」はExcelのシート名に使えません")
    rows = ctx.get(raw, "rows", where, int, required=False, default=200)
    return Sheet(key=key, name=name, kind=kind, title=raw.get("title", name),
                 columns=columns, rows=rows)


def _check_contract(ctx: _Ctx, sheets: tuple) -> None:
    by_key = {s.key: s for s in sheets}
    for sheet_key, needed in CONTRACT.items():
        sheet = by_key.get(sheet_key)
        if sheet is None:
            ctx.fail("sheet", f"key =「{sheet_key}」のシートが必要です")
        missing = needed - {c.key for c in sheet.columns}
        if missing:
            ctx.fail(f"sheet({sheet_key})", f"列 {', '.join(sorted(missing))} が必要です")
    for sheet in sheets:
        for col in sheet.columns:
            target = col.references or col.unit_from
            if target:
                tsheet, _, tkey = target.partition(".")
                if tsheet not in by_key or tkey not in {c.key for c in by_key[tsheet].columns}:
                    ctx.fail(f"sheet({sheet.key}).{col.key}", f"参照先「{target}」がありません")
            if col.unit_column and col.unit_column not in {c.key for c in sheet.columns}:
                ctx.fail(f"sheet({sheet.key}).{col.key}.unit_column", "同じシートにない列です")
