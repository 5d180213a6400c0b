"""checking: every return checked in a pool; a file that cannot be is failed, never lost."""
import os

import pytest

import kpi_workbook.consolidation.pool as checking
from kpi_workbook.consolidation import scratch
from kpi_workbook.consolidation.pool import Run, check_all
from kpi_workbook.consolidation.consolidate import consolidate
from kpi_workbook.core.reference import ENV as REFERENCE

from .conftest import SAMPLES

PARENT = os.getpid()


def test_a_pool_and_one_process_check_alike(returns, renkei, tmp_path, monkeypatch):
    from kpi_workbook.reading.roster import read_roster
    regions = {r.code: r for r in read_roster(SAMPLES / "roster.csv", renkei)[0]}
    files = sorted(str(p) for p in returns.glob("R0*.xlsx"))
    header = lambda subs: [(s.relative, s.region_code, s.errors, s.warnings, s.rows_read, s.projects)  # noqa: E731
                           for s in subs]
    with scratch.session():
        monkeypatch.setenv(REFERENCE, "1")  # one process: each file read in a child of its own
        alone = check_all(files, returns, Run(renkei, regions, str(tmp_path), park_rows=False), 2, None)
        monkeypatch.delenv(REFERENCE)
        pool = check_all(files, returns, Run(renkei, regions, str(tmp_path), park_rows=False), 2, None)
        scratch.close()
    assert header(alone) == header(sorted(pool, key=lambda s: s.relative)) and len(alone) == len(files)
    assert sum(s.errors for s in alone) > 0 and all(s.readable for s in alone)
    assert [s.path for s in alone] == [s.path for s in pool] == files  # the pool keeps folder + relative path
    assert {s.folder for s in pool} == {str(returns)} and all(s.file == s.relative for s in pool)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="counts this process's forks")
def test_one_job_is_a_pool_of_one_not_a_child_per_file(returns, renkei, tmp_path, monkeypatch):
    """``--jobs 1`` (and a one-core machine): one worker reads every file in-process; a
    child forked per file cost 2.3 times as long on a round of small returns."""
    from kpi_workbook.reading.roster import read_roster
    regions = {r.code: r for r in read_roster(SAMPLES / "roster.csv", renkei)[0]}
    files = sorted(str(p) for p in returns.glob("R0*.xlsx"))
    forks = []
    real_fork = os.fork

    def counted():
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid
    monkeypatch.setattr(os, "fork", counted)
    with scratch.session():
        subs = check_all(files, returns, Run(renkei, regions, str(tmp_path), park_rows=False), 1, None)
        scratch.close()
    assert len(subs) == len(files) == 8 and all(s.readable for s in subs)
    assert len(forks) == 1  # the worker, not a child per file


def fails_on_kurume(path, *args):
    """Module level, so that the pool can send it to its workers."""
    if "R03" in path:
        raise RuntimeError("a reader bug")
    return REAL_EXTRACT(path, *args)


REAL_EXTRACT = checking._extract


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the patched check lives in this process; spawned workers import their own")
def test_a_return_that_makes_the_program_fail_is_a_failed_file(returns, tmp_path, monkeypatch):
    monkeypatch.setattr(checking, "_extract", fails_on_kurume)
    result = consolidate(returns, SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=1)
    kurume = next(s for s in result.submissions if s.relative.startswith("R03"))
    assert kurume.status == "failed" and [f.code for f in kurume.findings] == ["FILE_READ_FAILED"]
    assert "RuntimeError" in kurume.findings[0].message
    assert "R03" not in {s.region_code for s in result.used} and len(result.used) == 7
