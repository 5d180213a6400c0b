"""KPI achievement (達成率) and progress class (区分), as the seeds compute them.

- 達成率 (seed 004): latest actual ÷ target (7 ÷ 9 = 77.8 %, 48 ÷ 126 = 38.1 %); for a
  減少 KPI the ratio is inverted (target ÷ actual).
- 区分 (seed 000, the government's KPI progress tables), labels from the survey's
  ``[progress]`` table:
  * achieved — the actual has reached the target (増加 / 維持: actual ≥ target;
    減少: actual ≤ target);
  * on track (A) — progress toward the target at least in proportion to the share of the
    target period elapsed: (latest − baseline) / (target − baseline) ≥
    (latest time − baseline time) / (target time − baseline time);
  * behind (B) — less than that, or progress that cannot be interpolated (no baseline,
    baseline equal to target);
  * no figure (N) — no latest value yet, or a single-year value against a cumulative
    period target (not comparable).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Achievement:
    rate: Decimal | None   # 達成率 as a percentage, one decimal (77.8), or None
    status: str            # the survey's label for achieved / on track / behind / no figure
    key: str               # "achieved" | "on_track" | "behind" | "no_figure"


def rate(latest, target, direction: str, decrease: str = "減少") -> Decimal | None:
    if latest is None or target is None:
        return None
    numerator, denominator = (target, latest) if direction == decrease else (latest, target)
    if denominator == 0:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def assess(baseline, baseline_time, target, target_time, latest, latest_time, direction: str,
           labels: dict, decrease: str = "減少") -> Achievement:
    """Classify one KPI; values are Decimals (or None), times :class:`values.Time`."""
    def result(key):
        return Achievement(rate(latest, target, direction, decrease), labels.get(key, key), key)

    if latest is None or target is None:
        return result("no_figure")
    if target_time is not None and target_time.is_period and latest_time is not None \
            and not latest_time.is_period:
        return result("no_figure")
    reached = latest <= target if direction == decrease else latest >= target
    if reached:
        return result("achieved")
    if baseline is None or baseline == target or None in (baseline_time, target_time, latest_time):
        return result("behind")
    progress = (latest - baseline) / (target - baseline)
    span = (target_time.point - baseline_time.point).days
    if span <= 0:
        return result("behind")
    elapsed = Decimal((latest_time.point - baseline_time.point).days) / Decimal(span)
    return result("on_track" if progress >= elapsed else "behind")


def kpi_assessment(survey, values: dict, actuals: list):
    """(latest value, its time, :class:`Achievement`) for one KPI record's *values*,
    the newest figure being its 現状値 or a later yearly actual from *actuals*."""
    latest, latest_time = _latest(values, actuals)
    direction = values["direction"].value or ""
    decrease = survey.meanings["direction"]["decrease"]
    result = assess(number(values, "baseline"), time_of(values, "baseline_time"), number(values, "target"),
                    time_of(values, "target_time"), latest, latest_time, direction, survey.progress, decrease)
    return latest, latest_time, result


def number(values, key):
    value = values.get(key)
    return value.value if value is not None and isinstance(value.value, Decimal) else None


def time_of(values, key):
    value = values.get(key)
    return value.value if value is not None and hasattr(value.value, "point") else None


def _latest(values, actuals):
    latest, latest_time = number(values, "latest"), time_of(values, "latest_time")
    for record in actuals:
        value, time = number(record.values, "value"), time_of(record.values, "time")
        if value is None or time is None:
            continue
        if latest is None or latest_time is None or time.point > latest_time.point:
            latest, latest_time = value, time
    return latest, latest_time
