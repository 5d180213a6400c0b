"""Shared fixtures: the bundled survey definitions, roster and generated workbooks."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"  # the whole shared corpus: only where it is beside the checkout
FIXTURES = ROOT / "tests" / "fixtures" / "corpus"  # a few of its files, always here
FIXED_NOW = dt.datetime(2026, 11, 1, 9, 0, 0)


WINDOWS_EMULATION = ROOT / "tests" / "windows_emulation"  # a sitecustomize: no fork, pread, resource...


def _console() -> str:
    """The installed ``kpi-workbook``: $KPI_WORKBOOK_EXE, else the one beside this Python."""
    if os.environ.get("KPI_WORKBOOK_EXE"):
        return os.environ["KPI_WORKBOOK_EXE"]
    scripts = Path(sys.executable).parent
    found = [p for p in (scripts / "kpi-workbook", scripts / "kpi-workbook.exe") if p.exists()]
    return str(found[0] if found else scripts / "kpi-workbook")


CONSOLE = _console()


def run_console(*args, cwd=None, timeout=300, windows=False):
    """Run the installed command as a user does; *windows*: under the Windows emulation."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    env.pop("KPI_WORKBOOK_DEBUG", None)
    if windows:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(WINDOWS_EMULATION), env.get("PYTHONPATH")]))
    return subprocess.run([CONSOLE, *map(str, args)], capture_output=True, text=True, encoding="utf-8",
                          cwd=cwd, env=env, timeout=timeout, stdin=subprocess.DEVNULL)


def make_zip_bomb(path: Path, member_mb: int = 150) -> Path:
    """A small .xlsx whose sheet inflates to *member_mb* MB of zeros (sizes declared truthfully)."""
    import zipfile
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=False) as member:
            block = b"0" * (1 << 20)
            for _ in range(member_mb):
                member.write(block)
    return path


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


needs_soffice = pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")


@pytest.fixture(scope="session")
def renkei():
    from kpi_workbook.survey import load_survey
    return load_survey("renkei")


@pytest.fixture(scope="session")
def teiju():
    from kpi_workbook.survey import load_survey
    return load_survey("teiju")


@pytest.fixture(scope="session")
def roster_path():
    return SAMPLES / "roster.csv"


@pytest.fixture(scope="session")
def generated(tmp_path_factory, renkei, roster_path):
    """The sample roster's 連携中枢都市圏 workbooks, generated once per session."""
    from kpi_workbook.generate import generate
    out = tmp_path_factory.mktemp("generated")
    result = generate(roster_path, renkei, out, now=FIXED_NOW)
    assert result.written
    return {p.name.split("_")[0]: p for p in result.written}
