"""Invisible format characters never steer what a page shows."""
from kpi_workbook.core.shown_text import REPLACEMENT, visible


def test_bidi_controls_and_invisible_characters_are_shown_as_replacements():
    assert visible("熊本\u202e圏域") == f"熊本{REPLACEMENT}圏域"
    assert visible("a\u2066b\u2069c\u200bd\u00ade\ufeff") == "a" + REPLACEMENT + "b" + REPLACEMENT + "c" + REPLACEMENT + \
        "d" + REPLACEMENT + "e" + REPLACEMENT
    assert visible("家族\u200d👨") == "家族\u200d👨" and visible("2025") == "2025" and visible(2025) == 2025


def test_every_format_character_but_the_joiner_is_replaced():
    import sys
    import unicodedata
    cf = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf" and c != 0x200D]
    assert all(visible(ch) == REPLACEMENT for ch in cf)
