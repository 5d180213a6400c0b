"""The bundled demo: the whole loop on the sample roster, in one call.

generate the sample regions' workbooks → fill them from ``samples/returns/*.json`` (as the
clerks would) → consolidate the returns into the summary and the CSVs → publish the site.
"""
from __future__ import annotations

import importlib.resources
import json
import shutil
from pathlib import Path

from .consolidation.consolidate import consolidate
from .core.errors import OutputError
from .core.survey import load_survey
from .generation.fill import fill_workbook, update_workbook
from .generation.workbooks import generate
from .publishing.publish import publish

MARKER = ".kpi-workbook-demo"  # a folder the demo made, so the next demo may replace it
SAMPLES = Path(str(importlib.resources.files("kpi_workbook.samples")))  # samples/ in the checkout


def run_demo(out_dir="demo-out", jobs: int | None = None, progress=None) -> dict:
    """Run two rounds into *out_dir* (replacing an earlier demo there, never anything else:
    a folder that is not empty and not a demo's is refused); return what was made.

    Round 1 (``round1/``): blank workbooks, filled from ``samples/returns`` (and
    ``samples/round1``, where a region's first round differs), consolidated to CSVs.
    Round 2 (the top level): next year's definition (``samples/round2/renkei.toml``: a column
    added, two relabelled, a sheet added), workbooks generated from round 1's CSVs, each
    updated as its clerk would (``samples/round2``: 旭川 adds its 令和3年度 actuals, as seed 004), and
    consolidated with the comparison (KPI見直し状況, revisions.csv), then published (``site/``)."""
    out = Path(out_dir)
    marker = out / MARKER
    if out.exists() and any(out.iterdir()) and not marker.exists():
        raise OutputError(f"「{out}」は空ではなく、以前のデモの出力先でもありません。"
                          "中のファイルを消さないよう、空のフォルダか新しいフォルダを指定してください。")
    for sub in ("workbooks", "returns", "csv", "round1", "site"):
        shutil.rmtree(out / sub, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    marker.write_text("kpi-workbook demo output: replaced by the next demo run\n", encoding="utf-8")
    roster = SAMPLES / "roster.csv"
    first = out / "round1"
    answers = _round1_answers()
    blanks = {}
    for survey in ("renkei", "teiju"):
        for path in generate(roster, survey, first / "workbooks" / survey, force=True).written:
            blanks[path.name.split("_", 1)[0]] = path
    for code, data in answers.items():
        if code in blanks:
            fill_workbook(blanks[code], data, first / "returns" / blanks[code].name)
    consolidate(first / "returns", roster, first / "summary.xlsx", csv_dir=first / "csv", jobs=jobs, survey="renkei")
    definition = load_survey(SAMPLES / "round2" / "renkei.toml")  # next year's survey: changed (see the file)
    made = generate(roster, definition, out / "workbooks" / "renkei", force=True, previous=first / "csv").written
    returns = out / "returns"
    keys = {definition.sheet(table).name: [definition.sheet(table).column(key).label for key in columns]
            for table, columns in ROW_KEYS.items()}
    for path in made:
        code = path.name.split("_", 1)[0]
        if code in answers:  # the regions that answered last round answer again
            carried = (definition.sheet("region").name, definition.sheet("costs").name)  # typed again each year
            changes = {name: answers[code][name] for name in carried if name in answers[code]}
            changes.update(_json(SAMPLES / "round2" / f"{code}.json"))
            update_workbook(path, changes, returns / path.name, keys)
    result = consolidate(returns, roster, out / "summary.xlsx", csv_dir=out / "csv", jobs=jobs, survey=definition,
                         progress=progress, previous=first / "csv")
    site = publish(out / "csv", out / "site", survey=definition, force=True, previous=first / "csv")
    return {"workbooks": out / "workbooks", "returns": returns, "result": result, "round1": first, "site": site}


ROW_KEYS = {"kpis": ("kpi_no",), "actuals": ("kpi_no", "time"), "projects": ("project_code",),
            "costs": ("project_code", "stage", "fiscal_year")}  # the columns that name a row


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _round1_answers() -> dict:
    """Region code -> round 1's answers: samples/returns, or samples/round1 where it differs."""
    out = {}
    for path in sorted((SAMPLES / "returns").glob("*.json")):
        override = SAMPLES / "round1" / path.name
        out[path.stem] = _json(override if override.exists() else path)
    return out
