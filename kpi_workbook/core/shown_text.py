"""Text shown to people exactly as written, with nothing invisible steering it.

A name typed into a return or a roster may carry bidirectional controls (U+202E RIGHT-TO-
LEFT OVERRIDE turns the rest of a line around) or other invisible format characters. Where
such text is shown — the site's pages and charts — :func:`visible` replaces each with
U+FFFD, so a page reads as it was written and the reader sees that something was there.
The zero-width joiner (U+200D, inside emoji sequences) is kept.
"""
from __future__ import annotations

import re

# Unicode's format characters (category Cf) but the zero-width joiner, written out so that
# importing this costs nothing (tests/test_shown_text.py checks it against unicodedata).
_INVISIBLE = re.compile(
    "[\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890-\u0891\u08E2\u180E\u200B-\u200C\u200E-\u200F\u202A-\u202E"
    "\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB\U000110BD\U000110CD\U00013430-\U00013438\U0001BCA0-\U0001BCA3"
    "\U0001D173-\U0001D17A\U000E0001\U000E0020-\U000E007F]")
REPLACEMENT = "\ufffd"


def visible(value):
    """*value* with every invisible format character replaced (a non-str as it is)."""
    if type(value) is str and _INVISIBLE.search(value):
        return _INVISIBLE.sub(REPLACEMENT, value)
    return value


def all_visible(texts: list) -> bool:
    """Whether none of *texts* (str) has an invisible format character: one search for all."""
    return not _INVISIBLE.search("".join(texts))
