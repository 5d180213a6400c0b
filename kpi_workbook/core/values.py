"""The one value parser: numbers, units and times as municipal staff type them.

Every parse keeps the original text beside what it understood.  Text is normalized
field by field (never whole sheets) with an explicit table first, then NFKC: NFKC alone
leaves 〜 (U+301C), ‐ (U+2010), − (U+2212) and ー (typed as a minus) alone, and turns
① into 1, so circled numbers are never passed through it here.

Parsers return ``(result, problem)``: *problem* is a findings code (``NUMBER_INVALID``,
``TIME_INVALID``, ``UNIT_MISMATCH``...) or ``None``.  They never raise on bad input.
"""
from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

# Dashes a Japanese IME produces for a minus sign, and the accounting triangles.
_MINUS = "△▲−‐‑–—―ー－-"
_RANGE_TABLE = str.maketrans({"〜": "~", "～": "~", "∼": "~", "‐": "-", "‑": "-", "−": "-",
                              "–": "-", "—": "-", "―": "-", "ー": "-", "－": "-"})
NO_VALUE = frozenset({"-", "―", "－", "ー", "—", "–", "‐", "−"})
MULTIPLIERS = {"億": Decimal(100_000_000), "百万": Decimal(1_000_000), "万": Decimal(10_000),
               "千": Decimal(1_000)}
_NUMBER = re.compile(r"^(?P<sign>[-+]?)(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?P<rest>.*)$")
_PLAIN = re.compile(r"(-?)((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)")
_TRAILING_NOTE = re.compile(r"[(（][^()（）]*[)）]$")
_SPACED_DIGITS = re.compile(r"\d\s+[\d.]")
_UNIT_WORD = re.compile(r"[^\d\s]+(?:/[^\d\s]+)?")

ERAS = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018,
        "M": 1867, "T": 1911, "S": 1925, "H": 1988, "R": 2018}
# The last year of each era; 平成 is open to 45 because plans written before 2019 set
# targets as 平成32年度 (= 2020) and later, and those documents are still in use.
ERA_LENGTH = {1867: 45, 1911: 15, 1925: 64, 1988: 45, 2018: 99}
_ERA = r"(?P<era>明治|大正|昭和|平成|令和|[MTSHR])(?P<ey>\d{1,2}|元)"
_SEP = r"(?:年|\.|/|-)"
_TIME_PATTERNS = [
    ("date", re.compile(rf"^{_ERA}{_SEP}(?P<m>\d{{1,2}})(?:月|\.|/|-)(?P<d>\d{{1,2}})日?$")),
    ("month", re.compile(rf"^{_ERA}{_SEP}(?P<m>\d{{1,2}})月?$")),
    ("fy", re.compile(rf"^{_ERA}(?:年度|度)?$")),
    ("year", re.compile(rf"^{_ERA}年$")),
    ("date", re.compile(r"^(?P<y>\d{4})(?:年|\.|/|-)(?P<m>\d{1,2})(?:月|\.|/|-)(?P<d>\d{1,2})日?$")),
    ("month", re.compile(r"^(?P<y>\d{4})(?:年|\.|/|-)(?P<m>\d{1,2})月?$")),
    ("fy", re.compile(r"^(?:FY)?(?P<y>\d{4})(?:年度|度)?$")),
    ("year", re.compile(r"^(?P<y>\d{4})年$")),
]
_SUFFIXES = ("末時点", "末日", "末現在", "現在", "時点", "末", "まで", "実績", "見込み", "見込", "頃")
YEAR_RANGE = (1900, 2100)


_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_TENS = {"十": 10, "百": 100, "千": 1000}
_KANJI_MYRIADS = {"万": 10_000, "億": 100_000_000}
_KANJI_CHARS = frozenset("〇零一二三四五六七八九十百千万億")


def kanji_numerals(text: str) -> str:
    """*text* with each run of kanji numerals written in digits, as official writing has
    them: 令和二年度 → 令和2年度, 平成二十七年度 → 平成27年度, 二〇二〇年度 → 2020年度, 千二百人 →
    1200人.  A run of 千, 万 and 億 alone (the 万 of 「1.5万人」, the 千 of 「千円」) is a unit, left."""
    if _KANJI_CHARS.isdisjoint(text):
        return text
    return re.sub("[〇零一二三四五六七八九十百千万億]+", lambda m: _kanji_run(m.group(0)), text)


def _kanji_run(run: str) -> str:
    if not any(ch in _KANJI_DIGITS or ch in "十百" for ch in run):  # 千, 万, 億 alone: a unit (千円, 万人)
        return run
    if all(ch in _KANJI_DIGITS for ch in run):  # 二〇二〇: digit by digit
        return "".join(str(_KANJI_DIGITS[ch]) for ch in run)
    total = section = 0
    digit: int | None = None
    for ch in run:
        if ch in _KANJI_DIGITS:
            if digit is not None:  # two digits in a row in a positional number: not a numeral
                return run
            digit = _KANJI_DIGITS[ch]
        elif ch in _KANJI_TENS:
            section += (1 if digit is None else digit) * _KANJI_TENS[ch]
            digit = None
        else:
            total += (section + (digit or 0)) * _KANJI_MYRIADS[ch]
            section, digit = 0, None
    return str(total + section + (digit or 0))


def clean(text: str) -> str:
    """NFKC for one field, after mapping the characters NFKC gets wrong for us."""
    return unicodedata.normalize("NFKC", text.translate(_RANGE_TABLE)).strip()


def label_key(value) -> str:
    """How header labels are compared: width-folded, without any white space."""
    if not isinstance(value, str):
        return ""
    return "".join(unicodedata.normalize("NFKC", value).split())


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def is_no_value(value, extra=()) -> bool:
    """Empty, or a dash meaning "no value" (seed 004: 「ない場合は「-」」)."""
    if is_blank(value):
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    return text in NO_VALUE or text in extra


def text_of(value) -> str:
    """A cell value as the clerk sees it: 1084.0 -> "1084", dates as ISO text."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- numbers

class Number(NamedTuple):
    """A tuple, not a dataclass: one is made for every number cell (cheaper to build)."""
    value: Decimal
    unit: str  # the unit the value is expressed in (the expected unit when it matched)
    raw: str


_number = tuple.__new__  # _number(Number, (value, unit, raw)): the commonest number, built directly


@functools.lru_cache(maxsize=256)
def _unit_text(unit: str) -> str:
    """A unit as compared: NFKC, stripped (units repeat: worked out once each)."""
    return unicodedata.normalize("NFKC", unit).strip()


def _split_multiplier(unit: str) -> tuple[Decimal, str]:
    for prefix, factor in MULTIPLIERS.items():
        if unit.startswith(prefix) and len(unit) > len(prefix):
            return factor, unit[len(prefix):]
    return Decimal(1), unit


def parse_number(value, expected_unit: str = "", percent_cell: bool = False):
    """Parse a number; return ``(Number | None, problem | None, typed_unit)``."""
    if type(value) is str:
        return parse_number_text(value, value, expected_unit)
    raw = text_of(value)
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return None, "NUMBER_INVALID", ""
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            return None, "NUMBER_INVALID", ""
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if percent_cell:
            number *= 100
            return Number(_tidy(number), "%", raw), _unit_problem("%", expected_unit), "%"
        return Number(_tidy(number), expected_unit, raw), None, ""
    return parse_number_text(str(value), raw, expected_unit)


def parse_number_text(value: str, raw: str, expected_unit: str):
    """:func:`parse_number` of the str *value* (*raw*: the text as typed)."""
    text = value.strip()
    if text.isdigit() and text.isascii():  # "500": the most common number, as below
        return _number(Number, (Decimal(text), _unit_text(expected_unit or ""), raw)), None, ""
    plain = _PLAIN.fullmatch(text) if text.isascii() else None
    if plain:  # "1,000", "-5", "0.5": most typed numbers, same result as below
        sign, digits = plain.groups()
        digits = digits.replace(",", "")
        if "." not in digits:  # a whole number: already what _tidy makes (-0 is 0)
            number = Decimal(-int(digits)) if sign else Decimal(digits)
            return _number(Number, (number, _unit_text(expected_unit or ""), raw)), None, ""
        number = Decimal(digits)
        return _apply_unit(-number if sign else number, "", expected_unit, raw)
    if not plain and not text.isascii():  # "１２０", "－５": wide digits, often typed
        folded = unicodedata.normalize("NFKC", text)
        if folded.isascii() and (folded.isdigit() or _PLAIN.fullmatch(folded)):
            return parse_number_text(folded, raw, expected_unit)  # the same as below, sooner
    if text[:1] and text[0] in _MINUS:
        text = "-" + text[1:].lstrip()
    text = kanji_numerals(unicodedata.normalize("NFKC", text))
    if _SPACED_DIGITS.search(text):  # "12 11 01" is a code, not a number
        return None, "NUMBER_INVALID", ""
    text = text.replace(" ", "")
    text, qualifier = split_qualifier(text)
    match = _NUMBER.match(text)
    if not match:
        return None, "NUMBER_INVALID", ""
    try:
        number = Decimal(match.group("num").replace(",", ""))
    except InvalidOperation:
        return None, "NUMBER_INVALID", ""
    if match.group("sign") == "-":
        number = -number
    unit = match.group("rest").strip()
    if unit and not _UNIT_WORD.fullmatch(unit):
        return None, "NUMBER_INVALID", unit
    parsed, problem, unit = _apply_unit(number, unit, expected_unit, raw)
    return parsed, problem or ("NUMBER_QUALIFIED" if qualifier else None), unit


# Words that make a figure not a plain figure: an estimate, a bound, a provisional value, a note mark.
QUALIFIERS = ("見込み", "見込", "暫定値", "暫定", "速報値", "速報", "推計値", "推計", "概数", "程度", "以上", "以下",
              "未満", "前後", "超", "約", "概ね", "およそ", "※")
_LEADING = ("約", "概ね", "およそ", "※")


def split_qualifier(text: str) -> tuple[str, str]:
    """``(the figure, its qualifiers)`` of a typed figure (NFKC, no spaces): a note in
    parentheses, a qualifier word before or after it, or on a line of its own
    (「1,084人（見込み）」, 「72⏎（暫定値）」, 「約1,000」, 「1,500人以上」, 「66※」); a unit on a second
    line is the figure's (「1,500⏎件」 reads as 「1,500件」), and a time in parentheses says when
    (「189件(R2.3)」), not what."""
    lines = [line for line in text.replace("\r", "").split("\n") if line]
    head, found = (lines[0] if lines else ""), []
    for extra in lines[1:]:
        if _TRAILING_NOTE.fullmatch(extra) or any(word in extra for word in QUALIFIERS):
            found.append(extra)
        else:
            head += extra  # a unit, an era or a year written below
    while head:
        note = _TRAILING_NOTE.search(head)
        if note:
            if parse_time(note.group(0)[1:-1])[0] is None:  # 「189件(R2.3)」: when, not a qualifier
                found.append(note.group(0)[1:-1])
            head = head[:note.start()]
            continue
        word = next((w for w in QUALIFIERS if head.endswith(w) and len(head) > len(w)), None)
        if word is None:
            word = next((w for w in _LEADING if head.startswith(w) and len(head) > len(w)), None)
            if word is None:
                break
            head = head[len(word):]
        else:
            head = head[:-len(word)]
        found.append(word)
    return head, "・".join(q.strip("()（）") for q in found)


def _apply_unit(number: Decimal, unit: str, expected: str, raw: str):
    expected = _unit_text(expected or "")
    if not unit or unit == expected:
        return Number(_tidy(number), expected, raw), None, unit
    factor, base = _split_multiplier(unit)
    want_factor, want_base = _split_multiplier(expected) if expected else (Decimal(1), "")
    if unit in MULTIPLIERS:  # "1.5万" with no unit word
        factor, base = MULTIPLIERS[unit], want_base
    if base == want_base or (not expected and base == ""):
        return Number(_tidy(number * factor / want_factor), expected, raw), None, unit
    if not expected:
        return Number(_tidy(number * factor), base, raw), None, unit
    return Number(_tidy(number * factor), base, raw), "UNIT_MISMATCH", unit


def figure_text(number: Decimal) -> str:
    """A figure as a message writes it: 1,084, 0.5 (no trailing zeros)."""
    return f"{number:,f}".rstrip("0").rstrip(".") if number != number.to_integral_value() else f"{int(number):,}"


def _unit_problem(unit: str, expected: str) -> str | None:
    return None if not expected or expected == unit else "UNIT_MISMATCH"


def _tidy(number: Decimal) -> Decimal:
    """Drop a meaningless exponent/trailing zeros: 1084.0 -> 1084, 0.50 -> 0.5."""
    if number == number.to_integral_value():
        return Decimal(int(number))
    return number.normalize()


# --------------------------------------------------------------------------- times

class Time(NamedTuple):
    kind: str  # "fy" | "year" | "month" | "date" | "period"
    start: dt.date
    end: dt.date
    raw: str

    @property
    def point(self) -> dt.date:
        """The date a value "as of" this time refers to: the end of the period."""
        return self.end

    @property
    def is_period(self) -> bool:
        return self.kind == "period"

    @property
    def fiscal_year(self) -> int:
        """The fiscal year the time ends in (April–March)."""
        return fiscal_year_of(self.end)

    @property
    def label(self) -> str:
        return _time_label(self.kind, self.start, self.end)

    @property
    def wareki(self) -> str:
        """The time in the Japanese era, as seed 004 writes years (「令和2年度」,
        「平成27年度～令和元年度」, 「令和3年3月」)."""
        return _time_wareki(self.kind, self.start, self.end)

    def shown(self, calendar: str) -> str:
        """The time in the survey's calendar: :attr:`wareki` for 和暦, else :attr:`label`."""
        return self.wareki if calendar == WAREKI else self.label

    def to_dict(self) -> dict:
        return {"kind": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "label": self.label}


@functools.lru_cache(maxsize=4096)
def _time_label(kind: str, start: dt.date, end: dt.date) -> str:
    """A time as the summary shows it (「2023年度」); times repeat, each is worded once."""
    if kind == "fy":
        return f"{start.year}年度"
    if kind == "year":
        return f"{start.year}年"
    if kind == "month":
        return f"{start.year}年{start.month}月"
    if kind == "date":
        return f"{start.year}年{start.month}月{start.day}日"
    return f"{fiscal_year_of(start)}～{fiscal_year_of(end)}年度"


# The first day of each era, newest first (a fiscal or calendar year takes the era of its
# first of April or January: 2019年度 is 令和元年度, 1989年 is 平成元年).
_ERA_STARTS = ((dt.date(2019, 5, 1), "令和"), (dt.date(1989, 1, 8), "平成"), (dt.date(1926, 12, 25), "昭和"),
               (dt.date(1912, 7, 30), "大正"), (dt.date(1868, 1, 25), "明治"))


def era_year(day: dt.date, whole_year: bool = False) -> str:
    """「令和2」 for a date (「令和元」 in an era's first year); with *whole_year*, the era
    the year is counted in (its new era's, even before the era began that year)."""
    for start, era in _ERA_STARTS:
        if day >= start or (whole_year and day.year == start.year):
            n = day.year - start.year + 1
            return f"{era}{'元' if n == 1 else n}"
    return str(day.year)


_ERA_INITIALS = {"明治": "M", "大正": "T", "昭和": "S", "平成": "H", "令和": "R"}


def short_year(fiscal_year: int, calendar: str) -> str:
    """A fiscal year in few characters, as an axis shows it: R1, H30 (和暦) or 2019."""
    if calendar != WAREKI:
        return str(fiscal_year)
    era = era_year(dt.date(fiscal_year, 4, 1), True)
    if era[:2] not in _ERA_INITIALS:
        return str(fiscal_year)
    return f"{_ERA_INITIALS[era[:2]]}{1 if era[2:] == '元' else era[2:]}"


@functools.lru_cache(maxsize=4096)
def _time_wareki(kind: str, start: dt.date, end: dt.date) -> str:
    if kind == "fy":
        return f"{era_year(start, True)}年度"
    if kind == "year":
        return f"{era_year(start, True)}年"
    if kind == "month":
        return f"{era_year(end)}年{start.month}月"
    if kind == "date":
        return f"{era_year(start)}年{start.month}月{start.day}日"
    first, last = fiscal_year_of(start), fiscal_year_of(end)
    return f"{era_year(dt.date(first, 4, 1), True)}年度～{era_year(dt.date(last, 4, 1), True)}年度"


WAREKI = "和暦"  # a definition's [survey] calendar: 和暦 or 西暦


def time_in(text, calendar: str) -> str:
    """A time written as a CSV or a clerk writes it (2016年度, H28) in the survey's
    calendar; anything that is not a time is returned as it is."""
    if text is None or text != text or text == "":
        return ""
    time, _ = parse_time(str(text))
    return time.shown(calendar) if time is not None else str(text)


def date_in(day: dt.date, calendar: str) -> str:
    """A day in the survey's calendar: 令和8年12月5日 or 2026年12月5日."""
    return _time_wareki("date", day, day) if calendar == WAREKI else _time_label("date", day, day)


def fiscal_year_of(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _fy(year: int, raw: str) -> Time:
    return Time("fy", dt.date(year, 4, 1), dt.date(year + 1, 3, 31), raw)


def parse_time(value):
    """Parse a fiscal year, year, month, date or period; return ``(Time | None, problem)``."""
    if type(value) is str:
        return _parse_time_text(value)
    raw = text_of(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return Time("date", value, value, raw), None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None, "TIME_INVALID"
    if isinstance(value, (int, float)):
        if float(value).is_integer() and YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
            return _fy(int(value), raw), None
        return None, "TIME_INVALID"
    return _parse_time_text(str(value))  # a str subclass


@functools.lru_cache(maxsize=4096)
def _parse_time_text(value: str):
    """A time as typed ("R5", "令和5年度", "H27～29"): a time column holds a handful of
    distinct texts in any round (fiscal years, months), so each is parsed once; the
    result is immutable (Time is a tuple)."""
    if value.isascii() and value.isalnum():  # "R5", "H28", "FY2023"
        single = _parse_point(value, value)
        return (single, None) if single is not None else (None, "TIME_INVALID")
    if "\n" in value or "\r" in value:  # after Alt+Enter: the 西暦 below its 和暦, or a month below its year
        return _time_lines(value)
    text = kanji_numerals(clean(value).replace(" ", ""))
    text = re.sub(r"^[(]|[)]$", "", text)
    text = text.replace("から", "~")
    for suffix in _SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    single = _parse_point(text, value)
    if single is not None:
        return single, None
    for sep in ("~", "-"):
        if sep in text:
            left, _, right = text.partition(sep)
            a, b = _parse_point(left, value), _parse_point(_inherit_era(left, right), value)
            if a and b and a.start <= b.end:
                return Time("period", a.start, b.end, value), None
    return None, "TIME_INVALID"


def _time_lines(value: str):
    """A time typed on several lines: 「令和5年度⏎（2023年度）」 is 令和5年度 when both say
    the same year (else it cannot be read); 「令和5年⏎3月」 reads as on one line."""
    lines = [line.strip() for line in value.replace("\r", "").split("\n") if line.strip()]
    if not lines:
        return None, "TIME_INVALID"
    first, _ = _parse_time_text(lines[0])
    rest = [clean(line).strip("()（）") for line in lines[1:]]
    if first is not None and rest and all(_parse_time_text(line)[0] is not None for line in rest):
        same = all(_same_year(first, _parse_time_text(line)[0]) for line in rest)
        return (Time(first.kind, first.start, first.end, value), None) if same else (None, "TIME_INVALID")
    return _parse_time_text("".join(lines))


def _same_year(a, b) -> bool:
    """Whether *b* (2023, 2023年度) restates the time *a* (令和5年度): it covers it."""
    return b.start <= a.start and a.end <= b.end or (a.start, a.end) == (b.start, b.end)


def _inherit_era(left: str, right: str) -> str:
    """'H27~29' means H27~H29."""
    if right.isdigit() and len(right) <= 2:
        match = re.match(r"^(明治|大正|昭和|平成|令和|[MTSHR])", left)
        if match:
            return match.group(1) + right
    return right


def _parse_point(text: str, raw: str):
    for kind, pattern in _TIME_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        groups = match.groupdict()
        year = _year(groups)
        if year is None or not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
            return None
        try:
            if kind == "fy":
                return _fy(year, raw)
            if kind == "year":
                return Time("year", dt.date(year, 1, 1), dt.date(year, 12, 31), raw)
            month = int(groups["m"])
            if kind == "month":
                last = calendar.monthrange(year, month)[1]
                return Time("month", dt.date(year, month, 1), dt.date(year, month, last), raw)
            day = dt.date(year, month, int(groups["d"]))
            return Time("date", day, day, raw)
        except ValueError:
            return None
    return None


def _year(groups: dict) -> int | None:
    if groups.get("y"):
        return int(groups["y"])
    base = ERAS[groups["era"]]
    number = 1 if groups["ey"] == "元" else int(groups["ey"])
    if number < 1 or number > ERA_LENGTH[base]:
        return None
    return base + number


def parse_date(value):
    """A single day (回答日); return ``(date | None, problem)``."""
    parsed, problem = parse_time(value)
    if parsed is None or parsed.kind != "date":
        return None, "DATE_INVALID"
    return parsed.start, None
