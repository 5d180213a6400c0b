"""submission: the record between the stages — kept rows, parked and loaded again."""
import shutil
from dataclasses import replace

import openpyxl
import pytest

import kpi_workbook.consolidation.consolidate as C
from kpi_workbook.consolidation import submission
from kpi_workbook.checking.check import check_workbook
from kpi_workbook.consolidation.consolidate import consolidate
from kpi_workbook.consolidation.discover import workbook_modified
from kpi_workbook.core.errors import InputChangedError
from kpi_workbook.consolidation.submission import Row, instant, kept_rows

from .conftest import SAMPLES, set_modified


def test_rows_not_parked_are_read_again_for_the_evaluation_blocks(returns, tmp_path, monkeypatch):
    """A large round does not park every return's rows; when the 事務事業評価 blocks fit
    after all, the used returns are read again: the same summary either way."""
    consolidate(returns, SAMPLES / "roster.csv", tmp_path / "a.xlsx", jobs=2)
    monkeypatch.setattr(C, "PARK_ROWS_UP_TO", 0)
    result = consolidate(returns, SAMPLES / "roster.csv", tmp_path / "b.xlsx", jobs=2)
    assert result.used and not any(s.rows_at for s in result.submissions)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    sheet = openpyxl.load_workbook(tmp_path / "b.xlsx")["事務事業評価"]
    projects = sum(s.projects for s in result.used)
    assert projects and sheet.max_row > 10 * projects  # a block per project, not an index


def test_a_return_changed_during_the_run_stops_rather_than_mixing_versions(returns, renkei, tmp_path):
    path = tmp_path / next(returns.glob("R01_*.xlsx")).name
    shutil.copy(next(returns.glob("R01_*.xlsx")), path)
    digest = submission.file_digest(path)
    rows, _ = submission.kept_rows(check_workbook(path, survey=renkei), renkei, path.name)
    as_checked = submission.Submission(file=str(path), relative=path.name, modified=workbook_modified(path),
                              projects=len(rows["projects"]), digest=digest)
    assert submission.load_rows(as_checked, renkei)["rows"] == rows  # unchanged: read again, the same
    with pytest.raises(InputChangedError):
        submission.load_rows(replace(as_checked, projects=as_checked.projects + 1), renkei)
    # edited in place, same projects and the same modified stamp (a program, not Excel)
    book = openpyxl.load_workbook(path)
    book["事業"]["C4"].value = "書き換えた事業名"
    book.save(path)
    set_modified(path, as_checked.modified)
    with pytest.raises(InputChangedError) as caught:
        submission.load_rows(as_checked, renkei)
    assert path.name in str(caught.value) and caught.value.exit_code == 2


def test_kept_rows_are_typed_and_keyless_or_repeated_keys_are_rejected(generated, renkei, tmp_path):
    from kpi_workbook.generation.fill import fill_workbook
    kpi = {"取組分類": "アa", "指標名": "x", "指標の種類": "アウトカム", "単位": "人", "目標の方向": "増加",
           "目標値": "10", "目標時点": "R5"}
    path = fill_workbook(generated["R01"], {"KPI": [{**kpi, "KPI番号": "K1"}, {**kpi, "KPI番号": "K1"},
                                                   {**kpi, "KPI番号": ""}]}, tmp_path / "R01.xlsx")
    rows, rejected = kept_rows(check_workbook(path, survey=renkei), renkei, path.name)
    assert [type(r) for r in rows["kpis"]] == [Row] and rows["kpis"][0].values["kpi_no"].value == "K1"
    assert rows["kpis"][0].cells.get("kpi_no") == "A4" and rows["kpis"][0].row == 4
    assert sorted((f.code, f.row) for f in rejected) == [("ROW_REJECTED", 5), ("ROW_REJECTED", 6)]


def test_instants_compare_times_not_text():
    assert instant("2021-10-15T10:00:00+09:00") < instant("2021-10-15T02:00:01Z")
    assert instant("2021-10-15T10:00:00") == instant("2021-10-15T01:00:00Z")  # no zone: Japan time
    assert instant("いつか") < instant("1900-01-01T00:00:00Z")  # unreadable: oldest


