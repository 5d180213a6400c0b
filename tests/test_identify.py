"""Which region a return is for, and which return a region's figures come from.

Made as clerks make them: region B's blank workbook filled with region A's answers and
named for A; last round's workbook sent again; two saves whose times are written in
different zones."""
import dataclasses
import json
import shutil

import pytest

from kpi_workbook.checking.check import check_workbook
from kpi_workbook.consolidation.consolidate import consolidate
from kpi_workbook.consolidation.submission import instant
from kpi_workbook.generation.fill import fill_workbook
from kpi_workbook.generation.workbooks import generate
from kpi_workbook.reading.roster import read_roster

from .conftest import FIXED_NOW, SAMPLES
from .conftest import set_modified


def answers(code):
    return json.loads((SAMPLES / "returns" / f"{code}.json").read_text(encoding="utf-8"))


@pytest.fixture()
def roster(renkei):
    return {r.code: r for r in read_roster(SAMPLES / "roster.csv", renkei)[0]}


def test_another_regions_workbook_named_for_this_region(generated, tmp_path, renkei, roster):
    """播磨 (R02)'s blank filled with 熊本 (R01)'s answers and named for 熊本."""
    folder = tmp_path / "in"
    genuine = fill_workbook(generated["R02"], answers("R02"), folder / generated["R02"].name)
    set_modified(genuine, "2021-10-01T09:00:00Z")
    borrowed = fill_workbook(generated["R02"], answers("R01"), folder / generated["R01"].name)
    set_modified(borrowed, "2021-10-20T09:00:00Z")  # newer: it used to replace 播磨's return
    found = check_workbook(borrowed, survey=renkei, roster=roster)
    conflict = [f for f in found.findings if f.code == "REGION_CONFLICT"]
    assert len(conflict) == 1 and conflict[0].severity == "error"
    assert "R01 熊本連携中枢都市圏" in conflict[0].message and "R02 播磨圏域連携中枢都市圏" in conflict[0].message
    result = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", csv_dir=tmp_path / "csv", jobs=1)
    status = {s.relative: s.status for s in result.submissions}
    assert status == {genuine.name: "used", borrowed.name: "held"}
    used = result.used[0]
    assert used.region_code == "R02" and used.relative == genuine.name
    projects = (tmp_path / "csv" / "projects.csv").read_text(encoding="utf-8-sig")
    assert "産学連携支援事業" not in projects  # 熊本's project is not printed under 播磨
    assert "R01" in {r.code for r in result.missing}
    submissions = (tmp_path / "csv" / "submissions.csv").read_text(encoding="utf-8-sig")
    assert "要確認（集計に不使用）" in submissions


def test_a_borrowed_workbook_under_a_neutral_name_is_known_by_its_municipalities(generated, tmp_path, renkei,
                                                                               roster):
    borrowed = fill_workbook(generated["R02"], answers("R01"), tmp_path / "回答.xlsx")
    found = check_workbook(borrowed, survey=renkei, roster=roster)
    conflict = [f for f in found.findings if f.code == "REGION_CONFLICT"]
    assert len(conflict) == 1 and "実施市町村" in conflict[0].message and "R01" in conflict[0].message
    own = fill_workbook(generated["R02"], answers("R02"), tmp_path / "播磨.xlsx")
    assert not [f for f in check_workbook(own, survey=renkei, roster=roster).findings if f.code == "REGION_CONFLICT"]


def test_last_rounds_workbook_is_held_and_never_replaces_this_rounds(tmp_path, renkei):
    last = dataclasses.replace(renkei, version="2025.1", round="令和7年度調査")
    old_blank = generate(SAMPLES / "roster.csv", last, tmp_path / "old", now=FIXED_NOW).written[2]  # R03
    new_blank = generate(SAMPLES / "roster.csv", renkei, tmp_path / "new", now=FIXED_NOW).written[2]
    folder = tmp_path / "in"
    current = fill_workbook(new_blank, answers("R03"), folder / "R03_今回.xlsx")
    set_modified(current, "2026-10-01T09:00:00Z")
    previous = fill_workbook(old_blank, answers("R03"), folder / "R03_前回.xlsx")
    set_modified(previous, "2026-10-30T09:00:00Z")  # re-sent later
    codes = [f.code for f in check_workbook(previous, survey=renkei).findings]
    assert "META_PREVIOUS_ROUND" in codes
    message = next(f.message for f in check_workbook(previous, survey=renkei).findings
                   if f.code == "META_PREVIOUS_ROUND")
    assert "前回の調査票です" in message and "今回の調査票に記入してください" in message
    result = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=1)
    status = {s.relative: s.status for s in result.submissions}
    assert status == {"R03_今回.xlsx": "used", "R03_前回.xlsx": "held"}


def test_newest_is_decided_by_instants_not_text(generated, tmp_path):
    assert instant("2021-10-15T02:00:00Z") > instant("2021-10-15T10:00:00+09:00")
    assert instant("2021-10-15T10:30:00") > instant("2021-10-15T01:00:00Z")  # no zone: Japan time
    assert instant("rubbish") < instant("2000-01-01T00:00:00Z")
    folder = tmp_path / "in"
    early = fill_workbook(generated["R05"], answers("R05"), folder / "R05_a.xlsx")
    set_modified(early, "2021-10-15T10:00:00+09:00")  # 01:00 UTC
    late = fill_workbook(generated["R05"], answers("R05"), folder / "R05_b.xlsx")
    set_modified(late, "2021-10-15T02:00:00Z")  # an hour later, though "02" < "10" as text
    result = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=1)
    assert [s.relative for s in result.used] == ["R05_b.xlsx"]


def test_a_later_rounds_workbook_is_named_with_the_round_to_use(tmp_path, renkei):
    later = generate(SAMPLES / "roster.csv", renkei, tmp_path / "later", now=FIXED_NOW, round_="令和9年度調査").written[0]
    findings = check_workbook(later, survey=renkei).findings  # renkei's round: 令和8年度調査
    found = [f for f in findings if f.code == "META_LATER_ROUND"]
    assert found and "後の回" in found[0].message and "令和9年度調査" in found[0].message
    assert "META_PREVIOUS_ROUND" not in {f.code for f in findings}
    assert not [f for f in check_workbook(later, survey=renkei, round_="令和9年度調査").findings
                if f.code.startswith("META_")]


def test_a_definition_edited_after_generation_is_the_coordinators_message(tmp_path, renkei):
    blank = generate(SAMPLES / "roster.csv", renkei, tmp_path / "b", now=FIXED_NOW).written[0]
    edited_definition = dataclasses.replace(renkei, sheets=tuple(
        dataclasses.replace(s, columns=tuple(dataclasses.replace(c, label=c.label + "（新）") if c.key == "note" else c
                                             for c in s.columns)) for s in renkei.sheets))
    findings = check_workbook(blank, survey=edited_definition).findings
    changed = [f for f in findings if f.code == "DEFINITION_CHANGED"]
    assert changed and "記入者の誤りではありません" in changed[0].message


def test_without_survey_the_returns_version_is_looked_for_and_named(tmp_path):
    nxt = SAMPLES / "round2" / "renkei.toml"
    book = generate(SAMPLES / "roster.csv", nxt, tmp_path / "n", now=FIXED_NOW).written[0]
    result = check_workbook(book)
    assert [f.code for f in result.findings] == ["DEFINITION_NOT_FOUND"]
    assert "2027.1" in result.findings[0].message and "--definitions" in result.findings[0].message
    found = check_workbook(book, definitions=SAMPLES / "round2")
    assert found.survey.version == "2027.1" and not [f for f in found.findings if f.code.startswith(("META_", "HEADER"))]
