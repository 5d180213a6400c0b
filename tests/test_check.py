"""check: a return filled the way clerks fill it, with a known list of problems."""
import shutil
import subprocess
from decimal import Decimal

import pytest

from kpi_workbook.checking.check import check_workbook
from kpi_workbook.generation.fill import fill_workbook
from kpi_workbook.reading.roster import read_roster

from .conftest import FIXTURES, needs_soffice, soffice

TOYAMA_CATEGORY = "イb 高度な中心拠点の整備・広域的公共交通網の構築"
ANSWERS = {
    "圏域情報": {"担当部署": "政策企画課", "担当者": "熊本 太郎", "連絡先": "096-000-0000", "回答日": "令和3年10月15日"},
    "事業": [
        {"事業コード": "P001", "事業名": "産学連携支援事業", "取組分類": "アb", "開始年度": "H28",
         "行財政改革の視点": "③、⑥", "人工（正職員）": "1"},
        {"事業コード": "P002", "事業名": "広域的公共交通ネットワーク強化事業", "取組分類": TOYAMA_CATEGORY, "開始年度": "H99"},
        {"事業コード": "P003", "事業名": "移住交流推進事業", "取組分類": "ｱ-c"},
    ],
    "事業費": [
        {"事業コード": "P001", "区分": "決算", "年度": "R2", "事業費（千円）": 115, "一般財源": 115},
        {"事業コード": "P001", "区分": "当初予算", "年度": "R3", "事業費（千円）": "３０１", "一般財源": "300"},
        {"事業コード": "P009", "区分": "当初", "年度": "R3", "事業費（千円）": "△5", "一般財源": "△5"},
    ],
    "KPI": [
        {"KPI番号": "K001", "事業コード": "P001", "取組分類": "アb", "指標名": "圏域内の創業者数（年間）",
         "指標の種類": "アウトカム", "単位": "人", "目標の方向": "増加", "基準値": "772人", "基準時点": "H28",
         "目標値": "1,000", "目標時点": "R2", "現状値": "１，０８４", "現状時点": "H30", "連携効果": "○"},
        {"KPI番号": "K002", "事業コード": "P002", "取組分類": "イb", "指標名": "主要駅の一日あたり乗車人数",
         "指標の種類": "アウトカム", "単位": "人/日", "目標の方向": "増加", "基準値": "23,878人/日", "基準時点": "H27",
         "目標値": "23,400人/日", "目標時点": "R2", "現状値": "24,432", "現状時点": "R2.3"},
        {"KPI番号": "K003", "事業コード": "P003", "取組分類": "ウBe", "指標名": "お試し住宅利用による移住者数",
         "指標の種類": "アウトプット", "単位": "人", "目標の方向": "増加", "基準値": "9", "基準時点": "H27",
         "目標値": "100人", "目標時点": "H27~R1", "現状値": "126件", "現状時点": "R1"},
        {"KPI番号": "K003", "取組分類": "ウ", "指標名": "=HYPERLINK(\"http://x\",\"y\")", "指標の種類": "アウトカム",
         "単位": "人", "目標の方向": "減少", "目標値": "x", "目標時点": "R9", "基準時点": "R10"},
    ],
    "KPI実績": [{"KPI番号": "K001", "時点": "R1", "実績値": "1.1千人"},
               {"KPI番号": "K009", "時点": "R1", "実績値": "3"}],
}
EXPECTED = {
    ("CHOICE_INVALID", "事業", "D6"), ("TIME_INVALID", "事業", "F5"),
    ("COST_IDENTITY", "事業費", "D5"), ("REFERENCE_UNKNOWN", "事業費", "A6"), ("CHOICE_INVALID", "事業費", "B6"),
    ("NEGATIVE_AMOUNT", "事業費", "D6"), ("NEGATIVE_AMOUNT", "事業費", "J6"),
    ("TARGET_AGAINST_DIRECTION", "KPI", "J5"), ("UNIT_MISMATCH", "KPI", "L6"),
    ("CUMULATIVE_VS_SINGLE", "KPI", "M6"), ("OUTPUT_ONLY", "KPI", "E6"),
    ("DUPLICATE_KEY", "KPI", "A7"), ("NUMBER_INVALID", "KPI", "J7"), ("TIME_ORDER", "KPI", "I7"),
    ("REFERENCE_UNKNOWN", "KPI実績", "A5"),
}


@pytest.fixture(scope="module")
def filled(generated, tmp_path_factory):
    path = tmp_path_factory.mktemp("returns") / "R01.xlsx"
    return fill_workbook(generated["R01"], ANSWERS, path)


def located(result):
    return {(f.code, f.sheet, f.cell) for f in result.findings if f.cell}


def test_exactly_the_known_problems(filled, renkei, roster_path):
    before = filled.read_bytes()
    result = check_workbook(filled, roster=read_roster(roster_path, renkei)[0])
    assert located(result) == EXPECTED
    assert {f.code for f in result.findings if not f.cell} == set()
    assert result.region_code == "R01" and result.survey.id == "renkei-kpi"
    assert filled.read_bytes() == before  # the input is never modified


def test_normalized_values_keep_what_was_typed(filled):
    result = check_workbook(filled)
    kpis = {r.values["kpi_no"].value: r for r in result.records["kpis"]}
    k1 = kpis["K001"].values
    assert (k1["latest"].typed, k1["latest"].value, k1["latest"].unit) == ("１，０８４", Decimal(1084), "人")
    assert k1["baseline"].value == 772 and k1["target_time"].value.fiscal_year == 2020
    assert k1["cooperation"].value is True and k1["category"].value == "アb"
    projects = {r.values["project_code"].value: r.values for r in result.records["projects"]}
    assert projects["P002"]["category"].value == "イb"  # picked from the dropdown
    assert projects["P001"]["viewpoints"].value == ("③業務の効率化", "⑥連携・協働の推進")
    actual = result.records["actuals"][0].values["value"]
    assert actual.value == Decimal(1100) and actual.typed == "1.1千人"
    formula_text = [r for r in result.records["kpis"] if r.row == 7][0].values["name"]
    assert formula_text.value.startswith("=HYPERLINK")  # text stays text
    region = result.records["region"][0].values
    assert region["answered_on"].value.isoformat() == "2021-10-15"


def test_suggestion_for_close_choice(filled):
    result = check_workbook(filled)
    by_cell = {(f.sheet, f.cell): f for f in result.findings}
    assert by_cell[("事業", "D6")].suggestion == "アc"
    assert by_cell[("事業費", "B6")].suggestion == "当初予算"
    assert "「アc」ではありませんか" in by_cell[("事業", "D6")].message


def test_width_variants_are_read_with_a_warning(generated, tmp_path):
    path = fill_workbook(generated["R02"], {"事業": [{"事業コード": "P1", "事業名": "x", "取組分類": "ｱb"},
                                                   {"事業コード": "P2", "事業名": "y", "取組分類": "アｂ"}]},
                         tmp_path / "w.xlsx")
    result = check_workbook(path)
    values = [r.values["category"].value for r in result.records["projects"]]
    assert values == ["アb", "アb"]
    assert [(f.code, f.cell) for f in result.findings if f.sheet == "事業"] == [
        ("CHOICE_NORMALIZED", "D4"), ("CHOICE_NORMALIZED", "D5")]


def test_inserted_column_and_rows_below_the_area(generated, tmp_path):
    import openpyxl
    path = fill_workbook(generated["R03"], ANSWERS, tmp_path / "moved.xlsx")
    book = openpyxl.load_workbook(path)
    ws = book["KPI"]
    ws.insert_cols(3)
    ws.cell(3, 3, "メモ")
    ws.cell(300, 1, "K100").data_type = "s"
    for col, value in ((2, "P001"), (4, "アb"), (5, "追加指標"), (6, "アウトカム"), (7, "人"), (8, "増加"), (11, "10"), (12, "R5")):
        ws.cell(300, col, value)
    book.save(path)
    result = check_workbook(path)
    kpis = {r.values["kpi_no"].value: r for r in result.records["kpis"]}
    assert kpis["K001"].cells["category"] == "D4" and kpis["K001"].values["category"].value == "アb"
    assert kpis["K100"].row == 300 and kpis["K100"].values["target"].value == 10
    assert ("HEADER_MISSING", "KPI") not in {(f.code, f.sheet) for f in result.findings}


def test_renamed_required_header(generated, tmp_path):
    import openpyxl
    path = fill_workbook(generated["R04"], {"KPI": ANSWERS["KPI"][:1]}, tmp_path / "renamed.xlsx")
    book = openpyxl.load_workbook(path)
    book["KPI"]["D3"] = "指標"
    book.save(path)
    result = check_workbook(path)
    missing = [f for f in result.findings if f.code == "HEADER_MISSING"]
    assert [(f.sheet, f.column) for f in missing] == [("KPI", "指標名")]


def test_foreign_and_broken_files(tmp_path):
    result = check_workbook(FIXTURES / "xlsx-hostile" / "control_valid.xlsx")
    assert [f.code for f in result.findings] == ["META_MISSING"]  # no survey workbook: one finding, not six
    text = tmp_path / "notes.xlsx"
    text.write_text("圏域コード,圏域名\n", encoding="utf-8")
    result = check_workbook(text)
    assert [f.code for f in result.findings] == ["FILE_NOT_SPREADSHEET"] and not result.readable
    assert "CSV" in result.findings[0].message


def test_other_survey_and_tampered_layout(generated, tmp_path, teiju, renkei, roster_path):
    from kpi_workbook.reading.roster import read_roster
    result = check_workbook(generated["R01"], survey=teiju, roster=read_roster(roster_path, teiju)[0])
    mismatch = [f for f in result.findings if f.code == "META_SURVEY_MISMATCH"]
    assert len(mismatch) == 1 and renkei.title in mismatch[0].message and teiju.title in mismatch[0].message
    assert "renkei-kpi" not in mismatch[0].message
    assert "REGION_NOT_IN_ROSTER" not in {f.code for f in result.findings}


@needs_soffice
@pytest.mark.parametrize("fmt", ["xls", "ods", "xlsx"])
def test_libreoffice_resaved_returns_read_the_same(filled, tmp_path, fmt):
    source = tmp_path / "src" / "R01.xlsx"
    source.parent.mkdir()
    shutil.copy(filled, source)
    out = tmp_path / "out"
    filt = {"xls": "xls:MS Excel 97", "ods": "ods", "xlsx": "xlsx:Calc MS Excel 2007 XML"}[fmt]
    subprocess.run([soffice(), "--headless", "--convert-to", filt, "--outdir", str(out), str(source)],
                   capture_output=True, timeout=180, check=True)
    result = check_workbook(out / f"R01.{fmt}")
    assert located(result) == EXPECTED
    kpis = {r.values["kpi_no"].value: r for r in result.records["kpis"]}
    assert kpis["K001"].values["latest"].value == 1084


def test_date_cells_in_a_1904_workbook(generated, tmp_path):
    import datetime as dt

    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    path = tmp_path / "mac.xlsx"
    book = openpyxl.load_workbook(generated["R06"])
    book.epoch = CALENDAR_MAC_1904
    ws = book["圏域情報"]
    row = next(r for r in range(1, 20) if ws.cell(r, 1).value == "回答日")
    ws.cell(row, 2).value = dt.datetime(2026, 10, 31)
    ws.cell(row, 2).number_format = '[$-ja-JP-x-gannen]ggge"年"m"月"d"日"'  # a 和暦 format
    kpi = book["KPI"]
    kpi["A4"], kpi["I4"] = "K1", dt.datetime(2020, 3, 31)
    book.save(path)
    result = check_workbook(path)
    assert result.records["region"][0].values["answered_on"].value == dt.date(2026, 10, 31)
    assert result.records["kpis"][0].values["baseline_time"].value.start == dt.date(2020, 3, 31)


def test_signed_workbooks(tmp_path, renkei, roster_path):
    import openpyxl

    from kpi_workbook.core import meta_sheet as metadata
    from kpi_workbook.generation.workbooks import generate
    signed = generate(roster_path, renkei, tmp_path / "signed", secret="s3cret").written[0]
    assert not {f.code for f in check_workbook(signed, secret="s3cret").findings} & {"SIGNATURE_MISSING", "SIGNATURE_INVALID"}
    book = openpyxl.load_workbook(signed)
    for row in book[metadata.SHEET].iter_rows():
        if row[0].value == "region_code":
            row[1].value = "R02"  # someone re-labels 熊本's workbook as 播磨's
    forged = tmp_path / "forged.xlsx"
    book.save(forged)
    assert "SIGNATURE_INVALID" in {f.code for f in check_workbook(forged, secret="s3cret").findings}
    unsigned = generate(roster_path, renkei, tmp_path / "plain").written[0]
    assert "SIGNATURE_MISSING" in {f.code for f in check_workbook(unsigned, secret="s3cret").findings}
    assert not {f.code for f in check_workbook(unsigned).findings} & {"SIGNATURE_MISSING", "SIGNATURE_INVALID"}


def test_a_header_typed_twice_reads_the_first_and_says_so(generated, tmp_path):
    from .conftest import edited

    path = fill_workbook(generated["R01"], ANSWERS, tmp_path / "R01.xlsx")
    copy = edited(path, tmp_path / "dup.xlsx", lambda book: book["KPI"].cell(3, book["KPI"].max_column + 2, "指標名"))
    result = check_workbook(copy)
    found = [f for f in result.findings if f.code == "HEADER_DUPLICATE"]
    assert len(found) == 1 and found[0].sheet == "KPI"
    assert result.records["kpis"][0].values["name"].value == check_workbook(path).records["kpis"][0].values["name"].value


def test_qualified_figures_and_ditto_marks_as_clerks_type_them(generated, tmp_path):
    """「1,084人（見込み）」, a qualifier after Alt+Enter, 「約」, 「以上」, 「※」 are read with a
    warning naming the qualifier; 「同上」 and 「〃」 are errors asking for the value itself;
    the CSV keeps the figure as typed."""
    import copy
    import csv

    from kpi_workbook.consolidation.consolidate import consolidate

    from .conftest import SAMPLES
    answers = copy.deepcopy(ANSWERS)
    kpis = answers["KPI"]
    kpis[0]["現状値"] = "1,084人（見込み）"
    kpis[1]["現状値"] = "24,432\n（暫定値）"
    kpis[2]["基準値"] = "約9人"
    kpis[2]["単位"] = "〃"
    answers["KPI実績"][0]["実績値"] = "1,100人以上"
    answers["事業"][1]["実施根拠"] = "同上"
    book = fill_workbook(generated["R01"], answers, tmp_path / "in" / "R01.xlsx")
    result = check_workbook(book)
    qualified = {(f.sheet, f.cell, f.suggestion) for f in result.findings if f.code == "NUMBER_QUALIFIED"}
    assert qualified == {("KPI", "L4", "見込み"), ("KPI", "L5", "暫定値"), ("KPI", "H6", "約"), ("KPI実績", "C4", "以上")}
    message = next(f.message for f in result.findings if f.code == "NUMBER_QUALIFIED" and f.cell == "L4")
    assert "見込み" in message and "1,084人" in message
    ditto = {(f.sheet, f.cell) for f in result.findings if f.code == "SAME_AS_ABOVE"}
    assert ("KPI", "F6") in ditto and ("事業", "G5") in ditto
    assert next(r for r in result.records["kpis"] if r.row == 6).values["unit"].value is None  # never 〃
    consolidate(tmp_path / "in", SAMPLES / "roster.csv", tmp_path / "s.xlsx", csv_dir=tmp_path / "csv", jobs=1)
    rows = {r["KPI番号"]: r for r in csv.DictReader(open(tmp_path / "csv" / "kpis.csv", encoding="utf-8-sig"))}
    assert rows["K001"]["現状値"] == "1084" and rows["K001"]["現状値（記入）"] == "1,084人（見込み）"
