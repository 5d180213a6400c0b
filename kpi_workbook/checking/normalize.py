"""One cell of a return, normalized by its column's type from the survey definition.

:func:`normalize_cell` turns what the reader gave (a str, number, date, error marker)
into a :class:`Value` that keeps the text as typed beside what it means, plus the
problem codes found.  :func:`converter` is the same function for one column, with the
column's branch chosen once (``check`` runs it on every cell of a table).  Choice
matching (with suggestions) lives here too.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from typing import NamedTuple

from ..reading.reader import CellError, NoCachedValue
from ..core.values import NO_VALUE, is_no_value, parse_date, parse_number, parse_number_text, parse_time, text_of

_SPLIT = re.compile(r"[、，,・/／;；\s]+")
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
FLAG_TRUE = {"○", "〇", "◯", "o", "O", "1", "TRUE", "true", "✓", "✔", "レ", "有", "あり"}
FLAG_FALSE = {"×", "✕", "x", "X", "0", "FALSE", "false", "無", "なし"}


class Value(NamedTuple):
    """A tuple, not a dataclass: millions of these cross process boundaries (pickled)."""

    typed: str          # the text as the clerk typed it ("" when empty)
    value: object       # normalized: str, Decimal, Time, date, bool, tuple, or None
    unit: str = ""      # for numbers: the unit the value is in
    problem: str = ""   # findings code, "" when fine
    suggestion: str = ""
    typed_unit: str = ""

    @property
    def empty(self) -> bool:
        return self.value is None and not self.problem


EMPTY = Value("", None)
_value = tuple.__new__  # _value(Value, (all six fields)): what converters build per cell, cheaper


def normalize_cell(raw, column, survey, *, unit: str = "", percent_cell: bool = False) -> Value:
    if raw is None:
        return EMPTY
    if type(raw) is str:  # most cells: skip the checks for markers and other types
        typed = raw
    else:
        typed = text_of(raw)
        if isinstance(raw, NoCachedValue):
            return Value(typed, None, problem="FORMULA_NO_VALUE")
        if isinstance(raw, CellError):
            return Value(typed, None, problem="CELL_ERROR")
    kind = column.type
    if kind in ("text", "longtext"):
        return Value(typed, typed.strip() or None)
    if kind == "code":
        text = unicodedata.normalize("NFKC", typed).strip()
        return Value(typed, text or None)
    if type(raw) is str:  # empty, or a dash meaning "no value" (values.is_no_value, inline)
        text = raw.strip()
        if not text or text in NO_VALUE or text in survey.no_value:
            return Value(typed, None)
    elif is_no_value(raw, survey.no_value):
        return Value(typed, None)
    if kind in _NUMBER_KINDS:
        expected = "%" if kind == "percent" else (column.unit or unit)
        number, problem, typed_unit = parse_number(raw, expected, percent_cell)
        if number is None:
            return Value(typed, None, problem=problem or "NUMBER_INVALID", typed_unit=typed_unit)
        return Value(typed, number.value, number.unit, problem or "", "", typed_unit)
    if kind == "time":
        parsed, problem = parse_time(raw)
        return Value(typed, parsed, problem=problem or "")
    if kind == "date":
        parsed, problem = parse_date(raw)
        return Value(typed, parsed, problem=problem or "")
    if kind == "flag":
        return _flag(typed)
    if kind == "multichoice":
        return _multichoice(typed, column, survey)
    if kind == "choice":
        return _choice(typed, survey.choice_codes(column), survey, column)
    return Value(typed, typed.strip() or None)


_NUMBER_KINDS = frozenset({"number", "amount", "percent", "measure"})


# Kinds whose values repeat (choices, times, flags): a converter remembers what each
# text it saw became, up to MEMO_SIZE texts.  Converters are kept per survey and column.
_MEMO_KINDS = frozenset({"choice", "multichoice", "time", "date", "flag"})
MEMO_SIZE = 4096
_CONVERTERS: dict = {}  # (id(survey), column) -> (survey, converter): survey held, id safe


def converter(column, survey):
    """``f(raw, percent_cell=False, unit="") -> Value``: :func:`normalize_cell` for
    *column*.  Text cells take the column type's branch directly; anything else (numbers,
    dates, error markers) goes through :func:`normalize_cell` itself."""
    key = (id(survey), column)
    known = _CONVERTERS.get(key)
    if known is not None and known[0] is survey:
        return known[1]
    if len(_CONVERTERS) >= 1024:
        _CONVERTERS.clear()
    made = _converter(column, survey)
    _CONVERTERS[key] = (survey, made)
    return made


def _converter(column, survey):
    kind = column.type

    def general(raw, percent_cell=False, unit=""):
        return normalize_cell(raw, column, survey, unit=unit, percent_cell=percent_cell)
    if kind in ("text", "longtext"):
        def text(raw, percent_cell=False, unit=""):
            if type(raw) is str:
                return _value(Value, (raw, raw.strip() or None, "", "", "", ""))
            return general(raw, percent_cell, unit)
        return text
    if kind == "code":
        def code(raw, percent_cell=False, unit=""):
            if type(raw) is not str:
                return general(raw, percent_cell, unit)
            text = raw.strip() if raw.isascii() else unicodedata.normalize("NFKC", raw).strip()  # ASCII: NFKC as is
            return _value(Value, (raw, text or None, "", "", "", ""))
        return code
    parse = _text_parser(column, survey)
    if parse is None:
        return general
    no_value = NO_VALUE.union(survey.no_value)

    def typed_text(raw, percent_cell=False, unit=""):
        if type(raw) is not str:
            return general(raw, percent_cell, unit)
        text = raw.strip()
        if not text or text in no_value:
            return _value(Value, (raw, None, "", "", "", ""))
        return parse(raw, text, unit)
    if kind not in _MEMO_KINDS:
        return typed_text
    memo = {}

    def remembered(raw, percent_cell=False, unit=""):  # these kinds take no unit
        if type(raw) is not str:
            return general(raw, percent_cell, unit)
        value = memo.get(raw)
        if value is None:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            value = memo[raw] = typed_text(raw)
        return value
    return remembered


def _text_parser(column, survey):
    """``f(raw, stripped, unit) -> Value`` for a str that is not empty nor a dash."""
    kind = column.type
    if kind in _NUMBER_KINDS:
        fixed = "%" if kind == "percent" else column.unit

        def number(raw, text, unit):  # raw is a str: parse_number's text branch, directly
            parsed, problem, typed_unit = parse_number_text(raw, raw, fixed or unit)
            if parsed is None:
                return Value(raw, None, problem=problem or "NUMBER_INVALID", typed_unit=typed_unit)
            return _value(Value, (raw, parsed.value, parsed.unit, problem or "", "", typed_unit))
        return number
    if kind == "time":
        def time(raw, text, unit):
            parsed, problem = parse_time(raw)
            return _value(Value, (raw, parsed, "", problem or "", "", ""))
        return time
    if kind == "choice":
        codes = survey.choice_codes(column)
        known = frozenset(codes)

        def choice(raw, text, unit):
            if text in known:
                return _value(Value, (raw, text, "", "", "", ""))
            return _choice(raw, codes, survey, column)
        return choice
    if kind == "date":
        def date(raw, text, unit):
            parsed, problem = parse_date(raw)
            return Value(raw, parsed, problem=problem or "")
        return date
    if kind == "flag":
        return lambda raw, text, unit: _flag(raw)
    if kind == "multichoice":
        return lambda raw, text, unit: _multichoice(raw, column, survey)
    return None


def _flag(typed: str) -> Value:
    text = typed.strip()
    if text in FLAG_TRUE:
        return Value(typed, True)
    if text in FLAG_FALSE:
        return Value(typed, False)
    return Value(typed, None, problem="FLAG_INVALID")


def _key(text: str) -> str:
    """Comparison key: width-folded, no spaces or separators."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s\-ー‐・.．:：_]", "", text)


def _choice(typed: str, codes: list, survey, column) -> Value:
    text = typed.strip()
    taxonomy = survey.taxonomy if column.choices_from.startswith("taxonomy") else None
    if text in codes:
        return Value(typed, text)
    if taxonomy is not None:
        head = text.split(" ", 1)[0].split("　", 1)[0]
        if head in codes and text == taxonomy.display(head):
            return Value(typed, head)  # picked from the dropdown: "アb 産業クラスター…"
    normalized = unicodedata.normalize("NFKC", text).strip()
    for code in codes:
        label = taxonomy.get(code).label if taxonomy else ""
        if normalized in (code, label) or (taxonomy and normalized == unicodedata.normalize("NFKC", taxonomy.display(code))):
            return Value(typed, code, problem="CHOICE_NORMALIZED", suggestion=code)
    head = normalized.split(" ", 1)[0]
    by_key = {_key(c): c for c in codes}
    close = by_key.get(_key(head)) or by_key.get(_key(normalized))
    if close is None:
        candidates = difflib.get_close_matches(normalized, codes, n=1, cutoff=0.6)
        close = candidates[0] if candidates else ""
    return Value(typed, None, problem="CHOICE_INVALID", suggestion=close)


def _multichoice(typed: str, column, survey) -> Value:
    """Several choices joined by 、 , ・ / ; or white space (line breaks too).  A choice's
    own text is never cut, even where it holds a separator (「①デジタル化・DX」)."""
    choices = list(column.choices)
    picked, unknown = [], []
    for token in _choice_tokens(typed.strip(), choices):
        match = _match_viewpoint(token, choices)
        if match is None:
            unknown.append(token)
        elif match not in picked:
            picked.append(match)
    if unknown:
        return Value(typed, tuple(picked) or None, problem="CHOICE_INVALID",
                     suggestion="")
    return Value(typed, tuple(picked))


def _choice_tokens(text: str, choices: list) -> list:
    """*text* cut into tokens: at each place the longest choice written there (with or
    without its circled number) is one token; elsewhere a token runs to a separator."""
    whole = sorted({c for c in choices} | {c[1:] for c in choices if c[:1] in _CIRCLED and len(c) > 1},
                   key=len, reverse=True)
    tokens, pos = [], 0
    while pos < len(text):
        if _SPLIT.match(text, pos):
            pos = _SPLIT.match(text, pos).end()
            continue
        found = next((c for c in whole if text.startswith(c, pos) and _ends_token(text, pos + len(c))), None)
        if found is None:  # up to a separator, or to the next circled number (「①②」: two)
            stop = _SPLIT.search(text, pos)
            end = stop.start() if stop else len(text)
            circled = next((i for i in range(pos + 1, end) if text[i] in _CIRCLED), end)
            found = text[pos:circled]
        tokens.append(found)
        pos += len(found)
    return tokens


def _ends_token(text: str, end: int) -> bool:
    return end == len(text) or bool(_SPLIT.match(text, end)) or text[end] in _CIRCLED


def _match_viewpoint(token: str, choices: list):
    """Match ③, 3, ③業務の効率化 or 業務の効率化 against ["①…", "②…", ...]."""
    for choice in choices:
        if token == choice:
            return choice
    if token[0] in _CIRCLED:
        index = _CIRCLED.index(token[0])
    elif token.isdigit():
        index = int(unicodedata.normalize("NFKC", token)) - 1
    else:
        for choice in choices:
            if choice[1:] == token or (choice[0] in _CIRCLED and choice[1:].strip() == token.strip()):
                return choice
        return None
    for choice in choices:
        if choice and choice[0] in _CIRCLED and _CIRCLED.index(choice[0]) == index:
            return choice
    return None
