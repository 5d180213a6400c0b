"""charts: matplotlib SVG with the text kept as text; a KPI's progress chart laid out as
numbers (baseline, actuals, target, the proportional path, an axis from zero)."""
import re

from kpi_workbook.publishing import charts


def test_a_bar_chart_keeps_its_text_as_text_and_counts_in_whole_numbers():
    svg = charts.bar_chart(["アa", "アb"], [1, 3], "設定圏域数")
    assert svg.startswith("<svg") and "<?xml" not in svg  # inline in a page
    assert "設定圏域数" in svg and ">アa<" in svg  # <text> elements, drawn by the reader's fonts
    ticks = re.findall(r">(\d+(?:\.\d+)?)</text>", svg)
    assert ticks and all("." not in t for t in ticks)  # no 0.5 regions


def test_a_share_chart_shows_each_class_of_each_role_and_is_the_same_for_the_same_data():
    stacks = [("達成", [2, 0]), ("A", [1, 1]), ("B", [1, 0]), ("N", [0, 3])]
    svg = charts.share_chart(["ア 経済", "イ 都市"], stacks, "KPIに占める割合（%）")
    assert ">ア 経済<" in svg and ">達成<" in svg and ">N<" in svg and "KPIに占める割合（%）" in svg
    assert charts.share_chart(["ア 経済", "イ 都市"], stacks, "KPIに占める割合（%）") == svg
    assert charts.share_chart(["ア"], [("達成", [0])], "x") == ""  # no KPI: no chart


KPI = {"baseline": 5.0, "baseline_time": "2019年度", "target": 9.0, "target_time": "2023年度"}


def test_a_progress_chart_places_baseline_actuals_target_and_the_path_between_them():
    p = charts.progress_panel(KPI, [("2020年度", 8.0), ("2021年度", 7.0)], "和暦")
    (bx, by), (tx, ty) = p["base"], p["target"]
    assert p["path"] == ((bx, by), (tx, ty))  # the line that separates A from B
    (x1, y1), (x2, y2) = p["actual"]
    assert bx < x1 < x2 < tx  # in time order, between baseline and target
    assert ty < y1 < y2 < by  # SVG y grows downwards: 9 above 8 above 7 above 5
    # on the path, four years of four at the target: 2 years in = 7, so R3's 7 sits on it
    on_path = by + (ty - by) * (x2 - bx) / (tx - bx)
    assert abs(on_path - y2) < 0.2
    labels = [label for _, label in p["x_ticks"]]
    assert labels[0] == "R1" and labels[-1] == "R5"  # the survey's calendar
    assert [label for _, label in p["y_ticks"]][0] == "0"  # the axis starts at zero
    assert max(y for y, _ in p["y_ticks"]) == p["bottom"]


def test_a_progress_chart_in_the_western_calendar_and_with_less_to_show():
    p = charts.progress_panel({**KPI, "baseline": None}, [("2020年度", 8.0)], "西暦")
    assert p["base"] is None and p["path"] is None and p["target"] is not None
    assert [label for _, label in p["x_ticks"]][0] == "2020"
    assert charts.progress_panel({"target": None}, [], "和暦") is None  # nothing to draw
    assert charts.progress_panel({**KPI, "target_time": "いつか"}, [], "和暦") is None  # a time not understood
    big = charts.progress_panel(KPI, [("2020年度", 1_200_000.0)], "和暦")
    assert "1,200,000" in [label for _, label in big["y_ticks"]] or max(
        float(label.replace(",", "")) for _, label in big["y_ticks"]) >= 1_200_000


def test_a_definition_may_put_the_axis_near_the_figures():
    """A population of 1,200,000 → 1,250,000: from zero its change is a flat line; the
    definition's chart_from_zero = false starts the axis near the figures."""
    kpi = {"baseline": 1_200_000.0, "baseline_time": "2019年度", "target": 1_250_000.0, "target_time": "2023年度"}
    near = charts.progress_panel(kpi, [("2021年度", 1_230_000.0)], "和暦", from_zero=False)
    lowest = min(float(label.replace(",", "")) for _, label in near["y_ticks"])
    assert 1_000_000 <= lowest <= 1_200_000
    full = charts.progress_panel(kpi, [("2021年度", 1_230_000.0)], "和暦")
    assert [label for _, label in full["y_ticks"]][0] == "0"
