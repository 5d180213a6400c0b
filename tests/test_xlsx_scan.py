"""xlsx_scan: the used range a sheet's XML proves, before any reader sizes a grid."""
from kpi_workbook.reading.reader import MAX_CELLS
from kpi_workbook.reading.xlsx_scan import NARROW_BOUND, _scan_sheet


def _sheet(*refs: str, quote='"') -> bytes:
    cells = "".join(f"<c r={quote}{ref}{quote}><v>1</v></c>" for ref in refs)
    return f'<worksheet><sheetData><row r="1">{cells}</row></sheetData></worksheet>'.encode()


def _range(xml: bytes) -> tuple:
    scan = _scan_sheet(xml, set())
    return scan.max_row, scan.max_col


def test_one_letter_five_digit_references_bound_the_range_without_counting():
    assert _range(_sheet("A1", "Z99999")) == NARROW_BOUND
    assert _range(_sheet("C3", quote="'")) == NARROW_BOUND
    assert NARROW_BOUND[0] * NARROW_BOUND[1] <= MAX_CELLS  # never refuses a sheet it bounds


def test_any_wider_reference_is_measured_cell_by_cell():
    assert _range(_sheet("A1", "AB7")) == (7, 28)
    assert _range(_sheet("B100000")) == (100_000, 2)
    assert _range(_sheet("A1", "XFD1048576")) == (1_048_576, 16_384)
    assert _range(_sheet("A1", "AB7", quote="'")) == (7, 28)  # XML allows either quote


def _with_part(tmp_path, part: str, prefix: bytes):
    """A small workbook whose *part* starts with *prefix*."""
    import xlsxwriter
    import zipfile
    plain = tmp_path / "plain.xlsx"
    book = xlsxwriter.Workbook(str(plain))
    book.add_worksheet("表").write(0, 0, "値")
    book.close()
    out = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, prefix + data if info.filename == part else data)
    return out


def test_a_dtd_in_a_part_the_scan_reads_whole_is_refused_before_any_parser(tmp_path):
    from kpi_workbook.reading.reader import read_workbook
    for part in ("xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml", "docProps/core.xml"):
        dtd = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>'
        book, findings = read_workbook(_with_part(tmp_path, part, dtd))
        assert book is None and [f.code for f in findings] == ["FILE_UNSAFE"], part



# ---- every pattern run on file content is linear in its input (no backtracking blow-up)

import time  # noqa: E402

from hypothesis import given, settings, strategies as st  # noqa: E402

from kpi_workbook.consolidation.discover import _stamp_in  # noqa: E402
from kpi_workbook.reading.xlsx_scan import _percent_formats, _scan_cells  # noqa: E402

_CLOSES = ["</c>", "</c >", "</c\n>", "</c\t >"]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(1, 300), st.integers(1, 30), st.sampled_from(["n", "e", "f", "blank"]),
                          st.integers(0, 3)), max_size=40))
def test_closing_tags_with_white_space_scan_as_without(cells):
    """`</c >` is the same XML as `</c>`: the scan sees the same cells either way."""
    def sheet(closes):
        parts = []
        for row, col, kind, close in cells:
            ref = f"{chr(64 + col % 26 + 1)}{row}"
            body = {"n": "<v>1</v>", "e": "<v>#DIV/0!</v>", "f": "<f>A1+1</f>", "blank": ""}[kind]
            attrs = f' r="{ref}"' + (' t="e"' if kind == "e" else "") + ' s="1"'
            parts.append(f"<c{attrs}>{body}{closes[close]}")
        return ("<worksheet><sheetData><row>" + "".join(parts) + "</row></sheetData></worksheet>").encode()
    plain, spaced = _scan_cells(sheet(["</c>"] * 4), {1}), _scan_cells(sheet(_CLOSES), {1})
    assert (plain.max_row, plain.max_col, plain.errors, plain.no_value, plain.percent) == \
        (spaced.max_row, spaced.max_col, spaced.errors, spaced.no_value, spaced.percent)


def _quick(func, data, limit=2.0):
    start = time.monotonic()
    func(data)
    return time.monotonic() - start < limit


def test_adversarial_parts_take_linear_time():
    assert _quick(lambda d: _scan_cells(d, {1}), b'<sheetData>' + b'<c r="A1" s="1"><v>1</v></c >' * 20_000)
    assert _quick(lambda d: _scan_cells(d, {1}), b'<c r="A1">' * 200_000)  # never closed
    assert _quick(lambda d: _scan_cells(d, {1}), b'<c r="A1"' * 200_000)  # tags never ended
    assert _quick(_percent_formats, b"<styleSheet><!-- " + b"<cellXfs " * 100_000 + b"-->")
    assert _quick(_percent_formats, b"<styleSheet>" + b"<cellXfs>" * 100_000)
    assert _quick(_stamp_in, b"<cp:coreProperties>" + b"<dc:date" * 100_000)
    assert _quick(_stamp_in, b"<dc:date>" + b"x" * 1_000_000)


def test_a1_references_both_ways():
    from kpi_workbook.reading.xlsx_scan import col_letters, rc_to_ref, ref_to_rc
    assert [col_letters(c) for c in (0, 25, 26, 701, 702, 16383)] == ["A", "Z", "AA", "ZZ", "AAA", "XFD"]
    for r, c in [(0, 0), (5, 2), (99, 27), (1_048_575, 16383)]:
        assert ref_to_rc(rc_to_ref(r, c)) == (r, c)
