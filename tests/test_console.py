"""The installed ``kpi-workbook`` console script, run as a user runs it: a subprocess.

By default the script beside this interpreter (the README's venv); CI points
``KPI_WORKBOOK_EXE`` at a wheel installed in a fresh venv outside the checkout, and runs
these tests from a folder with no checkout in it.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from .conftest import CONSOLE, SAMPLES, run_console


pytestmark = pytest.mark.skipif(not Path(CONSOLE).exists(), reason=f"{CONSOLE} is not installed")


def run(*args, cwd=None, timeout=300):
    return run_console(*args, cwd=cwd, timeout=timeout)


def test_surveys_lists_both_definitions(tmp_path):
    done = run("surveys", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    names = [line.split("\t")[0] for line in done.stdout.splitlines()]
    assert names == ["renkei", "teiju"]


def test_version_and_help_exit_0(tmp_path):
    assert run("--version", cwd=tmp_path).returncode == 0
    helped = run("consolidate", "--help", cwd=tmp_path)
    assert helped.returncode == 0 and "--roster" in helped.stdout


def _roster(tmp_path, name, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


HEADER = "圏域コード,圏域名,圏域の種別,中心市,構成市町村,都道府県\n"


@pytest.mark.parametrize("case, roster, expected", [
    ("missing", None, "見つかりません"),
    ("empty", b"", "空です"),
    ("undecodable", b"\x81\x20\xeb\x40" * 50, "文字コード"),
    ("columns", "圏域コード,圏域名\nR1,A\n".encode(), "列「"),
    ("stray quote", (HEADER + 'R1,"A圏,連携中枢都市圏,A市,A市,A県\n').encode() + b"x" * 140_000, "行目"),
])
def test_fatal_roster_errors_exit_2(tmp_path, case, roster, expected):
    path = tmp_path / "none.csv" if roster is None else _roster(tmp_path, "roster.csv", roster)
    done = run("generate", "--roster", path, "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 2, (case, done.stdout, done.stderr)
    assert expected in done.stderr and "Traceback" not in done.stderr + done.stdout
    assert "内部エラー" not in done.stderr


def test_unknown_survey_and_usage_errors_exit_2(tmp_path):
    done = run("generate", "--roster", SAMPLES / "roster.csv", "--survey", "nope", "--out", tmp_path, cwd=tmp_path)
    assert done.returncode == 2 and "「nope」が見つかりません" in done.stderr
    assert run("check", cwd=tmp_path).returncode == 2
    assert run("no-such-command", cwd=tmp_path).returncode == 2


def test_check_a_broken_file_exit_1(tmp_path):
    bad = tmp_path / "R01_壊れた.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is no workbook")
    done = run("check", bad, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "R01_壊れた.xlsx" in done.stdout and "Traceback" not in done.stdout + done.stderr


def test_demo_writes_its_summary(tmp_path):
    done = run("demo", "--out", tmp_path / "demo", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = tmp_path / "demo" / "summary.xlsx"
    with zipfile.ZipFile(summary) as zf:
        assert zf.testzip() is None and "xl/workbook.xml" in zf.namelist()
    assert sorted(p.name for p in (tmp_path / "demo" / "csv").glob("*.csv"))
    assert "集計結果" in done.stdout


def test_unwritable_output_exits_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = run("generate", "--roster", SAMPLES / "roster.csv", "--out", blocker / "out", cwd=tmp_path)
    assert done.returncode == 2 and "書き込めません" in done.stderr, done.stderr


@pytest.mark.skipif(not hasattr(__import__("os"), "fork") or not Path("/proc/self/statm").exists(),
                    reason="address-space limits are a Linux matter")
def test_under_a_low_address_space_limit_valid_returns_still_read(tmp_path):
    """`ulimit -v 450000`: below what the reader's cap asks for; the limit is kept and worked in."""
    import resource
    import subprocess

    from .conftest import CONSOLE
    out = tmp_path / "demo"
    assert run("demo", "--out", out, cwd=tmp_path).returncode == 0

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (450 << 20, 450 << 20))
    done = subprocess.run([CONSOLE, "consolidate", str(out / "returns"), "--roster", str(SAMPLES / "roster.csv"),
                           "-o", str(tmp_path / "s.xlsx"), "--jobs", "2", "--json", "--definitions", str(out / "csv"),
                           "--previous", str(out / "round1" / "csv")], preexec_fn=limit,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    import json
    subs = json.loads(done.stdout)["submissions"]
    assert sum(s["status"] == "used" for s in subs) == 8
    assert not [f for s in subs for f in s["findings"] if f["code"].startswith("FILE_")]
