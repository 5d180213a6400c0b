"""A stopped consolidate leaves nothing behind: SIGTERM/SIGHUP clean up as Ctrl-C does, and
its workers end with it even when it is killed outright (SIGKILL)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kpi_workbook.generation.fill import fill_workbook

from .conftest import CONSOLE, SAMPLES

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").exists() or not Path(CONSOLE).exists(),
                                reason="needs /proc (Linux) and the installed command")


@pytest.fixture(scope="module")
def many(generated, tmp_path_factory):
    folder = tmp_path_factory.mktemp("many")
    data = json.loads((SAMPLES / "returns" / "R07.json").read_text(encoding="utf-8"))
    first = fill_workbook(generated["R07"], data, folder / "R07_0.xlsx")
    for i in range(1, 400):
        shutil.copy(first, folder / f"R07_{i}.xlsx")
    return folder


def _children(pid: int) -> set:
    out = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _start(many, tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch), PYTHONIOENCODING="utf-8")
    proc = subprocess.Popen([CONSOLE, "consolidate", str(many), "--roster", str(SAMPLES / "roster.csv"),
                             "-o", str(tmp_path / "out" / "s.xlsx"), "--csv", str(tmp_path / "out" / "csv"),
                             "--jobs", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    workers = set()
    while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
        workers |= _children(proc.pid)
        time.sleep(0.02)
    assert workers and proc.poll() is None, "the run ended before its workers could be seen"
    return proc, workers, scratch


def _gone(pids, seconds=15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_term_and_hup_clean_up_as_ctrl_c_does(many, tmp_path, signum):
    proc, workers, scratch = _start(many, tmp_path)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "中断しました" in err.decode() and "Traceback" not in err.decode()
    assert _gone(workers)
    assert list(scratch.iterdir()) == []  # the scratch folder went with it
    out = tmp_path / "out"
    assert not out.exists() or [p.name for p in out.rglob("*") if p.is_file()] == []


def test_workers_end_with_a_killed_parent(many, tmp_path):
    proc, workers, _ = _start(many, tmp_path)
    proc.kill()
    proc.wait(timeout=30)
    assert _gone(workers), [p for p in workers if _alive(p)]
