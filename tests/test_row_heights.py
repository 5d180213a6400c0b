"""layout: the lines text takes in a cell of a given width."""
from kpi_workbook.core.row_heights import row_height, text_lines


def test_full_width_characters_take_two():
    assert text_lines("", 10) == 1
    assert text_lines("abcdefgh", 10) == 1 and text_lines("abcdefghij", 10) == 2
    assert text_lines("事業費（千円）", 10) == 2   # 7 characters, 14 widths
    assert text_lines("一行目\n二行目", 40) == 2
    assert row_height([("短い", 20), ("とても長い説明文" * 5, 20)]) > row_height([("短い", 20)])
