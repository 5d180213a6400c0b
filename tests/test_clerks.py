"""Returns as clerks fill them: a column inserted, a note beside the table, a row typed one
column to the right, cells merged — read right or said at their cell, never a wrong count."""
import json

import openpyxl
import pytest

from kpi_workbook.checking.annotate import check_and_annotate
from kpi_workbook.checking.check import check_files, check_workbook
from kpi_workbook.generation.fill import fill_workbook

from .conftest import SAMPLES

ANSWERS = json.loads((SAMPLES / "returns" / "R07.json").read_text(encoding="utf-8"))  # 旭川: 4 KPIs


def _col(ws, label):
    return next(c.column for row in ws.iter_rows(min_row=1, max_row=10) for c in row if c.value == label)


def _header_row(ws, label):
    return next(c.row for row in ws.iter_rows(min_row=1, max_row=10) for c in row if c.value == label)


@pytest.fixture()
def base(generated, tmp_path, renkei):
    path = fill_workbook(generated["R07"], ANSWERS, tmp_path / "R07.xlsx")
    return path, {(f.code, f.sheet, f.cell) for f in check_workbook(path, survey=renkei).findings}


def _new(result, before):
    return sorted((f.code, f.sheet, f.cell) for f in result.findings if (f.code, f.sheet, f.cell) not in before)


def test_an_inserted_column_is_one_info_and_changes_nothing_else(base, renkei):
    path, before = base
    book = openpyxl.load_workbook(path)
    ws = book["事業費"]
    at = _col(ws, "国")
    ws.insert_cols(at)
    ws.cell(_header_row(ws, "事業コード"), at, "うち委託料")
    for r in range(_header_row(ws, "事業コード") + 1, _header_row(ws, "事業コード") + 5):
        ws.cell(r, at, 50)
    book.save(path)
    result = check_workbook(path, survey=renkei)
    new = _new(result, {(c, s, "") for c, s, _ in before} | before)
    assert [(c, s) for c, s, _ in new] == [("HEADER_UNKNOWN", "事業費")], new
    assert len(result.records["costs"]) == 4 and result.records["costs"][0].values["cost"].value == 115


def test_a_note_beside_the_table_is_an_info_at_its_cell(base, renkei):
    path, before = base
    book = openpyxl.load_workbook(path)
    ws = book["KPI"]
    row = _header_row(ws, "KPI番号") + 1
    ws.cell(row, ws.max_column + 2, "要確認：担当課に照会中")
    book.save(path)
    result = check_workbook(path, survey=renkei)
    new = _new(result, before)
    assert [c for c, _, _ in new] == ["FREE_CELL"] and len(result.records["kpis"]) == 4
    assert "要確認：担当課に照会中" in next(f.message for f in result.findings if f.code == "FREE_CELL")


def test_a_row_typed_one_column_to_the_right_is_one_error(base, renkei):
    path, before = base
    book = openpyxl.load_workbook(path)
    ws = book["KPI"]
    header = _header_row(ws, "KPI番号")
    last = max(r for r in range(header + 1, ws.max_row + 1) if ws.cell(r, 1).value)
    source, target = last, last + 1
    for c in range(ws.max_column, 0, -1):  # the last KPI again, one column to the right, numbered K005
        value = ws.cell(source, c).value
        ws.cell(target, c + 1, "K005" if c == 1 else value)
    book.save(path)
    result = check_workbook(path, survey=renkei)
    new = _new(result, before)
    assert [c for c, _, _ in new] == ["ROW_SHIFTED"], new
    assert len(result.records["kpis"]) == 4  # not counted


def test_a_finding_on_a_merged_cell_marks_its_first_cell(base, renkei, tmp_path):
    path, _ = base
    book = openpyxl.load_workbook(path)
    ws = book["事業"]
    name_col = _col(ws, "事業名")
    row = _header_row(ws, "事業コード") + 1
    ws.cell(row, _col(ws, "取組分類"), "ｱ-c")  # CHOICE_INVALID on the merged range below
    category = _col(ws, "取組分類")
    ws.merge_cells(start_row=row, start_column=name_col, end_row=row, end_column=category)
    book.save(path)
    result = check_and_annotate([path], tmp_path / "out", survey=renkei)[0]
    assert result.annotated and "ANNOTATE_FAILED" not in {f.code for f in result.findings}
    copy = openpyxl.load_workbook(result.annotated)["事業"]
    anchor = copy.cell(row, name_col)
    assert anchor.comment is not None and anchor.fill.start_color.rgb.endswith("FFC7CE")


@pytest.mark.skipif(__import__("shutil").which("soffice") is None, reason="LibreOffice is not installed")
def test_a_rebuilt_copy_marks_where_each_value_now_is(base, renkei, tmp_path):
    """An .ods with a column inserted: the copy is rebuilt from the survey, so the value
    and its mark move back under their heading; the inserted column is listed."""
    import subprocess
    path, _ = base
    book = openpyxl.load_workbook(path)
    ws = book["事業"]
    at = _col(ws, "取組分類")
    ws.insert_cols(at)
    header = _header_row(ws, "事業コード")
    ws.cell(header, at, "担当課")
    ws.cell(header + 1, at, "企画課")
    ws.cell(header + 1, at + 1, "ｱ-c")  # the category, now one column further right
    book.save(path)
    subprocess.run(["soffice", "--headless", "--convert-to", "ods", "--outdir", str(tmp_path / "ods"), str(path)],
                   capture_output=True, timeout=180, check=True)
    result = check_and_annotate([tmp_path / "ods" / "R07.ods"], tmp_path / "out", survey=renkei)[0]
    assert result.annotated
    copy = openpyxl.load_workbook(result.annotated)
    rebuilt = copy["事業"]
    where = rebuilt.cell(_header_row(rebuilt, "事業コード") + 1, _col(rebuilt, "取組分類"))
    assert where.value == "ｱ-c" and where.comment is not None and "選択肢にありません" in where.comment.text
    listed = [row for row in copy["指摘一覧"].iter_rows(values_only=True) if row and any("担当課" in str(v) for v in row)]
    assert listed  # the inserted column is listed, with where it was in the return
