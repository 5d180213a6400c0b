"""publish: the round's CSVs as a static site — numbers equal to the CSVs, nothing loaded
from outside, and (where Chromium is installed) the pages render and the search filters."""
import csv
import re
import shutil

import pytest

from kpi_workbook.demo import run_demo
from kpi_workbook.errors import KpiWorkbookError
from kpi_workbook.publish import publish


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("publish")
    run_demo(base / "demo", jobs=1)
    return base / "demo" / "csv", publish(base / "demo" / "csv", base / "site")


def _kpis(folder):
    with open(folder / "kpis.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_leaf_count_is_the_csvs(site, renkei):
    folder, out = site
    kpis = _kpis(folder)
    page = (out / "index.html").read_text(encoding="utf-8")
    shown = dict(re.findall(r'data-leaf="([^"]+)">(\d+)<', page))
    assert len(shown) == len(renkei.taxonomy.leaves) == 27
    for leaf in renkei.taxonomy.leaves:
        assert int(shown[leaf.code]) == len({k["圏域コード"] for k in kpis if k["取組分類"] == leaf.code}), leaf.code
    assert "<svg" in page and "施策ごとの設定圏域数" in page


def test_a_page_for_every_region_and_leaf_and_every_kpi_in_the_table(site, renkei):
    folder, out = site
    kpis = _kpis(folder)
    assert len(list((out / "regions").glob("*.html"))) == 10 and len(list((out / "leaves").glob("*.html"))) == 27
    table = (out / "kpis.html").read_text(encoding="utf-8")
    assert table.count("<tr data-role=") == len(kpis)
    asahikawa = (out / "regions" / "R07.html").read_text(encoding="utf-8")
    assert "77.8%" in asahikawa and "38.1%" in asahikawa and "<svg" in asahikawa  # seed 004, and its actuals chart
    assert (out / "data" / "kpis.csv").read_bytes() == (folder / "kpis.csv").read_bytes()


def test_nothing_is_loaded_from_outside_the_site(site):
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
    with pytest.raises(KpiWorkbookError, match="--force"):
        publish(folder, out)
    assert publish(folder, out, force=True) == out and (out / "index.html").exists()


def _browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    if not shutil.which("chromedriver") or not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip("Chromium and chromium-driver are not installed")
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1600"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    return webdriver.Chrome(options=options, service=service)


def test_in_a_browser_the_pages_render_and_the_search_filters(site, tmp_path):
    _, out = site
    browser = _browser()
    try:
        for page in ("index.html", "regions/R07.html", "leaves/アb.html", "kpis.html"):
            browser.get((out / page).as_uri())
            assert browser.find_element("tag name", "h1").text
            browser.save_screenshot(str(tmp_path / (page.replace("/", "_") + ".png")))
            errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
            assert errors == [], (page, errors)
        rows = browser.find_elements("css selector", "#kpis tbody tr")
        search = browser.find_element("id", "q")
        search.send_keys("旭川")
        visible = [r for r in rows if r.is_displayed()]
        assert 0 < len(visible) < len(rows) and all("旭川" in r.text for r in visible)
        assert browser.find_element("id", "shown").text == f"{len(visible)}件"
    finally:
        browser.quit()


def test_the_command_says_where_the_site_is_and_refuses_a_full_folder(site, tmp_path):
    from click.testing import CliRunner

    from kpi_workbook.cli import cli
    folder, out = site
    result = CliRunner().invoke(cli, ["publish", str(folder), "--out", str(tmp_path / "web")])
    assert result.exit_code == 0 and str(tmp_path / "web" / "index.html") in result.output
    again = CliRunner().invoke(cli, ["publish", str(folder), "--out", str(tmp_path / "web")])
    assert again.exit_code == 2 and "--force" in again.output and "Traceback" not in again.output


def test_the_index_says_seed_000s_sentence_and_shows_every_sub_field(site, renkei):
    _, out = site
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "連携中枢都市圏を形成している10圏域のうち、8圏域において" in page
    for node in renkei.taxonomy.nodes:
        assert node.label in page, node.code
