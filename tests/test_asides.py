"""asides: a remark typed under a table and a 合計 row are not records (issue: wrong totals).

Filled as a clerk fills: the generated workbook, answers from the seeds, then a remark
under the KPI table and 合計 rows under 事業費 typed with openpyxl (and re-saved by
LibreOffice as .xlsx/.xls/.ods, where it is installed)."""
import csv
import json
import shutil
import subprocess

import openpyxl
import pytest

from kpi_workbook.checking.check import check_workbook
from kpi_workbook.consolidation.consolidate import consolidate
from kpi_workbook.generation.fill import fill_workbook

from .conftest import SAMPLES, needs_soffice, soffice

ANSWERS = json.loads((SAMPLES / "returns" / "R07.json").read_text(encoding="utf-8"))  # 旭川: 4 KPIs, 4 cost rows


def _last_row(ws, column=1):
    return max(r for r in range(1, ws.max_row + 1) if ws.cell(r, column).value not in (None, ""))


def _header(ws, label):
    for row in ws.iter_rows(min_row=1, max_row=10):
        for cell in row:
            if cell.value == label:
                return cell.column
    raise KeyError(label)


@pytest.fixture()
def clerk_file(generated, tmp_path):
    path = fill_workbook(generated["R07"], ANSWERS, tmp_path / "R07_旭川.xlsx")
    book = openpyxl.load_workbook(path)
    kpi = book["KPI"]
    kpi.cell(_last_row(kpi) + 2, 1, "※ K004の目標値は見直し予定")
    costs = book["事業費"]
    below = _last_row(costs) + 1
    costs.cell(below, 1, "合計")
    costs.cell(below, _header(costs, "事業費（千円）"), 1030)       # 115+301+404+210 = 1,030: right
    costs.cell(below, _header(costs, "一般財源"), 1000)             # wrong by 30
    costs.cell(below + 1, _header(costs, "区分"), "小 計")
    costs.cell(below + 2, 2, "（注）R4は当初予算")
    book.save(path)
    return path


def _check_asides(result):
    assert len(result.records["kpis"]) == 4 and len(result.records["costs"]) == 4
    codes = [(f.code, f.sheet) for f in result.findings if f.code in ("NOTE_ROW", "TOTAL_ROW", "TOTAL_MISMATCH")]
    assert sorted(codes) == sorted([("NOTE_ROW", "KPI"), ("TOTAL_ROW", "事業費"), ("TOTAL_ROW", "事業費"),
                                    ("NOTE_ROW", "事業費"), ("TOTAL_MISMATCH", "事業費")]), codes
    mismatch = next(f for f in result.findings if f.code == "TOTAL_MISMATCH")
    assert "1,000" in mismatch.message and "1,030" in mismatch.message and "-30" in mismatch.message
    assert not [f for f in result.findings if f.code in ("REQUIRED_EMPTY", "CHOICE_INVALID", "NUMBER_INVALID")]


def test_remarks_and_totals_are_set_aside(clerk_file, renkei):
    _check_asides(check_workbook(clerk_file, survey=renkei))


@needs_soffice
@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_the_same_after_libreoffice(clerk_file, renkei, tmp_path, fmt):
    out = tmp_path / "out"
    filt = {"xls": "xls:MS Excel 97", "ods": "ods", "xlsx": "xlsx:Calc MS Excel 2007 XML"}[fmt]
    source = tmp_path / "src" / "R07.xlsx"
    source.parent.mkdir()
    shutil.copy(clerk_file, source)
    subprocess.run([soffice(), "--headless", "--convert-to", filt, "--outdir", str(out), str(source)],
                   capture_output=True, timeout=180, check=True)
    _check_asides(check_workbook(out / f"R07.{fmt}", survey=renkei))


def test_csv_counts_are_exact(clerk_file, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(clerk_file, folder / clerk_file.name)
    result = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", csv_dir=tmp_path / "csv", jobs=1)
    assert result.totals.rejected == 0

    def rows(name):
        with open(tmp_path / "csv" / name, encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    assert len(rows("kpis.csv")) == 4 and len(rows("costs.csv")) == 4
    assert sum(int(r["事業費（千円）"]) for r in rows("costs.csv")) == 1030  # not doubled
