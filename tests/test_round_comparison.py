"""comparison: two rounds compared — revisions.csv and KPI見直し状況, with pandas."""
import csv

import openpyxl
from click.testing import CliRunner

from kpi_workbook.cli import cli
from kpi_workbook.consolidation.consolidate import consolidate

from .conftest import SAMPLES, edited, rows
from .test_since_last_round import ROUND, _clerk


def _revisions(path) -> list:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_the_rounds_compared_kpi_by_kpi(last_round, tmp_path):
    """Round 2: 旭川 revises two targets (one unmarked), deletes one KPI, abolishes one; 熊本
    returns its workbook as pre-filled. Every KPI is in revisions.csv with its class."""
    csv1, books = last_round
    folder = tmp_path / "round2"
    edited(books["R07"], folder / books["R07"].name, _clerk)
    edited(books["R01"], folder / books["R01"].name, lambda book: None)
    result = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", csv_dir=tmp_path / "csv2",
                         previous=csv1, round_=ROUND, jobs=1)
    lines = _revisions(tmp_path / "csv2" / "revisions.csv")
    assert lines[0] == ["圏域コード", "KPI番号", "見直し区分", "項目", "前回", "今回"]
    body = [tuple(line) for line in lines[1:]]
    assert ("R07", "K001", "見直し", "目標値", "9", "10") in body  # unmarked, still a 見直し
    assert ("R07", "K002", "見直し", "目標値", "126", "130") in body
    assert ("R07", "K003", "廃止", "", "", "") in body and ("R07", "K004", "廃止", "", "", "") in body
    assert ("R01", "K001", "継続", "", "", "") in body
    assert {line[0] for line in body} == {"R01", "R07"}  # only the regions that returned
    assert dict(result.revisions)["R07"] == {"継続": 0, "見直し": 2, "新規": 0, "廃止": 2}
    book = openpyxl.load_workbook(tmp_path / "s.xlsx")
    sheet = rows(book["KPI見直し状況"])
    assert sheet[0] == ["圏域コード", "圏域名", "継続", "見直し", "新規", "廃止"]
    assert sheet[3][:2] == ["計", None] and sheet[3][2:] == [1, 2, 0, 2]
    sentence = rows(book["概要"])[3][0]
    assert sentence == "前回の調査と比べると、2圏域のうち、1圏域においてKPIを見直し（見直し2件、新規0件、廃止2件）。"


def test_last_rounds_csvs_are_never_written_over(last_round, tmp_path):
    csv1, books = last_round
    folder = tmp_path / "round2"
    edited(books["R01"], folder / books["R01"].name, lambda book: None)
    before = {p.name: p.read_bytes() for p in csv1.iterdir()}
    result = CliRunner().invoke(cli, ["consolidate", str(folder), "--roster", str(SAMPLES / "roster.csv"),
                                      "-o", str(tmp_path / "s.xlsx"), "--csv", str(csv1), "--previous", str(csv1)])
    assert result.exit_code == 2 and "入力のファイル" in result.output and str(csv1) in result.output
    assert {p.name: p.read_bytes() for p in csv1.iterdir()} == before


def test_another_surveys_csvs_as_last_round_stop_before_any_check(last_round, tmp_path):
    csv1, books = last_round
    (tmp_path / "returns").mkdir()
    result = CliRunner().invoke(cli, ["consolidate", str(tmp_path / "returns"), "--roster", str(SAMPLES / "roster.csv"),
                                      "-o", str(tmp_path / "s.xlsx"), "--survey", "teiju", "--previous", str(csv1)])
    assert result.exit_code == 2 and "別の調査" in result.output and not (tmp_path / "s.xlsx").exists()


def test_kpi_list_shows_last_rounds_figure_and_the_change(tmp_path):
    """Round 2 of the demo: 旭川's 会議の開催回数 was 8 (令和2年度) and is 7 (令和3年度): −1."""
    from kpi_workbook.demo import run_demo
    made = run_demo(tmp_path / "demo", jobs=1)
    sheet = rows(openpyxl.load_workbook(made["result"].output)["KPI一覧"])
    header = sheet[0]
    k001 = next(r for r in sheet if r[0] == "R07" and r[header.index("KPI番号")] == "K001")
    assert (k001[header.index("前回の最新値")], k001[header.index("前回からの増減")]) == (8, -1)
    assert k001[header.index("達成率（%）")] == 77.8
    status = rows(openpyxl.load_workbook(made["result"].output)["KPIの状況"])
    assert status[0][-1] == "前回の実績値（時点）"
    meeting = next(r for r in status if str(r[0]).endswith("上川中部定住自立圏構想の推進に向けた会議の開催回数"))
    assert meeting[2] == "7回（令和3年度）" and meeting[-1] == "8回（令和2年度）"  # seed 000's layout, then last round's
    revisions = rows(openpyxl.load_workbook(made["result"].output)["KPI見直し状況"])
    target = next(r for r in revisions if r[0] == "R01" and r[3] == "目標値")
    assert target[4:] == ["1,000人", "1,200人"]  # separators and the KPI's unit
    when = next(r for r in revisions if r[0] == "R01" and r[3] == "目標時点")
    assert when[4:] == ["令和2年度", "令和7年度"]  # the survey's calendar


def test_compare_rounds_on_frames(renkei):
    import pandas as pd

    from kpi_workbook.consolidation.round_comparison import compare_rounds
    columns = ["圏域コード", "KPI番号", "見直し状況", "指標名", "単位", "目標の方向", "基準値", "基準時点", "目標値", "目標時点"]
    last = pd.DataFrame([["R1", "K1", "継続", "a", "人", "増加", "1", "2019年度", "9", "2023年度"],
                         ["R1", "K2", "継続", "b", "人", "増加", "1", "2019年度", "5", "2023年度"],
                         ["R1", "K3", "継続", "c", "人", "増加", "1", "2019年度", "5", "2023年度"],
                         ["R2", "K1", "継続", "z", "人", "増加", "1", "2019年度", "5", "2023年度"]], columns=columns)
    now = pd.DataFrame([["R1", "K1", "継続", "a", "人", "増加", "1", "2019年度", "10", "2023年度"],  # unmarked change
                        ["R1", "K2", "廃止", "b2", "人", "増加", "1", "2019年度", "5", "2023年度"],  # 廃止 wins
                        ["R1", "K4", "新規", "d", "人", "増加", "1", "2021年度", "3", "2025年度"]], columns=columns)
    out = compare_rounds(now, last, renkei)
    assert [tuple(r) for r in out.itertuples(index=False)] == [
        ("R1", "K1", "見直し", "目標値", "9", "10"), ("R1", "K2", "廃止", "", "", ""),
        ("R1", "K3", "廃止", "", "", ""), ("R1", "K4", "新規", "", "", "")]  # R2 did not return: not compared


def test_last_rounds_column_that_matches_nothing_is_a_warning_naming_it_and_the_rest_is_carried(last_round, tmp_path):
    import shutil
    csv1, books = last_round
    broken = tmp_path / "prev"
    shutil.copytree(csv1, broken)
    text = (csv1 / "kpis.csv").read_text(encoding="utf-8-sig").replace("見直し状況,", "状況,", 1)
    (broken / "kpis.csv").write_text(text, encoding="utf-8-sig")
    (tmp_path / "returns").mkdir()
    result = CliRunner().invoke(cli, ["consolidate", str(tmp_path / "returns"), "--roster", str(SAMPLES / "roster.csv"),
                                      "-o", str(tmp_path / "s.xlsx"), "--previous", str(broken)])
    assert result.exit_code == 1, result.output  # the usual report: every region missing, nothing stopped
    assert "PREVIOUS_COLUMN_UNMATCHED" in result.output and "「状況」" in result.output


def test_previous_over_a_folder_with_no_usable_return_is_the_usual_report(last_round, tmp_path):
    from .conftest import SAMPLES, run_console
    folder, _ = last_round
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.xlsx").write_bytes(b"not a workbook")
    done = run_console("consolidate", tmp_path / "in", "--roster", SAMPLES / "roster.csv", "-o", tmp_path / "s.xlsx",
                       "--previous", folder, "--csv", tmp_path / "csv")
    assert done.returncode == 1, done.stderr
    assert "内部エラー" not in done.stderr and (tmp_path / "csv" / "revisions.csv").exists()


def test_a_previous_round_sharing_no_kpi_compares_as_all_new_and_all_abolished(last_round, tmp_path):
    import csv
    import shutil

    from .conftest import SAMPLES, run_console
    folder, books = last_round
    renumbered = tmp_path / "prev"
    shutil.copytree(folder, renumbered)
    for name in ("kpis.csv", "actuals.csv"):
        with open(folder / name, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        for row in rows[1:]:
            row[:] = [("X" + v[1:]) if v.startswith("K0") else v for v in row]
        with open(renumbered / name, "w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh, lineterminator="\r\n").writerows(rows)
    returns = tmp_path / "returns"
    returns.mkdir()
    shutil.copyfile(books["R07"], returns / books["R07"].name)
    done = run_console("consolidate", returns, "--roster", SAMPLES / "roster.csv", "-o", tmp_path / "s.xlsx",
                       "--csv", tmp_path / "csv", "--previous", renumbered, "--round", "令和9年度調査")
    assert done.returncode == 1 and "内部エラー" not in done.stderr, done.stderr
    kinds = {r["見直し区分"] for r in csv.DictReader(open(tmp_path / "csv" / "revisions.csv", encoding="utf-8-sig"))}
    assert kinds == {"新規", "廃止"}
    site = run_console("publish", tmp_path / "csv", "--out", tmp_path / "site", "--previous", renumbered)
    assert site.returncode == 0 and (tmp_path / "site" / "changes.html").exists(), site.stderr
