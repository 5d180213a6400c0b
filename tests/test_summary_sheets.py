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
    assert stamp.startswith("令和3年10月15日")  # the newest return's own time, in Japan time, in 和暦
    assert japanese_time("2021-10-15T09:00:00Z", "西暦") == "2021年10月15日 18:00"  # a 西暦 survey


def test_the_csv_schemas_in_the_order_the_csvs_are_written(renkei):
    fields = csv_columns(renkei)
    assert list(fields) == ["projects", "costs", "kpis", "actuals", "region", "findings", "regions", "submissions"]
    kpis = [f[0] for f in fields["kpis"]]
    assert kpis[:4] == ["圏域コード", "行", "KPI番号", "KPI番号（記入）"]
    assert kpis[-6:] == ["前回の最新値", "前回からの増減", "最新値", "最新値の時点", "達成率（%）", "区分"]
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


def test_every_view_counts_the_kpis_overview_counts(summary, renkei):
    """Role-level KPIs (旭川's K003 for ア, K004 for イ) in every total: 圏域別設定状況 has a
    column per role and a KPI数 per region adding up to 概要's KPIの総数, as KPI設定状況's
    total and KPI一覧's rows do; a region that sent nothing is 未提出, not a row of 0s."""
    result, book, _ = summary
    overview = {r[0]: r[1] for r in rows(book["概要"]) if r[0]}
    total = overview["KPIの総数"]
    matrix = rows(book["圏域別設定状況"])
    header = matrix[2]
    assert header[2] == "ア" and "イ" in header and "ウ" in header and header[-2:] == ["計", "KPI数"]
    body = {r[0]: r for r in matrix[3:] if r[0] and r[0].startswith("R")}
    assert sum(r[-1] for r in body.values() if isinstance(r[-1], (int, float))) == total
    assert next(r for r in matrix if r[0] == "計")[-1] == total
    asahikawa = body["R07"]
    assert asahikawa[header.index("ア")] == "○" and asahikawa[header.index("イ")] == "○" and asahikawa[-1] == 4
    missing = {code for code in body if code not in {s.region_code for s in result.used}}
    assert missing and all(body[code][-2] == "未提出" for code in missing)
    setting = next(r for r in rows(book["KPI設定状況"]) if r[1] == "計")
    assert setting[4] == total
    kpi_list = [r for r in rows(book["KPI一覧"])[1:] if r[0] and r[0].startswith("R")]
    assert len(kpi_list) == total


def test_the_overview_counts_the_findings_of_the_returns_used_and_the_replaced_apart(summary):
    """指摘の件数 is what 指摘一覧 lists of the returns used (and of the run); a superseded
    file's findings are counted apart, not in it."""
    result, book, _ = summary
    overview = {r[0]: r[1] for r in rows(book["概要"]) if r[0]}
    listed = [r for r in rows(book["指摘一覧"])[1:] if r[0]]
    assert overview["指摘の件数（エラー）"] == sum(1 for r in listed if r[0] == "エラー")
    assert overview["指摘の件数（警告）"] == sum(1 for r in listed if r[0] == "警告")
    superseded = [s for s in result.submissions if s.status == "superseded"]
    assert superseded and overview["差し替え前のファイルの指摘の件数（集計に不使用）"] == sum(
        s.errors + s.warnings for s in superseded) > 0
    replaced = {s.relative for s in superseded}
    assert all(r[7] == "RETURN_SUPERSEDED" for r in listed if r[1] in replaced)


def test_a_definition_written_before_the_legend_still_consolidates(plain_returns, tmp_path):
    """Last year's own definition, without this year's optional wording (区分's legend, the
    note on the role columns, the superseded files' count, the calendar), loads, and the
    summary goes without them (and in 和暦, the default)."""
    from kpi_workbook.consolidation.consolidate import consolidate
    from kpi_workbook.core.survey import TEMPLATES_DIR, load_survey

    from .conftest import SAMPLES
    text = (TEMPLATES_DIR / "renkei.toml").read_text(encoding="utf-8")
    older = "\n".join(line for line in text.splitlines()
                      if not line.startswith(("progress_legend", "role_columns", "superseded_findings", "calendar")))
    (tmp_path / "older.toml").write_text(older, encoding="utf-8")
    survey = load_survey(str(tmp_path / "older.toml"))
    assert "progress_legend" not in survey.summary and survey.calendar == "和暦"
    import openpyxl
    consolidate(plain_returns, SAMPLES / "roster.csv", tmp_path / "s.xlsx", survey=survey, jobs=1)
    book = openpyxl.load_workbook(tmp_path / "s.xlsx")
    assert not any(r[0] and str(r[0]).startswith("※ 区分") for r in rows(book["KPI一覧"]))
    assert not any(r[0] and str(r[0]).startswith("※") for r in rows(book["圏域別設定状況"]))
