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
