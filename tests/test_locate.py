"""locate: a form's fields found by their labels, a table's columns by its header row,
wherever the clerk moved them, each cell normalized and each problem at its cell."""
from kpi_workbook.checking.locate import form_records, table_records
from kpi_workbook.checking.result import ReturnResult
from kpi_workbook.reading.reader import SheetData


def _labels(sheet):
    return [column.label for column in sheet.columns]


def test_a_table_is_found_below_a_title_with_a_column_moved(renkei):
    sheet = renkei.sheet("actuals")
    labels = _labels(sheet)
    moved = [labels[-1]] + labels[:-1]  # the last column put first
    row = {label: "" for label in labels}
    row.update({sheet.column("kpi_no").label: "K001", sheet.column("time").label: "R2.3",
                sheet.column("value").label: "１，０８４"})
    rows = [["KPI実績の記入"], [], moved, [row[label] for label in moved]]
    result = ReturnResult(file="R01.xlsx")
    records = table_records(sheet, SheetData("KPI実績", rows), renkei, result)
    assert len(records) == 1
    record = records[0]
    assert record.row == 4 and record.cells["kpi_no"] == "B4"
    assert record.values["value"].value == 1084 and record.values["value"].typed == "１，０８４"
    assert str(record.values["time"].value) and record.values["time"].typed == "R2.3"


def test_a_missing_header_is_a_finding_and_no_records(renkei):
    sheet = renkei.sheet("actuals")
    result = ReturnResult(file="R01.xlsx")
    assert table_records(sheet, SheetData("KPI実績", [["何か"], ["K001", "R2", "5"]]), renkei, result) == []
    assert {f.code for f in result.findings} == {"HEADER_MISSING"}
    assert all(f.sheet == "KPI実績" for f in result.findings)


def test_a_form_field_is_the_cell_right_of_its_label(renkei):
    sheet = renkei.sheet("region")
    rows = [[label, f"値{i}"] for i, label in enumerate(_labels(sheet))]
    result = ReturnResult(file="R01.xlsx")
    (record,) = form_records(sheet, SheetData("圏域情報", rows), renkei, result)
    first = sheet.columns[0]
    assert record.cells[first.key] == "B1"
    assert [f.code for f in result.findings if f.code == "HEADER_MISSING"] == []


def test_a_cell_problem_names_its_cell(renkei):
    sheet = renkei.sheet("actuals")
    labels = _labels(sheet)
    values = {sheet.column("kpi_no").label: "K001", sheet.column("time").label: "R2",
              sheet.column("value").label: "たくさん"}
    rows = [labels, [values.get(label) for label in labels]]
    result = ReturnResult(file="R01.xlsx")
    table_records(sheet, SheetData("KPI実績", rows), renkei, result)
    letter = "ABCDEFGHIJ"[labels.index(sheet.column("value").label)]
    assert [(f.code, f.cell) for f in result.findings] == [("NUMBER_INVALID", f"{letter}2")]


def test_a_clerks_cell_note_is_said_and_kept_as_the_rows_explanation(generated, tmp_path):
    """A clerk writes the explanation as an Excel note on the cell (the cell says 「※」 or a
    figure): the note's text is reported at the cell and becomes the row's 説明 where it has none."""
    import openpyxl
    from openpyxl.comments import Comment

    from kpi_workbook.checking.check import check_workbook
    from kpi_workbook.generation.fill import fill_workbook

    from .test_check import ANSWERS
    filled = fill_workbook(generated["R01"], ANSWERS, tmp_path / "filled.xlsx")
    book = openpyxl.load_workbook(filled)
    book["KPI"]["L4"].comment = Comment("熊本 太郎:\n令和元年度の値は見込み。確定は3月。", "熊本 太郎")
    book["KPI"]["L4"] = "※"
    book["事業"]["B4"].comment = Comment("事業名は予算書のとおり。", "熊本 太郎")
    book.save(tmp_path / "R01.xlsx")
    result = check_workbook(tmp_path / "R01.xlsx")
    notes = {(f.code, f.sheet, f.cell): f.message for f in result.findings if f.code.startswith("CELL_NOTE")}
    assert "令和元年度の値は見込み。確定は3月。" in notes[("CELL_NOTE_AS_EXPLANATION", "KPI", "L4")]
    assert "熊本 太郎:" not in notes[("CELL_NOTE_AS_EXPLANATION", "KPI", "L4")]
    assert "事業名は予算書のとおり。" in notes[("CELL_NOTE", "事業", "B4")]
    k001 = next(r for r in result.records["kpis"] if r.row == 4)
    assert k001.values["explanation"].typed == "令和元年度の値は見込み。確定は3月。"
    assert "NUMBER_INVALID" in {f.code for f in result.findings if f.cell == "L4"}  # 「※」 alone is no figure


def test_a_note_on_a_cell_of_an_ods_return_is_read_too(generated, tmp_path):
    """LibreOffice keeps a cell note as an annotation: re-saved as .ods, the note is still said and kept."""
    import subprocess

    import openpyxl
    import pytest
    from openpyxl.comments import Comment

    from kpi_workbook.checking.check import check_workbook
    from kpi_workbook.generation.fill import fill_workbook

    from .conftest import soffice
    from .test_check import ANSWERS
    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    filled = fill_workbook(generated["R01"], ANSWERS, tmp_path / "filled.xlsx")
    book = openpyxl.load_workbook(filled)
    book["KPI"]["L4"].comment = Comment("確定は3月。", "熊本 太郎")
    (tmp_path / "src").mkdir()
    book.save(tmp_path / "src" / "R01.xlsx")
    subprocess.run([soffice(), "--headless", "--convert-to", "ods", "--outdir", str(tmp_path),
                    str(tmp_path / "src" / "R01.xlsx")], capture_output=True, timeout=180, check=True)
    result = check_workbook(tmp_path / "R01.ods")
    notes = [(f.code, f.cell) for f in result.findings if f.code.startswith("CELL_NOTE")]
    assert notes == [("CELL_NOTE_AS_EXPLANATION", "L4")]
    assert next(r for r in result.records["kpis"] if r.row == 4).values["explanation"].typed == "確定は3月。"
