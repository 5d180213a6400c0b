"""publish: the round's CSVs as a static site — numbers equal to the CSVs, nothing loaded
from outside, the comparison with last round, seed 002's table for a 34-region round, and
(where Chromium is installed) the pages render, request nothing outside the site, and the
search and filters work."""
import csv
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from kpi_workbook.consolidation.consolidate import consolidate
from kpi_workbook.demo import run_demo
from kpi_workbook.core.errors import KpiWorkbookError
from kpi_workbook.generation.fill import fill_workbook
from kpi_workbook.generation.workbooks import generate
from kpi_workbook.publishing.publish import number_text, publish

from .conftest import teiju_roster


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo's round 2 published with round 1 as the previous round."""
    base = tmp_path_factory.mktemp("publish")
    run_demo(base / "demo")
    folder = base / "demo" / "csv"
    return folder, publish(folder, base / "site", previous=base / "demo" / "round1" / "csv")


def _table(folder, name):
    with open(folder / name, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_leaf_count_is_the_csvs(site, renkei):
    folder, out = site
    kpis = _table(folder, "kpis.csv")
    page = (out / "index.html").read_text(encoding="utf-8")
    shown = dict(re.findall(r'data-leaf="([^"]+)">(\d+)<', page))
    assert len(shown) == len(renkei.taxonomy.tallied()) == 27 + 3  # each leaf, and each role as a whole
    for leaf in renkei.taxonomy.tallied():
        assert int(shown[leaf.code]) == len({k["圏域コード"] for k in kpis if k["取組分類"] == leaf.code}), leaf.code
    assert "<svg" in page and "施策ごとの設定圏域数" in page


def test_every_table_of_kpis_adds_up_to_the_overviews_count(site):
    """Role-level KPIs (旭川's K003 for ア, K004 for イ) count in every view: the setting
    table's KPI数 and the status table's add up to 概要's KPIの総数, as the summary's do."""
    folder, out = site
    page = (out / "index.html").read_text(encoding="utf-8")
    overview = int(re.search(r"KPIの総数</th><td class=\"n\">(\d+)<", page).group(1))
    per_node = [int(n) for code, n in re.findall(r'data-kpis="([^"]+)">(\d+)<', page) if code != "total"]
    totals = [int(n) for n in re.findall(r'data-kpis="total">(\d+)<', page)]
    assert overview == len(_table(folder, "kpis.csv")) == sum(per_node) == 13 and totals == [13, 13]
    assert '<tr class="whole"><td class="c">ア</td>' in page
    assert "未提出" in page and "区分　達成：" in page  # the legend beside the 区分 chart
    assert "+00:00" not in page and "2026-" not in page  # times in JST, in the survey's calendar


def test_a_page_for_every_region_and_leaf_and_every_kpi_in_the_table(site, renkei):
    folder, out = site
    kpis = _table(folder, "kpis.csv")
    assert len(list((out / "regions").glob("*.html"))) == 10 and len(list((out / "leaves").glob("*.html"))) == 30
    table = (out / "kpis.html").read_text(encoding="utf-8")
    assert table.count("<tr data-role=") == len(kpis)
    asahikawa = (out / "regions" / "R07.html").read_text(encoding="utf-8")
    assert "77.8%" in asahikawa and "38.1%" in asahikawa and "<svg" in asahikawa  # seed 004, and its actuals chart
    projects = [p for p in _table(folder, "projects.csv") if p["圏域コード"] == "R07"]
    assert projects and all(p["事業名"] in asahikawa for p in projects)  # its projects, too
    assert (out / "data" / "kpis.csv").read_bytes() == (folder / "kpis.csv").read_bytes()
    leaf = (out / "leaves" / "アb.html").read_text(encoding="utf-8")
    assert "産学連携支援事業" in leaf and "小規模マッチング会" in leaf  # seed 001's 取組事例: the project beside its KPI


def test_the_index_says_consolidates_overview(site, renkei):
    folder, out = site
    page = (out / "index.html").read_text(encoding="utf-8")
    overview = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["overview"]
    assert overview["headline"].startswith("連携中枢都市圏を形成している10圏域のうち、8圏域において")
    assert overview["headline"] in page and overview["revisions"] in page
    for figure in overview["figures"]:
        assert f"<th scope=\"row\">{figure['label']}</th>" in page
    assert "84.6%" in page  # 連携の効果を測る指標の割合, as 概要 shows it
    for node in renkei.taxonomy.nodes:
        assert node.label in page, node.code
    assert renkei.license["title"] in page


def test_the_comparison_equals_consolidates_revisions(site, renkei):
    """changes.html counts each KPI's class as consolidate --previous did (revisions.csv)."""
    folder, out = site
    revisions = _table(folder, "revisions.csv")
    per_kpi = {(r["圏域コード"], r["KPI番号"]): r["見直し区分"] for r in revisions}
    expected = Counter(per_kpi.values())
    page = (out / "changes.html").read_text(encoding="utf-8")
    totals = {k: int(n) for k, n in re.findall(r'data-total="([^"]+)">(\d+)<', page)}
    assert totals == {k: expected.get(k, 0) for k in ("継続", "見直し", "新規", "廃止")}
    assert totals["見直し"] == 1 and totals["新規"] == 1  # 熊本 revised its target, 久留米 added a KPI
    assert "1,000" in page and "1,200" in page  # 熊本's target, before and after
    kurume = (out / "regions" / "R03.html").read_text(encoding="utf-8")
    assert "新規" in kurume and "前回の最新値" in kurume
    assert 'href="changes.html"' in (out / "index.html").read_text(encoding="utf-8")


def test_nothing_is_linked_from_outside_the_site(site):
    _, out = site
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'(?:src|href)="(?:https?:)?//', text), page.name
        for target in re.findall(r'(?:src|href)="([^"#]+)', text):
            assert (page.parent / target).exists(), (page.name, target)


def test_bad_input_and_an_existing_site(site, tmp_path, teiju):
    folder, out = site
    with pytest.raises(KpiWorkbookError) as caught:
        publish(folder, tmp_path / "x", survey=teiju)
    assert "別の調査" in str(caught.value) and caught.value.exit_code == 2
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    (broken / "kpis.csv").unlink()
    with pytest.raises(KpiWorkbookError, match="kpis.csv"):
        publish(broken, tmp_path / "y")
    with pytest.raises(KpiWorkbookError, match="kpis.csv"):
        publish(folder, tmp_path / "z", previous=broken)  # last round's, too
    cut = tmp_path / "cut"  # last round's kpis.csv without a column it is compared on
    shutil.copytree(folder.parent / "round1" / "csv", cut)
    lines = (cut / "kpis.csv").read_text(encoding="utf-8-sig").splitlines()
    at = lines[0].split(",").index("目標値")
    (cut / "kpis.csv").write_text("\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != at)
                                            for line in lines), encoding="utf-8-sig")
    with pytest.raises(KpiWorkbookError, match="目標値"):
        publish(folder, tmp_path / "z", previous=cut)
    (broken / "datapackage.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(KpiWorkbookError, match="datapackage.json"):
        publish(broken, tmp_path / "y")
    with pytest.raises(KpiWorkbookError, match="--force"):
        publish(folder, out)
    mine = tmp_path / "site"  # the shared site stays as it is
    shutil.copytree(out, mine)
    assert publish(folder, mine, force=True) == mine and (mine / "index.html").exists()
    assert not (mine / "changes.html").exists()  # without --previous, no comparison
    assert not list(tmp_path.glob(".kpi-workbook-site-*"))  # the temporary folder is gone


def test_text_from_returns_is_shown_as_text(site, tmp_path):
    """A clerk's (or an attacker's) markup is escaped, and a neutralized formula reads as typed."""
    folder, _ = site
    copy = tmp_path / "csv"
    shutil.copytree(folder, copy)
    text = (copy / "kpis.csv").read_text(encoding="utf-8-sig")
    name = _table(folder, "kpis.csv")[0]["指標名"]
    (copy / "kpis.csv").write_text(text.replace(name, '<script>alert(1)</script>', 1), encoding="utf-8-sig")
    out = publish(copy, tmp_path / "site")
    page = (out / "kpis.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_unwritable_place_is_said_before_anything_is_read(site, tmp_path):
    folder, _ = site
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(KpiWorkbookError, match="書き込めません"):
        publish(folder, blocker / "site")  # its parent is a file


def test_force_never_replaces_a_folder_holding_an_input(site):
    folder, _ = site
    before = sorted(p.name for p in folder.iterdir())
    for target in (folder, folder.parent):
        with pytest.raises(KpiWorkbookError, match="入力"):
            publish(folder, target, force=True)
    assert sorted(p.name for p in folder.iterdir()) == before


def test_numbers_as_the_workbook_shows_them():
    assert number_text(1084, "人") == "1,084人" and number_text(1084.5) == "1,084.5"
    assert number_text("1000") == "1,000" and number_text("令和5年度") == "令和5年度"
    assert number_text(None) == "" and number_text(float("nan")) == ""


def test_the_command_says_where_the_site_is_and_refuses_a_full_folder(site, tmp_path):
    from click.testing import CliRunner

    from kpi_workbook.cli import cli
    folder, _ = site
    result = CliRunner().invoke(cli, ["publish", str(folder), "--out", str(tmp_path / "web"),
                                      "--previous", str(folder.parent / "round1" / "csv")])
    assert result.exit_code == 0 and str(tmp_path / "web" / "index.html") in result.output
    assert (tmp_path / "web" / "changes.html").exists()
    again = CliRunner().invoke(cli, ["publish", str(folder), "--out", str(tmp_path / "web")])
    assert again.exit_code == 2 and "--force" in again.output and "Traceback" not in again.output


def test_the_command_shows_its_progress(site, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from kpi_workbook.cli import cli
    monkeypatch.setenv("KPI_WORKBOOK_PROGRESS", "1")
    folder, _ = site
    result = CliRunner().invoke(cli, ["publish", str(folder), "--out", str(tmp_path / "web")])
    assert result.exit_code == 0 and "ウェブ報告を作成中" in result.output  # (a bar on a terminal)


# Seed 002: 施策ごとのKPI設定状況 of the 34 regions (令和2年3月末), leaf by leaf.
SEED_002 = {"アa": 28, "アb": 31, "アc": 31, "アd": 30, "アe": 10, "イa": 23, "イb": 29, "イc": 25, "イd": 12,
            "ウAa": 25, "ウAb": 11, "ウAc": 26, "ウAd": 27, "ウAe": 8, "ウAf": 24, "ウAg": 25, "ウAh": 25,
            "ウBa": 19, "ウBb": 9, "ウBc": 9, "ウBd": 10, "ウBe": 27, "ウBf": 12,
            "ウCa": 17, "ウCb": 2, "ウCc": 12, "ウCd": 11}


def _answers(region: int, leaves: list) -> dict:
    """One project and one KPI for each leaf this region set (the way a clerk types them)."""
    projects, kpis = [], []
    for n, leaf in enumerate(leaves, start=1):
        projects.append({"事業コード": f"P{n:03d}", "事業名": f"{leaf}の連携事業", "取組分類": leaf, "開始年度": "H28",
                         "事業の概要": f"圏域{region}の{leaf}に係る取組。"})
        kpis.append({"KPI番号": f"K{n:03d}", "事業コード": f"P{n:03d}", "取組分類": leaf, "指標名": f"{leaf}の利用者数",
                     "指標の種類": "アウトカム", "単位": "人", "目標の方向": "増加", "基準値": "１，０００人",
                     "基準時点": "H28", "目標値": "1,200", "目標時点": "R2", "現状値": "1,100", "現状時点": "R2.3",
                     "連携効果": "○", "見直し状況": "継続"})
    return {"圏域情報": {"担当部署": "企画課", "担当者": "担当", "連絡先": "000-000-0000", "回答日": "R2.4.1"},
            "事業": projects, "KPI": kpis}


@pytest.fixture(scope="module")
def holdout(tmp_path_factory):
    """A round of 34 regions whose KPIs give seed 002's table, consolidated and published."""
    base = tmp_path_factory.mktemp("holdout")
    roster = base / "roster.csv"
    with open(roster, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["圏域コード", "圏域名", "圏域の種別", "中心市", "構成市町村", "都道府県"])
        out.writerows([f"H{i + 1:02d}", f"第{i + 1}連携中枢都市圏", "連携中枢都市圏", f"第{i + 1}市",
                       f"第{i + 1}市、第{i + 1}町", "北海道"] for i in range(34))
    blanks = generate(roster, "renkei", base / "blank").written
    for i, blank in enumerate(sorted(blanks)):
        leaves = [leaf for n, (leaf, count) in enumerate(SEED_002.items()) if (i + 7 * n) % 34 < count]
        fill_workbook(blank, _answers(i + 1, leaves), base / "returns" / Path(blank).name)
    consolidate(base / "returns", roster, base / "summary.xlsx", csv_dir=base / "csv")
    return base / "csv", publish(base / "csv", base / "site")


def test_a_34_region_round_shows_seed_002s_table_exactly(holdout):
    folder, out = holdout
    page = (out / "index.html").read_text(encoding="utf-8")
    shown = {k: int(n) for k, n in re.findall(r'data-leaf="([^"]+)">(\d+)<', page)}
    assert {k: n for k, n in shown.items() if k in SEED_002} == SEED_002 and set(shown) - set(SEED_002) == set("アイウ")
    assert "連携中枢都市圏を形成している34圏域のうち、34圏域において" in page
    assert f"{31 * 100 / 34:.1f}%" in page  # アb's share
    assert len(list((out / "regions").glob("*.html"))) == 34


def _browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    if not shutil.which("chromedriver") or not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip("Chromium and chromium-driver are not installed")
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1600"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    return webdriver.Chrome(options=options, service=service)


def _requests(browser) -> list:
    """The URLs the page asked for since the last call (Chromium's network log)."""
    out = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            out.append(message["params"]["request"]["url"])
    return out


PAGES = ("index.html", "changes.html", "regions/R07.html", "leaves/アb.html", "kpis.html")


def test_in_a_browser_the_pages_render_are_accessible_and_ask_for_nothing_outside(site, tmp_path):
    folder, out = site
    browser = _browser()
    root = out.resolve().as_uri() + "/"
    try:
        for page in PAGES:
            browser.get((out / page).as_uri())
            assert browser.find_element("tag name", "h1").text
            browser.save_screenshot(str(tmp_path / (page.replace("/", "_") + ".png")))
            errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
            assert errors == [], (page, errors)
            axe = pytest.importorskip("axe_selenium_python").Axe(browser)  # axe-core, in the package
            axe.inject()
            violations = [(v["id"], v["help"], v["nodes"][0]["html"][:80]) for v in axe.run()["violations"]]
            assert violations == [], (page, violations)  # contrast, table headers, labels, ARIA, language
            asked = _requests(browser)
            assert asked and all(url.startswith((root, "data:")) for url in asked), (page, asked)  # data: is inline
            if page == "index.html":  # the numbers the reader sees are the CSVs'
                cells = browser.find_elements("css selector", "td[data-leaf]")
                seen = {c.get_attribute("data-leaf"): int(c.text) for c in cells}
                kpis = _table(folder, "kpis.csv")
                assert seen == {leaf: len({k["圏域コード"] for k in kpis if k["取組分類"] == leaf}) for leaf in seen}
            if page == "regions/R07.html":  # each KPI's 達成率 and 区分 as kpis.csv has them
                table = browser.find_element("id", "region-kpis")
                shown = {r.find_elements("tag name", "td")[0].text: [c.text for c in r.find_elements("tag name", "td")[-2:]]
                         for r in table.find_elements("css selector", "tbody tr")}
                mine = [k for k in _table(folder, "kpis.csv") if k["圏域コード"] == "R07"]
                assert shown == {k["KPI番号"]: [f"{float(k['達成率（%）']):.1f}%", k["区分"]] for k in mine}
        probe = tmp_path / "probe.html"  # the log sees a request outside, axe a faint text: these checks can fail
        probe.write_text('<!DOCTYPE html><html lang="ja"><title>x</title><img src="http://127.0.0.1:9/x.png" alt="">'
                         '<p style="color:#ccc">薄い文字</p></html>', encoding="utf-8")
        browser.get(probe.as_uri())
        assert "http://127.0.0.1:9/x.png" in _requests(browser)
        axe.inject()
        assert "color-contrast" in {v["id"] for v in axe.run()["violations"]}
    finally:
        browser.quit()


def test_in_a_browser_the_search_filters_and_the_table_sorts(site):
    folder, out = site
    browser = _browser()
    try:
        browser.get((out / "kpis.html").as_uri())
        rows = browser.find_elements("css selector", "#kpis tbody tr")
        assert len(rows) == len(_table(folder, "kpis.csv"))
        search = browser.find_element("id", "q")
        search.send_keys("旭川")
        visible = [r for r in rows if r.is_displayed()]
        assert 0 < len(visible) < len(rows) and all("旭川" in r.text for r in visible)
        assert browser.find_element("id", "shown").text == f"{len(visible)}件"
        search.clear()
        search.send_keys(" ")  # an 'input' event with no text: every row again
        browser.find_element("css selector", "#status option[value='']")
        select = browser.find_element("id", "status")
        select.find_element("xpath", "./option[text()='達成']").click()
        shown = [r for r in rows if r.is_displayed()]
        assert shown and all(r.find_elements("tag name", "td")[-1].text == "達成" for r in shown)
        select.find_element("xpath", "./option[@value='']").click()
        from selenium.webdriver.common.keys import Keys
        browser.find_element("css selector", "button[data-sort='8']").send_keys(Keys.ENTER)  # 達成率, by keyboard
        rates = [float(c.get_attribute("data-value")) for c in
                 browser.find_elements("css selector", "#kpis tbody tr td:nth-child(9)") if c.get_attribute("data-value")]
        assert rates == sorted(rates) and len(rates) > 3
        assert browser.find_element("css selector", "th[aria-sort]").get_attribute("aria-sort") == "ascending"
    finally:
        browser.quit()


def test_printed_on_a4_the_pages_keep_their_tables_and_drop_the_controls(site, tmp_path):
    """Chromium's print of the KPI table and a region page: A4, the (one-line) column headers
    on the paper, and none of the screen's controls (search, filters, skip link)."""
    import base64
    import subprocess

    if not shutil.which("pdftotext") or not shutil.which("pdfinfo"):
        pytest.skip("poppler-utils is not installed")
    from selenium.webdriver.common.print_page_options import PrintOptions
    _, out = site
    browser = _browser()
    try:
        for page, headers in (("kpis.html", ["圏域", "施策", "指標名", "種類", "基準値", "目標値", "最新値", "区分"]),
                              ("regions/R07.html", ["指標名", "区分", "KPIの進み具合", "前回（令和8年度調査）からの見直し", "全国との比較"])):
            browser.get((out / page).as_uri())
            options = PrintOptions()
            options.page_width, options.page_height = 21.0, 29.7
            pdf = tmp_path / (page.replace("/", "_") + ".pdf")
            pdf.write_bytes(base64.b64decode(browser.print_page(options)))
            info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
            width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
            assert abs(width - 595) < 3 and abs(height - 842) < 3, info  # A4
            text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                                      check=True).stdout)
            assert all(h in text for h in headers), (page, text[:300])
            assert "本文へ移動" not in text and "圏域名・指標名など" not in text and "すべて" not in text
    finally:
        browser.quit()


def test_a_teiju_round_says_its_own_sentence_with_the_migrated_left_out(tmp_path, teiju):
    """定住自立圏: seed 000's sentence counts the regions whose vision is adopted, those moved
    to 連携中枢都市圏 left out: the site says what 概要 says, and shows teiju's own taxonomy."""
    roster = teiju_roster(tmp_path / "roster.csv")
    kpi = {"KPI番号": "K1", "取組分類": "Aa", "指標名": "x", "指標の種類": "アウトカム",
           "単位": "人", "目標の方向": "増加", "目標値": "10", "目標時点": "R5"}
    for path in generate(roster, teiju, tmp_path / "blank").written:
        if path.name.startswith(("T1", "T4")):
            fill_workbook(path, {"KPI": [kpi]}, tmp_path / "in" / path.name)
    consolidate(tmp_path / "in", roster, tmp_path / "s.xlsx", csv_dir=tmp_path / "csv", survey=teiju)
    out = publish(tmp_path / "csv", tmp_path / "site", survey=teiju)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "共生ビジョンを策定している2圏域（連携中枢都市圏に移行済みの1圏域を除く）のうち、1圏域において指標を設定済み。" in page
    shown = dict(re.findall(r'data-leaf="([^"]+)">(\d+)<', page))
    assert set(shown) == {leaf.code for leaf in teiju.taxonomy.tallied()} and shown["Aa"] == "2"
    assert sorted(p.stem for p in (out / "regions").glob("*.html")) == ["T1", "T2", "T4"]


def _multiplied(folder, target, copies: int):
    """The demo round's CSVs with every region copied *copies* times under new codes: a round
    as large as wanted, in a second (each copy's KPIs, projects and actuals its own)."""
    target.mkdir()
    for name in ("regions", "projects", "kpis", "actuals", "costs"):
        with open(folder / f"{name}.csv", encoding="utf-8-sig", newline="") as fh:
            lines = list(csv.reader(fh))
        header, body = lines[0], lines[1:]
        at, named = header.index("圏域コード"), header.index("圏域名") if "圏域名" in header else None
        out = [header]
        for n in range(copies):
            for row in body:
                row = list(row)
                row[at] = f"{row[at]}-{n:04d}"
                if named is not None:
                    row[named] = f"{row[named]}{n:04d}"
                out.append(row)
        with open(target / f"{name}.csv", "w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh, lineterminator="\r\n").writerows(out)
    for name in ("datapackage.json", "definition.json"):
        shutil.copyfile(folder / name, target / name)
    return target


def test_a_large_rounds_kpi_list_shows_its_first_rows_at_once_and_filters_every_kpi(site, tmp_path, monkeypatch):
    """Past ONE_PAGE_UP_TO KPIs, kpis.html holds its first rows and site.js adds the rest part
    by part (kpis/N.js); the first rows paint at once, and a search finds a KPI of the last part."""
    import kpi_workbook.publishing.publish as P
    folder, _ = site
    big = _multiplied(folder, tmp_path / "csv", 200)  # 10 regions → 2,000; 13 KPIs → 2,600
    monkeypatch.setattr(P, "ONE_PAGE_UP_TO", 2_000)
    monkeypatch.setattr(P, "PART_ROWS", 1_000)
    out = publish(big, tmp_path / "site")
    kpis = _table(big, "kpis.csv")
    parts = sorted((out / "kpis").glob("*.js"))
    assert len(parts) == -(-(len(kpis) - P.FIRST_ROWS) // P.PART_ROWS) == 2
    page = (out / "kpis.html").read_text(encoding="utf-8")
    assert page.count("<tr data-role=") == P.FIRST_ROWS and 'data-parts="kpis/1.js kpis/2.js"' in page
    last = kpis[-1]
    browser = _browser()
    try:
        browser.get((out / "kpis.html").as_uri())
        paint = browser.execute_script(
            "return performance.getEntriesByName('first-contentful-paint')[0].startTime")
        assert paint < 2000, paint  # ms: the first rows show at once
        from selenium.webdriver.support.ui import WebDriverWait
        WebDriverWait(browser, 30).until(lambda b: b.execute_script("return document.getElementById('kpis')"
                                                                    ".dataset.loaded === 'all'"))
        shown = browser.find_element("id", "shown").text  # every KPI counted, the first ones shown
        assert shown == f"{len(kpis)}件（先頭の{P.FIRST_ROWS}件を表示）"
        assert len(browser.find_elements("css selector", "#kpis tbody tr")) == P.FIRST_ROWS
        browser.find_element("id", "more").click()
        assert len(browser.find_elements("css selector", "#kpis tbody tr")) == 2 * P.FIRST_ROWS
        search = browser.find_element("id", "q")
        name = {r["圏域コード"]: r for r in _table(big, "regions.csv")}[last["圏域コード"]]["圏域名"]
        search.send_keys(name)
        visible = [row for row in browser.find_elements("css selector", "#kpis tbody tr") if row.is_displayed()]
        expected = sum(1 for k in kpis if k["圏域コード"] == last["圏域コード"])
        assert len(visible) == expected > 0 and browser.find_element("id", "shown").text == f"{expected}件"
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
    finally:
        browser.quit()
