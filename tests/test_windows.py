"""Windows, emulated on this machine: no fork, pread, resource, fcntl or SIGALRM; spawn.

The installed command runs under tests/windows_emulation/sitecustomize.py and must give
what it gives here: the same findings, and CSVs and summary parts byte for byte.  (CI also
runs the check/consolidate/demo test modules themselves under the emulation.)
"""
import json
import shutil
import zipfile

import pytest

from kpi_workbook.generation.fill import fill_workbook

from .conftest import CONSOLE, FIXTURES, SAMPLES, make_zip_bomb, run_console

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CONSOLE).exists(), reason="kpi-workbook not installed")


@pytest.fixture(scope="module")
def folder(generated, tmp_path_factory):
    """The sample returns, a resubmission, a file that aborts the reader, a bomb, junk."""
    folder = tmp_path_factory.mktemp("windows-returns")
    for answers in sorted((SAMPLES / "returns").glob("*.json")):
        data = json.loads(answers.read_text(encoding="utf-8"))
        fill_workbook(generated[answers.stem], data, folder / generated[answers.stem].name)
    shutil.copy(folder / generated["R02"].name, folder / "R02_再提出.xlsx")
    shutil.copy(FIXTURES / "xlsx-real" / "phpspreadsheet" / "oleloop.xls", folder / "R09_oleloop.xls")
    make_zip_bomb(folder / "R10_bomb.xlsx")
    (folder / "~$R01.xlsx").write_bytes(b"lock")
    return folder


def _consolidate(folder, out, windows):
    done = run_console("consolidate", folder, "--roster", SAMPLES / "roster.csv", "-o", out / "summary.xlsx",
                       "--csv", out / "csv", "--jobs", 2, "--json", cwd=out.parent, windows=windows)
    assert done.returncode == 1, done.stderr  # missing regions and the faulty return
    assert "Traceback" not in done.stderr + done.stdout and "内部エラー" not in done.stderr
    return json.loads(done.stdout)


def test_emulation_is_in_force(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import os, multiprocessing\n"
                     "try:\n    import resource\nexcept ImportError:\n    resource = None\n"
                     "print(hasattr(os, 'fork'), hasattr(os, 'pread'), resource, multiprocessing.get_start_method())\n")
    import subprocess
    import sys
    env = dict(__import__("os").environ, PYTHONPATH=str(FIXTURES.parents[1] / "windows_emulation"))
    done = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.split() == ["False", "False", "None", "spawn"], done.stderr


def test_consolidate_gives_the_same_bytes_as_here(folder, tmp_path):
    (tmp_path / "linux").mkdir()
    (tmp_path / "windows").mkdir()
    here = _consolidate(folder, tmp_path / "linux", windows=False)
    there = _consolidate(folder, tmp_path / "windows", windows=True)
    assert here["totals"] == there["totals"] and here["submissions"] == there["submissions"]
    status = {s["relative"]: s["status"] for s in there["submissions"]}
    assert status["R09_oleloop.xls"] == "failed" and status["R10_bomb.xlsx"] == "failed"
    assert status["~$R01.xlsx"] == "skipped"
    assert sorted(s for s in status.values()).count("used") == 8
    csvs = sorted(p.name for p in (tmp_path / "linux" / "csv").iterdir())
    assert csvs and csvs == sorted(p.name for p in (tmp_path / "windows" / "csv").iterdir())
    for name in csvs:
        assert (tmp_path / "linux" / "csv" / name).read_bytes() == (tmp_path / "windows" / "csv" / name).read_bytes(), name
    with zipfile.ZipFile(tmp_path / "linux" / "summary.xlsx") as a, zipfile.ZipFile(tmp_path / "windows" / "summary.xlsx") as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name


def test_check_and_annotate_under_the_emulation(folder, tmp_path):
    files = [folder / "R09_oleloop.xls", folder / "R10_bomb.xlsx", next(folder.glob("R08_*.xlsx"))]
    here = run_console("check", "--json", *files, cwd=tmp_path)
    there = run_console("check", "--json", "--annotate", tmp_path / "annotated", *files, cwd=tmp_path, windows=True)
    assert there.returncode == here.returncode == 1, there.stderr
    codes = lambda done: [[f["code"] for f in r["findings"]] for r in json.loads(done.stdout)["files"]]  # noqa: E731
    assert codes(there) == codes(here)
    assert codes(there)[0] in (["FILE_TOO_LARGE"], ["FILE_READ_FAILED"]) and codes(there)[1] == ["FILE_TOO_LARGE"]
    assert list((tmp_path / "annotated").glob("R08_*_確認結果.xlsx"))
