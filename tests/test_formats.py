"""formats: every input kind in one table, used by the reader, discover and annotate alike."""
import zipfile

from kpi_workbook.checking.check import check_workbook
from kpi_workbook.consolidation.discover import SPREADSHEET_SUFFIXES, discover
from kpi_workbook.reading.formats import FORMATS, SUFFIXES, format_of
from kpi_workbook.reading.safety import sniff

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                 'package/2006/content-types"><Default Extension="bin" ContentType="application/'
                 'vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>')


def _xlsb(path):
    """A workbook as Excel saves 「Excel バイナリ ブック」: the same zip, binary parts."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("xl/workbook.bin", b"\x83\x01\x00\x80\x01\x00")
        zf.writestr("xl/worksheets/sheet1.bin", b"\x81\x01\x00")
    return path


def test_every_kind_has_its_names_and_a_reader_or_a_refusal():
    assert set(FORMATS) == {"xlsx", "xls", "ods", "xlsb"}
    assert SPREADSHEET_SUFFIXES == SUFFIXES
    assert {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"} == set(SUFFIXES)
    for fmt in FORMATS.values():
        assert fmt.label and fmt.suffixes
        assert not (fmt.scanned and fmt.percent), "a scanned format finds its % cells in the scan"
        assert fmt.readable or not fmt.editable


def test_an_xlsb_is_told_by_its_content_and_refused_by_name(tmp_path):
    path = _xlsb(tmp_path / "R01_熊本.xlsx")  # named .xlsx, saved as binary: the bytes decide
    assert sniff(path).kind == "xlsb"
    result = check_workbook(path)
    assert [(f.code, f.severity) for f in result.findings] == [("FILE_FORMAT_UNSUPPORTED", "error")]
    assert format_of("xlsb").label in result.findings[0].message and ".xlsx" in result.findings[0].message


def test_discover_lists_every_kind_and_skips_the_rest(tmp_path):
    for suffix in SUFFIXES:
        (tmp_path / f"R01{suffix}").write_bytes(b"x")
    (tmp_path / "memo.txt").write_text("x")
    files, notes = discover(tmp_path)
    assert sorted(p.suffix for p in files) == sorted(SUFFIXES)
    assert len(notes) == 1


def test_the_command_names_the_format(tmp_path):
    from click.testing import CliRunner

    from kpi_workbook.cli import cli

    result = CliRunner().invoke(cli, ["check", str(_xlsb(tmp_path / "R01.xlsb"))])
    assert result.exit_code == 1
    assert "FILE_FORMAT_UNSUPPORTED" in result.output and "Excelバイナリブック（.xlsb）" in result.output


def test_every_demo_return_resaved_by_every_office_program_in_every_format_reads_the_same(tmp_path):
    """The demo's returns (round 2, with last round's values), each re-saved by LibreOffice
    and by Gnumeric as .xlsx, .xls and .ods: every copy reads the records of its original."""
    import shutil
    import subprocess

    import pytest

    from kpi_workbook.demo import run_demo

    from .conftest import soffice
    programs = {"LibreOffice": soffice(), "Gnumeric": shutil.which("ssconvert")}
    if not any(programs.values()):
        pytest.skip("neither LibreOffice nor Gnumeric is installed")
    made = run_demo(tmp_path / "demo", jobs=1)
    definitions = made["result"].csv_dir
    originals = sorted(made["returns"].glob("*.xlsx"))
    copies = []
    for fmt, filt in (("xlsx", "xlsx"), ("xls", "xls:MS Excel 97"), ("ods", "ods")):
        if programs["LibreOffice"]:
            out = tmp_path / f"lo-{fmt}"
            subprocess.run([programs["LibreOffice"], "--headless", "--convert-to", filt, "--outdir", str(out),
                            *map(str, originals)], capture_output=True, timeout=600, check=True)
            copies += [(original, out / f"{original.stem}.{fmt}") for original in originals]
        if programs["Gnumeric"]:
            for original in originals:
                target = tmp_path / f"gn-{fmt}" / f"{original.stem}.{fmt}"
                target.parent.mkdir(exist_ok=True)
                subprocess.run([programs["Gnumeric"], str(original), str(target)], capture_output=True, timeout=120,
                               check=True)
                copies.append((original, target))

    def records(path):
        result = check_workbook(path, definitions=definitions)
        assert result.readable and result.survey is not None, (path, [f.code for f in result.findings])
        return {key: [{k: v.value for k, v in r.values.items()} for r in rows] for key, rows in result.records.items()}
    expected = {original: records(original) for original in originals}
    differing = [copy.name + " " + copy.parent.name for original, copy in copies if records(copy) != expected[original]]
    assert differing == []
