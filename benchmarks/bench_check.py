"""Time `check` of one return, against a bare openpyxl loop over the same file. By hand:

    .venv/bin/python benchmarks/bench_check.py [--files 20]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from national import answers, as_installed  # noqa: E402

from kpi_workbook.checking.check import check_workbook  # noqa: E402
from kpi_workbook.generation.fill import fill_workbook  # noqa: E402
from kpi_workbook.generation.workbooks import generate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def openpyxl_loop(path) -> int:
    import openpyxl
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    cells = sum(1 for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    book.close()
    return cells


def timed(func, paths) -> float:
    times = []
    for path in paths:
        start = time.perf_counter()
        func(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20)
    args = parser.parse_args()
    as_installed()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        blank = generate(ROOT / "samples" / "roster.csv", "renkei", tmp / "blank").written[0]
        paths = [fill_workbook(blank, answers(i, faulty=i % 3 == 0), tmp / f"r{i}.xlsx") for i in range(args.files)]
        check_workbook(paths[0])  # warm caches (survey definitions, imports)
        ours = timed(check_workbook, paths)
        bare = timed(openpyxl_loop, paths)
        startup = _startup(paths[0])
        cli = []
        for path in paths[:5]:
            start = time.perf_counter()
            subprocess.run([str(ROOT / ".venv" / "bin" / "kpi-workbook"), "check", str(path)], capture_output=True)
            cli.append(time.perf_counter() - start)
    print(f"check_workbook (read+normalize+validate), median: {ours * 1000:.1f} ms per return")
    print(f"bare openpyxl read-only loop, median:            {bare * 1000:.1f} ms per return")
    print(f"ratio check / openpyxl loop: {ours / bare:.2f}")
    print(f"`kpi-workbook check FILE` from the command line, median of 5: {statistics.median(cli) * 1000:.0f} ms")
    print(f"start-up (import of the CLI and what check needs), median of 5: {startup[0] * 1000:.0f} ms; "
          f"pandas imported by check: {startup[1]}")


def _startup(path) -> tuple:
    """Seconds to import what ``check`` needs, in a fresh interpreter; and whether pandas came too."""
    code = ("import sys, time; t = time.perf_counter(); import kpi_workbook.cli, kpi_workbook.checking.check; "
            "s = time.perf_counter() - t; from kpi_workbook.checking.check import check_workbook; "
            f"check_workbook({str(path)!r}); print(s, 'pandas' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split()
            for _ in range(5)]
    return statistics.median(float(r[0]) for r in runs), runs[0][1]


if __name__ == "__main__":
    main()
