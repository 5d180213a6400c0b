"""Roster parsing: encodings, .xlsx, bad rows reported by line, lists split."""
import pytest
import xlsxwriter

from kpi_workbook.core.errors import RosterError
from kpi_workbook.reading.roster import read_roster, regions_for

HEADER = "圏域コード,圏域名,圏域の種別,中心市,構成市町村,都道府県\n"


def test_sample_roster(roster_path, renkei):
    regions, findings = read_roster(roster_path, renkei)
    assert findings == []
    by_code = {r.code: r for r in regions}
    toyama = by_code["R04"]
    assert toyama.central == ("高岡市", "射水市")  # a region with two central cities
    assert toyama.members[:2] == ("高岡市", "射水市")
    # a municipality in two regions (三原市: 広島広域 and 備後) is kept in both
    assert "三原市" in by_code["R08"].members and "三原市" in by_code["R09"].members
    kept, notes = regions_for(regions, renkei)
    assert len(kept) == 10 and {n.code for n in notes} == {"ROSTER_OTHER_REGIME"}


def test_cp932_csv(tmp_path, renkei):
    path = tmp_path / "sjis.csv"
    path.write_bytes((HEADER + 'X1,熊本連携中枢都市圏,連携中枢都市圏,熊本市,"熊本市、菊池市",熊本県\n').encode("cp932"))
    regions, findings = read_roster(path, renkei)
    assert regions[0].name == "熊本連携中枢都市圏" and regions[0].members == ("熊本市", "菊池市")


def test_utf8_bom_csv(tmp_path, renkei):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "X1,A圏,連携中枢都市圏,A市,A市,A県\n").encode())
    assert read_roster(path, renkei)[0][0].code == "X1"


def test_xlsx_roster(tmp_path, renkei):
    path = tmp_path / "roster.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    for r, line in enumerate([HEADER.strip(), "101,A圏,連携中枢都市圏,A市,A市、B町,A県"]):
        for c, value in enumerate(line.split(",")):
            ws.write(r, c, int(value) if value.isdigit() else value)
    book.close()
    regions, _ = read_roster(path, renkei)
    assert regions[0].code == "101" and regions[0].members == ("A市", "B町")


def test_bad_rows_are_reported_by_line_and_others_kept(tmp_path, renkei):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "X1,A圏,連携中枢都市圏,A市,A市,A県\n"
                    ",B圏,連携中枢都市圏,B市,B市,B県\n"
                    "X1,C圏,連携中枢都市圏,C市,C市,C県\n"
                    "\n"
                    "X4,D圏,連携中枢都市圏,D市,D市,D県\n", encoding="utf-8")
    regions, findings = read_roster(path, renkei)
    assert [r.code for r in regions] == ["X1", "X4"]
    assert [(f.code, f.row) for f in findings] == [("ROSTER_REQUIRED_EMPTY", 3), ("ROSTER_DUPLICATE_CODE", 4)]
    assert "3行目" in findings[0].message and "圏域コード" in findings[0].message


def test_missing_column_is_an_error(tmp_path, renkei):
    path = tmp_path / "nocol.csv"
    path.write_text("圏域コード,圏域名\nX1,A\n", encoding="utf-8")
    with pytest.raises(RosterError, match="圏域の種別"):
        read_roster(path, renkei)


def test_undecodable_and_missing_files(tmp_path, renkei):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\xff\xfe\x00\x81\x00" * 10)
    with pytest.raises(RosterError):
        read_roster(path, renkei)
    with pytest.raises(RosterError, match="見つかりません"):
        read_roster(tmp_path / "none.csv", renkei)


def test_migrated_and_vision_marks(tmp_path, teiju):
    path = tmp_path / "marks.csv"
    path.write_text(HEADER.strip() + ",移行状況,ビジョン策定状況\n"
                    "T1,一圏,定住自立圏,一市,一市,A県,○,\n"
                    "T2,二圏,定住自立圏,二市,二市,B県,,未策定\n"
                    "T3,三圏,定住自立圏,三市,三市,C県,,\n", encoding="utf-8")
    regions, findings = read_roster(path, teiju)
    assert findings == []
    assert [(r.code, r.migrated, r.vision) for r in regions] == [
        ("T1", True, True), ("T2", False, False), ("T3", False, True)]
    kept, notes = regions_for(regions, teiju, path.name)
    assert [r.code for r in kept] == ["T2", "T3"]
    assert [(n.code, n.row) for n in notes] == [("ROSTER_MIGRATED", 2)]
    assert "一圏" in notes[0].message and "移行済み" in notes[0].message


def test_without_mark_columns_every_region_counts(roster_path, renkei):
    regions, _ = read_roster(roster_path, renkei)
    assert all(not r.migrated and r.vision for r in regions)
