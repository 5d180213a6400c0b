"""One cell of a return, normalized by its column's type from the survey definition.

:func:`normalize_cell` turns what the reader gave (a str, number, date, error marker)
into a :class:`Value` that keeps the text as typed beside what it means, plus the
problem codes found.  It is one implementation: :func:`converter` builds, once per column
of a survey, a function from the table of parsers by type (:data:`PARSERS`), and
``check`` runs that function on every cell of a table.  Choice matching (with
suggestions) lives here too.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Callable, NamedTuple

from ..core.values import (
    NO_VALUE, is_no_value, parse_date, parse_number, parse_number_text, parse_time, split_qualifier, text_of
)
from ..reading.reader import CellError, NoCachedValue

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
_value = tuple.__new__  # _value(Value, (all six fields)): what parsers build per cell, cheaper
Convert = Callable[..., Value]  # f(raw, percent_cell=False, unit="") -> Value


def normalize_cell(raw, column, survey, *, unit: str = "", percent_cell: bool = False) -> Value:
    """*raw* (a cell as the reader gave it) as a :class:`Value` of *column*'s type."""
    return converter(column, survey)(raw, percent_cell, unit)


def converter(column, survey) -> Convert:
    """``f(raw, percent_cell=False, unit="") -> Value`` for *column*: made once per column
    and kept with the survey (:meth:`kpi_workbook.core.survey.Survey.derived`)."""
    return survey.derived(("converter", column), lambda: _converter(column, survey))


# --------------------------------------------------------------------------- parsers by type
# Each makes, for a column, ``parse(raw, typed, percent_cell, unit) -> Value``: *raw* is the
# cell (a str, or a number, date, bool), *typed* its text; empty cells, dashes and error
# markers never reach it.

def _text(column, survey):
    return lambda raw, typed, percent_cell, unit: _value(Value, (typed, typed.strip() or None, "", "", "", ""))


def _code(column, survey):
    def code(raw, typed, percent_cell, unit):
        text = typed.strip() if typed.isascii() else unicodedata.normalize("NFKC", typed).strip()  # ASCII: NFKC as is
        return _value(Value, (typed, text or None, "", "", "", ""))
    return code


def _number(column, survey):
    fixed = "%" if column.type == "percent" else column.unit

    def number(raw, typed, percent_cell, unit):
        if type(raw) is str:  # parse_number's text branch, directly
            parsed, problem, typed_unit = parse_number_text(raw, raw, fixed or unit)
        else:
            parsed, problem, typed_unit = parse_number(raw, fixed or unit, percent_cell)
        if parsed is None:
            return Value(typed, None, problem=problem or "NUMBER_INVALID", typed_unit=typed_unit)
        if problem == "NUMBER_QUALIFIED":  # the qualifier travels in the finding (suggestion)
            qualifier = split_qualifier(unicodedata.normalize("NFKC", str(typed)).replace(" ", ""))[1]
            return _value(Value, (typed, parsed.value, parsed.unit, problem, qualifier, typed_unit))
        return _value(Value, (typed, parsed.value, parsed.unit, problem or "", "", typed_unit))
    return number


def _time(column, survey):
    def time(raw, typed, percent_cell, unit):
        parsed, problem = parse_time(raw)
        return _value(Value, (typed, parsed, "", problem or "", "", ""))
    return time


def _date(column, survey):
    def date(raw, typed, percent_cell, unit):
        parsed, problem = parse_date(raw)
        return Value(typed, parsed, problem=problem or "")
    return date


def _choice_of(column, survey):
    codes = survey.choice_codes(column)
    known = frozenset(codes)

    def choice(raw, typed, percent_cell, unit):
        text = typed.strip()
        if text in known:
            return _value(Value, (typed, text, "", "", "", ""))
        return _choice(typed, codes, survey, column)
    return choice


PARSERS = {
    "text": _text, "longtext": _text, "code": _code,
    "number": _number, "amount": _number, "percent": _number, "measure": _number,
    "time": _time, "date": _date,
    "flag": lambda column, survey: lambda raw, typed, percent_cell, unit: _flag(typed),
    "choice": _choice_of,
    "multichoice": lambda column, survey: lambda raw, typed, percent_cell, unit: _multichoice(typed, column, survey),
}
DITTO = frozenset({"同上", "〃", "同左", "上に同じ", "左に同じ", "同", "″", "々"})  # "same as the cell above/left"
DITTO_LENGTH = 6  # characters: a cell longer than this is no ditto mark
_VERBATIM = frozenset({"text", "longtext", "code"})  # a dash there is text, not "no value"
# Kinds whose values repeat (choices, times, flags): a converter remembers what each
# text it saw became, up to MEMO_SIZE texts.
_MEMO_KINDS = frozenset({"choice", "multichoice", "time", "date", "flag"})
MEMO_SIZE = 4096


def _converter(column, survey) -> Convert:
    kind = column.type
    parse = PARSERS.get(kind, _text)(column, survey)
    verbatim = kind in _VERBATIM
    no_value = NO_VALUE.union(survey.no_value)

    def convert(raw, percent_cell=False, unit=""):
        if type(raw) is str:  # most cells
            if len(raw) <= DITTO_LENGTH and raw.strip() in DITTO:  # "same as above": never a value
                return Value(raw, None, problem="SAME_AS_ABOVE")
            if not verbatim:
                text = raw.strip()
                if not text or text in no_value:
                    return _value(Value, (raw, None, "", "", "", ""))
            return parse(raw, raw, percent_cell, unit)
        if raw is None:
            return EMPTY
        typed = text_of(raw)
        if isinstance(raw, NoCachedValue):
            return Value(typed, None, problem="FORMULA_NO_VALUE")
        if isinstance(raw, CellError):
            return Value(typed, None, problem="CELL_ERROR")
        if not verbatim and is_no_value(raw, survey.no_value):
            return Value(typed, None)
        return parse(raw, typed, percent_cell, unit)
    if kind not in _MEMO_KINDS:
        return convert
    memo: dict = {}

    def remembered(raw, percent_cell=False, unit=""):  # these kinds take no unit
        if type(raw) is not str:
            return convert(raw, percent_cell, unit)
        value = memo.get(raw)
        if value is None:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            value = memo[raw] = convert(raw)
        return value
    return remembered


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
        separator = _SPLIT.match(text, pos)
        if separator:
            pos = separator.end()
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
