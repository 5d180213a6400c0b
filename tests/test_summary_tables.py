"""summary_tables: each table described once; the sheets of totals."""
from kpi_workbook.summary_tables import csv_columns, japanese_time, newest_return

from .conftest import rows


def test_overview_says_when_it_stands(summary, renkei):
    result, book, _ = summary
    overview = {r[0]: r[1] for r in rows(book["概要"]) if r[0]}
    stamp = japanese_time(newest_return(result))
    assert overview["集計日時"] == renkei.summary["generated_at"].format(time=stamp)
    assert stamp.startswith("2021年10月15日")  # the newest return's own time, in Japan time


def test_the_csv_schemas_in_the_order_the_csvs_are_written(renkei):
    fields = csv_columns(renkei)
    assert list(fields) == ["projects", "costs", "kpis", "actuals", "findings", "regions", "submissions"]
    kpis = [f[0] for f in fields["kpis"]]
    assert kpis[:4] == ["圏域コード", "行", "KPI番号", "KPI番号（記入）"]
    assert kpis[-6:] == ["最新値", "最新値の時点", "前回の最新値", "前回からの増減", "達成率（%）", "区分"]
    category = next(f for f in fields["kpis"] if f[0] == "取組分類")
    assert "アa" in category[3]["constraints"]["enum"]

