"""The bundled demo: the whole loop on the sample roster, in one call.

generate the sample regions' workbooks → fill them from ``samples/returns/*.json`` (as the
clerks would) → consolidate the returns into the summary and the CSVs.
"""
from __future__ import annotations

import importlib.resources
import json
import shutil
from pathlib import Path

from .consolidate import consolidate
from .errors import OutputError
from .fill import fill_workbook
from .generate import generate

MARKER = ".kpi-workbook-demo"  # a folder the demo made, so the next demo may replace it
SAMPLES = Path(str(importlib.resources.files("kpi_workbook.samples")))  # samples/ in the checkout


def run_demo(out_dir="demo-out", jobs: int | None = None, progress=None) -> dict:
    """Run the loop into *out_dir* (replacing an earlier demo there, never anything else:
    a folder that is not empty and not a demo's is refused); return what was made."""
    out = Path(out_dir)
    marker = out / MARKER
    if out.exists() and any(out.iterdir()) and not marker.exists():
        raise OutputError(f"「{out}」は空ではなく、以前のデモの出力先でもありません。"
                          "中のファイルを消さないよう、空のフォルダか新しいフォルダを指定してください。")
    for sub in ("workbooks", "returns", "csv"):
        shutil.rmtree(out / sub, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    marker.write_text("kpi-workbook demo output: replaced by the next demo run\n", encoding="utf-8")
    roster = SAMPLES / "roster.csv"
    blanks = {}
    for survey in ("renkei", "teiju"):
        for path in generate(roster, survey, out / "workbooks" / survey, force=True).written:
            blanks[path.name.split("_", 1)[0]] = path
    returns = out / "returns"
    returns.mkdir(parents=True, exist_ok=True)
    for answers in sorted((SAMPLES / "returns").glob("*.json")):
        blank = blanks.get(answers.stem)
        if blank is not None:
            data = json.loads(answers.read_text(encoding="utf-8"))
            fill_workbook(blank, data, returns / blank.name)
    result = consolidate(returns, roster, out / "summary.xlsx", csv_dir=out / "csv", jobs=jobs,
                         survey="renkei", progress=progress)
    return {"workbooks": out / "workbooks", "returns": returns, "result": result}
