"""Faults: files that vanish, break or kill a worker; interrupted runs leave nothing half-done."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

import kpi_workbook.consolidation.pool as checking
import kpi_workbook.consolidation.consolidate as C
import kpi_workbook.consolidation.summary_writer as S
from kpi_workbook.consolidation.consolidate import consolidate
from kpi_workbook.generation.fill import fill_workbook

from .conftest import CONSOLE, FIXTURES, SAMPLES


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def folder(generated, tmp_path):
    out = tmp_path / "returns"
    for code in ("R01", "R03", "R05"):
        data = json.loads((SAMPLES / "returns" / f"{code}.json").read_text(encoding="utf-8"))
        fill_workbook(generated[code], data, out / generated[code].name)
    return out


def test_file_disappearing_mid_run_is_a_finding(folder, tmp_path, monkeypatch):
    real = C.discover
    ghost = folder / "R02_消えたファイル.xlsx"

    def discover_then_vanish(path):
        files, notes = real(path)
        return sorted(files + [ghost]), notes
    monkeypatch.setattr(C, "discover", discover_then_vanish)
    result = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=1)
    gone = next(s for s in result.submissions if s.relative == ghost.name)
    assert gone.status == "failed" and len(result.used) == 3
    assert (tmp_path / "s.xlsx").exists()


def test_file_still_being_written_is_a_finding(folder, tmp_path):
    data = (folder / next(iter(os.listdir(folder)))).read_bytes()
    (folder / "R04_書きかけ.xlsx").write_bytes(data[: len(data) // 2])
    result = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=2)
    partial = next(s for s in result.submissions if s.relative == "R04_書きかけ.xlsx")
    assert partial.status == "failed" and len(result.used) == 3


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file whatever its permissions")
def test_unreadable_file_is_a_finding(folder, tmp_path):
    locked = folder / "R04_locked.xlsx"
    shutil.copy(next(folder.glob("R01_*")), locked)
    locked.chmod(0)
    result = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=1)
    assert next(s for s in result.submissions if s.relative == locked.name).status in ("failed", "superseded")


PARENT = os.getpid()
REAL_EXTRACT = checking._extract


def dies_on_kurume(path, *args):
    """Module level, so that the pool can send it to its workers."""
    if "R03" in path and os.getpid() != PARENT:
        os._exit(9)  # a worker killed by the system (OOM killer, kill -9)
    return REAL_EXTRACT(path, *args)


def test_a_killed_worker_costs_nothing(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(checking, "_extract", dies_on_kurume)
    result = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=2)
    assert sorted(s.region_code for s in result.used) == ["R01", "R03", "R05"], [(s.relative, s.status, [f.code for f in s.findings]) for s in result.submissions]


@pytest.mark.parametrize("when", ["interrupt", "disk full"])
def test_interrupted_run_leaves_nothing_half_written(folder, tmp_path, monkeypatch, when):
    before = _digest(folder)
    real = S._Writer._return
    calls = []

    def breaks_midway(self, sub, data):
        calls.append(sub)
        if len(calls) == 2:
            raise KeyboardInterrupt() if when == "interrupt" else OSError(28, "No space left on device")
        return real(self, sub, data)
    monkeypatch.setattr(S._Writer, "_return", breaks_midway)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises((KeyboardInterrupt, Exception)):
        consolidate(folder, SAMPLES / "roster.csv", out / "summary.xlsx", csv_dir=out / "csv", jobs=1)
    leftovers = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert leftovers == [] and _digest(folder) == before
    monkeypatch.undo()
    result = consolidate(folder, SAMPLES / "roster.csv", out / "summary.xlsx", csv_dir=out / "csv", jobs=1)
    assert (out / "summary.xlsx").exists() and len(result.used) == 3  # the next run works


def test_lock_temp_and_unknown_files_are_listed(folder, tmp_path):
    (folder / "~$R01.xlsx").write_bytes(b"x")
    (folder / ".~tmp-abc.xlsx").write_bytes(b"x")
    (folder / "sub").mkdir()
    shutil.copy(FIXTURES / "xlsx-hostile" / "csv_renamed.xlsx", folder / "sub" / "R09.xlsx")
    result = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=1)
    status = {s.relative: s.status for s in result.submissions}
    assert status["~$R01.xlsx"] == "skipped" and status[".~tmp-abc.xlsx"] == "skipped"
    assert status["sub/R09.xlsx"] == "failed"


def test_files_that_abort_the_reader_are_redone_in_isolation(folder, tmp_path):
    """Workers read in-process for speed; a file that aborts python-calamine (oleloop.xls,
    the A1/XFD1048576 sheet) kills its worker, and is then redone in its own capped child:
    it ends as a finding, and every other return is still used."""
    shutil.copy(FIXTURES / "xlsx-real" / "phpspreadsheet" / "oleloop.xls", folder / "R02_oleloop.xls")
    shutil.copy(FIXTURES / "xlsx-hostile" / "sparse_extreme_corners.xlsx", folder / "R04_sparse.xlsx")
    result = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=2)
    assert sorted(s.region_code for s in result.used) == ["R01", "R03", "R05"]
    subs = {s.relative: s for s in result.submissions}
    assert subs["R02_oleloop.xls"].status == "failed"
    assert [f.code for f in subs["R02_oleloop.xls"].findings] == ["FILE_TOO_LARGE"]
    assert subs["R04_sparse.xlsx"].status == "failed"  # read without sizing the grid: not a survey workbook
    assert "META_MISSING" in {f.code for f in subs["R04_sparse.xlsx"].findings}


def runs_out_of_memory_on_kurume(path, *args):
    """A worker that hits its own memory cap while checking a valid return."""
    if "R03" in path and os.getpid() != PARENT:
        raise MemoryError()
    return REAL_EXTRACT(path, *args)


def test_a_worker_out_of_memory_does_not_fail_a_valid_return(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(checking, "_extract", runs_out_of_memory_on_kurume)
    result = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=2)
    assert sorted(s.region_code for s in result.used) == ["R01", "R03", "R05"]
    assert not [s for s in result.submissions if s.status == "failed"]


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="this file system keeps names as any bytes")
def test_a_file_name_that_is_not_utf8_is_shown_replaced(folder, tmp_path):
    """cp932 bytes, as unzip leaves names from a Windows archive: the run completes and the
    name appears with U+FFFD in the terminal, JSON, the summary and the CSVs."""
    from .conftest import run_console
    kumamoto = next(folder.glob("R01_*.xlsx"))
    odd = os.fsdecode(os.fsencode(str(folder)) + b"/R01_\x8c\x46\x96\x7b.xlsx")
    os.rename(kumamoto, odd)
    out = tmp_path / "out"
    done = run_console("consolidate", folder, "--roster", SAMPLES / "roster.csv", "-o", out / "s.xlsx",
                       "--csv", out / "csv", "--json", cwd=tmp_path)
    assert done.returncode == 1 and "内部エラー" not in done.stderr, done.stderr
    data = json.loads(done.stdout)
    assert "R01_\ufffdF\ufffd{.xlsx" in {s["relative"] for s in data["submissions"]}
    assert "R01_\ufffdF\ufffd{.xlsx" in (out / "csv" / "submissions.csv").read_text(encoding="utf-8-sig")
    with zipfile.ZipFile(out / "s.xlsx") as zf:
        assert any("R01_\ufffdF\ufffd{.xlsx" in zf.read(n).decode() for n in zf.namelist() if n.endswith(".xml"))
    env_strict = dict(os.environ, PYTHONIOENCODING="utf-8:strict")
    checked = subprocess.run([CONSOLE, "check", odd], capture_output=True, env=env_strict, timeout=120)
    assert checked.returncode in (0, 1) and "R01_\ufffdF\ufffd{.xlsx".encode() in checked.stdout, checked.stderr
