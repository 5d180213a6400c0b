"""achievement: 達成率 and 区分, as the seeds compute them."""
from decimal import Decimal

from kpi_workbook.consolidation.achievement import assess, rate
from kpi_workbook.core.values import parse_time

LABELS = {"achieved": "達成", "on_track": "A", "behind": "B", "no_figure": "N"}


def t(text):
    return parse_time(text)[0]


def test_seed_004s_rates():
    assert rate(Decimal(7), Decimal(9), "増加") == Decimal("77.8")     # 会議の開催回数
    assert rate(Decimal(48), Decimal(126), "維持") == Decimal("38.1")  # 研修受入延べ日数
    assert rate(Decimal(80), Decimal(100), "減少") == Decimal("125.0")  # 減少: target ÷ latest
    assert rate(None, Decimal(9), "増加") is None and rate(Decimal(1), Decimal(0), "増加") is None


def test_classes():
    def status(latest, latest_time, baseline=Decimal(100), target=Decimal(200), direction="増加"):
        return assess(baseline, t("R1"), target, t("R5"), latest, t(latest_time) if latest_time else None,
                      direction, LABELS).status
    assert status(Decimal(200), "R3") == "達成"
    assert status(Decimal(160), "R3") == "A"      # 60 % of the way, half the time gone
    assert status(Decimal(120), "R3") == "B"      # 20 % of the way
    assert status(None, None) == "N"
    assert status(Decimal(80), "R3", direction="減少", baseline=Decimal(100), target=Decimal(80)) == "達成"
    cumulative = assess(Decimal(0), t("H27"), Decimal(100), t("H27~R1"), Decimal(30), t("R1"), "増加", LABELS)
    assert cumulative.status == "N"  # one year's figure against a cumulative target: not comparable
