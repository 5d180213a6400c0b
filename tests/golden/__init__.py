"""The demo's expected outputs, committed so that a change of output is a reviewed diff.

``python -m tests.golden`` (from the repository root) runs the demo and rewrites the files
under ``tests/golden/files/``; ``tests/test_golden.py`` runs the demo again and compares.
What changes from run to run (file times, generation times) is replaced by a placeholder;
everything else — every CSV and datapackage.json of both rounds, ``check --json`` of a
clean and a faulty return, the summary's workbook and sheet XML, the site's main pages —
is compared as text, the way XlsxWriter's own tests compare its output with Excel's files.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import zipfile
from pathlib import Path

FILES = Path(__file__).resolve().parent / "files"
CHECKED = ("R01_熊本連携中枢都市圏.xlsx", "R08_備後圏域連携中枢都市圏.xlsx")  # warnings only; errors
SITE_PAGES = ("index.html", "changes.html", "regions/R07.html")
_VOLATILE = [
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?"), "<時刻>"),
    (re.compile(r"(?:\d{4}|(?:平成|令和)(?:\d{1,2}|元))年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2}"), "<日時>"),
    (re.compile(r"(?:\d{4}|(?:平成|令和)(?:\d{1,2}|元))年\d{1,2}月\d{1,2}日(?=現在)"), "<日付>"),  # the run's day
]


def normalize(text: str) -> str:
    for pattern, placeholder in _VOLATILE:
        text = pattern.sub(placeholder, text)
    return text if text.endswith("\n") else text + "\n"


def run_demo(out: Path) -> Path:
    from kpi_workbook.demo import run_demo as demo

    demo(out, jobs=1)
    return out


def _summary_parts(path: Path) -> dict:
    """The workbook's structure, styles and sheets as XML, a row per line for a readable diff."""
    parts = {}
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            if name in ("xl/workbook.xml", "xl/styles.xml") or re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
                xml = archive.read(name).decode("utf-8")
                parts[f"summary/{name.rsplit('/', 1)[-1]}"] = re.sub(r"(<row |<sheet |<xf |<cols>|<sheetData>)", "\n\\1", xml)
    return parts


def _check_json(demo: Path, name: str) -> str:
    """What ``kpi-workbook check --json`` prints for one of the demo's returns, run in its folder."""
    from click.testing import CliRunner

    from kpi_workbook.cli import cli

    here = os.getcwd()
    os.chdir(demo)
    try:
        # round 2's definition is not installed: the round's CSV folder carries it (definition.json)
        result = CliRunner().invoke(cli, ["check", f"returns/{name}", "--json", "--definitions", "csv"])
    finally:
        os.chdir(here)
    json.loads(result.output)  # it must be JSON, whatever the exit code
    return f"exit code {result.exit_code}\n{result.output}"


def snapshot(demo: Path) -> dict:
    """{relative path under files/: normalized text} for a demo run in *demo*."""
    out = {}
    for folder in ("round1/csv", "csv"):
        for path in sorted((demo / folder).iterdir()):
            out[f"{folder}/{path.name}"] = path.read_text(encoding="utf-8-sig")
    out.update(_summary_parts(demo / "summary.xlsx"))
    for name in CHECKED:
        out[f"check/{name.split('_', 1)[0]}.json"] = _check_json(demo, name)
    for page in SITE_PAGES:
        out[f"site/{page}"] = (demo / "site" / page).read_text(encoding="utf-8")
    return {path: normalize(text) for path, text in out.items()}


def write(files: dict) -> None:
    shutil.rmtree(FILES, ignore_errors=True)
    for relative, text in files.items():
        target = FILES / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")


def committed() -> dict:
    return {path.relative_to(FILES).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(FILES.rglob("*")) if path.is_file()}
