"""``publish``: a round's CSVs (a ``consolidate --csv`` folder) as a static web report
(見える化) that opens from a USB stick or any web server, with no network access; with
last round's CSVs (*previous*), what changed since then too.

The pages are Jinja2 templates in ``kpi_workbook/publishing/templates/`` (their wording is theirs, the
survey's comes from its definition and from 概要 as consolidate wrote it into
datapackage.json); the charts are :mod:`kpi_workbook.publishing.charts`' inline SVG; the KPI table
filters and sorts in the browser (``templates/site.js``, local).  The site is written into a
temporary folder beside *out* and moved into place when complete; an existing non-empty
*out* is replaced only with *force*, and never when it holds an input.
"""
from __future__ import annotations

import json
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from ..consolidation.round_comparison import compare_rounds, per_region, read_table, shown_revisions
from ..consolidation.summary_sheets import japanese_time, revisions_sentence
from ..consolidation.table_specs import LATEST, LATEST_TIME
from ..core.csv_files import read_package
from ..core.errors import KpiWorkbookError
from ..core.filenames import inside, portable_names
from ..core.shown_text import visible
from ..core.values import time_in
from ..core.outputs import writable, write_failures
from ..core.survey import find_definition, load_survey
from ..reading.last_round import LastRound, load_last_round
from ..reading.round_frames import load_round
from .charts import bar_chart, progress_panel, share_chart
from .site_folder import PublishError, check_target, new_folder, publish_data, published_resources, put_in_place

SITE = Path(__file__).resolve().parent / "templates"
MAX_DIGITS = 30  # a figure with more digits than this is shown as written (never expanded digit by digit)
TABLES = ("regions", "projects", "kpis", "actuals")
ONE_PAGE_UP_TO = 10_000  # KPIs: a real round's (34–170 regions) KPI一覧 is one page
FIRST_ROWS, PART_ROWS = 1_000, 2_500  # a larger one: the rows kpis.html shows at once; each part after


def publish(csv_dir, out, survey=None, force: bool = False, previous=None, progress=None,
            definitions=None) -> Path:
    """Write the site for the round in *csv_dir* (compared with the round in *previous*,
    when given) to *out*; return *out*.  *progress* (done, total) is called as pages are written.
    Without *survey*, the definition is the one the round's datapackage.json names (survey id
    and version), among the installed ones and those in the folder *definitions*."""
    folder, out = Path(csv_dir), Path(out)
    definition = _definition(folder, survey, definitions)
    check_target(out, force, [folder, *([Path(previous)] if previous else [])])
    writable(out.parent)  # before anything is read: a long run never fails at its end
    package, frames = _round(folder, definition)
    before = load_last_round(previous, definition) if previous else None
    data = site_data(frames, definition, package)
    if before:
        data["comparison"] = comparison_data(folder, before, data, definition)
    with write_failures("ウェブ報告", kept="出力先は元のままです", place=out):
        work = new_folder(out)
        try:
            _write_site(work, folder, data, definition, package, progress)
            put_in_place(work, out)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return out


def _definition(folder: Path, survey, definitions):
    if hasattr(survey, "sheets"):
        return survey
    if survey:
        return load_survey(survey)
    package = _package(folder)
    name, version = str(package.get("name", "")), str(package.get("version", ""))
    found = find_definition(name, version, definitions) or find_definition(name, version, folder)  # its own copy
    if found is None:
        raise PublishError(f"{folder / 'datapackage.json'}: 調査「{package.get('name')}」の版 {package.get('version')} の"
                           "集計結果ですが、その定義が見つかりません。定義ファイルを --survey で、または定義を置いた"
                           "フォルダを --definitions で指定してください。")
    return found


def _package(folder: Path) -> dict:
    try:
        return read_package(folder)
    except KpiWorkbookError as exc:
        raise PublishError(str(exc)) from None


def _round(folder: Path, survey) -> tuple:
    """(datapackage.json, {table: DataFrame}) of a ``consolidate --csv`` folder of *survey*."""
    package = _package(folder)
    if package.get("name") != survey.id:
        title = package.get("title") or package.get("name")
        raise PublishError(f"{folder / 'datapackage.json'}: 別の調査（{title}）の集計結果です。--survey を確かめてください。")
    package = dict(package, resources=published_resources(folder, package, survey))  # only the tool's tables
    frames = load_round(folder, tables=TABLES)
    missing = [t for t in TABLES if t not in frames]
    if missing:
        raise PublishError(f"{folder}: {'、'.join(t + '.csv' for t in missing)} がありません。")
    return package, frames


def _write_site(work: Path, folder: Path, data: dict, survey, package: dict, progress) -> None:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(SITE)), autoescape=True, finalize=visible,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["num"] = number_text
    env.filters["jst"] = lambda stamp: _japanese_time(stamp, survey.calendar) or stamp  # as 概要's 集計日時 says it
    env.filters["when"] = lambda text: time_in(text, survey.calendar)  # 2016年度 → 平成28年度 (a 和暦 survey)
    region_page, leaf_page = _page_names([r["code"] for r in data["regions"]]), _page_names(data["leaf_codes"])
    env.filters["region_page"], env.filters["leaf_page"] = region_page, leaf_page
    env.filters["pct"] = lambda value: "" if value is None or value != value else f"{float(value):.1f}%"
    for sub in ("regions", "leaves"):
        (work / sub).mkdir()
    for name in ("site.css", "site.js"):
        shutil.copyfile(SITE / name, work / name)
    publish_data(folder, work / "data", package, survey)
    common = {"survey": survey, "round": data["round"], "L": survey.summary["labels"], "data": data}
    leaves = data["leaves"]
    chart = bar_chart([visible(leaf["code"]) for leaf in leaves], [leaf["regions"] for leaf in leaves],
                      survey.summary["labels"]["set_regions"])

    pages = 2 + ("comparison" in data) + len(leaves) + len(data["regions"])
    total, done = pages + len(_parts(data["kpis"])[1]), [0]

    def tick() -> None:
        done[0] += 1
        if progress:
            progress(done[0], total)

    def page(path: str, template: str, **context) -> None:
        stream = env.get_template(template).stream(**common, **context)  # in pieces: kpis.html is large
        stream.enable_buffering(512)
        folder_name, _, name = path.rpartition("/")
        with open(inside(work / folder_name, name), "w", encoding="utf-8", newline="\n") as fh:
            stream.dump(fh)  # type: ignore[arg-type]  # a text file: jinja2 writes str to it
        tick()

    roles = data["roles"]
    statuses = list(survey.progress.values())
    by_role = {role.code: [k["status"] for k in data["kpis"] if survey.taxonomy.role_of(k["category"]) == role.code]
               for role in roles}
    shares = share_chart([visible(f"{role.code} {role.label}") for role in roles],
                         [(status, [by_role[role.code].count(status) for role in roles]) for status in statuses],
                         "%")  # the heading and caption on the page say of what
    page("index.html", "index.html", chart=chart, shares=shares, up="")
    _kpi_list(work, env, common, data["kpis"], page, tick)
    if "comparison" in data:
        page("changes.html", "changes.html", up="")
    for leaf in leaves:
        page(f"leaves/{leaf_page(leaf['code'])}.html", "leaf.html", leaf=leaf, up="../")
    for region in data["regions"]:
        panels = [(k, panel) for k in region["kpis"]
                  if (panel := progress_panel(k, region["series"].get(k["no"], []), survey.calendar,
                                              survey.chart_from_zero))]
        page(f"regions/{region_page(region['code'])}.html", "region.html", region=region, panels=panels, up="../")


def _parts(kpis: list) -> tuple:
    """(kpis.html's own rows, the parts loaded after it): a real round's list is one page;
    a larger one shows its first rows at once and loads the rest in parts."""
    if len(kpis) <= ONE_PAGE_UP_TO:
        return kpis, []
    rest = kpis[FIRST_ROWS:]
    return kpis[:FIRST_ROWS], [rest[i:i + PART_ROWS] for i in range(0, len(rest), PART_ROWS)]


def _kpi_list(work: Path, env, common: dict, kpis: list, page, tick) -> None:
    """kpis.html, and for a large round its parts (kpis/N.js: the rows as kpi_rows.html
    writes them, handed to site.js, which adds them to the table; file:// allows scripts
    where it forbids fetching data)."""
    head, parts = _parts(kpis)
    names = [f"kpis/{n}.js" for n in range(1, len(parts) + 1)]
    page("kpis.html", "kpis.html", rows=head, parts=names, up="")
    if parts:
        (work / "kpis").mkdir()
    rows = env.get_template("kpi_rows.html")
    for name, part in zip(names, parts):
        html = rows.render(**common, rows=part, up="")
        script = f"kpiPart({json.dumps(html, ensure_ascii=False)});\n"
        inside(work / "kpis", name.rpartition("/")[2]).write_text(script, encoding="utf-8", newline="\n")
        tick()


def _japanese_time(stamp, calendar: str) -> str:
    """An ISO time from datapackage.json as 令和8年12月5日 15:54 (Japan time); "" if it is none."""
    try:
        return japanese_time(str(stamp), calendar)
    except (ValueError, TypeError, OverflowError):
        return ""


def _page_names(codes):
    """code -> its page's file name (without .html): :func:`~kpi_workbook.core.filenames.portable_names`
    of the codes the site has pages for; any other code (a link to a page not made) the same way."""
    names = portable_names(sorted(codes))
    return lambda code: names.get(code) or portable_names([str(code)])[str(code)]


def number_text(value, unit: str = "") -> str:
    """A figure as the workbook shows it: 1,084人, 77.8; a text as it is; empty for none."""
    if value is None or value != value:  # None or NaN
        return ""
    try:
        number = Decimal(str(value).strip()) if str(value).strip() else None
    except ArithmeticError:  # a text (令和5年度): as it is
        return str(value)
    if number is None or not number.is_finite() or abs(number.adjusted()) > MAX_DIGITS:
        return str(value)  # 1e999999999 is shown as written, never expanded
    text = f"{number:,f}".rstrip("0").rstrip(".") if number != number.to_integral_value() else f"{int(number):,}"
    return f"{text}{unit or ''}"


def _records(frame) -> list:
    """A DataFrame's rows as dicts of plain values (NaN / <NA> → None)."""
    return [{k: (None if v != v else v) for k, v in row.items()} for row in frame.to_dict("records")]


def site_data(frames: dict, survey, package: dict) -> dict:
    """What the pages show, from the round's tables (plain Python values)."""
    L, taxonomy = survey.summary["labels"], survey.taxonomy
    code = L["region_code"]
    regions_frame = frames["regions"]
    _unique(regions_frame, [code], "regions.csv")
    _unique(frames["kpis"], [code, survey.sheet("kpis").column("kpi_no").label], "kpis.csv")
    names = dict(zip(regions_frame[code], regions_frame[L["region_name"]]))
    col = _kpi_labels(survey)
    rows = [_kpi(r, col, code, names, L) for r in _records(frames["kpis"])]
    projects = _projects(frames["projects"], survey, code)
    project_code = survey.sheet("kpis").column("project_code").label
    by_region, by_leaf, projects_of = defaultdict(list), defaultdict(list), defaultdict(list)
    for k, number in zip(rows, frames["kpis"][project_code]):
        k["project"] = projects.get((k["region"], number)) or {"name": "", "summary": "", "kpis": 0}
        k["project"]["kpis"] += 1
        by_region[k["region"]].append(k)
        by_leaf[k["category"]].append(k)
    for (region, _), project in projects.items():
        projects_of[region].append(project)
    series = _series(frames["actuals"], survey, code)
    ends = {node.code for node in taxonomy.leaves}
    leaves = [_leaf(node, by_leaf[node.code], len(names), taxonomy, "" if node.code in ends else L["field_level"])
              for node in taxonomy.tallied(extra=by_leaf)]
    regions = [{"code": r[code], "name": r[L["region_name"]], "status": r[L["status"]], "errors": r[L["errors"]],
                "kpis": by_region[r[code]], "series": series.get(r[code], {}), "projects": projects_of[r[code]],
                "leaves": sorted({k["category"] for k in by_region[r[code]] if k["category"]})}
               for r in _records(regions_frame)]
    overview = package.get("overview") or {}
    with_kpi = len(by_region)
    headline = overview.get("headline") if isinstance(overview.get("headline"), str) else ""
    headline = headline or survey.summary["headline"].format(regime=survey.regime, regions=len(names), excluded="",
                                                             with_kpi=with_kpi)
    figures = [f for f in overview.get("figures") or [] if isinstance(f, dict) and isinstance(f.get("label"), str)] \
        if isinstance(overview.get("figures"), list) else []  # 概要 as written; anything else is left out
    return {"round": package.get("round", survey.round), "regions": regions, "kpis": rows, "leaves": leaves,
            "leaf_codes": {leaf["code"] for leaf in leaves}, "leaf_by_code": {leaf["code"]: leaf for leaf in leaves},
            "heading_codes": {n.code for n in taxonomy.nodes} - ends,
            "headline": headline, "figures": figures, "revisions_sentence": "",
            "roles": [n for n in taxonomy.nodes if not n.parent], "with_kpi": with_kpi,
            "resources": package.get("resources", []), "licenses": package.get("licenses", []),
            "created": package.get("created", ""), "names": names}


def _unique(frame, columns: list, name: str) -> None:
    """A round's table whose key repeats (two regions of one code) is refused by name: one
    page would show two regions."""
    repeated = frame[frame.duplicated(columns, keep=False)]
    if len(repeated):
        first = "・".join(str(v) for v in repeated.iloc[0][columns])
        raise PublishError(f"{name}: 「{'・'.join(columns)}」が重複しています（{first} など{len(repeated)}行）。"
                           "集計結果のCSVを確認してください。")


def _projects(projects, survey, code: str) -> dict:
    """{(region, project code): its code, 事業名, 事業の概要 and 取組分類}, in the CSV's order:
    what a KPI measures (seed 001's 取組事例)."""
    sheet = survey.sheet("projects")
    columns = [projects[sheet.column(k).label].astype(object).fillna("")
               for k in ("project_code", "project_name", "summary", "category")]
    return {(region, number): {"code": number, "name": name, "summary": summary, "category": str(category), "kpis": 0}
            for region, number, name, summary, category in zip(projects[code], *columns)}


def _series(actuals, survey, code: str) -> dict:
    """{region: {KPI number: [(time label, value)]}} of the yearly actuals with a value."""
    sheet = survey.sheet("actuals")
    number, time, value = (sheet.column(k).label for k in ("kpi_no", "time", "value"))
    known = actuals[actuals[value].notna()]
    out: dict = defaultdict(lambda: defaultdict(list))
    for region, kpi, when, figure in zip(known[code], known[number], known[time], known[value]):
        out[region][kpi].append((str(when), float(figure)))
    return out


def _kpi_labels(survey) -> dict:
    """kpis.csv's header of each KPI column a page shows, by its key."""
    return {key: survey.sheet("kpis").column(key).label for key in
            ("kpi_no", "category", "name", "kind", "unit", "baseline", "baseline_time", "target", "target_time")}


def _kpi(r: dict, col: dict, code: str, names: dict, L: dict) -> dict:
    unit = r.get(col["unit"]) or ""
    return {"region": r[code], "region_name": names.get(r[code], ""), "no": r[col["kpi_no"]],
            "category": str(r[col["category"]] or ""), "name": r[col["name"]] or "", "kind": str(r[col["kind"]] or ""),
            "unit": unit, "baseline": r[col["baseline"]], "baseline_time": r[col["baseline_time"]] or "",
            "target": r[col["target"]],
            "target_time": r[col["target_time"]] or "", "latest": r.get(LATEST), "latest_time": r.get(LATEST_TIME) or "",
            "rate": r.get(L["achievement"]), "status": str(r.get(L["progress"]) or ""), "revision": "", "before": None}


def _leaf(node, mine: list, regions: int, taxonomy, whole: str = "") -> dict:
    """A row of the setting table: a leaf, or a role (field) as a whole (*whole*: its wording)."""
    count = len({k["region"] for k in mine})
    return {"code": node.code, "label": f"{node.label}{whole}", "whole": bool(whole), "role": taxonomy.role_of(node.code), "kpis": mine,
            "regions": count, "kpi_count": len(mine), "share": round(count * 100 / regions, 1) if regions else None,
            "before": None}


def comparison_data(folder: Path, before: LastRound, data: dict, survey) -> dict:
    """What changed since the round *before* (last round's CSVs, matched to this round's
    definition): each KPI's 見直し区分 (継続 / 見直し / 新規 / 廃止, as ``consolidate
    --previous`` classes it), the fields revised, each region's counts, and last round's
    設定圏域数 per leaf and latest figure per KPI.  Fills the KPIs and leaves of *data* in
    place; returns the comparison's own part."""
    package, frames = before.package, before.typed_tables(("kpis",))
    L, words = survey.summary["labels"], survey.rounds
    code = L["region_code"]
    now_table = read_table(folder / "kpis.csv")
    revisions = compare_rounds(now_table, before.text_table("kpis"), survey)
    counts = per_region(revisions, survey)
    rows = [dict(zip(("region", "no", "kind", "item", "before", "after"), r))
            for r in shown_revisions(revisions, now_table, survey)]
    kind_of = {(r["region"], r["no"]): r["kind"] for r in rows}
    col = _kpi_labels(survey)
    old = {(k["region"], k["no"]): k for k in (_kpi(r, col, code, data["names"], L) for r in _records(frames["kpis"]))}
    for k in data["kpis"]:
        k["revision"] = kind_of.get((k["region"], k["no"]), "")
        k["before"] = old.get((k["region"], k["no"]), {}).get("latest")
    previous_leaf = defaultdict(set)
    for (region, _), k in old.items():
        previous_leaf[k["category"]].add(region)
    for leaf in data["leaves"]:
        leaf["before"] = len(previous_leaf[leaf["code"]])
    now = {(k["region"], k["no"]): k for k in data["kpis"]}
    for r in rows:
        r["region_name"] = data["names"].get(r["region"], "")
        r["name"] = (now.get((r["region"], r["no"])) or old.get((r["region"], r["no"])) or {}).get("name", "")
    by_region = defaultdict(list)
    for r in rows:
        by_region[r["region"]].append(r)
    classes = [words[k] for k in ("continued", "revised", "new", "abolished")]
    data["revisions_sentence"] = revisions_sentence(survey, counts)
    return {"round": package.get("round", ""), "classes": classes, "rows": rows, "by_region": by_region,
            "regions": [{"code": c, "name": data["names"].get(c, ""), "counts": n} for c, n in counts],
            "totals": {c: sum(n[c] for _, n in counts) for c in classes},
            "revised": [r for r in rows if r["item"]], "abolished": words["abolished"], "new": words["new"]}
