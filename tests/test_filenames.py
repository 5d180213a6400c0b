"""File names from region names are safe on Windows and POSIX."""
import pytest

from kpi_workbook.core.errors import OutputError
from kpi_workbook.core.filenames import inside, region_filename, safe_stem


@pytest.mark.parametrize("text", ['a/b', 'a\\b', 'a:b', 'a*b', 'a?b', 'a"b', 'a<b', 'a>b', 'a|b', "a\x00b", "a\nb"])
def test_unsafe_characters_are_replaced(text):
    stem = safe_stem(text)
    assert stem == "a_b" or stem == "a b"
    assert not any(ch in stem for ch in '/\\:*?"<>|\x00\n')


@pytest.mark.parametrize("name", ["CON", "con", "PRN", "AUX", "NUL", "COM1", "LPT9", "con.txt"])
def test_reserved_windows_names(name):
    assert safe_stem(name).startswith("_")


def test_dots_length_and_empty():
    assert ".." not in safe_stem("../../etc/passwd")
    assert safe_stem("...") == "_" and safe_stem("") == "_"
    assert not safe_stem("name. ").endswith((".", " "))
    assert len(safe_stem("長" * 500)) <= 80
    assert region_filename("R01", "熊本連携中枢都市圏") == "R01_熊本連携中枢都市圏.xlsx"


def test_nothing_lands_outside(tmp_path):
    assert inside(tmp_path, "a.xlsx").parent == tmp_path.resolve()
    with pytest.raises(OutputError):
        inside(tmp_path, "../a.xlsx")


def test_shown_replaces_what_is_not_utf8():
    import os

    from kpi_workbook.core.filenames import shown
    assert shown("R01_熊本.xlsx") == "R01_熊本.xlsx"
    assert shown(b"R01_\x8c\x46.xlsx") == "R01_\ufffdF.xlsx"
    if os.name != "nt":
        assert shown(os.fsdecode(b"R01_\x8c\x46.xlsx")) == "R01_\ufffdF.xlsx"
