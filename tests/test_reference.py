"""reference: one switch turns every fast path off, and the outputs stay the same bytes."""
import os
import subprocess
import sys
from pathlib import Path

from kpi_workbook.core import reference

ROOT = Path(__file__).resolve().parent.parent


def _environment(on: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != reference.ENV}
    return {**env, reference.ENV: "1"} if on else env


def test_the_switch_reads_the_environment_when_asked(monkeypatch):
    monkeypatch.delenv(reference.ENV, raising=False)
    assert not reference.reference() and reference.workers(3) == 3 and reference.workers(None) >= 1
    monkeypatch.setenv(reference.ENV, "1")
    assert reference.reference() and reference.workers(3) == 1
    monkeypatch.setenv(reference.ENV, "0")
    assert not reference.reference()


def test_stock_xlsxwriter_on_the_reference_path():
    code = "import kpi_workbook.xlsx.fast_writer as w; print(w.FAST)"
    said = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env=_environment(on)).stdout.strip() for on in (True, False)]
    assert said == ["False", "True"]


def test_the_demo_on_the_reference_path_is_the_golden_one(tmp_path):
    """The whole demo with every fast path off (a fresh process: the writer reads the switch
    at import) gives the committed golden outputs."""
    code = ("import sys; from pathlib import Path; from tests import golden; "
            "made = golden.snapshot(golden.run_demo(Path(sys.argv[1]))); "
            "want = golden.committed(); "
            "bad = sorted(k for k in set(made) | set(want) if made.get(k) != want.get(k)); "
            "print('differ:', bad)")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "demo")], capture_output=True, text=True,
                          env=_environment(True), cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "differ: []"
