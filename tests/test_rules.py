"""rules: checks across cells, rows and sheets, on returns as clerks fill them."""
import json

from kpi_workbook.checking.check import check_workbook
from kpi_workbook.generation.fill import fill_workbook

from .conftest import SAMPLES, codes, edited


def _sample(generated, tmp_path, code, change=None):
    data = json.loads((SAMPLES / "returns" / f"{code}.json").read_text(encoding="utf-8"))
    if change:
        change(data)
    return check_workbook(fill_workbook(generated[code], data, tmp_path / generated[code].name))


def test_a_target_against_its_direction_is_a_warning_at_the_target(generated, tmp_path):
    result = _sample(generated, tmp_path, "R04")  # とやま呉西: 増加 but target below the baseline
    found = [f for f in result.findings if f.code == "TARGET_AGAINST_DIRECTION"]
    assert len(found) == 1 and found[0].sheet == "KPI" and found[0].severity == "warning"
    assert "23,400" in found[0].message and "23,878" in found[0].message


def test_costs_that_do_not_add_up_are_an_error_at_the_total(generated, tmp_path):
    result = _sample(generated, tmp_path, "R08")  # 備後: 5,000 against parts adding to 4,000
    found = [f for f in result.findings if f.code == "COST_IDENTITY"]
    assert [(f.sheet, f.severity) for f in found] == [("事業費", "error")]


def test_each_role_without_a_kpi_is_said_once(generated, tmp_path):
    result = _sample(generated, tmp_path, "R01")  # 熊本: KPIs in ア only
    roles = sorted(f.value for f in result.findings if f.code == "ROLE_WITHOUT_KPI")
    assert [r[0] for r in roles] == ["イ", "ウ"]


def test_a_percentage_past_100_is_an_error(kumamoto_return, tmp_path):
    def over(book):
        ws = book["事業費"]
        column = next(c.column for c in ws[3] if c.value == "交付税措置（%）")
        ws.cell(4, column, "150")
    result = check_workbook(edited(kumamoto_return, tmp_path / "R01.xlsx", over))
    found = [f for f in result.findings if f.code == "PERCENT_RANGE"]
    assert len(found) == 1 and found[0].value == "150" and found[0].cell.endswith("4")
    assert "PERCENT_RANGE" not in codes(check_workbook(kumamoto_return))


def test_a_cost_a_thousand_times_its_projects_other_rows_is_a_unit_slip(generated, tmp_path):
    """事業費 typed in 円 on one row of a project whose other rows are in 千円: the identity holds
    (its parts are in 円 too), so only the comparison with the project's other rows tells."""
    costs = [{"事業コード": "P001", "区分": "決算", "年度": year, "事業費（千円）": cost, "一般財源": cost}
             for year, cost in (("R1", "1,150"), ("R2", "1,200"), ("R3", "1,180,000"))]
    answers = {"事業": [{"事業コード": "P001", "事業名": "産学連携支援事業", "取組分類": "アb"}], "事業費": costs}
    result = check_workbook(fill_workbook(generated["R01"], answers, tmp_path / "R01.xlsx"))
    slips = [f for f in result.findings if f.code == "UNIT_SLIP"]
    assert [(f.sheet, f.cell) for f in slips] == [("事業費", "D6")] and "1,000倍" in slips[0].message
    assert "COST_IDENTITY" not in {f.code for f in result.findings}
