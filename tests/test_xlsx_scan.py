"""xlsx_scan: the used range a sheet's XML proves, before any reader sizes a grid."""
from kpi_workbook.reader import MAX_CELLS
from kpi_workbook.xlsx_scan import NARROW_BOUND, _scan_sheet


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
    from kpi_workbook.reader import read_workbook
    for part in ("xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml", "docProps/core.xml"):
        dtd = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>'
        book, findings = read_workbook(_with_part(tmp_path, part, dtd))
        assert book is None and [f.code for f in findings] == ["FILE_UNSAFE"], part

