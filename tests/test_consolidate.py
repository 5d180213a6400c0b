"""consolidate: figures worked out by hand from the seeds, and nothing lost on the way."""
import csv
import json
import re
import shutil
import zipfile

import openpyxl
from click.testing import CliRunner

import kpi_workbook.consolidation.consolidate as C
from kpi_workbook.cli import cli
from kpi_workbook.consolidation.consolidate import consolidate
from kpi_workbook.generation.fill import fill_workbook

from .conftest import INJECTION, SAMPLES, rows, set_modified, teiju_roster

def test_submission_outcomes(summary):
    result, _, _ = summary
    status = {s.relative: s.status for s in result.submissions}
    assert status["old/R02_初回.xlsx"] == "superseded"
    assert status["R02_播磨圏域連携中枢都市圏.xlsx"] == "used"
    assert status["foreign.xlsx"] == "failed"
    assert status["~$R01_熊本連携中枢都市圏.xlsx"] == "skipped" and status["readme.txt"] == "skipped"
    assert [r.code for r in result.missing] == ["R09", "R10"]
    assert len(result.used) == 8


def test_overview_sentence_and_counts(summary):
    result, book, _ = summary
    overview = {r[0]: r[1] for r in rows(book["概要"]) if r[0]}
    headline = [r[0] for r in rows(book["概要"]) if r[0] and "圏域のうち" in str(r[0])][0]
    assert headline == "連携中枢都市圏を形成している10圏域のうち、8圏域において各圏域の特性を踏まえた施策や事業に応じたＫＰＩを設定済み。"
    assert overview["名簿の圏域数"] == 10 and overview["提出された圏域数"] == 8
    assert overview["未提出の圏域数"] == 2 and overview["エラーのある圏域数"] == 1  # 備後 (R08)
    assert overview["差し替えられたファイル数"] == 1 and overview["対象外のファイル数"] == 2
    assert overview["KPIの総数"] == 12
    assert overview["行数の照合"] == "読み込んだ行 42件 ＝ 集計した行 42件 ＋ 除外した行 0件（除外した行は「指摘一覧」に記載）"


def test_setting_table_counts_regions_per_leaf(summary):
    _, book, _ = summary
    table = {r[0]: r[2:5] for r in rows(book["KPI設定状況"]) if r[0] and r[2] is not None and isinstance(r[2], (int, float))}
    assert table["アb"] == [1, 10, 1] and table["イa"] == [1, 10, 2]  # 久留米: two KPIs, one region
    assert table["アd"][0] == 1 and table["ウCd"] == [1, 10, 2] and table["アa"][0] == 0
    assert sum(v[0] for v in table.values()) == 8 and len(table) == 27  # seed 002's 27 leaves
    sheet = rows(book["KPI設定状況"])
    fields = {r[1]: r[2:5] for r in sheet if not r[0] and r[1] and str(r[1]).endswith("（分野全体で設定したKPI）")}
    assert fields == {"ア（分野全体で設定したKPI）": [1, 10, 1], "イ（分野全体で設定したKPI）": [1, 10, 1]}
    total = next(r for r in sheet if r[1] == "計")
    kpis = sum(v[2] for v in table.values()) + sum(v[2] for v in fields.values())
    assert total[4] == kpis == 12  # KPI数 adds up to KPIの総数
    assert any(str(r[1]).startswith("※ ") and str(r[1]).endswith("時点の設定状況。") for r in sheet)
    matrix = rows(book["圏域別設定状況"])
    assert matrix[0][0] == "圏域別設定状況"  # its title
    header = next(r for r in matrix if r[0] == "圏域コード")
    totals = next(r for r in matrix if r[0] == "計")
    assert totals[-2] == sum(v for v in totals[2:-2]) and totals[-1] == kpis  # the grand totals
    kurume = next(r for r in matrix if r[0] == "R03")
    assert kurume[header.index("イa")] == "○" and kurume[-2:] == [1, 2]
    assert next(r for r in matrix if r[0] == "R09")[-2:] == ["未提出", None]  # not a row of 0s
    assert matrix[-1][0].startswith("※ ア・イ・ウの列は")  # what the role columns are


EXPECTED_RATES = {  # region, KPI → (達成率, 区分), from seed 002 and seed 004
    ("R01", "K001"): (108.4, "達成"), ("R02", "K001"): (102.7, "達成"), ("R03", "K001"): (180.0, "達成"),
    ("R03", "K002"): (164.5, "達成"), ("R04", "K001"): (104.4, "達成"), ("R05", "K001"): (175.0, "達成"),
    ("R06", "K001"): (126.0, "達成"), ("R07", "K001"): (77.8, "A"), ("R07", "K002"): (38.1, "B"),
    ("R07", "K003"): (113.9, "達成"), ("R07", "K004"): (100.0, "達成"), ("R08", "K001"): (None, "N"),
}


def test_achievement_rates_from_the_seeds(summary):
    _, book, _ = summary
    table = rows(book["KPI一覧"])
    header = table[0]
    got = {(r[0], r[header.index("KPI番号")]): (r[header.index("達成率（%）")], r[header.index("区分")])
           for r in table[1:] if r[0] and r[0].startswith("R")}
    assert got == EXPECTED_RATES


def test_toyama_below_baseline_warning_is_listed(summary):
    _, book, _ = summary
    findings = rows(book["指摘一覧"])
    assert any(r[7] == "TARGET_AGAINST_DIRECTION" and r[1].startswith("R04") and r[3] == "J4" for r in findings)


def renkei_legend() -> str:
    from kpi_workbook.core.survey import load_survey
    return load_survey("renkei").summary["progress_legend"]


def test_status_sheet_has_national_kpi_first(summary):
    _, book, _ = summary
    status = rows(book["KPIの状況"])
    assert status[0][:4] == ["ＫＰＩ", "目標値（達成時期）", "実績値（時点）", "区分"]
    assert status[1][0] == "全国：「連携中枢都市圏」の形成数" and status[1][2].startswith("10圏域")
    assert ["高梁川流域連携中枢都市圏：倉敷・流域お試し住宅利用による移住者数", "100人（平成27年度～令和元年度）",
            "126人（平成27年度～令和元年度）", "達成"] in [r[:4] for r in status]  # in the survey's calendar
    assert re.search(r"（令和\d{1,2}年\d{1,2}月\d{1,2}日現在）$", status[1][2])  # a date as Japanese read it
    assert all(len(r) < 5 or r[4] in (None, "") for r in status[1:])  # 今後の方針: the ministry's, not 備考
    assert status[-1][0] == renkei_legend() and status[-2][0] == "第二階層：各圏域において設定"
    last = status[-2]
    assert last[0] == "第二階層：各圏域において設定" and re.match(r"10圏域のうち、8圏域において指標を設定済み（", last[2])


def test_submissions_sheet_lists_every_region(summary):
    _, book, _ = summary
    table = rows(book["提出状況"])
    by_code = {}
    for r in table[1:]:
        by_code.setdefault(r[0], r)  # roster regions come first; other files are listed below
    assert by_code["R09"][2] == "未提出" and by_code["R08"][7] == "エラーあり"
    assert by_code["R02"][3] == "R02_播磨圏域連携中枢都市圏.xlsx"
    assert by_code["R02"][4] == "令和3年10月15日 18:00"  # 09:00Z, read in Japan time and Japanese form
    replaced = next(r for r in table if r[3] == "old/R02_初回.xlsx")
    assert replaced[2] == "差し替え前（集計に不使用）" and "より新しいファイル" in replaced[7]  # why, not a warning of its own
    foreign = next(r for r in table if r[3] == "foreign.xlsx")
    assert foreign[2] == "読み込めず" and "管理情報が見つかりません" in foreign[7]  # a failed file says why


def test_findings_link_to_cells_and_are_complete(summary):
    result, book, out = summary
    ws = book["指摘一覧"]
    links = [c.hyperlink for row in ws.iter_rows(min_row=2) for c in row if c.hyperlink]
    assert any(h.target.endswith("R08_備後圏域連携中枢都市圏.xlsx") and h.location == "'事業'!D4"
               for h in links)  # 備後: 取組分類「ア-d」
    codes = {r[7] for r in rows(ws)[1:]}
    assert {"REGION_NOT_RETURNED", "RETURN_SUPERSEDED", "FILE_SKIPPED", "META_MISSING", "CHOICE_INVALID"} <= codes


def test_csv_exports(summary):
    _, _, out = summary
    files = sorted(p.name for p in (out / "csv").iterdir())
    assert files == ["actuals.csv", "costs.csv", "datapackage.json", "definition.json", "findings.csv", "kpis.csv",
                     "projects.csv", "region.csv", "regions.csv", "submissions.csv"]  # region.csv: 圏域情報, one row a return
    raw = (out / "csv" / "kpis.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader((out / "csv" / "kpis.csv").open(encoding="utf-8-sig")))
    assert len(table) == 12
    kumamoto = next(r for r in table if r["圏域コード"] == "R01")
    assert kumamoto["現状値"] == "1084" and kumamoto["現状値（記入）"] == "１，０８４" and kumamoto["達成率（%）"] == "108.4"
    package = json.loads((out / "csv" / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in package["resources"]] == ["projects", "costs", "kpis", "actuals", "region", "findings", "regions",
                                                          "submissions"]


def test_formula_text_stays_inert(generated, tmp_path):
    data = json.loads((SAMPLES / "returns" / "R05.json").read_text(encoding="utf-8"))
    data["KPI"][0]["指標名"] = INJECTION
    data["KPI"][0]["備考"] = "+81-3-1234-5678"
    folder = tmp_path / "in"
    fill_workbook(generated["R05"], data, folder / "R05.xlsx")
    consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", csv_dir=tmp_path / "csv", jobs=1)
    with zipfile.ZipFile(tmp_path / "s.xlsx") as zf:
        xml = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in xml  # no formula anywhere in the summary
    book = openpyxl.load_workbook(tmp_path / "s.xlsx")
    assert any(c.value == INJECTION and c.data_type == "s" for row in book["KPI一覧"].iter_rows() for c in row)
    text = (tmp_path / "csv" / "kpis.csv").read_text(encoding="utf-8-sig")
    assert "'" + INJECTION.replace('"', '""') in text and ",+81-3-1234-5678," in text


def test_same_inputs_same_bytes(returns, tmp_path):
    first = consolidate(returns, SAMPLES / "roster.csv", tmp_path / "a.xlsx", csv_dir=tmp_path / "a", jobs=2)
    second = consolidate(returns, SAMPLES / "roster.csv", tmp_path / "b.xlsx", csv_dir=tmp_path / "b", jobs=1)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    for name in ("kpis.csv", "findings.csv", "submissions.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert first.totals == second.totals


def test_cli_exit_codes(returns, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["consolidate", str(returns), "--roster", str(SAMPLES / "roster.csv"),
                                 "-o", str(tmp_path / "s.xlsx")])
    assert result.exit_code == 1, result.output  # missing regions and errors
    assert "行数の照合：読み込んだ行 42件 ＝ 集計した行 42件 ＋ 除外した行 0件" in result.output
    assert "集計結果：" in result.output and (tmp_path / "s.xlsx").exists()
    clean = tmp_path / "clean"
    clean.mkdir()
    shutil.copy(next(returns.glob("R05_*.xlsx")), clean)
    roster = tmp_path / "r.csv"
    roster.write_text((SAMPLES / "roster.csv").read_text(encoding="utf-8").splitlines()[0] + "\n"
                      + [line for line in (SAMPLES / "roster.csv").read_text(encoding="utf-8").splitlines()
                         if line.startswith("R05")][0] + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["consolidate", str(clean), "--roster", str(roster), "-o", str(tmp_path / "c.xlsx")])
    assert result.exit_code == 0, result.output
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(cli, ["consolidate", str(clean), "--roster", str(roster), "-o", str(blocker / "s.xlsx")])
    assert result.exit_code == 2 and "書き込めません" in result.output


def test_chart_plots_its_hidden_data(summary):
    _, _, out = summary
    with zipfile.ZipFile(out / "summary.xlsx") as zf:
        chart = zf.read("xl/charts/chart1.xml").decode()
    # xlsxwriter omits <c:plotVisOnly val="1"/> when hidden data is to be shown
    assert "<c:barChart>" in chart and "plotVisOnly" not in chart and "$H$" in chart


def test_return_for_a_region_not_in_the_roster(returns, tmp_path):
    lines = (SAMPLES / "roster.csv").read_text(encoding="utf-8").splitlines()
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join(line for line in lines if not line.startswith("R03")) + "\n", encoding="utf-8")
    result = consolidate(returns, roster, tmp_path / "s.xlsx", jobs=1)
    kurume = next(s for s in result.submissions if s.relative.startswith("R03"))
    assert kurume.status == "failed"
    assert "R03" not in {s.region_code for s in result.used} and len(result.regions) == 9
    book = openpyxl.load_workbook(tmp_path / "s.xlsx")
    assert any(r[7] == "REGION_NOT_IN_ROSTER" and r[1].startswith("R03") for r in rows(book["指摘一覧"]))


def test_two_files_claiming_one_code_with_different_names(generated, tmp_path):
    import openpyxl as xl
    folder = tmp_path / "in"
    a = fill_workbook(generated["R05"], json.loads((SAMPLES / "returns" / "R05.json").read_text(encoding="utf-8")),
                      folder / "a.xlsx")
    b = folder / "b.xlsx"
    book = xl.load_workbook(a)
    meta = book["_kpi_workbook"]
    for row in meta.iter_rows():
        if row[0].value == "region_name":
            row[1].value = "別の圏域"
    book.save(b)
    set_modified(a, "2021-10-01T00:00:00Z")
    set_modified(b, "2021-10-02T00:00:00Z")
    result = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=1)
    assert "REGION_CLAIMED_TWICE" in {f.code for f in result.findings}
    assert {s.relative: s.status for s in result.submissions} == {"a.xlsx": "superseded", "b.xlsx": "used"}


def test_cli_json(returns, tmp_path):
    result = CliRunner().invoke(cli, ["consolidate", str(returns), "--roster", str(SAMPLES / "roster.csv"),
                                      "-o", str(tmp_path / "s.xlsx"), "--json", "--jobs", "1"])
    data = json.loads(result.output)
    assert data["totals"]["read"] == 42 and data["totals"]["kpis"] == 12
    by_file = {s["relative"]: s for s in data["submissions"]}
    assert by_file["old/R02_初回.xlsx"]["status"] == "superseded"
    assert {f["code"] for f in data["findings"]} >= {"REGION_NOT_RETURNED", "RETURN_SUPERSEDED"}
    bingo = next(s for s in data["submissions"] if s["region_code"] == "R08")  # the faulty return
    assert bingo["errors"] and [f for f in bingo["findings"] if f["cell"]]  # cell by cell, not only file-level
    assert sum(f["severity"] == "error" for f in bingo["findings"]) == bingo["errors"]
    assert data["counts"]["error"] == sum(f["severity"] == "error" for f in data["findings"]
                                          if f["file"] != "old/R02_初回.xlsx" or not f["cell"])
    assert not any(key.endswith("_path") for s in data["submissions"] for key in s)  # scratch: gone


def test_rows_beyond_excel_limit_are_counted_not_lost(returns, tmp_path, monkeypatch):
    import csv as _csv

    import kpi_workbook.consolidation.summary_writer as S
    monkeypatch.setattr(S, "MAX_ROWS", 5)
    result = consolidate(returns, SAMPLES / "roster.csv", tmp_path / "s.xlsx", csv_dir=tmp_path / "csv", jobs=1)
    book = openpyxl.load_workbook(tmp_path / "s.xlsx")
    assert book["KPI一覧"].max_row == 5
    notes = [r[1] for r in rows(book["概要"]) if r[1] and "行数の上限" in str(r[1])]
    kpi_note = next(n for n in notes if "「KPI一覧」" in n)
    assert f"{result.totals.kpis - 4}行を載せていません" in kpi_note  # 4 rows below the header
    with open(tmp_path / "csv" / "kpis.csv", encoding="utf-8-sig") as fh:
        assert sum(1 for _ in _csv.DictReader(fh)) == result.totals.kpis


def test_cli_progress_covers_checking_and_writing(returns, tmp_path, monkeypatch):
    monkeypatch.setenv("KPI_WORKBOOK_PROGRESS", "1")
    result = CliRunner().invoke(cli, ["consolidate", str(returns), "--roster", str(SAMPLES / "roster.csv"),
                                      "-o", str(tmp_path / "s.xlsx")])
    assert result.exit_code == 1
    assert "提出ファイルを確認中" in result.output and "集計結果を書き出し中" in result.output


def test_terminal_lists_each_file_with_errors_and_totals_equal_the_overview(returns, tmp_path):
    result = CliRunner().invoke(cli, ["consolidate", str(returns), "--roster", str(SAMPLES / "roster.csv"),
                                      "-o", str(tmp_path / "s.xlsx"), "--jobs", "1"])
    assert result.exit_code == 1, result.output
    bingo = next(returns.glob("R08_*.xlsx")).name
    line = next(line for line in result.output.splitlines() if line.startswith(f"■ {bingo}"))
    errors = int(re.search(r"エラー (\d+)件", line).group(1))
    assert "集計に使用" in line and errors >= 1
    overview = {row[0]: row[1] for row in openpyxl.load_workbook(tmp_path / "s.xlsx")["概要"].iter_rows(values_only=True)
                if row and row[0]}
    total = re.search(r"指摘の合計：エラー (\d+)件、警告 (\d+)件", result.output)
    assert (int(total.group(1)), int(total.group(2))) == (overview["指摘の件数（エラー）"], overview["指摘の件数（警告）"])
    assert int(total.group(1)) >= errors + 2  # 備後's, and the two regions that sent nothing


def test_csv_severity_in_japanese_and_times_with_their_offset(summary):
    _, _, out = summary
    with open(out / "csv" / "findings.csv", encoding="utf-8-sig", newline="") as fh:
        findings = list(csv.DictReader(fh))
    assert findings and {r["重要度"] for r in findings} <= {"エラー", "警告", "情報"} and all(r["コード"] for r in findings)
    with open(out / "csv" / "submissions.csv", encoding="utf-8-sig", newline="") as fh:
        stamps = [r["ファイルの更新日時"] for r in csv.DictReader(fh) if r["ファイルの更新日時"]]
    assert stamps and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d", s) for s in stamps)


def test_cli_says_where_the_csvs_went(returns, tmp_path):
    result = CliRunner().invoke(cli, ["consolidate", str(returns), "--roster", str(SAMPLES / "roster.csv"),
                                      "-o", str(tmp_path / "s.xlsx"), "--csv", str(tmp_path / "csv"), "--jobs", "1"])
    assert f"CSV：{tmp_path / 'csv'}" in result.output


def test_teiju_summary_has_its_own_sentence(tmp_path, teiju):
    from kpi_workbook.generation.workbooks import generate
    blanks = generate(SAMPLES / "roster.csv", teiju, tmp_path / "blank").written
    folder = tmp_path / "in"
    fill_workbook(blanks[0], {"KPI": [{"KPI番号": "K1", "取組分類": "Aa", "指標名": "x", "指標の種類": "アウトカム",
                                       "単位": "人", "目標の方向": "増加", "目標値": "10", "目標時点": "R5"}]},
                  folder / blanks[0].name)
    consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", survey=teiju, jobs=1)
    overview = rows(openpyxl.load_workbook(tmp_path / "s.xlsx")["概要"])
    assert overview[2][0] == "共生ビジョンを策定している2圏域のうち、1圏域において指標を設定済み。"


def test_teiju_sentence_leaves_out_migrated_regions(tmp_path, teiju):
    """Seed 000: 「共生ビジョンを策定している110圏域（連携中枢都市圏に移行済みの4圏域を除く）…」.
    The roster marks one region 移行済み (not surveyed, not missing) and one whose vision is
    未策定 (surveyed, but not counted in the sentence)."""
    from kpi_workbook.generation.workbooks import generate
    roster = teiju_roster(tmp_path / "roster.csv")
    made = generate(roster, teiju, tmp_path / "blank")
    assert sorted(p.name[:2] for p in made.written) == ["T1", "T2", "T4"]
    folder = tmp_path / "in"
    kpi = {"KPI番号": "K1", "取組分類": "Aa", "指標名": "x", "指標の種類": "アウトカム",
           "単位": "人", "目標の方向": "増加", "目標値": "10", "目標時点": "R5"}
    for path in made.written:
        if path.name.startswith(("T1", "T4")):
            fill_workbook(path, {"KPI": [kpi]}, folder / path.name)
    result = consolidate(folder, roster, tmp_path / "s.xlsx", survey=teiju, jobs=1)
    assert [r.code for r in result.missing] == ["T2"]
    overview = rows(openpyxl.load_workbook(tmp_path / "s.xlsx")["概要"])
    assert overview[2][0] == ("共生ビジョンを策定している2圏域（連携中枢都市圏に移行済みの1圏域を除く）のうち、"
                              "1圏域において指標を設定済み。")
