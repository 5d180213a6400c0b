"""export: CSV text for analysts, with formula injection neutralized field by field."""
import csv
import io

from hypothesis import given, settings, strategies as st

from kpi_workbook.core.csv_files import csv_columns_text, csv_text, neutralize, plain


def test_csv_text_neutralizes_the_risky_fields_and_only_those():
    risky = {"=1+1": "'=1+1", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx", "+x": "'+x", "-x": "'-x",
             "-5": "-5", "+81-3-1234-5678": "+81-3-1234-5678",
             "-1-1": "'-1-1", "-(1)": "'-(1)", "+1-1": "'+1-1", "-A1": "'-A1", "- 5": "'- 5",
             "＝SUM(A1)": "'＝SUM(A1)", "＠x": "'＠x", "＋x": "'＋x", "－1+1": "'－1+1",
             "－５": "－５", "-1,084": "-1,084", "+0.5": "+0.5", "-5%": "-5%", "+1-800-555-0100": "+1-800-555-0100"}
    for typed, written in risky.items():  # each alone in its row: the row test must see it
        out = list(csv.reader(io.StringIO(csv_text([["R01", "ok", typed, "1,000"]]), newline="")))
        assert out == [["R01", "ok", written, "1,000"]]
        assert list(csv.reader(io.StringIO(csv_text([[typed, "ok"]]), newline=""))) == [[written, "ok"]]
    rows = [["plain", "x\x1f=y", "", "a=b"], ["改行\nあり", '引用"符']]  # "=" inside a field is fine
    assert list(csv.reader(io.StringIO(csv_text(rows), newline=""))) == rows


def test_csv_columns_text_is_csv_text_of_the_rows_they_make():
    fields = ["=1+1", "ok", "-5", "-x", "x\x1f=y", "改行\nあり", "", "@a", "+81-3-1234-5678", '引用"符', "\tx"]
    for shift in range(len(fields)):  # every field in every column, risky or not
        rows = [[fields[(shift + r + c) % len(fields)] for c in range(4)] for r in range(5)]
        columns = [list(column) for column in zip(*rows)]
        assert csv_columns_text(columns) == csv_text(rows)
    assert csv_columns_text([[], []]) == "" and csv_columns_text([["ok"], ["-x"]]) == "ok,'-x\r\n"


@settings(max_examples=300, deadline=None, derandomize=True)
@given(rows=st.integers(1, 4).flatmap(lambda width: st.lists(
    st.lists(st.one_of(st.sampled_from(["", ",", '"', "\r", "\n", "=", "-", "a,b", '"q"', " ", "\x1f"]),
                       st.text(max_size=4)), min_size=width, max_size=width), max_size=5)))
def test_csv_columns_text_quotes_as_the_csv_module_does(rows):
    rows = [["R01"] + row for row in rows]  # a region code starts every row
    assert csv_columns_text([list(column) for column in zip(*rows)]) == csv_text(rows)


def test_plain_values_are_exact_text():
    from decimal import Decimal
    from kpi_workbook.core.values import parse_time
    assert plain(Decimal("1234.50")) == "1234.50" and plain(None) == "" and plain(True) == "○"
    assert plain(parse_time("R5")[0]) == "2023年度" and plain(("①", "③")) == "①、③"


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.text(alphabet="+-＋－=＝@＠0123456789０１２３４５６７８９,.()%A ", min_size=1, max_size=12))
def test_what_stays_unprefixed_after_a_sign_is_a_plain_number_or_phone(text):
    import re
    out = neutralize(text)
    if out == text and text[0] in "+-＋－":
        plain_text = text.translate(str.maketrans("＋－０１２３４５６７８９", "+-0123456789"))
        assert re.fullmatch(r"[+-][\d,.]+%?|\+[\d-]+", plain_text), text
    if text[0] in "=＝@＠":
        assert out == "'" + text
