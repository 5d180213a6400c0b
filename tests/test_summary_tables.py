"""summary_tables: each table described once; the sheets of totals."""
from kpi_workbook.summary_tables import japanese_time, kpi_list_columns, newest_return

from .conftest import rows


def test_kpi_list_is_its_description(summary, renkei):
    """Header, widths and outline of KPI一覧 all come from kpi_list_columns: the as-typed
    columns are hidden in a collapsed outline (not printed), the others are shown."""
    result, book, _ = summary
    ws = book["KPI一覧"]
    columns = kpi_list_columns(renkei)
    assert [c.value for c in ws[1]] == [c.label for c in columns]
    letters = [cell.column_letter for cell in ws[1]]
    for letter, column in zip(letters, columns):
        dim = ws.column_dimensions[letter]
        assert bool(dim.hidden) == column.as_typed and (dim.outlineLevel or 0) == (1 if column.as_typed else 0)
        assert dim.width >= column.width
    assert ws.auto_filter.ref == f"A1:{letters[-1]}{ws.max_row}"
    assert ws.page_setup.paperSize in (8, "8") and int(ws.page_setup.fitToWidth) == 2
    body = rows(ws)[1:]
    assert len(body) == result.totals["kpis"] and all(len(r) == len(columns) for r in body)


def test_overview_says_when_it_stands(summary, renkei):
    result, book, _ = summary
    overview = {r[0]: r[1] for r in rows(book["概要"]) if r[0]}
    stamp = japanese_time(newest_return(result))
    assert overview["集計日時"] == renkei.summary["generated_at"].format(time=stamp)
    assert stamp.startswith("2021年10月15日")  # the newest return's own time, in Japan time
