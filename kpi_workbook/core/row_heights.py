"""How much room text takes on a printed sheet: rows whose height is set from their text.

Neither xlsxwriter nor every viewer sizes a row to wrapped text, so the sheets that print
long text (記入要領, 事務事業評価) set each row's height from the lines its text takes.
"""
from __future__ import annotations

import unicodedata

LINE = 14.0  # points: one line of 10–11 pt text


def text_lines(text, width: float) -> int:
    """Lines *text* takes wrapped in a cell *width* characters wide (Excel's unit: a
    full-width character takes two)."""
    room = max(int(width) - 1, 1)
    lines = 0
    for paragraph in str(text or "").split("\n"):
        units = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in paragraph)
        lines += max(1, -(-units // room))
    return lines


def row_height(texts_and_widths, padding: float = 4) -> float:
    """The height (points) of a row holding each (text, width) pair, wrapped."""
    return LINE * max([1] + [text_lines(text, width) for text, width in texts_and_widths]) + padding
