"""kpi_workbook against the way it is done today, at national scale. Run by hand:

    .venv/bin/python benchmarks/compare.py              # 1,741 returns, median of 3 runs
    .venv/bin/python benchmarks/compare.py --quick      # 40 returns, 1 run: checks a change in < 1 min
    .venv/bin/python benchmarks/compare.py --big        # also peak memory at 17,410 returns
    .venv/bin/python benchmarks/compare.py --small      # a round of small returns (12 projects, 24 KPIs, no actuals)

The filled returns are built once and cached in ``benchmarks/.cache`` (see rounds.py;
the first full run spends a few minutes on it).  Every contender runs in a fresh Python
process, so imports and start-up count and peak memory (RSS, the process and its
workers) is its own; the contenders take turns, one run each per round, so that a slow
minute of a shared machine is shared too.  Prints one table: median seconds, ms per
file, peak RSS, ratios.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from national import as_installed  # noqa: E402
from rounds import CACHE, round_folder  # noqa: E402

CONTENDERS = {
    "consolidate": "our consolidate (discover, read, normalize, validate, summary + CSVs)",
    "naive": "naive: openpyxl load_workbook + row loop + pandas to_excel",
    "read_excel": "pandas.read_excel per file (default engine)",
    "floor": "floor: python-calamine, values only, one process",
    "generate": "our generate (xlsxwriter)",
    "generate_openpyxl": "the same workbooks built with openpyxl",
}


def one(name: str, folder: Path, roster: Path, work: Path) -> dict:
    """Runs in the child process: the contender *name*, timed."""
    import baselines

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    start = time.perf_counter()
    if name == "consolidate":
        from kpi_workbook.consolidation.consolidate import consolidate
        result = consolidate(folder, roster, work / "summary.xlsx", csv_dir=work / "csv")
        items = len(result.submissions)
    elif name == "naive":
        baselines.naive_consolidate(folder, work / "naive.xlsx")
        items = len(baselines.returns(folder))
    elif name == "read_excel":
        baselines.read_excel_all(folder)
        items = len(baselines.returns(folder))
    elif name == "floor":
        baselines.calamine_floor(folder)
        items = len(baselines.returns(folder))
    elif name == "generate":
        from kpi_workbook.generation.workbooks import generate
        items = len(generate(roster, "renkei", work / "out").written)
    elif name == "generate_openpyxl":
        from kpi_workbook.reading.roster import read_roster
        from kpi_workbook.core.survey import load_survey
        items = baselines.openpyxl_generate(read_roster(roster, load_survey("renkei"))[0], work / "out")
    else:
        raise SystemExit(f"unknown contender {name}")
    wall = time.perf_counter() - start
    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    shutil.rmtree(work, ignore_errors=True)
    return {"wall": wall, "items": items, "rss_mb": rss / 1024}


def run(name: str, folder: Path, roster: Path) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", name, "--folder", str(folder), "--roster", str(roster)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{name} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def check_cli(folder: Path, times: int = 5) -> float:
    """`kpi-workbook check FILE` from the command line: start-up included, median seconds."""
    exe = Path(sys.executable).with_name("kpi-workbook")
    as_installed()
    files = sorted(folder.glob("*.xlsx"))[:times]
    walls = []
    for path in files:
        start = time.perf_counter()
        subprocess.run([str(exe), "check", str(path)], capture_output=True)
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def machine() -> str:
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({model or platform.machine()}), {memory:.0f} GiB, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1741)
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender (median)")
    parser.add_argument("--quick", action="store_true", help="40 returns, one run")
    parser.add_argument("--big", action="store_true", help="also peak memory of consolidate at 10x the count")
    parser.add_argument("--only", default="", help="comma-separated contenders to run")
    parser.add_argument("--small", action="store_true",
                        help="small returns (about 12 projects, 24 KPIs, no yearly actuals): per-file costs dominate")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--roster", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, Path(args.folder), Path(args.roster), CACHE / f"work-{args.one}")))
        return
    count, repeat = (40, 1) if args.quick else (args.count, args.repeat)
    folder, roster = round_folder(count, small=args.small)
    names = [n for n in CONTENDERS if not args.only or n in args.only.split(",")]
    runs = {name: [] for name in names}
    for i in range(repeat):  # round by round: a slow minute of the machine hits every contender
        for name in names:
            runs[name].append(run(name, folder, roster))
            print(f"  {name} run {i + 1}/{repeat}: {runs[name][-1]['wall']:.1f} s", file=sys.stderr, flush=True)
    results = {name: {"wall": statistics.median(r["wall"] for r in rs), "items": rs[0]["items"],
                      "rss_mb": max(r["rss_mb"] for r in rs)} for name, rs in runs.items()}
    report(results, count, repeat, check_cli(folder))
    if args.big:
        small = results.get("consolidate") or run("consolidate", folder, roster)
        print(f"\npeak RSS of consolidate at {count} returns: {small['rss_mb']:.0f} MB")
        rounds = ten_rounds(folder, count)
        big_folder, big_roster = round_folder(count * 10)
        for label, (f, r) in ((f"ten rounds of the same {count} regions", (rounds, roster)),
                              (f"{count * 10} regions, one return each (a 10x roster)", (big_folder, big_roster))):
            big = run("consolidate", f, r)
            print(f"  {count * 10} returns, {label}: {big['rss_mb']:.0f} MB "
                  f"(x{big['rss_mb'] / small['rss_mb']:.2f}), {big['wall']:.0f} s, "
                  f"{1000 * big['wall'] / big['items']:.1f} ms per return")


def ten_rounds(folder: Path, count: int) -> Path:
    """Ten rounds of the same returns (hard links), as a season of resubmissions."""
    out = CACHE / f"rounds10-{folder.name}"
    if not (out / ".complete").exists():
        for n in range(1, 11):
            (out / f"round{n:02d}").mkdir(parents=True, exist_ok=True)
            for path in folder.glob("*.xlsx"):
                target = out / f"round{n:02d}" / path.name
                if not target.exists():
                    os.link(path, target)
        (out / ".complete").write_text("ok")
    return out


def report(results: dict, count: int, repeat: int, cli: float) -> None:
    print(f"\n{count} returns, median of {repeat} run(s); {machine()}\n")
    print(f"| {'contender':<72} | {'s':>7} | {'ms/file':>8} | {'peak RSS MB':>11} |")
    print(f"|{'-' * 74}|{'-' * 9}|{'-' * 10}|{'-' * 13}|")
    for name, r in results.items():
        print(f"| {CONTENDERS[name]:<72} | {r['wall']:7.1f} | {1000 * r['wall'] / max(r['items'], 1):8.1f} | {r['rss_mb']:11.0f} |")
    ours = results.get("consolidate")
    print()
    if ours:
        for other, target in (("naive", "target >= 15x"), ("read_excel", ""), ("floor", "target <= 2x")):
            if other in results:
                ratio = results[other]["wall"] / ours["wall"]
                word = f"{ratio:.1f}x faster than" if ratio >= 1 else f"{1 / ratio:.1f}x slower than"
                print(f"consolidate is {word} {other} ({target})" if target else f"consolidate is {word} {other}")
    if "generate" in results and "generate_openpyxl" in results:
        ratio = results["generate_openpyxl"]["wall"] / results["generate"]["wall"]
        print(f"generate is {ratio:.1f}x faster than the openpyxl build (target >= 3x)")
    print(f"`kpi-workbook check FILE` from the command line, median of 5: {1000 * cli:.0f} ms (target <= 120 ms)")


if __name__ == "__main__":
    main()
