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
