"""tables: each output table described once; the sheet, the CSV and the schema follow it."""
import csv

import openpyxl

from kpi_workbook.consolidation.table_specs import in_csv, in_sheet, kpi_columns

from .conftest import SAMPLES, rows


def test_kpi_list_is_its_description(summary, renkei):
    """Header, widths and outline of KPI一覧 all come from tables.kpi_columns: the as-typed
    columns are hidden in a collapsed outline (not printed), the others are shown."""
    result, book, _ = summary
    ws = book["KPI一覧"]
    columns = in_sheet(kpi_columns(renkei))
    assert [c.value for c in ws[1]] == [c.label for c in columns]
    letters = [cell.column_letter for cell in ws[1]]
    for letter, column in zip(letters, columns):
        dim = ws.column_dimensions[letter]
        assert bool(dim.hidden) == column.as_typed and (dim.outlineLevel or 0) == (1 if column.as_typed else 0)
        assert dim.width >= column.width
    assert ws.auto_filter.ref == f"A1:{letters[-1]}{1 + result.totals.kpis}"
    assert ws.page_setup.paperSize in (8, "8") and int(ws.page_setup.fitToWidth) == 2
    body = rows(ws)[1:1 + result.totals.kpis]
    assert len(body) == result.totals.kpis and all(len(r) == len(columns) for r in body)
    assert rows(ws)[-1][0] == renkei.summary["progress_legend"]  # 区分 explained under the table
    figures = {c.label: c.fmt for c in columns}
    first = ws[2]
    for cell, column in zip(first, columns):  # separators on the figures, 区分 and ○ centred
        if column.fmt == "figure" and isinstance(cell.value, (int, float)):
            assert cell.number_format == "#,##0" and cell.alignment.horizontal == "right", column.label
        if column.fmt == "mark" and cell.value:
            assert cell.alignment.horizontal == "center", column.label
    assert figures["基準値"] == figures["最新値"] == "figure" and figures["区分"] == "mark"


def test_kpis_csv_is_the_same_description(summary, renkei):
    """kpis.csv's header is the description's CSV columns, and each line has them all."""
    result, _, out = summary
    with open(out / "csv" / "kpis.csv", encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == [c.label for c in in_csv(kpi_columns(renkei))]
    assert len(lines) - 1 == result.totals.kpis and {len(line) for line in lines} == {len(lines[0])}


def test_adding_a_column_is_one_entry(plain_returns, tmp_path, monkeypatch):
    """One more Column in tables.kpi_columns: KPI一覧 and kpis.csv both have it, filled."""
    from kpi_workbook.consolidation import table_specs as tables
    from kpi_workbook.consolidation.consolidate import consolidate
    real = tables.kpi_columns
    monkeypatch.setattr(tables, "kpi_columns", lambda survey: real(survey) + [
        tables.Column("単位の長さ", lambda block: [len(v.typed) for v in block.values("unit")], "integer")])
    import dataclasses

    from kpi_workbook.core.survey import load_survey
    fresh = dataclasses.replace(load_survey("renkei"))  # its own columns, worked out anew (Survey.derived)
    consolidate(plain_returns, SAMPLES / "roster.csv", tmp_path / "s.xlsx", csv_dir=tmp_path / "csv", jobs=1,
                survey=fresh)
    sheet = rows(openpyxl.load_workbook(tmp_path / "s.xlsx")["KPI一覧"])
    assert sheet[0][-1] == "単位の長さ" and sheet[1][-1] == 1  # 熊本: 人
    with open(tmp_path / "csv" / "kpis.csv", encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0][-1] == "単位の長さ" and lines[1][-1] == "1"
