"""Time and peak memory of `consolidate` over a national round. Run by hand:

    .venv/bin/python benchmarks/bench_consolidate.py --count 1741 [--jobs 2]
    .venv/bin/python benchmarks/bench_consolidate.py --quick        # 40 returns

Builds the returns once (generate + fill: each with 20 projects, 80 cost rows, 40 KPIs,
80 actuals; every third one faulty) in a cache folder, then runs consolidate in a child
process and reports its wall time and peak RSS (the child's and its workers').
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from national import answers, write_roster  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache"


def build(count: int) -> tuple[Path, Path]:
    from kpi_workbook.fill import fill_workbook
    from kpi_workbook.generate import generate

    CACHE.mkdir(exist_ok=True)
    folder = CACHE / f"returns-{count}"
    roster = write_roster(CACHE / f"roster-{count}.csv", count)
    done = folder / ".complete"
    if done.exists():
        return folder, roster
    blanks = generate(roster, "renkei", CACHE / f"blank-{count}", force=True).written
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for i, blank in enumerate(blanks):
        fill_workbook(blank, answers(i, faulty=i % 3 == 0), folder / blank.name)
        if i % 200 == 0:
            print(f"  built {i}/{len(blanks)} returns ({time.perf_counter() - start:.0f} s)", flush=True)
    done.write_text("ok")
    return folder, roster


def run(folder: Path, roster: Path, jobs: int | None) -> dict:
    code = (
        "import json, sys, time, resource\n"
        "from kpi_workbook.consolidate import consolidate\n"
        "t = time.perf_counter()\n"
        f"r = consolidate({str(folder)!r}, {str(roster)!r}, {str(CACHE / 'summary.xlsx')!r}, "
        f"csv_dir={str(CACHE / 'csv')!r}, jobs={jobs!r})\n"
        "wall = time.perf_counter() - t\n"
        "me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps({'wall': wall, 'rss_main_mb': me, 'rss_child_max_mb': kids, 'used': len(r.used), 'totals': r.totals}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1741)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count = 40 if args.quick else args.count
    folder, roster = build(count)
    stats = run(folder, roster, args.jobs)
    print(f"consolidate {stats['used']} returns: {stats['wall']:.1f} s "
          f"({1000 * stats['wall'] / max(stats['used'], 1):.1f} ms per return), "
          f"peak RSS main {stats['rss_main_mb']:.0f} MB, largest worker {stats['rss_child_max_mb']:.0f} MB")
    print(f"rows: {stats['totals']}")


if __name__ == "__main__":
    main()
