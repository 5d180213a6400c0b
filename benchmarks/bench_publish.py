"""Time `publish` of a national round (the cached 1,741 returns, consolidated to CSVs once)
and of a 34-region slice of it, with peak memory. By hand:

    .venv/bin/python benchmarks/bench_publish.py [--regions 34]

Each publish runs as the installed command does, in its own process, so imports, the pool
of chart workers and peak RSS (the process and its children) count.
"""
from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rounds import round_folder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXE = ROOT / ".venv" / "bin" / "kpi-workbook"


def national_csv(work: Path) -> Path:
    folder, roster = round_folder(1741)
    out = work / "csv"
    subprocess.run([str(EXE), "consolidate", str(folder), "--roster", str(roster), "-o", str(work / "summary.xlsx"),
                    "--csv", str(out)], check=False, capture_output=True)
    return out


def sliced(csv_dir: Path, regions: int, work: Path) -> Path:
    """The first *regions* regions of the round's CSVs (every table filtered by 圏域コード)."""
    out = work / f"csv-{regions}"
    out.mkdir()
    package = json.loads((csv_dir / "datapackage.json").read_text(encoding="utf-8"))
    with open(csv_dir / "regions.csv", encoding="utf-8-sig", newline="") as fh:
        keep = {row["圏域コード"] for row, _ in zip(csv.DictReader(fh), range(regions))}
    for resource in package["resources"]:
        with open(csv_dir / resource["path"], encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        header, body = rows[0], rows[1:]
        if "圏域コード" in header:
            at = header.index("圏域コード")
            body = [r for r in body if r[at] in keep]
        with open(out / resource["path"], "w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh, lineterminator="\r\n").writerows([header, *body])
    shutil.copyfile(csv_dir / "datapackage.json", out / "datapackage.json")
    return out


def timed(csv_dir: Path, site: Path) -> tuple[float, float]:
    command = ["/usr/bin/time", "-f", "%M", str(EXE), "publish", str(csv_dir), "--out", str(site), "--force"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, int(done.stderr.strip().splitlines()[-1]) / 1024


def in_browser(site: Path) -> str:
    """kpis.html in headless Chromium: when its first rows paint, and when every KPI is in
    the table (a large round's list loads in parts); "" without Chromium."""
    try:
        from selenium import webdriver
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        return ""
    if not shutil.which("chromedriver") or not shutil.which("chromium"):
        return ""
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1600"):
        options.add_argument(flag)
    browser = webdriver.Chrome(options=options,
                               service=webdriver.ChromeService(executable_path=shutil.which("chromedriver")))
    try:
        start = time.perf_counter()
        browser.get((site / "kpis.html").as_uri())
        paint = browser.execute_script("return performance.getEntriesByName('first-contentful-paint')[0].startTime")
        WebDriverWait(browser, 600).until(lambda b: b.execute_script(
            "var t = document.getElementById('kpis'); return !t.dataset.parts || t.dataset.loaded === 'all'"))
        whole = time.perf_counter() - start
        counted = browser.find_element("id", "shown").text
    finally:
        browser.quit()
    return f"kpis.html: first rows painted at {paint / 1000:.2f} s, every KPI read (「{counted}」) at {whole:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--regions", type=int, default=34)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        whole = national_csv(work)
        small = sliced(whole, args.regions, work)
        regions, whole_s, whole_mb = 1741, *timed(whole, work / "site")
        small_s, small_mb = timed(small, work / "site-small")
        pages = len(list((work / "site").rglob("*.html")))
        size = sum(p.stat().st_size for p in (work / "site").rglob("*")) / 2**20
        browser = in_browser(work / "site")
    print(f"publish, {regions} regions: {whole_s:.1f} s, peak RSS {whole_mb:.0f} MB (the largest process), "
          f"{pages} pages, {size:.0f} MB")
    print(f"publish, {args.regions} regions: {small_s:.1f} s, peak RSS {small_mb:.0f} MB")
    if browser:
        print(browser)


if __name__ == "__main__":
    main()
