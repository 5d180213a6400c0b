"""selection: one return per region — the newest as an instant; held files take no part."""
from kpi_workbook.core import findings as F
from kpi_workbook.reading.roster import Region
from kpi_workbook.consolidation.selection import select_returns
from kpi_workbook.consolidation.submission import Submission

REGIONS = [Region("R01", "熊本", "連携中枢都市圏", ("熊本市",), ("熊本市",), "熊本県"),
           Region("R02", "播磨", "連携中枢都市圏", ("姫路市",), ("姫路市",), "兵庫県"),
           Region("R03", "久留米", "連携中枢都市圏", ("久留米市",), ("久留米市",), "福岡県")]


def sub(relative, code, modified, **kw):
    return Submission(file=relative, relative=relative, region_code=code, readable=True, modified=modified,
                      claimed_name=kw.pop("name", ""), **kw)


def test_the_newest_wins_by_instant_and_the_others_are_told_which_file_replaced_them():
    late_utc = sub("R01_b.xlsx", "R01", "2021-10-15T02:00:00Z")           # 11:00 in Japan
    early_jst = sub("R01_a.xlsx", "R01", "2021-10-15T10:00:00+09:00")
    findings = select_returns([early_jst, late_utc], REGIONS[:1])
    assert (late_utc.status, early_jst.status) == ("used", "superseded")
    assert [f.code for f in early_jst.findings] == ["RETURN_SUPERSEDED"] and "R01_b.xlsx" in early_jst.findings[0].message
    assert findings == []


def test_held_failed_unknown_and_missing():
    held = sub("R02_熊本の回答.xlsx", "R02", "2021-10-20T00:00:00Z",
               findings=(F.make("REGION_CONFLICT", where="ファイル名", value="R01", expected="R02"),))
    genuine = sub("R02_播磨.xlsx", "R02", "2021-10-01T00:00:00Z")
    unreadable = Submission(file="x.xlsx", relative="x.xlsx", readable=False)
    stranger = sub("R99.xlsx", "R99", "2021-10-01T00:00:00Z")
    findings = select_returns([held, genuine, unreadable, stranger], REGIONS)
    assert (held.status, genuine.status, unreadable.status, stranger.status) == ("held", "used", "failed", "failed")
    missing = sorted(f.value for f in findings if f.code == "REGION_NOT_RETURNED")
    assert missing == ["R01 熊本", "R03 久留米"]


def test_two_names_under_one_code_are_said():
    a = sub("R03_a.xlsx", "R03", "2021-10-02T00:00:00Z", name="久留米広域連携中枢都市圏")
    b = sub("R03_b.xlsx", "R03", "2021-10-01T00:00:00Z", name="別の圏域")
    findings = select_returns([a, b], REGIONS[2:])
    twice = [f for f in findings if f.code == "REGION_CLAIMED_TWICE"]
    assert len(twice) == 1 and twice[0].file == "R03_a.xlsx" and "別の圏域" in twice[0].message
