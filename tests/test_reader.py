"""reader: any workbook read safely, values only, in a capped child."""
import shutil

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


@pytest.mark.skipif(shutil.which("ssconvert") is None, reason="Gnumeric (ssconvert) is not installed")
@pytest.mark.parametrize("suffix", [".ods", ".xls", ".xlsx"])
def test_a_return_resaved_by_gnumeric_reads_the_same_records(generated, tmp_path, suffix):
    """Gnumeric indents content.xml, which calamine refuses: the .ods is read again without
    the indentation. Every format Gnumeric saves reads the records of the original."""
    import subprocess

    from kpi_workbook.checking.check import check_workbook
    from kpi_workbook.generation.fill import fill_workbook

    from .test_check import ANSWERS
    original = fill_workbook(generated["R01"], ANSWERS, tmp_path / "R01.xlsx")
    target = tmp_path / f"gnumeric{suffix}"
    subprocess.run(["ssconvert", str(original), str(target)], capture_output=True, timeout=120, check=True)
    before, after = check_workbook(original), check_workbook(target)
    assert after.readable and "FILE_CORRUPT" not in {f.code for f in after.findings}

    def records(result):
        return {key: [{k: v.value for k, v in r.values.items()} for r in rows] for key, rows in result.records.items()}
    assert records(after) == records(before)
