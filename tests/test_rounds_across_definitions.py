"""Three rounds as a ministry runs them, the survey changed between each (issue 26).

Round 1: the installed 連携中枢都市圏 definition.  Round 2's definition adds a text column,
a required dropdown and a percent column to the KPI sheet, relabels two columns and a
sheet, and adds a table sheet; round 3's drops a column.  Each round is generated from the
last one's CSVs, filled as clerks fill it, checked and consolidated with the comparison.
"""
import csv
import json
import shutil

import openpyxl
import pytest

from .conftest import FIXED_NOW, SAMPLES
from kpi_workbook.checking.check import check_workbook
from kpi_workbook.consolidation.consolidate import consolidate
from kpi_workbook.generation.fill import fill_workbook, update_workbook
from kpi_workbook.generation.workbooks import generate
from kpi_workbook.publishing.publish import publish
from kpi_workbook.core.survey import load_survey
from kpi_workbook.reading.last_round import load_last_round

ROUND2 = '''extends = "renkei"

[survey]
version = "2027.1"
round = "令和9年度調査"

[choices]
priority = ["高", "中", "低"]

[rounds]  # the new column is compared from now on: never against a round that did not have it
compared = ["name", "unit", "direction", "baseline", "baseline_time", "target", "target_time", "data_source"]

[[sheet]]
key = "projects"
name = "事業一覧"
  [[sheet.column]]
  key = "summary"
  label = "事業の概要（目的・内容）"

[[sheet]]
key = "kpis"
  [[sheet.column]]
  key = "data_source"
  after = "unit"
  label = "データの出典"
  type = "text"
  [[sheet.column]]
  key = "priority"
  label = "優先度"
  type = "choice"
  choices = "priority"
  required = true
  [[sheet.column]]
  key = "share"
  label = "圏域外の割合（%）"
  type = "percent"
  [[sheet.column]]
  key = "note"
  label = "備考（補足説明）"

[[sheet]]
key = "kpi_issues"
name = "KPI設定の課題"
kind = "table"
  [[sheet.column]]
  key = "issue_kind"
  label = "分類"
  type = "text"
  required = true
  [[sheet.column]]
  key = "content"
  label = "内容"
  type = "longtext"
'''

ROUND3 = '''extends = "round2.toml"

[survey]
version = "2028.1"
round = "令和10年度調査"

[rounds]
compared = ["name", "unit", "direction", "baseline", "baseline_time", "target", "target_time"]

[[sheet]]
key = "kpis"
  [[sheet.column]]
  key = "data_source"
  drop = true
'''

ROW_KEYS = {"KPI": ["KPI番号"], "KPI実績": ["KPI番号", "時点"], "事業一覧": ["事業コード"], "事業": ["事業コード"]}


def _answers() -> dict:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((SAMPLES / "returns").glob("*.json"))}


def _again(answers: dict, definition) -> dict:
    """What a clerk types again each year (圏域情報, 事業費), from last round's answers."""
    carried = (definition.sheet("region").name, definition.sheet("costs").name)
    return {name: answers[name] for name in carried if name in answers}


@pytest.fixture(scope="module")
def rounds(generated, tmp_path_factory):
    base = tmp_path_factory.mktemp("evolution")
    (base / "round2.toml").write_text(ROUND2, encoding="utf-8")
    (base / "round3.toml").write_text(ROUND3, encoding="utf-8")
    answers = _answers()
    roster = SAMPLES / "roster.csv"
    for code, data in answers.items():
        fill_workbook(generated[code], data, base / "r1" / generated[code].name)
    consolidate(base / "r1", roster, base / "s1.xlsx", csv_dir=base / "csv1", jobs=1, survey="renkei")
    # round 2: a new definition, started from round 1's CSVs
    second = load_survey(base / "round2.toml")
    made = generate(roster, second, base / "w2", previous=base / "csv1", now=FIXED_NOW)
    books2 = {p.name.split("_")[0]: p for p in made.written}
    for code in answers:
        kpis = [{"KPI番号": r["KPI番号"], "優先度": "中"} for r in answers[code].get("KPI", [])]
        changes = dict(_again(answers[code], second), KPI=kpis)
        if code == "R01":
            kpis[0].update({"データの出典": "創業支援窓口の記録", "圏域外の割合（%）": "150"})  # 150 %: out of bounds
            changes["KPI設定の課題"] = [{"分類": "データの入手", "内容": "市町村ごとの集計に時間がかかる。"}]
        update_workbook(books2[code], changes, base / "r2" / books2[code].name, ROW_KEYS)
    result2 = consolidate(base / "r2", roster, base / "s2.xlsx", csv_dir=base / "csv2", jobs=1, survey=second,
                          previous=base / "csv1")
    # round 3: a column dropped
    third = load_survey(base / "round3.toml")
    made3 = generate(roster, third, base / "w3", previous=base / "csv2", now=FIXED_NOW)
    return {"base": base, "second": second, "third": third, "books2": books2, "result2": result2, "made3": made3}


def test_round_two_starts_complete_from_round_ones_csvs_though_labels_changed(rounds):
    second = rounds["second"]
    book = openpyxl.load_workbook(rounds["books2"]["R01"])
    assert "事業一覧" in book.sheetnames and "事業" not in book.sheetnames  # the relabelled sheet
    result = check_workbook(rounds["books2"]["R01"], survey=second)
    projects = result.records["projects"]
    assert projects and all(r.values["summary"].typed for r in projects)  # carried into 事業の概要（目的・内容）
    kpis = {r.values["kpi_no"].value: r.values for r in result.records["kpis"]}
    assert kpis["K001"]["name"].value and kpis["K001"]["target"].value is not None
    assert kpis["K001"]["data_source"].value is None  # added this round: empty, no error about it
    assert not [f for f in result.findings if f.code.startswith("PREVIOUS_") or f.code == "HEADER_MISSING"]


def test_no_spurious_revision_and_the_new_percent_column_is_bounded(rounds):
    base, second = rounds["base"], rounds["second"]
    revisions = list(csv.DictReader(open(base / "csv2" / "revisions.csv", encoding="utf-8-sig")))
    assert revisions and {r["見直し区分"] for r in revisions} == {"継続"}  # only relabels and new columns changed
    r01 = check_workbook(base / "r2" / rounds["books2"]["R01"].name, survey=second)
    codes = [f.code for f in r01.findings]
    assert "REVISION_UNMARKED" not in codes
    bounds = [f for f in r01.findings if f.code == "PERCENT_RANGE"]
    assert len(bounds) == 1 and bounds[0].sheet == "KPI" and bounds[0].column == "圏域外の割合（%）"
    missing = [f for f in check_workbook(rounds["books2"]["R02"], survey=second).findings
               if f.code == "REQUIRED_EMPTY" and f.column == "優先度"]
    assert missing  # the new required dropdown, left empty in the pre-filled workbook: said at its cells


def test_the_added_sheet_reaches_its_csv_the_package_and_the_summary(rounds):
    base, result = rounds["base"], rounds["result2"]
    rows = list(csv.DictReader(open(base / "csv2" / "kpi_issues.csv", encoding="utf-8-sig")))
    assert [(r["圏域コード"], r["分類"], r["内容"]) for r in rows] == [("R01", "データの入手", "市町村ごとの集計に時間がかかる。")]
    package = json.loads((base / "csv2" / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in package["resources"] if r["name"] == "kpi_issues")
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert fields["分類"]["key"] == "issue_kind" and fields["分類（記入）"]["typed"] is True
    assert resource["schema"]["primaryKey"] == ["圏域コード", "行"]
    kpis = next(r for r in package["resources"] if r["name"] == "kpis")
    assert {f.get("key") for f in kpis["schema"]["fields"]} >= {"data_source", "priority", "share", "note"}
    assert next(f for f in kpis["schema"]["fields"] if f.get("key") == "share" and not f.get("typed"))["type"] == "number"
    book = openpyxl.load_workbook(base / "s2.xlsx", read_only=True)
    sheet = [list(row) for row in book["KPI設定の課題"].iter_rows(values_only=True)]
    assert sheet[1][:2] == ["R01", "熊本連携中枢都市圏"] and "市町村ごとの集計に時間がかかる。" in sheet[1]
    read = sum(1 for name in ("projects", "costs", "kpis", "actuals", "kpi_issues")
               for _ in csv.DictReader(open(base / "csv2" / f"{name}.csv", encoding="utf-8-sig")))
    assert result.totals.read == read == result.totals.kept  # 行数の照合 counts the added sheet's row


def test_personal_fields_stay_in_the_summary_and_out_of_the_open_data(rounds):
    base = rounds["base"]
    header = next(csv.reader(open(base / "csv2" / "region.csv", encoding="utf-8-sig")))
    assert "担当部署" in header and "担当者" not in header and "連絡先" not in header
    package = (base / "csv2" / "datapackage.json").read_text(encoding="utf-8")
    assert "担当者" not in package and "連絡先" not in package
    book = openpyxl.load_workbook(base / "s2.xlsx", read_only=True)
    heads = next(book["圏域情報"].iter_rows(values_only=True))
    assert "担当者" in heads and "連絡先" in heads


def test_round_three_drops_a_column_noted_once_and_carries_the_rest(rounds):
    made, third = rounds["made3"], rounds["third"]
    dropped = [f for f in made.findings if f.code == "PREVIOUS_COLUMN_DROPPED"]
    assert [f.value for f in dropped] == ["データの出典"] and dropped[0].severity == "info"
    assert "data_source" not in {c.key for c in third.sheet("kpis").columns}
    book = next(p for p in made.written if p.name.startswith("R01"))
    kpis = {r.values["kpi_no"].value: r.values for r in check_workbook(book, survey=third).records["kpis"]}
    assert kpis["K001"]["priority"].value == "中" and kpis["K001"]["share"].typed == "150"


def test_a_folder_written_before_keys_is_matched_by_label_and_was_carries_a_relabel(rounds, tmp_path):
    base, second = rounds["base"], rounds["second"]
    old = tmp_path / "old"
    shutil.copytree(base / "csv1", old)
    package = json.loads((old / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        for f in resource["schema"]["fields"]:
            f.pop("key", None)
            f.pop("typed", None)
    (old / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    last = load_last_round(old, second)
    unmatched = [(f.code, f.file, f.value) for f in last.notes]
    assert ("PREVIOUS_COLUMN_UNMATCHED", "projects.csv", "事業の概要") in unmatched
    assert ("PREVIOUS_COLUMN_UNMATCHED", "kpis.csv", "備考") in unmatched
    regions, _ = last.regions()
    assert regions["R01"].rows["kpis"][0]["name"]  # the rest is carried
    site = publish(base / "csv2", tmp_path / "site", previous=old)  # round 2's definition: from csv2 itself
    assert (site / "changes.html").exists() and "kpi_issues.csv" in (site / "index.html").read_text(encoding="utf-8")
    said = (base / "round2-was.toml")
    said.write_text(ROUND2.replace('label = "事業の概要（目的・内容）"', 'label = "事業の概要（目的・内容）"\n  was = "事業の概要"')
                    .replace('label = "備考（補足説明）"', 'label = "備考（補足説明）"\n  was = ["remark", "備考"]'),
                    encoding="utf-8")
    relabelled = load_last_round(old, load_survey(said))
    assert relabelled.notes == []
    assert relabelled.regions()[0]["R01"].rows["projects"][0]["summary"]


def test_a_key_renamed_is_carried_when_the_definition_says_was(rounds):
    base = rounds["base"]
    renamed = base / "round2-renamed.toml"
    renamed.write_text(ROUND2 + '''
[[sheet]]
key = "projects"
  [[sheet.column]]
  key = "similar_services"
  drop = true
  [[sheet.column]]
  key = "alike"
  after = "related_plans"
  label = "類似の事業・サービス"
  type = "text"
  was = "similar_services"
''', encoding="utf-8")
    definition = load_survey(renamed)
    assert "alike" in {c.key for c in definition.sheet("projects").columns}
    last = load_last_round(base / "csv1", definition)
    assert not [f for f in last.notes if f.code == "PREVIOUS_COLUMN_DROPPED"]
    before = load_last_round(base / "csv1", rounds["second"]).regions()[0]
    after = last.regions()[0]
    pairs = [(b.get("similar_services"), a.get("alike")) for code in before
             for b, a in zip(before[code].rows.get("projects", []), after[code].rows.get("projects", []))]
    assert any(old for old, _ in pairs) and all(old == new for old, new in pairs)
