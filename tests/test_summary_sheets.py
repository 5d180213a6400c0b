"""summary_tables: each table described once; the sheets of totals; datapackage.json."""
import json
import shutil

import pytest

from kpi_workbook.consolidation.summary_sheets import csv_columns, japanese_time, newest_return

from .conftest import rows


def test_overview_says_when_it_stands(summary, renkei):
    result, book, _ = summary
    overview = {r[0]: r[1] for r in rows(book["概要"]) if r[0]}
    stamp = japanese_time(newest_return(result))
    assert overview["集計日時"] == renkei.summary["generated_at"].format(time=stamp)
    assert stamp.startswith("2021年10月15日")  # the newest return's own time, in Japan time


def test_the_csv_schemas_in_the_order_the_csvs_are_written(renkei):
    fields = csv_columns(renkei)
    assert list(fields) == ["projects", "costs", "kpis", "actuals", "region", "findings", "regions", "submissions"]
    kpis = [f[0] for f in fields["kpis"]]
    assert kpis[:4] == ["圏域コード", "行", "KPI番号", "KPI番号（記入）"]
    assert kpis[-6:] == ["最新値", "最新値の時点", "前回の最新値", "前回からの増減", "達成率（%）", "区分"]
    category = next(f for f in fields["kpis"] if f[0] == "取組分類")
    assert "アa" in category[3]["constraints"]["enum"]



def _validate(folder):
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(folder / "datapackage.json"))
    return {(task.name, error.type) for task in report.tasks for error in task.errors} | {
        (None, error.type) for error in report.errors}, report.valid


def test_the_data_package_is_complete_and_its_keys_hold(summary, renkei, tmp_path):
    """datapackage.json as the Frictionless standard reads it: every type, enum, primary
    and foreign key holds over the sample round (with its resubmission, junk and errors);
    a copy with a duplicated KPI and a region not in regions.csv is caught."""
    _, _, out = summary
    package = json.loads((out / "csv" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"] == [renkei.license] and package["version"] == renkei.version
    assert package["created"] == "2021-10-15T09:00:00+00:00"  # the newest return's own time
    assert {r["encoding"] for r in package["resources"]} == {"utf-8"}
    keys = {r["name"]: r["schema"].get("primaryKey") for r in package["resources"]}
    assert keys["kpis"] == ["圏域コード", "KPI番号"] and keys["regions"] == ["圏域コード"]
    assert package["overview"]["headline"] == next(r[0] for r in rows(summary[1]["概要"])[2:3])
    errors, valid = _validate(out / "csv")
    assert valid, errors
    broken = tmp_path / "csv"
    shutil.copytree(out / "csv", broken)
    lines = (broken / "kpis.csv").read_text(encoding="utf-8-sig").splitlines(keepends=True)
    stranger = lines[1].replace(lines[1].split(",")[0], "R99", 1)
    (broken / "kpis.csv").write_text("".join(lines + [lines[1], stranger]), encoding="utf-8-sig")
    errors, valid = _validate(broken)
    assert not valid and {("kpis", "primary-key"), ("kpis", "foreign-key")} <= errors


def test_a_cell_shows_text_as_written_with_invisible_controls_made_visible():
    from kpi_workbook.consolidation.summary_sheets import cell
    from kpi_workbook.core.csv_files import plain
    assert cell("熊本\u202e連携") == "熊本\ufffd連携" and cell("") is None and cell("2025") == "2025"
    assert plain("熊本\u202e連携") == "熊本\u202e連携"  # the CSVs keep what was typed
