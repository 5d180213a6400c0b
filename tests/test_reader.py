"""reader: any workbook read safely, values only, in a capped child."""
import pytest

from kpi_workbook.reading.reader import read_workbook

from .conftest import FIXTURES


def test_a_generated_return_reads_every_sheet(kumamoto_return, renkei):
    workbook, problems = read_workbook(kumamoto_return)
    assert problems == []
    assert set(workbook.sheets) >= {sheet.name for sheet in renkei.sheets}
    kpi = workbook.sheets["KPI"]
    assert kpi.rows[2][0] == "KPI番号" and kpi.rows[3][0] == "K001"  # header row 3, values as stored


@pytest.mark.parametrize("name, code", [("not_a_zip.xlsx", "FILE_NOT_SPREADSHEET"), ("truncated.xlsx", None),
                                        ("empty.xlsx", None)])
def test_files_that_are_not_workbooks_are_one_clear_problem(name, code):
    workbook, problems = read_workbook(FIXTURES / "xlsx-hostile" / name)
    if workbook is None:
        assert len(problems) == 1 and problems[0].severity == "error" and problems[0].message
    if code:
        assert [p.code for p in problems] == [code]


def test_a_path_that_cannot_be_opened_is_unreadable(tmp_path):
    workbook, problems = read_workbook(tmp_path / ("長" * 100 + ".xlsx"))  # a name past the system's limit
    assert workbook is None and [p.code for p in problems] == ["FILE_UNREADABLE"]
