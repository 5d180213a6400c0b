"""charts: matplotlib SVG with the text kept as text, and a region's charts drawn the
same in a pool as in this process."""
import re

from kpi_workbook.publishing import charts


def test_a_bar_chart_keeps_its_text_as_text_and_counts_in_whole_numbers():
    svg = charts.bar_chart(["アa", "アb"], [1, 3], "設定圏域数")
    assert svg.startswith("<svg") and "<?xml" not in svg  # inline in a page
    assert "設定圏域数" in svg and ">アa<" in svg  # <text> elements, drawn by the reader's fonts
    ticks = re.findall(r">(\d+(?:\.\d+)?)</text>", svg)
    assert ticks and all("." not in t for t in ticks)  # no 0.5 regions


def test_small_multiples_of_yearly_actuals():
    assert charts.actuals_chart([("K001（人）", [])]) == ""  # nothing to draw
    svg = charts.actuals_chart([("K001（人）", [("令和2年度", 8.0), ("令和3年度", 7.0)]),
                                ("K002（日）", [("令和2年度", 1084.0)])])
    assert "K001（人）" in svg and "令和3年度" in svg and re.search(r">1,\d{3}</text>", svg)  # 1,080: as read
    many = [(f"K{n:03d}", [("令和2年度", float(n))]) for n in range(1, 20)]
    assert charts.actuals_chart(many).count("<g id=\"axes_") == charts.MAX_KPIS


def test_region_charts_in_a_pool_are_the_same_and_in_order(monkeypatch):
    regions = [[(f"K{n:03d}", [("令和2年度", float(n)), ("令和3年度", float(n + r))]) for n in (1, 2)]
               for r in range(4)]
    serial = list(charts.region_charts(regions, jobs=1))
    monkeypatch.setattr(charts, "POOL_FROM", 2)
    assert list(charts.region_charts(regions, jobs=2)) == serial and len(set(serial)) == 4


def test_a_refilled_figure_draws_what_a_new_one_would():
    """Figures are reused per shape: nothing of one region's chart is left in the next."""
    big = [(f"K{n:03d}（件）", [("令和2年度", 1000.5 * n), ("令和3年度", 7.0), ("令和4年度", 9.0)]) for n in range(1, 7)]
    small = [(f"K{n:03d}（人）", [("令和5年度", float(n))]) for n in range(1, 7)]
    charts._FIGURES.clear()
    first = charts.actuals_chart(small)
    charts.actuals_chart(big)  # same shape (2 × 3), other ticks, titles, limits
    charts.actuals_chart(small[:4])  # fewer panels: some hidden
    assert charts.actuals_chart(small) == first
    charts._FIGURES.clear()
    assert charts.actuals_chart(small) == first
