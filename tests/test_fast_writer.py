"""xlsx_fast: rows written in one step give the very bytes stock xlsxwriter writes."""
import datetime as dt
import zipfile

import xlsxwriter
from hypothesis import HealthCheck, given, settings, strategies as st

import pytest

from kpi_workbook.xlsx.fast_writer import RowBook, RowSheet, render_row, write_value

STAMP = dt.datetime(2024, 4, 1)
# what summary cells hold, and what would trip a fast path: control characters, the
# _xHHHH_ escape, XML's special characters, edge spaces, wide spaces, newlines, emoji
TRICKY = st.sampled_from(["&", "<", ">", '"', "_x0041_", "_x", "\x01", "\x1f", "\t", "\n", " ", "\u3000",
                          "\ufffe", "😀", "円", "Ａ", "="])
TEXT = st.lists(st.one_of(TRICKY, st.text(min_size=1, max_size=4)), min_size=1, max_size=4).map("".join)
NUMBER = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([0.0, -0.0, 1e16, 1.5e-9]))
VALUE = st.one_of(st.none(), TEXT, NUMBER)
ROWS = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.lists(VALUE, max_size=8)), max_size=12)
# rows that render (a tricky value sends the whole row xlsxwriter's way): mostly plain text
PLAIN = st.lists(st.sampled_from([" ", "円", "Ａ", "=", '"', "😀", "a", "1"]), min_size=1, max_size=4).map("".join)
MILD = st.one_of(st.lists(st.one_of(st.none(), PLAIN, NUMBER), max_size=8), st.lists(VALUE, max_size=8))
MILD_ROWS = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), MILD), max_size=12)


def _stock_row(ws, row, values, fmt, first):
    for col, value in enumerate(values, start=first):
        write_value(ws, row, col, value, fmt)  # xlsxwriter's public writes only


def _book(path, fast, rows, extras=True):
    """One sheet of *rows* (skip, format, values), written the fast or the stock way, or
    (*fast* == "rendered") laid out by render_row where it can, as a worker does."""
    book = (RowBook if fast else xlsxwriter.Workbook)(str(path), {"constant_memory": True})
    book.set_properties({"created": STAMP})
    formats = [None, book.add_format({"border": 1}), book.add_format({"text_wrap": True}),
               book.add_format({"num_format": "#,##0.##"})]
    ws = book.add_worksheet("表")
    if extras:  # a column format: xlsxwriter's own path for unformatted cells there
        ws.set_column(2, 2, 12, formats[3])
    r, run = 0, []  # run: consecutive rendered rows of one format, written together
    for skip, fmt, values in rows:
        r += skip
        if extras and r == 3:  # a formatted row, a comment and a link: also its own path
            ws.set_row(3, 30)
        rendered = render_row(values, styled=formats[fmt] is not None) if fast == "rendered" else None
        if run and (rendered is None or skip or run[0][1] != fmt):
            ws.put_rendered_rows(run[0][0], [x for _, _, x in run], formats[run[0][1]])
            run = []
        if rendered is not None:
            run.append((r, fmt, rendered))
        elif fast:
            ws.put_row(r, values, formats[fmt])
        else:
            _stock_row(ws, r, values, formats[fmt], 0)
        if extras and r == 4:
            ws.write_url(r, 9, "https://example.jp/", string="リンク")
            ws.write_comment(r, 1, "注")
        r += 1
    if run:
        ws.put_rendered_rows(run[0][0], [x for _, _, x in run], formats[run[0][1]])
    book.close()
    return _members(path)


def _members(path) -> dict:
    """The package's parts (a RowBook deflates them at another level: same XML, other bytes)."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, extras=st.booleans())
def test_put_row_writes_what_stock_xlsxwriter_writes(tmp_path, rows, extras):
    assert _book(tmp_path / "fast.xlsx", True, rows, extras) == _book(tmp_path / "stock.xlsx", False, rows, extras)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=MILD_ROWS)
def test_rows_rendered_elsewhere_write_what_stock_xlsxwriter_writes(tmp_path, rows):
    rendered = _book(tmp_path / "rendered.xlsx", "rendered", rows, extras=False)
    assert rendered == _book(tmp_path / "stock.xlsx", False, rows, extras=False)


def test_a_row_sheet_outside_a_row_book_inflates_its_rows_into_the_sheet(tmp_path):
    class Book(xlsxwriter.Workbook):
        worksheet_class = RowSheet
    rows = [(0, 0, ["表", 1.5, None, "x"]), (2, 1, ["y", None])] * 50
    for path, book in ((tmp_path / "row.xlsx", Book), (tmp_path / "stock.xlsx", xlsxwriter.Workbook)):
        workbook = book(str(path), {"constant_memory": True})
        workbook.set_properties({"created": STAMP})
        ws, fmt, r = workbook.add_worksheet("表"), workbook.add_format({"border": 1}), 0
        for skip, styled, values in rows:
            r += skip
            (ws.put_row if book is Book else lambda *a: _stock_row(ws, *a, 0))(r, values, fmt if styled else None)
            r += 1
        workbook.close()
    assert _members(tmp_path / "row.xlsx") == _members(tmp_path / "stock.xlsx")


def test_only_plain_rows_are_rendered():
    assert render_row(["a", 1.5, None]).xml.count(b"<c ") == 2
    assert render_row(["a", None], styled=True).xml.count(b"<c ") == 2  # a formatted blank
    assert render_row([None, None]).low == -1
    for odd in (["a&b"], ["改行\nあり"], ["_x0041_"], ["a_", "x"], [""], ["x" * 20_000], [float("inf")], [True]):
        assert render_row(odd) is None


def test_rows_written_together_count_only_the_rows_with_cells(tmp_path):
    rows = [(1, 0, [None, None]), (0, 0, [None, "二"]), (0, 0, [3.0]), (0, 0, [None])]
    members = _book(tmp_path / "r.xlsx", "rendered", rows, extras=False)
    assert members == _book(tmp_path / "s.xlsx", False, rows, extras=False)
    assert b'<dimension ref="A3:B4"/>' in members["xl/worksheets/sheet1.xml"]


def test_a_rendered_row_where_it_cannot_go_as_it_is_is_written_the_stock_way(tmp_path):
    """A column format, a row height, a row with cells, a row rendered for another format:
    the row's values are read back and written xlsxwriter's way — the same parts as stock
    xlsxwriter writing those values. Only a row before the last written is refused."""
    def write(book, rendered: bool):
        ws = book.add_worksheet()
        fmt = book.add_format({"border": 1})
        ws.set_column(3, 3, 10, fmt)
        ws.set_row(7, 30)
        put = (lambda r, values, f=None, styled=False: ws.put_rendered(r, render_row(values, styled=styled), f)) \
            if rendered else (lambda r, values, f=None, styled=False: _stock_row(ws, r, values, f, 0))
        _stock_row(ws, 5, ["後"], None, 0)
        put(5, [None, "同じ行"])                     # a row that has cells already
        put(7, ["高さ"])                             # a row with its own height
        put(8, [None, None, None, "列書式", 2.5])    # under a column format
        put(9, ["書式", None, 3.0], fmt)              # rendered for no format, written in one
        put(10, [None] * 5 + ["後から"])
        if rendered:
            ws.put_rendered_rows(12, [render_row(["一"]), render_row(["二"])])
            with pytest.raises(ValueError):
                ws.put_rendered(12, render_row(["前の行"]))  # rows written are behind us
        else:
            _stock_row(ws, 12, ["一"], None, 0)
            _stock_row(ws, 13, ["二"], None, 0)
        book.set_properties({"created": STAMP})  # the two books may be closed a second apart
        book.close()

    write(RowBook(str(tmp_path / "a.xlsx"), {"constant_memory": True}), True)
    write(xlsxwriter.Workbook(str(tmp_path / "b.xlsx"), {"constant_memory": True}), False)
    assert _members(tmp_path / "a.xlsx") == _members(tmp_path / "b.xlsx")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(values=MILD, styled=st.booleans())
def test_rendered_rows_read_back_as_the_values_they_show(values, styled):
    """What a rendered row is read back as renders to the very same XML (a number as the
    16 digits both write: 0.1 + 0.2 comes back as 0.3)."""
    rendered = render_row(values, styled=styled)
    if rendered is not None and rendered.low >= 0:
        first, back = rendered.values()
        assert render_row(back, styled=styled, first=first) == rendered


def test_the_stock_path_writes_the_same_parts(tmp_path, monkeypatch):
    """KPI_WORKBOOK_XLSX=stock: plain xlsxwriter throughout (no rendering, its own
    packaging) — the parts are byte for byte those of the fast path."""
    from kpi_workbook.xlsx import fast_writer as xlsx_fast
    rows = [(0, 1, ["見出し", "a&b", None, 1.5]), (0, 0, [" 前後の空白 ", "円", None, 2.0]), (1, 0, ["x", 3.0])]
    fast = _book(tmp_path / "fast.xlsx", "rendered", rows)
    monkeypatch.setattr(xlsx_fast, "FAST", False)
    assert render_row(["x"]) is None
    assert _book(tmp_path / "stock.xlsx", True, rows) == fast


def test_every_private_hook_is_still_there():
    """The xlsxwriter private members this package relies on (PRIVATE_HOOKS): a newer
    xlsxwriter that renames one or changes its parameters fails here, by name."""
    import inspect

    import xlsxwriter.format
    import xlsxwriter.workbook
    import xlsxwriter.worksheet

    from kpi_workbook.xlsx.fast_writer import PRIVATE_HOOKS
    classes = {"Worksheet": xlsxwriter.worksheet.Worksheet, "Workbook": xlsxwriter.workbook.Workbook,
               "Format": xlsxwriter.format.Format}
    for owner, name, parameters in PRIVATE_HOOKS:
        member = getattr(classes[owner], name, None)
        assert callable(member), f"xlsxwriter {owner}.{name} is gone"
        assert tuple(inspect.signature(member).parameters)[:len(parameters)] == parameters, f"{owner}.{name}"
    assert hasattr(xlsxwriter.workbook, "ZipFile")  # RowBook swaps it while the package is stored


def test_a_plain_row_is_one_write_and_odd_cells_go_xlsxwriters_way(tmp_path, monkeypatch):
    odd = []
    stock_cell = RowSheet._write_cell
    monkeypatch.setattr(RowSheet, "_write_cell", lambda self, r, c, cell: odd.append(cell) or stock_cell(self, r, c, cell))
    rows = [(0, 1, ["見出し", "a&b", None, 1.5]), (0, 0, [" 前後の空白 ", "改行\nあり", "_x0000_", None]),
            (2, 2, ["x" * 20_000, 3.0])]
    assert _book(tmp_path / "f.xlsx", True, rows, extras=False) == _book(tmp_path / "s.xlsx", False, rows, extras=False)
    assert sorted(c.string for c in odd if hasattr(c, "string")) == ["_x0000_", "a&b", "改行\nあり"]
    with zipfile.ZipFile(tmp_path / "f.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="A1" s="1" t="inlineStr"><is><t>見出し</t></is></c>' in sheet
    assert "<t>a&amp;b</t>" in sheet and '<t xml:space="preserve"> 前後の空白 </t>' in sheet
    assert "_x005F_x0000_" in sheet  # xlsxwriter's escape of a literal _xHHHH_


def test_rows_before_the_last_one_written_are_refused_like_xlsxwriter(tmp_path):
    book = RowBook(str(tmp_path / "a.xlsx"), {"constant_memory": True})
    ws = book.add_worksheet()
    ws.put_row(5, ["後"])
    ws.put_row(2, ["前"])  # constant memory: an earlier row is gone, as with write_string
    book.close()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "後" in sheet and "前" not in sheet
    assert isinstance(ws, RowSheet)


def test_without_constant_memory_put_row_is_the_ordinary_writes(tmp_path):
    rows = [(0, 1, ["a", 1.0, None]), (1, 0, ["b"])]
    book = RowBook(str(tmp_path / "f.xlsx"))
    book.set_properties({"created": STAMP})
    fmt = [None, book.add_format({"border": 1})]
    ws = book.add_worksheet("表")
    for r, (_, f, values) in enumerate(rows):
        ws.put_row(r, values, fmt[f])
    book.close()
    book = xlsxwriter.Workbook(str(tmp_path / "s.xlsx"))
    book.set_properties({"created": STAMP})
    fmt = [None, book.add_format({"border": 1})]
    ws = book.add_worksheet("表")
    for r, (_, f, values) in enumerate(rows):
        _stock_row(ws, r, values, fmt[f], 0)
    book.close()
    assert _members(tmp_path / "f.xlsx") == _members(tmp_path / "s.xlsx")


def test_a_rowbook_deflates_faster_and_leaves_xlsxwriter_as_it_was(tmp_path):
    rows = [(0, 0, [f"行{r}列{c}" for c in range(20)]) for r in range(300)]
    members = _book(tmp_path / "f.xlsx", True, rows, extras=False)
    assert members == _book(tmp_path / "s.xlsx", False, rows, extras=False)
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile
    with zipfile.ZipFile(tmp_path / "f.xlsx") as fast, zipfile.ZipFile(tmp_path / "s.xlsx") as stock:
        part = "xl/worksheets/sheet1.xml"
        assert fast.getinfo(part).compress_type == zipfile.ZIP_DEFLATED
        assert fast.getinfo(part).compress_size != stock.getinfo(part).compress_size  # another level


def test_unformatted_cells_take_their_columns_format_as_in_xlsxwriter(tmp_path):
    rows = [(0, 0, ["a", "b", "c", 4.0]), (0, 0, [None, None, 5.0])]
    assert _book(tmp_path / "f.xlsx", True, rows) == _book(tmp_path / "s.xlsx", False, rows)
    with zipfile.ZipFile(tmp_path / "f.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="C1" s="1" t="inlineStr">' in sheet and '<c r="C2" s="1"><v>5</v></c>' in sheet


def test_prepared_rows_are_rendered_where_they_can_be_and_values_elsewhere():
    from kpi_workbook.xlsx.fast_writer import Rendered, prepared

    rows = prepared([["a", 1.5], ["<b>", 2.0]], styled=True)
    if xlsx_fast_on():
        assert type(rows[0]) is Rendered and rows[0] == render_row(["a", 1.5], styled=True)
    else:
        assert rows[0] == ["a", 1.5]
    assert rows[1] == ["<b>", 2.0]  # a value xlsxwriter must escape: left to it


def xlsx_fast_on() -> bool:
    from kpi_workbook.xlsx import fast_writer

    return fast_writer.FAST


def test_a_row_file_that_cannot_be_written_fails_at_close_and_never_hangs(tmp_path, monkeypatch):
    """The rows are deflated by a thread: a write that fails there (a full disk) is raised
    in the writer's thread when the rows are closed, and nothing waits forever."""
    import errno

    from kpi_workbook.xlsx import fast_writer as W
    monkeypatch.setattr(W, "PIECE", 16)
    rows = W._RowData(str(tmp_path / "rows"), "w+b")
    real = rows.file.write
    calls = []

    def full(data):
        calls.append(len(data))
        if len(calls) > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(data)
    rows.file.write = full
    with pytest.raises(OSError) as failed:
        for n in range(200):  # many more pieces than the queue holds
            rows.write(f"<row r=\"{n}\"/>")
        rows.close()
    assert failed.value.errno == errno.ENOSPC and rows.file.closed


def test_rows_deflated_by_the_thread_inflate_to_what_was_written(tmp_path, monkeypatch):
    import zlib

    from kpi_workbook.xlsx import fast_writer as W
    monkeypatch.setattr(W, "PIECE", 64)
    rows = W._RowData(str(tmp_path / "rows"), "w+b")
    text = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(5000))
    for start in range(0, len(text), 37):
        rows.write(text[start:start + 37])
    rows.close()
    data = (tmp_path / "rows").read_bytes()
    assert zlib.decompressobj(-15).decompress(data) == text.encode()
    assert rows.crc == zlib.crc32(text.encode()) and rows.size == len(text.encode())
