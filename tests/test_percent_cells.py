"""percent_cells: a percentage typed in a cell (0.5 shown as 50%) is read as 50, whatever
program saved it: .xlsx (the scan), .ods (value types), .xls (format records, xlrd)."""
import subprocess

import pytest

from kpi_workbook.checking.check import check_workbook

from .conftest import needs_soffice, soffice


@needs_soffice
@pytest.mark.parametrize("fmt", ["ods", "xls", "xlsx"])
def test_percent_typed_in_a_cell_reads_as_percent_in_every_format(generated, tmp_path, fmt):
    """50% typed in a cell (LibreOffice stores 0.5 shown as %) is 50, whatever it was saved as."""
    import openpyxl
    from kpi_workbook.generation.fill import fill_workbook
    answers = {"事業費": [{"事業コード": "P001", "区分": "決算", "年度": "R2", "事業費（千円）": "100", "国": "0",
                        "都道府県": "0", "市債": "0", "その他": "0", "一般財源": "100"}],
               "事業": [{"事業コード": "P001", "事業名": "x", "取組分類": "アb"}]}
    path = fill_workbook(generated["R05"], answers, tmp_path / "src" / "R05.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["事業費"]
    column = next(c.column for c in sheet[3] if c.value == "交付税措置（%）")
    cell = sheet.cell(4, column)
    cell.value, cell.number_format = 0.5, "0%"
    book.save(path)
    out = tmp_path / "out"
    filt = {"xls": "xls:MS Excel 97", "ods": "ods", "xlsx": "xlsx:Calc MS Excel 2007 XML"}[fmt]
    subprocess.run([soffice(), "--headless", "--convert-to", filt, "--outdir", str(out), str(path)],
                   capture_output=True, timeout=180, check=True)
    result = check_workbook(out / f"R05.{fmt}")
    cost = result.records["costs"][0]
    assert cost.values["tax_allocation"].value == 50, cost.values["tax_allocation"]
    assert "PERCENT_RANGE" not in {f.code for f in result.findings}
