"""contribution: one return's rows for the summary, made where it was checked."""
import csv
import io
import json
from decimal import Decimal

from kpi_workbook.checking.check import check_workbook
from kpi_workbook.consolidation.submission import kept_rows as _rows
from kpi_workbook.consolidation.contribution import contribution
from kpi_workbook.generation.fill import fill_workbook
from kpi_workbook.xlsx.fast_writer import Rendered, prepared
from kpi_workbook.consolidation.summary_sheets import cell

from .conftest import SAMPLES


def _part(generated, renkei, tmp_path, edit=None):
    answers = json.loads((SAMPLES / "returns" / "R01.json").read_text(encoding="utf-8"))
    if edit:
        edit(answers)
    path = fill_workbook(generated["R01"], answers, tmp_path / "R01.xlsx")
    result = check_workbook(path, survey=renkei)
    rows, rejected = _rows(result, renkei, "R01.xlsx")
    part = contribution(renkei, result, rows, result.findings + rejected)
    assert all(type(row) is list for row in part.kpi_rows + part.status_rows)  # values: the writer lays them out
    part.kpi_rows, part.status_rows = prepared(part.kpi_rows), prepared(part.status_rows, styled=True)  # as a worker
    return answers, part


def test_one_kpi_row_and_status_row_per_kpi_with_its_figures(generated, renkei, tmp_path):
    answers, part = _part(generated, renkei, tmp_path)
    kpi = answers["KPI"][0]
    assert len(part.kpi_rows) == len(part.status_rows) == len(answers["KPI"]) == part.counts["kpis"]
    row = part.kpi_rows[0]  # laid out as the summary's XML: plain text and numbers
    assert isinstance(row, Rendered) and not row.styled and part.status_rows[0].styled
    xml, status = row.xml.decode(), part.status_rows[0].xml.decode()
    assert '<c r="A\x00" t="inlineStr"><is><t>R01</t>' in xml and f"<t>{kpi['KPI番号']}</t>" in xml
    assert "<v>1000</v>" in xml and "<v>1084</v>" in xml and f"<t>{kpi['現状値']}</t>" in xml
    assert '<c r="B\x00"\x01 t="inlineStr"><is><t>1,000人' in status
    assert part.leaves == (kpi["取組分類"],) and part.projects == len(answers["事業"])


def test_a_row_xlsxwriter_must_escape_stays_as_cell_values(generated, renkei, tmp_path):
    def ampersand(answers):
        answers["KPI"][0]["指標名"] = "観光客数&宿泊数"
    _, part = _part(generated, renkei, tmp_path, ampersand)
    assert "観光客数&宿泊数" in part.kpi_rows[0] and type(part.status_rows[0]) is list
    assert all(v is None or type(v) in (str, float) for v in part.kpi_rows[0] + part.status_rows[0])


def test_csv_text_has_one_line_per_record_and_neutralized_text(generated, renkei, tmp_path):
    def inject(answers):
        answers["KPI"][0]["指標名"] = "=1+1"
    answers, part = _part(generated, renkei, tmp_path, inject)
    kpis = list(csv.reader(io.StringIO(part.csv["kpis"].decode())))
    assert len(kpis) == len(answers["KPI"]) and kpis[0][0] == "R01"
    assert "'=1+1" in kpis[0]
    assert len(list(csv.reader(io.StringIO(part.csv["costs"].decode())))) == len(answers["事業費"])


def test_findings_rows_sorted_and_pointing_at_their_cells(generated, renkei, tmp_path):
    def typo(answers):
        answers["KPI"][0]["目標値"] = "未定"  # (「百八十四」 reads: kanji numerals are figures)
    _, part = _part(generated, renkei, tmp_path, typo)
    assert part.findings
    refs = [(sheet, ref) for _, sheet, ref in part.findings]
    assert any(ref and sheet == renkei.sheet("kpis").name for sheet, ref in refs)
    assert "未定" in [values[5] for values, _, _ in part.findings]


def test_cell_values_are_text_numbers_or_blank():
    assert cell("") is None and cell(None) is None and cell("a") == "a"
    assert cell(True) == "○" and cell(False) is None
    assert cell(7) == 7.0 and cell(Decimal("1.5")) == 1.5
    assert cell(Decimal("12345678901234567.89")) == "12345678901234567.89"  # more digits than a double


def test_contribution_py_does_not_know_the_xlsx_writer():
    """How cells become XML is the writer's business (xlsx/fast_writer.prepared, called by
    the pool's workers): contribution.py makes values."""
    import ast
    from pathlib import Path

    import kpi_workbook.consolidation.contribution as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not any("xlsx" in name for name in imported)
