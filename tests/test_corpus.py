"""Every file of ../shared/corpus goes through check: no traceback, bounded time.

Tests of particular files use the copies in tests/fixtures/corpus (always present); the
walks over the whole shared corpus skip, with a reason, where it is not beside the checkout.

Memory is bounded by construction (reading happens in a child capped by RLIMIT_AS, see
kpi_workbook/core/isolate.py); the walk asserts the outcome and the time of each file.
"""
import time

import pytest

from kpi_workbook.checking.check import check_workbook

from .conftest import CORPUS, FIXTURES, make_zip_bomb

FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix not in (".md", ".csv")) if CORPUS.exists() else []
needs_corpus = pytest.mark.skipif(not FILES, reason="../shared/corpus is not present")


@needs_corpus
def test_corpus_walk_never_crashes():
    slow, silent = [], []
    for path in FILES:
        start = time.monotonic()
        result = check_workbook(path)
        elapsed = time.monotonic() - start
        if elapsed > 5:
            slow.append((path.name, round(elapsed, 1)))
        if not result.findings:
            silent.append(path.name)  # a foreign file must at least say it is not a survey
        assert all(f.message and f.code for f in result.findings)
    assert slow == [] and silent == []


@needs_corpus
@pytest.mark.parametrize("name, code", [
    ("zip_bomb_2GB_sheet.xlsx", "FILE_TOO_LARGE"), ("zip_bomb_lying_header.xlsx", "FILE_CORRUPT")])
def test_zip_bombs_get_their_finding(name, code):
    assert code in {f.code for f in check_workbook(CORPUS / "xlsx-hostile" / name).findings}


def test_a_generated_zip_bomb_is_refused(tmp_path):
    result = check_workbook(make_zip_bomb(tmp_path / "bomb.xlsx"))
    assert [f.code for f in result.findings] == ["FILE_TOO_LARGE"]


@pytest.mark.parametrize("name, code", [
    ("billion_laughs_sharedStrings.xlsx", "FILE_UNSAFE"), ("xxe_file_etc_passwd.xlsx", "FILE_UNSAFE"),
    ("truncated.xlsx", "FILE_CORRUPT"), ("not_a_zip.xlsx", "FILE_NOT_SPREADSHEET"),
    ("html_table_saved_as.xls", "FILE_NOT_SPREADSHEET"), ("csv_renamed.xlsx", "FILE_NOT_SPREADSHEET"),
    ("empty.xlsx", "FILE_EMPTY"), ("missing_sheet_part.xlsx", "SHEET_PART_MISSING"),
    ("billion_laughs_content.ods", "FILE_UNSAFE"),
    ("xxe_content.ods", "FILE_UNSAFE"),
])
def test_hostile_file_gets_its_finding(name, code):
    result = check_workbook(FIXTURES / "xlsx-hostile" / name)
    assert code in {f.code for f in result.findings}
    assert "root:" not in " ".join(f.message for f in result.findings)  # /etc/passwd never leaks


def test_sparse_extreme_corners_refused_before_any_grid_is_sized():
    """calamine would allocate 512 GiB (A1 to XFD1048576); the scan refuses it first."""
    from kpi_workbook.reading.reader import read_workbook
    book, problems = read_workbook(FIXTURES / "xlsx-hostile" / "sparse_extreme_corners.xlsx")
    assert book is None and [p.code for p in problems] == ["FILE_TOO_LARGE"]
    assert "使用範囲が広すぎます" in problems[0].message


def test_calamine_abort_is_contained():
    """python-calamine aborts the process on this OLE loop; the child dies, we report."""
    result = check_workbook(FIXTURES / "xlsx-real" / "phpspreadsheet" / "oleloop.xls")
    assert [f.code for f in result.findings] in (["FILE_TOO_LARGE"], ["FILE_READ_FAILED"])


def test_encrypted_files_say_so():
    result = check_workbook(FIXTURES / "xlsx-real" / "excelize" / "encryptAES.xlsx")
    assert result.findings[0].code == "FILE_ENCRYPTED"
    assert "パスワード付きのファイルは読み込めません" in result.findings[0].message


def test_error_cells_and_uncached_formulas_are_findings_not_blanks():
    from kpi_workbook.reading.reader import CellError, NoCachedValue, read_workbook
    book, _ = read_workbook(FIXTURES / "xlsx-hostile" / "formulas_external_calls.xlsx")
    values = [v for s in book.sheets.values() for row in s.rows for v in row if v is not None]
    assert any(isinstance(v, NoCachedValue) for v in values)
    assert any(isinstance(v, CellError) for v in values) or all(not isinstance(v, CellError) for v in values)


@needs_corpus
@pytest.mark.parametrize("name", [
    "apache-poi/password.xls", "apache-poi/xor-encryption-abc.xls", "phpspreadsheet/pwtest.xls",
    "exceldatareader/Test_git_issue_242_std_rc4_pwd_password.xls",
    "exceldatareader/Test_git_issue_477_crypto_keylength40.xls",
    "calamine/pass_protected.ods", "roo/encrypted-letmein.ods", "calamine/pass_protected.xlsx",
])
def test_encrypted_xls_ods_xlsx_say_so(name):
    result = check_workbook(CORPUS / "xlsx-real" / name)
    assert [f.code for f in result.findings] == ["FILE_ENCRYPTED"]


@needs_corpus
@pytest.mark.parametrize("name, first", [("calamine/date_1904.xlsx", "2021-01-01"), ("calamine/date_1904.xls", "2021-01-01"),
                                         ("roo/1904_base.xlsx", "2009-06-15"), ("phpspreadsheet/1904_Calendar.xlsx", "2022-01-01")])
def test_1904_date_system(name, first):
    from kpi_workbook.reading.reader import read_workbook
    book, _ = read_workbook(CORPUS / "xlsx-real" / name)
    assert next(iter(book.sheets.values())).rows[0][0].isoformat() == first


@needs_corpus
def test_corpus_through_consolidate(tmp_path):
    """Every corpus file in one folder: the run completes and accounts for each file."""
    import shutil

    from kpi_workbook.consolidation.consolidate import consolidate
    from .conftest import SAMPLES
    folder = tmp_path / "in"
    folder.mkdir()
    for path in FILES:
        shutil.copy(path, folder / str(path.relative_to(CORPUS)).replace("/", "__"))
    result = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "summary.xlsx", csv_dir=tmp_path / "csv", jobs=2)
    assert (tmp_path / "summary.xlsx").exists()
    assert len(result.submissions) == len(FILES)
    for sub in result.submissions:
        assert sub.status in ("failed", "skipped"), sub.relative  # none of them is a survey return
        if sub.status == "failed" and not sub.findings:
            assert sub.errors or sub.warnings, sub.relative  # its findings are in the scratch rows
    assert len(result.missing) == 10
