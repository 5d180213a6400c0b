"""Dense files stay bounded: rows read per sheet and findings per file are capped, and
what is past the caps is said (TABLE_TRUNCATED, FINDINGS_TRUNCATED), never silently lost."""
import random
import time
import zipfile

import pytest
import xlsxwriter

from kpi_workbook.checking.check import MAX_FINDINGS, check_workbook
from kpi_workbook.consolidation.consolidate import consolidate
from kpi_workbook.reading.reader import MAX_ROWS

from .conftest import SAMPLES


def _kpi_labels(renkei):
    return [c.label for c in renkei.sheet("kpis").columns][:15]


def _dense_ods(path, labels, rows):
    """59 KB on disk in the report; here under 1 KB: one row repeated *rows* times."""
    head = "".join(f'<table:table-cell office:value-type="string"><text:p>{l}</text:p></table:table-cell>'
                   for l in labels)
    bad = '<table:table-cell office:value-type="string"><text:p>?x</text:p></table:table-cell>' * len(labels)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="KPI">'
               f'<table:table-row>{head}</table:table-row>'
               f'<table:table-row table:number-rows-repeated="{rows}">{bad}</table:table-row>'
               '</table:table></office:spreadsheet></office:body></office:document-content>')
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest '
                    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
    return path


def _dense_xlsx(path, labels, rows):
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("KPI")
    for c, label in enumerate(labels):
        sheet.write_string(0, c, label)
    rnd = random.Random(1)
    for r in range(1, rows + 1):
        for c in range(len(labels)):
            sheet.write_string(r, c, f"x{rnd.randrange(10 ** 6)}")
    book.close()
    return path


@pytest.mark.parametrize("kind", ["ods", "xlsx"])
def test_a_dense_sheet_is_read_up_to_the_caps_and_says_so(tmp_path, renkei, kind):
    labels = _kpi_labels(renkei)
    path = _dense_ods(tmp_path / "dense.ods", labels, 160_000) if kind == "ods" else \
        _dense_xlsx(tmp_path / "dense.xlsx", labels, 3 * MAX_ROWS)
    start = time.monotonic()
    result = check_workbook(path, survey=renkei)
    elapsed = time.monotonic() - start
    codes = [f.code for f in result.findings]
    assert "TABLE_TRUNCATED" in codes and "FINDINGS_TRUNCATED" in codes
    assert len(result.findings) <= MAX_FINDINGS + 20
    truncated = next(f for f in result.findings if f.code == "TABLE_TRUNCATED")
    assert truncated.cell == f"A{MAX_ROWS + 1}" and truncated.sheet == "KPI"
    rest = next(f for f in result.findings if f.code == "FINDINGS_TRUNCATED")
    assert rest.severity == "error" and sum(result.dropped.values()) > 10_000
    assert elapsed < 15, elapsed  # the bar is 5 s (measured ~2 s); generous for a busy CI


def test_consolidate_counts_what_is_past_the_cap(tmp_path, renkei):
    folder = tmp_path / "in"
    folder.mkdir()
    _dense_ods(folder / "R01_dense.ods", _kpi_labels(renkei), 160_000)
    result = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=1)
    sub = next(s for s in result.submissions if s.relative == "R01_dense.ods")
    assert sub.errors > MAX_FINDINGS and sub.status == "failed"
