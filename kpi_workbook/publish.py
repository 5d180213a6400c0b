"""``publish``: a round's CSVs (a ``consolidate --csv`` folder) as a static web report
(見える化) that opens from a USB stick or any web server, with no network access.

The pages are Jinja2 templates in ``kpi_workbook/site/`` (their wording is theirs, the
survey's comes from its definition); the charts are matplotlib SVG with the text kept as
text, inlined, so Japanese renders in the reader's own fonts; the KPI table filters and
sorts in the browser (``site/site.js``, local).  The site is written into a temporary
folder beside *out* and moved into place when complete; an existing non-empty *out* is
replaced only with *force*.
"""
from __future__ import annotations

import io
import json
import shutil
import tempfile
import warnings
from decimal import Decimal
from pathlib import Path

from .analysis import load_round
from .errors import KpiWorkbookError
from .survey import load_survey

SITE = Path(__file__).resolve().parent / "site"
TABLES = ("regions", "projects", "kpis", "actuals")
MAX_CHART_KPIS = 12  # a region page charts the yearly actuals of its first KPIs


class PublishError(KpiWorkbookError):
    """The CSV folder or the site folder cannot be used."""


def publish(csv_dir, out, survey="renkei", force: bool = False) -> Path:
    """Write the site for the round in *csv_dir* to *out*; return *out*."""
    definition = load_survey(survey) if not hasattr(survey, "sheets") else survey
    folder, out = Path(csv_dir), Path(out)
    package = _package(folder, definition)
    frames = load_round(folder)
    missing = [t for t in TABLES if t not in frames]
    if missing:
        raise PublishError(f"{folder}: {'、'.join(t + '.csv' for t in missing)} がありません。")
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        raise PublishError(f"出力先「{out}」は空ではありません。置き換えるには --force を指定してください。")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".kpi-workbook-site-", dir=out.parent))
    try:
        _write_site(work, folder, package, frames, definition)
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return out


def _package(folder: Path, survey) -> dict:
    try:
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PublishError(f"{folder / 'datapackage.json'}: 読み込めません（{getattr(exc, 'strerror', None) or exc}）。"
                           "consolidate --csv で書き出したフォルダを指定してください。") from None
    if package.get("name") != survey.id:
        raise PublishError(f"{folder / 'datapackage.json'}: 別の調査（{package.get('title') or package.get('name')}）"
                           f"の集計結果です。--survey を確かめてください。")
    return package


def _write_site(work: Path, folder: Path, package: dict, frames: dict, survey) -> None:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(SITE)), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["num"] = number_text
    env.filters["pct"] = lambda value: "" if value is None or value != value else f"{float(value):.1f}%"
    data = site_data(frames, survey, package)
    (work / "regions").mkdir()
    (work / "leaves").mkdir()
    (work / "data").mkdir()
    for name in ("site.css", "site.js"):
        shutil.copyfile(SITE / name, work / name)
    for path in sorted(folder.glob("*.csv")) + [folder / "datapackage.json"]:
        shutil.copyfile(path, work / "data" / path.name)
    common = {"survey": survey, "round": data["round"], "L": survey.summary["labels"]}
    pages = [("index.html", "index.html", {"data": data, "chart": bar_chart(data["leaves"], survey), "up": ""}),
             ("kpis.html", "kpis.html", {"data": data, "up": ""})]
    pages += [(f"regions/{r['code']}.html", "region.html",
               {"region": r, "data": data, "chart": actuals_chart(r, data, survey), "up": "../"}) for r in data["regions"]]
    pages += [(f"leaves/{leaf['code']}.html", "leaf.html", {"leaf": leaf, "data": data, "up": "../"})
              for leaf in data["leaves"]]
    for path, template, context in pages:
        (work / path).write_text(env.get_template(template).render(**common, **context), encoding="utf-8")


def number_text(value, unit: str = "") -> str:
    """A figure as the workbook shows it: 1,084人, 77.8; empty for none."""
    if value is None or value != value:  # None or NaN
        return ""
    number = Decimal(str(value))
    text = f"{number:,f}".rstrip("0").rstrip(".") if number != number.to_integral_value() else f"{int(number):,}"
    return f"{text}{unit or ''}"


def site_data(frames: dict, survey, package: dict) -> dict:
    """What the pages show, from the round's tables (plain Python values)."""
    kpis_sheet, L = survey.sheet("kpis"), survey.summary["labels"]
    col = {key: kpis_sheet.column(key).label for key in ("kpi_no", "category", "name", "kind", "unit", "baseline",
                                                          "target", "target_time", "project_code")}
    regions_frame, kpis = frames["regions"], frames["kpis"]
    code = L["region_code"]
    names = dict(zip(regions_frame[code], regions_frame[L["region_name"]]))
    rows = [_kpi(r, col, L, names) for r in kpis.to_dict("records")]
    taxonomy = survey.taxonomy
    leaves = [_leaf(node, rows, len(names), taxonomy) for node in taxonomy.leaves]
    actuals = frames["actuals"].to_dict("records")
    a_no, a_time, a_value = (survey.sheet("actuals").column(k).label for k in ("kpi_no", "time", "value"))
    regions = []
    for record in regions_frame.to_dict("records"):
        mine = [k for k in rows if k["region"] == record[code]]
        series = {}
        for a in actuals:
            if a[code] == record[code] and a[a_value] == a[a_value] and a[a_value] is not None:
                series.setdefault(a[a_no], []).append((str(a[a_time]), float(a[a_value])))
        regions.append({"code": record[code], "name": record[L["region_name"]], "status": record[L["status"]],
                        "errors": record[L["errors"]], "kpis": mine, "series": series,
                        "leaves": sorted({k["category"] for k in mine if k["category"]})})
    returned = sum(1 for r in regions if r["kpis"] or r["status"] == survey.summary["labels"]["received"])
    return {"round": package.get("round", survey.round), "regions": regions, "kpis": rows, "leaves": leaves,
            "leaf_codes": {leaf["code"] for leaf in leaves}, "leaf_by_code": {leaf["code"]: leaf for leaf in leaves},
            "headline": survey.summary["headline"].format(regime=survey.regime, regions=len(names), excluded="",
                                                          with_kpi=len({k["region"] for k in rows})),
            "roles": [n for n in taxonomy.nodes if not n.parent], "returned": returned,
            "with_kpi": len({k["region"] for k in rows}), "resources": package.get("resources", [])}


def _kpi(r: dict, col: dict, L: dict, names: dict) -> dict:
    clean = {k: (None if v != v else v) for k, v in r.items()}  # NaN / <NA> -> None
    unit = clean.get(col["unit"]) or ""
    return {"region": clean[L["region_code"]], "region_name": names.get(clean[L["region_code"]], ""),
            "no": clean[col["kpi_no"]], "category": str(clean[col["category"]] or ""), "name": clean[col["name"]] or "",
            "kind": str(clean[col["kind"]] or ""), "unit": unit, "baseline": clean[col["baseline"]],
            "target": clean[col["target"]], "target_time": clean[col["target_time"]] or "",
            "latest": clean.get("最新値"), "latest_time": clean.get("最新値の時点") or "",
            "rate": clean.get(L["achievement"]), "status": str(clean.get(L["progress"]) or "")}


def _leaf(node, rows: list, regions: int, taxonomy) -> dict:
    mine = [k for k in rows if k["category"] == node.code]
    count = len({k["region"] for k in mine})
    return {"code": node.code, "label": node.label, "role": taxonomy.role_of(node.code), "kpis": mine,
            "regions": count, "kpi_count": len(mine), "share": round(count * 100 / regions, 1) if regions else None}


def _svg(figure) -> str:
    buffer = io.StringIO()
    with warnings.catch_warnings():  # glyphs missing here: the text stays text, the reader's fonts draw it
        warnings.simplefilter("ignore", UserWarning)
        figure.tight_layout()
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # inline: no XML prolog, no DOCTYPE


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    matplotlib.rcParams.update({"svg.fonttype": "none", "font.family": "sans-serif", "svg.hashsalt": "kpi-workbook",
                                "font.sans-serif": ["Noto Sans CJK JP", "Yu Gothic", "Meiryo", "Hiragino Sans",
                                                    "DejaVu Sans"]})
    import matplotlib.pyplot as plt
    return plt


def bar_chart(leaves: list, survey) -> str:
    """設定圏域数 by leaf, as an inline SVG (text kept as text)."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 0.28 * len(leaves) + 0.8))
    axes.barh([leaf["code"] for leaf in leaves][::-1], [leaf["regions"] for leaf in leaves][::-1], color="#1F4E78")
    axes.set_xlabel(survey.summary["labels"]["set_regions"])
    axes.spines[["top", "right"]].set_visible(False)
    try:
        return _svg(figure)
    finally:
        plt.close(figure)


def actuals_chart(region: dict, data: dict, survey) -> str:
    """The yearly actuals of a region's KPIs (its first ones), small multiples; "" if none."""
    kpis = [k for k in region["kpis"] if region["series"].get(k["no"])][:MAX_CHART_KPIS]
    if not kpis:
        return ""
    plt = _pyplot()
    columns = min(3, len(kpis))
    rows = -(-len(kpis) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.2 * rows), squeeze=False)
    for ax, kpi in zip(axes.flat, kpis):
        times, values = zip(*region["series"][kpi["no"]])
        ax.plot(times, values, marker="o", color="#1F4E78")
        ax.set_title(f"{kpi['no']}（{kpi['unit']}）", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in list(axes.flat)[len(kpis):]:
        ax.set_visible(False)
    try:
        return _svg(figure)
    finally:
        plt.close(figure)
