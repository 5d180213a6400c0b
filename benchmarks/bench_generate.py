"""Time `generate` for a national round (1,741 regions). Run by hand:

    .venv/bin/python benchmarks/bench_generate.py [--count 1741]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from national import write_roster  # noqa: E402

from kpi_workbook.generate import generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1741)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        roster = write_roster(Path(tmp) / "roster.csv", args.count)
        start = time.perf_counter()
        result = generate(roster, "renkei", Path(tmp) / "out")
        elapsed = time.perf_counter() - start
        size = sum(p.stat().st_size for p in result.written)
    print(f"generate: {len(result.written)} workbooks in {elapsed:.1f} s "
          f"({1000 * elapsed / max(len(result.written), 1):.1f} ms each, {size / 1e6:.1f} MB total)")


if __name__ == "__main__":
    main()
