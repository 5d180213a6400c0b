"""fill: answers typed into a generated workbook as a clerk would, the blank untouched."""
import hashlib

from kpi_workbook.checking.check import check_workbook
from kpi_workbook.generation.fill import fill_workbook


def test_answers_land_under_their_labels_and_the_blank_is_untouched(generated, tmp_path):
    blank = generated["R03"]
    before = hashlib.sha256(blank.read_bytes()).hexdigest()
    answers = {"圏域情報": {"担当者": "久留米 三郎"},
               "KPI": [{"KPI番号": "K001", "指標名": "参加医療機関数", "基準値": "１２６", "目標時点": "R3"}]}
    filled = fill_workbook(blank, answers, tmp_path / "R03.xlsx")
    assert hashlib.sha256(blank.read_bytes()).hexdigest() == before
    result = check_workbook(filled)
    kpi = result.records["kpis"][0]
    assert kpi.values["name"].value == "参加医療機関数" and kpi.values["baseline"].value == 126
    assert kpi.values["baseline"].typed == "１２６"  # typed as the clerk typed it
    assert result.records["region"][0].values["contact_person"].value == "久留米 三郎"
