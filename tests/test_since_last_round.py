"""revisions: a return compared with the last round its workbook carries, at the cells."""
from kpi_workbook.checking.check import check_workbook

from .conftest import edited

ROUND = "令和9年度調査"


def _column(ws, label):
    return next(c.column for c in ws[3] if c.value == label)


def _row(ws, number):
    return next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == number)


def _clerk(book):
    """旭川's clerk: K001's target 9 → 10 left at 継続; K002's target 126 → 130 marked 見直し;
    K003 deleted outright; K004 marked 廃止 with a reason; R2's 8 corrected to 6 without a
    word; R4 actuals: K001 7 → 20 (a jump), K003 189 → 400 explained."""
    kpi, actual = book["KPI"], book["KPI実績"]
    kpi.cell(_row(kpi, "K001"), _column(kpi, "目標値"), "10")
    k002 = _row(kpi, "K002")
    kpi.cell(k002, _column(kpi, "目標値"), "130")
    kpi.cell(k002, _column(kpi, "見直し状況"), "見直し")
    kpi.delete_rows(_row(kpi, "K003"))
    k004 = _row(kpi, "K004")
    kpi.cell(k004, _column(kpi, "見直し状況"), "廃止")
    kpi.cell(k004, _column(kpi, "説明"), "事業の統合による")
    r2 = next(r for r in range(4, actual.max_row + 1) if actual.cell(r, 1).value == "K001" and actual.cell(r, 2).value == "R2")
    actual.cell(r2, 3, "6")
    last = actual.max_row
    for values in (["K001", "R4", "20"], ["K003", "R4", "400", "新施設の開設による"]):
        last += 1
        for c, value in enumerate(values, start=1):
            actual.cell(last, c, value)


def test_every_change_since_last_round_is_said_at_its_cell(last_round, tmp_path):
    _, books = last_round
    result = check_workbook(edited(books["R07"], tmp_path / "R07.xlsx", _clerk), round_=ROUND)
    by = {}
    for f in result.findings:
        by.setdefault(f.code, []).append(f)
    unmarked = by["REVISION_UNMARKED"]
    assert [(f.column, f.value) for f in unmarked] == [("目標値", "10")] and "「9」" in unmarked[0].message
    assert unmarked[0].sheet == "KPI" and unmarked[0].cell.startswith("J") and unmarked[0].severity == "warning"
    assert [f.value for f in by["KPI_REMOVED"]] == ["K003 上川中部定住自立圏形成協定に基づく取組数"]
    altered = by["ACTUAL_ALTERED"]
    assert len(altered) == 1 and "令和2年度" in altered[0].message and "「8」" in altered[0].message
    jumps = by["ACTUAL_JUMP"]
    assert len(jumps) == 1 and jumps[0].value == "20" and "+185.7%" in jumps[0].message  # 7 → 20
    explained = by["EXPLAINED"]
    assert len(explained) == 1 and explained[0].severity == "info" and "新施設の開設による" in explained[0].message
    assert "REVISION_UNMARKED" not in {f.code for f in result.findings if f.row == 5}  # K002: marked 見直し


def test_a_workbook_without_last_round_is_compared_with_nothing(generated):
    result = check_workbook(generated["R07"])
    assert not {f.code for f in result.findings} & {"REVISION_UNMARKED", "KPI_REMOVED", "ACTUAL_JUMP"}


def test_an_actual_a_thousand_times_last_rounds_is_a_unit_slip_and_carries_its_file(last_round, tmp_path):
    """旭川's clerk types R4's actual of K001 in 人 where the KPI counts in 千人's scale: 7 → 7,000."""
    _, books = last_round

    def slip(book):
        actual = book["KPI実績"]
        last = actual.max_row + 1
        for c, value in enumerate(["K001", "R4", "7,000"], start=1):
            actual.cell(last, c, value)
    result = check_workbook(edited(books["R07"], tmp_path / "R07.xlsx", slip), round_=ROUND)
    slips = [f for f in result.findings if f.code == "ACTUAL_UNIT_SLIP"]
    assert len(slips) == 1 and "1,000倍" in slips[0].message and "7,000" in slips[0].message
    assert slips[0].file and "ACTUAL_JUMP" not in {f.code for f in result.findings if f.cell == slips[0].cell}
