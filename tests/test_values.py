"""The value parser against every row of domain.md's "Values as staff type them"."""
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from kpi_workbook.core.values import is_no_value, parse_date, parse_number, parse_time


@pytest.mark.parametrize("typed, unit, value", [
    ("772", "人", "772"), ("1,084", "人", "1084"), ("１，０８４", "人", "1084"),
    ("23,878人/日", "人/日", "23878"), ("270施設", "施設", "270"), ("141件", "件", "141"),
    ("△5", "", "-5"), ("▲5", "", "-5"), ("-5", "", "-5"), ("－5", "", "-5"),
    ("ー5", "", "-5"), ("−5", "", "-5"), ("‐5", "", "-5"),
    ("77.8%", "%", "77.8"), ("2.1億円", "円", "210000000"), ("2.1億円", "千円", "210000"),
    ("312千円", "千円", "312"), ("312千円", "円", "312000"), ("1.5万人", "人", "15000"),
    (1084.0, "人", "1084"), (0.5, "", "0.5"), ("189件(R2.3)", "件", "189"),
])
def test_numbers(typed, unit, value):
    number, problem, _ = parse_number(typed, unit)
    assert problem is None and number.value == Decimal(value)
    assert number.raw == (typed if isinstance(typed, str) else number.raw)


def test_percent_formatted_cell_is_a_ratio():
    number, problem, _ = parse_number(0.778, "%", percent_cell=True)
    assert problem is None and number.value == Decimal("77.8") and number.unit == "%"


@pytest.mark.parametrize("typed, unit, typed_unit", [("23,878人/日", "人", "人/日"), ("270施設", "件", "施設")])
def test_unit_mismatch_is_reported_with_value_kept(typed, unit, typed_unit):
    number, problem, got_unit = parse_number(typed, unit)
    assert problem == "UNIT_MISMATCH" and got_unit == typed_unit and number.value > 0


@pytest.mark.parametrize("typed", ["abc", "1,0,8", "12 11 01", "1.2.3", "", "人"])
def test_not_numbers(typed):
    assert parse_number(typed, "")[1] == "NUMBER_INVALID"


@pytest.mark.parametrize("typed", ["-", "―", "－", "", None, "  "])
def test_no_value_markers(typed):
    assert is_no_value(typed)


@pytest.mark.parametrize("typed, kind, start, end", [
    ("H27", "fy", "2015-04-01", "2016-03-31"), ("平成27年度", "fy", "2015-04-01", "2016-03-31"),
    ("H27年度", "fy", "2015-04-01", "2016-03-31"), ("R1", "fy", "2019-04-01", "2020-03-31"),
    ("R元", "fy", "2019-04-01", "2020-03-31"), ("令和元年度", "fy", "2019-04-01", "2020-03-31"),
    ("平成31年度", "fy", "2019-04-01", "2020-03-31"),
    ("R2", "fy", "2020-04-01", "2021-03-31"), ("令和2年度", "fy", "2020-04-01", "2021-03-31"),
    ("2020年度", "fy", "2020-04-01", "2021-03-31"), ("2020", "fy", "2020-04-01", "2021-03-31"),
    (2020, "fy", "2020-04-01", "2021-03-31"), ("㍻27年度", "fy", "2015-04-01", "2016-03-31"),
    ("R2.3", "month", "2020-03-01", "2020-03-31"), ("令和2年3月", "month", "2020-03-01", "2020-03-31"),
    ("2020/3", "month", "2020-03-01", "2020-03-31"), ("R2.3末", "month", "2020-03-01", "2020-03-31"),
    (dt.date(2020, 3, 31), "date", "2020-03-31", "2020-03-31"),
    (dt.datetime(2020, 3, 31), "date", "2020-03-31", "2020-03-31"),
    ("H27~R1", "period", "2015-04-01", "2020-03-31"), ("H27〜R1", "period", "2015-04-01", "2020-03-31"),
    ("H27-R1", "period", "2015-04-01", "2020-03-31"), ("H27～R1", "period", "2015-04-01", "2020-03-31"),
    ("H27からR1", "period", "2015-04-01", "2020-03-31"),
    ("（2017年10月1日現在）", "date", "2017-10-01", "2017-10-01"),
    ("S47", "fy", "1972-04-01", "1973-03-31"), ("昭和47年度", "fy", "1972-04-01", "1973-03-31"),
])
def test_times(typed, kind, start, end):
    parsed, problem = parse_time(typed)
    assert problem is None, typed
    assert (parsed.kind, parsed.start.isoformat(), parsed.end.isoformat()) == (kind, start, end)


def test_march_2020_lies_in_fiscal_2019():
    assert parse_time("R2.3")[0].fiscal_year == 2019
    assert parse_time("R2")[0].fiscal_year == 2020


@pytest.mark.parametrize("typed", ["x", "H", "R0", "S65", "2020/13", "R2.2.30", "H27~", 12345, True])
def test_not_times(typed):
    assert parse_time(typed) == (None, "TIME_INVALID")


def test_dates():
    assert parse_date("令和8年10月31日") == (dt.date(2026, 10, 31), None)
    assert parse_date("2026/10/31") == (dt.date(2026, 10, 31), None)
    assert parse_date("R8") == (None, "DATE_INVALID")


ERAS = [("H", 1988, 31), ("R", 2018, 12), ("S", 1925, 64), ("平成", 1988, 31), ("令和", 2018, 12)]


@settings(max_examples=300, derandomize=True)
@given(st.sampled_from(ERAS), st.integers(1, 64), st.sampled_from(["", "年度"]))
def test_era_fiscal_years_round_trip(era, number, suffix):
    name, base, last = era
    number = min(number, last)
    parsed, problem = parse_time(f"{name}{number}{suffix}")
    assert problem is None and parsed.kind == "fy" and parsed.start.year == base + number


@settings(max_examples=300, derandomize=True)
@given(st.integers(-10**15, 10**15), st.sampled_from(["", "人", "件"]), st.booleans(), st.booleans())
def test_integers_round_trip(n, unit, commas, wide):
    text = f"{abs(n):,}" if commas else str(abs(n))
    if wide:
        text = text.translate(str.maketrans("0123456789,", "０１２３４５６７８９，"))
    text = ("△" if n < 0 else "") + text + unit
    number, problem, _ = parse_number(text, unit)
    assert problem is None and number.value == n


@settings(max_examples=500, derandomize=True)
@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=True), st.none(), st.booleans()))
def test_garbage_never_raises(value):
    number, problem, _ = parse_number(value, "人")
    assert number is not None or problem in ("NUMBER_INVALID", "UNIT_MISMATCH")
    parsed, problem = parse_time(value)
    assert parsed is not None or problem == "TIME_INVALID"


def _era(year: int):
    for name, base in (("R", 2018), ("H", 1988), ("S", 1925)):
        if year > base:
            return name, year - base
    raise ValueError(year)


@settings(max_examples=300, derandomize=True)
@given(st.integers(1950, 2060), st.integers(1, 12), st.integers(0, 6))
def test_every_time_style_round_trips(year, month, style):
    era, number = _era(year)
    kanji = {"R": "令和", "H": "平成", "S": "昭和"}[era]
    shown = "元" if number == 1 else str(number)
    fy_styles = [f"{era}{number}", f"{kanji}{shown}年度", f"{era}{number}年度", f"{year}年度", f"{year}",
                 f"FY{year}", f"{era}{number}".translate(str.maketrans("0123456789", "０１２３４５６７８９"))]
    parsed, problem = parse_time(fy_styles[style])
    assert problem is None and parsed.kind == "fy" and parsed.start == dt.date(year, 4, 1)
    month_styles = [f"{era}{number}.{month}", f"{kanji}{shown}年{month}月", f"{year}/{month}", f"{era}{number}.{month}末",
                    f"{year}年{month}月", f"{year}.{month}", f"{era}{number}.{month}現在"]
    parsed, problem = parse_time(month_styles[style])
    assert problem is None and parsed.kind == "month" and (parsed.start.year, parsed.start.month) == (year, month)
    assert parsed.fiscal_year == (year if month >= 4 else year - 1)
    period = f"{fy_styles[0]}{'~〜～-'[style % 4]}{_era(year + 3)[0]}{_era(year + 3)[1]}"
    parsed, problem = parse_time(period)
    assert problem is None and parsed.kind == "period"
    assert (parsed.start, parsed.end) == (dt.date(year, 4, 1), dt.date(year + 4, 3, 31))


@settings(max_examples=300, derandomize=True)
@given(st.decimals(min_value=-10**9, max_value=10**9, places=3, allow_nan=False, allow_infinity=False),
       st.sampled_from(["", "%", "人", "千円"]))
def test_decimals_round_trip(value, unit):
    text = f"{value:,}{unit}" if value >= 0 else f"△{-value:,}{unit}"
    number, problem, _ = parse_number(text, unit)
    assert problem is None and number.value == value


@pytest.mark.parametrize("typed, value, qualifier", [
    ("1,084人（見込み）", "1084", "見込み"), ("72\n（暫定値）", "72", "暫定値"), ("約1,000人", "1000", "約"),
    ("1,500人以上", "1500", "以上"), ("66※", "66", "※"), ("※66", "66", "※"), ("3,000人程度", "3000", "程度"),
    ("12 (速報)", "12", "速報"), ("５０未満", "50", "未満"),
])
def test_a_qualified_figure_is_read_with_its_qualifier_never_as_a_plain_one(typed, value, qualifier):
    import unicodedata

    from kpi_workbook.core.values import split_qualifier
    number, problem, _ = parse_number(typed, "人")
    assert (str(number.value), problem) == (value, "NUMBER_QUALIFIED")
    assert split_qualifier(unicodedata.normalize("NFKC", typed).replace(" ", ""))[1] == qualifier


def test_a_unit_on_a_second_line_reads_as_on_one_line():
    one, two = parse_number("1,500件", "件"), parse_number("1,500\n件", "件")
    assert (two[0].value, two[0].unit, two[1]) == (one[0].value, one[0].unit, None)


@pytest.mark.parametrize("typed, label", [
    ("令和二年度", "2020年度"), ("平成二十七年度", "2015年度"), ("令和元年度末", "2019年度"), ("二〇二〇年度", "2020年度"),
    ("令和十年度", "2028年度"), ("令和三年三月", "2021年3月"), ("平成二十七年度～令和元年度", "2015～2019年度"),
])
def test_years_in_kanji_numerals_are_read(typed, label):
    assert parse_time(typed)[0].label == label


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.integers(1, 99_999_999))
def test_figures_in_kanji_numerals_read_as_written_in_digits(n):
    """A figure written the way official texts write it (千二百, 三万五千六十) reads as its digits."""
    digits = "〇一二三四五六七八九"

    def kanji(number: int) -> str:
        out = ""
        for unit, word in ((10_000, "万"), (1000, "千"), (100, "百"), (10, "十")):
            count, number = divmod(number, unit)
            if count:
                out += (kanji(count) if unit == 10_000 else ("" if count == 1 and unit < 10_000 else digits[count])) + word
        return out + (digits[number] if number else "")
    written = kanji(n)
    written = written if any(ch not in "千万" for ch in written) else "一" + written  # 千 alone is 千円's unit: 一千
    assert parse_number(written, "")[0].value == n


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.sampled_from(["令和", "平成"]), st.integers(1, 30), st.booleans())
def test_era_years_in_kanji_read_as_in_digits(era, year, month):
    tens, ones = divmod(year, 10)
    kanji = ("" if tens == 0 else ("" if tens == 1 else "〇一二三四五六七八九"[tens]) + "十") + ("" if ones == 0 else "〇一二三四五六七八九"[ones])
    tail = "年三月" if month else "年度"
    read, plain = parse_time(f"{era}{kanji}{tail}")[0], parse_time(f"{era}{year}{tail.replace('三', '3')}")[0]
    assert (read.kind, read.start, read.end) == (plain.kind, plain.start, plain.end)


def test_a_time_with_its_western_year_below_reads_as_one_and_a_conflict_is_not_read():
    assert parse_time("令和5年度\n（2023年度）")[0].label == "2023年度"
    assert parse_time("R5\n(2023)")[0].label == "2023年度"
    assert parse_time("令和5年\n3月")[0].label == "2023年3月"
    assert parse_time("令和5年度\n（2024年度）") == (None, "TIME_INVALID")
