"""Build (once) and cache a national round of filled returns for the benchmarks.

``round_folder(count)`` returns ``(folder, roster)``: *count* regions in a roster, one
generated workbook each, filled by :func:`national.answers` (every third one faulty).
Built in parallel on all cores into ``benchmarks/.cache`` (git-ignored) and reused.
"""
from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from national import DATA_VERSION, answers, write_roster  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache"


SMALL = {"projects": 12, "kpis": 24, "actuals": 0}  # a small region's return: per-file costs dominate


def _fill(args) -> None:
    from kpi_workbook.generation.fill import fill_workbook
    index, blank, target, small = args
    if not Path(target).exists():
        fill_workbook(blank, answers(index, faulty=index % 3 == 0, **(SMALL if small else {})), target)


def round_folder(count: int, small: bool = False) -> tuple[Path, Path]:
    """*small*: returns of about 12 projects and 24 KPIs without yearly actuals."""
    from kpi_workbook.generation.workbooks import generate

    CACHE.mkdir(exist_ok=True)
    folder = CACHE / f"returns-{count}{'-small' if small else ''}-v{DATA_VERSION}"
    roster = write_roster(CACHE / f"roster-{count}.csv", count)
    done = folder / ".complete"
    if done.exists():
        return folder, roster
    start = time.perf_counter()
    print(f"building {count} filled returns once (cached in {CACHE}) ...", flush=True)
    blanks = generate(roster, "renkei", CACHE / f"blank-{count}", force=True).written
    folder.mkdir(parents=True, exist_ok=True)
    work = [(i, str(b), str(folder / b.name), small) for i, b in enumerate(blanks)]
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        for n, _ in enumerate(pool.map(_fill, work, chunksize=16), start=1):
            if n % 1000 == 0:
                print(f"  {n}/{count} ({time.perf_counter() - start:.0f} s)", flush=True)
    done.write_text("ok")
    return folder, roster


if __name__ == "__main__":
    round_folder(int(sys.argv[1]) if len(sys.argv) > 1 else 1741, small="--small" in sys.argv)
