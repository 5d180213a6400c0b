"""The annotated copy: highlights, comments, a findings sheet, and nothing lost."""
import re
import shutil
import subprocess
import zipfile

import openpyxl
import pytest

from kpi_workbook.core import meta_sheet as metadata
from kpi_workbook.checking.annotate import check_and_annotate
from kpi_workbook.checking.check import check_files
from kpi_workbook.generation.fill import fill_workbook

from .conftest import needs_soffice, soffice
from .test_check import ANSWERS, EXPECTED


@pytest.fixture(scope="module")
def annotated(generated, tmp_path_factory):
    base = tmp_path_factory.mktemp("annotate")
    source = fill_workbook(generated["R01"], ANSWERS, base / "R01.xlsx")
    before = source.read_bytes()
    result = check_and_annotate([source], base / "out")[0]
    assert source.read_bytes() == before  # the original is never touched
    return source, result


def _validations(book):
    return {ws.title: sorted(str(dv.sqref) for dv in ws.data_validations.dataValidation)
            for ws in book.worksheets}


def test_copy_is_written_beside_and_named(annotated):
    source, result = annotated
    assert result.annotated.endswith("R01_確認結果.xlsx")


def test_every_located_finding_is_highlighted_and_commented(annotated):
    _, result = annotated
    book = openpyxl.load_workbook(result.annotated)
    for code, sheet, cell in EXPECTED:
        target = book[sheet][cell]
        assert target.comment is not None and "kpi-workbook" == target.comment.author
        assert target.fill.fgColor.rgb.endswith(("FFC7CE", "FFEB9C"))
    assert "「アc」ではありませんか" in book["事業"]["D6"].comment.text


def test_findings_sheet_first_with_links(annotated):
    _, result = annotated
    book = openpyxl.load_workbook(result.annotated)
    ws = book.worksheets[0]
    assert ws.title == "指摘一覧" and "R01 熊本連携中枢都市圏" in ws["A1"].value and "令和8年度調査" in ws["A1"].value
    assert "再提出" in ws["A4"].value  # what to do, in three lines
    top = next(r for r in range(1, 10) if ws.cell(r, 1).value == "重要度")
    assert [ws.cell(top, c).value for c in (1, 2, 7)] == ["重要度", "指摘内容", "コード"]  # message first, code last
    assert ws.print_title_rows.replace("$", "") == f"{top}:{top}" and ws.page_setup.fitToWidth == 1
    rows = list(ws.iter_rows(min_row=top + 1, values_only=True))
    assert len(rows) == len([f for f in result.findings])
    links = {ws.cell(r, 4).hyperlink.location for r in range(top + 1, ws.max_row + 1) if ws.cell(r, 4).hyperlink}
    assert "'事業'!D6" in links and "'KPI'!L6" not in links or "'KPI'!L6" in links
    assert {f"'{s}'!{c}" for _, s, c in EXPECTED} <= links
    assert rows[0][0] == "エラー"  # errors first
    fonts = {ws.cell(r, c).font.name for r in range(1, ws.max_row + 1) for c in range(1, 8) if ws.cell(r, c).value}
    assert fonts == {"游ゴシック"}  # the workbook's own font (LibreOffice showed a serif one)


def test_dropdowns_protection_and_metadata_survive(annotated, generated):
    source, result = annotated
    original, copy = openpyxl.load_workbook(source), openpyxl.load_workbook(result.annotated)
    assert _validations(copy) == {**_validations(original), "指摘一覧": []}
    for name in ("事業", "KPI", "事業費", "KPI実績", "圏域情報"):
        assert copy[name].protection.sheet
    assert copy[metadata.SHEET].sheet_state == "veryHidden"
    assert set(copy.defined_names.keys()) == set(original.defined_names.keys())
    rechecked = check_files([result.annotated])[0]
    assert {(f.code, f.sheet, f.cell) for f in rechecked.findings if f.cell} == EXPECTED


def test_text_that_looks_like_a_formula_stays_text(annotated):
    _, result = annotated
    with zipfile.ZipFile(result.annotated) as zf:
        xml = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>HYPERLINK" not in xml and b"<f>=HYPERLINK" not in xml
    book = openpyxl.load_workbook(result.annotated)
    cell = book["KPI"]["D7"]  # 指標名 typed as =HYPERLINK(...)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"


def _move_validation_to_x14(path, sheet_part, sqref, close="</x14:dataValidation>"):
    """Rewrite one data validation the way Excel 2010+ stores cross-sheet lists."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    xml = parts[sheet_part].decode()
    match = re.search(rf'<dataValidation [^>]*sqref="{sqref}"[^>]*>.*?</dataValidation>', xml, re.S)
    formula = re.search(r"<formula1>(.*?)</formula1>", match.group(0)).group(1)
    xml = xml.replace(match.group(0), "")
    count = len(re.findall(r"<dataValidation ", xml))
    xml = re.sub(r'<dataValidations count="\d+">', f'<dataValidations count="{count}">', xml)
    ext = ('<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
           'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
           '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
           '<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1" '
           'promptTitle="区分" prompt="選んでください">'
           f'<x14:formula1><xm:f>{formula}</xm:f></x14:formula1><xm:sqref>{sqref}</xm:sqref>'
           f'{close}</x14:dataValidations></ext></extLst>')
    xml = xml.replace("</worksheet>", ext + "</worksheet>")
    parts[sheet_part] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


@pytest.mark.filterwarnings("ignore:Data Validation extension")
@pytest.mark.parametrize("close", ["</x14:dataValidation>", "</x14:dataValidation >"])
def test_extension_validations_are_restored(generated, tmp_path, close):
    """Closed as `</x14:dataValidation >` (valid XML) too: once 250 s, now read at once."""
    path = fill_workbook(generated["R02"], {"事業費": ANSWERS["事業費"][:1]}, tmp_path / "x14.xlsx")
    book = openpyxl.load_workbook(path)
    part = f"xl/worksheets/sheet{book.sheetnames.index('事業費') + 1}.xml"
    _move_validation_to_x14(path, part, "B4:B203", close)
    assert "B4:B203" not in _validations(openpyxl.load_workbook(path))["事業費"]  # openpyxl's trap
    result = check_and_annotate([path], tmp_path / "out")[0]
    copy = openpyxl.load_workbook(result.annotated)
    restored = [dv for dv in copy["事業費"].data_validations.dataValidation if str(dv.sqref) == "B4:B203"]
    assert len(restored) == 1 and restored[0].type == "list" and restored[0].formula1
    assert restored[0].promptTitle == "区分"


def test_macros_are_not_carried(generated, tmp_path):
    source = fill_workbook(generated["R03"], {"KPI": ANSWERS["KPI"][:1]}, tmp_path / "m.xlsx")
    xlsm = tmp_path / "m.xlsm"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(xlsm, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0not-really-vba")
    result = check_and_annotate([xlsm], tmp_path / "out")[0]
    assert "MACROS_IGNORED" in {f.code for f in result.findings}
    assert result.annotated.endswith(".xlsx")
    with zipfile.ZipFile(result.annotated) as zf:
        assert not any("vba" in n.lower() for n in zf.namelist())


@needs_soffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_xls_and_ods_returns_get_a_rebuilt_copy(annotated, tmp_path, fmt):
    source, _ = annotated
    src = tmp_path / "src" / "R01.xlsx"
    src.parent.mkdir()
    shutil.copy(source, src)
    filt = {"xls": "xls:MS Excel 97", "ods": "ods"}[fmt]
    subprocess.run([soffice(), "--headless", "--convert-to", filt, "--outdir", str(tmp_path), str(src)],
                   capture_output=True, timeout=180, check=True)
    result = check_and_annotate([tmp_path / f"R01.{fmt}"], tmp_path / "out")[0]
    copy = openpyxl.load_workbook(result.annotated)
    assert copy.worksheets[0].title == "指摘一覧" and copy["事業"]["D6"].comment is not None
    assert copy["KPI"]["A4"].value == "K001" and copy["事業"]["D6"].value == "ｱ-c"
    rechecked = check_files([result.annotated])[0]
    assert {(f.code, f.sheet, f.cell) for f in rechecked.findings if f.cell} == EXPECTED


def test_a_copy_past_its_time_is_a_warning_not_the_clerks_error(generated, tmp_path, monkeypatch):
    import kpi_workbook.checking.annotate as C
    path = fill_workbook(generated["R05"], {}, tmp_path / "R05.xlsx")
    before = [f.code for f in check_files([path])[0].findings]
    monkeypatch.setattr(C, "ANNOTATE_TIMEOUT", 0.001)
    result = check_and_annotate([path], tmp_path / "out")[0]
    failed = [f for f in result.findings if f.code == "ANNOTATE_FAILED"]
    assert len(failed) == 1 and failed[0].severity == "warning" and "時間内に終わりませんでした" in failed[0].message
    assert [f.code for f in result.findings if f.code != "ANNOTATE_FAILED"] == before
    assert not result.annotated and not list((tmp_path / "out").glob("*.xlsx"))


def _package_problems(path) -> list:
    """Every relationship target and content-type part of an .xlsx present: what Excel
    checks before it offers to repair a file."""
    import posixpath
    archive = zipfile.ZipFile(path)
    names, out = set(archive.namelist()), []
    for part in re.findall(r'PartName="/([^"]+)"', archive.read("[Content_Types].xml").decode()):
        if part not in names:
            out.append(("content type of a missing part", part))
    for rels in (n for n in names if n.endswith(".rels")):
        base = posixpath.dirname(posixpath.dirname(rels))
        for rel in re.findall(r"<Relationship [^>]*>", archive.read(rels).decode()):
            target = re.search(r'Target="([^"]+)"', rel).group(1)
            if 'TargetMode="External"' in rel:
                continue
            part = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
            if part not in names:
                out.append((rels, target))
    return out


def _with_external_link(source, target):
    """*source* with an external link (another workbook's cell) in a formula, as Excel writes it."""
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType='
                                    b'"application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>')
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", f'<Relationship Id="rIdX1" Type="{ns}/externalLink" '
                                    f'Target="externalLinks/externalLink1.xml"/></Relationships>'.encode())
            elif item.filename == "xl/workbook.xml":
                data = re.sub(rb"(</sheets>)", b'\\1<externalReferences><externalReference r:id="rIdX1"/>'
                              b"</externalReferences>", data, count=1)
            zout.writestr(item, data)
        zout.writestr("xl/externalLinks/externalLink1.xml",
                      '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                      f'xmlns:r="{ns}"><externalBook r:id="rId1"><sheetNames><sheetName val="集計"/></sheetNames>'
                      '<sheetDataSet><sheetData sheetId="0"/></sheetDataSet></externalBook></externalLink>')
        zout.writestr("xl/externalLinks/_rels/externalLink1.xml.rels",
                      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                      f'<Relationship Id="rId1" Type="{ns}/externalLinkPath" Target="file:///C:/集計/前回.xlsx" '
                      'TargetMode="External"/></Relationships>')
    return target


def test_a_copy_keeps_external_links_whole_and_the_clerks_own_comments(generated, tmp_path):
    from openpyxl.comments import Comment
    filled = fill_workbook(generated["R01"], ANSWERS, tmp_path / "filled.xlsx")
    book = openpyxl.load_workbook(filled)
    flagged = check_files([filled])[0]
    finding = next(f for f in flagged.findings if f.sheet and f.cell)
    book[finding.sheet][finding.cell].comment = Comment("担当課に確認中です。", "記入者")
    book["事業"]["Z1"] = "='[前回.xlsx]集計'!A1"
    book.save(tmp_path / "commented.xlsx")
    source = _with_external_link(tmp_path / "commented.xlsx", tmp_path / "R01.xlsx")
    result = check_and_annotate([source], tmp_path / "out")[0]
    copy = result.annotated
    assert _package_problems(copy) == []
    assert any("externalLink" in name for name in zipfile.ZipFile(copy).namelist())  # kept whole, not dangling
    note = openpyxl.load_workbook(copy)[finding.sheet][finding.cell].comment.text
    assert note.startswith("担当課に確認中です。") and finding.message in note


def test_a_copy_hides_the_machinery_again_whatever_a_resave_made_of_it(generated, tmp_path):
    """A LibreOffice or Gnumeric re-save leaves the metadata and list sheets visible or merely
    hidden; the annotated copy makes them very hidden again, as generated."""
    filled = fill_workbook(generated["R01"], ANSWERS, tmp_path / "filled.xlsx")
    book = openpyxl.load_workbook(filled)
    for name in (metadata.SHEET, "_lists"):
        book[name].sheet_state = "visible"
    book.save(tmp_path / "R01.xlsx")
    copy = openpyxl.load_workbook(check_and_annotate([tmp_path / "R01.xlsx"], tmp_path / "out")[0].annotated)
    assert {name: copy[name].sheet_state for name in (metadata.SHEET, "_lists")} == {
        metadata.SHEET: "veryHidden", "_lists": "veryHidden"}


@needs_soffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_a_rebuilt_copy_carries_last_rounds_values_so_the_resubmission_is_compared(last_round, tmp_path, fmt):
    """旭川 alters a past actual (R2's 8 → 6) and re-saves as .xls/.ods: the original and
    the annotated copy (rebuilt) both say ACTUAL_ALTERED."""
    from .conftest import edited

    _, books = last_round

    def alter(book):
        actual = book["KPI実績"]
        row = next(r for r in range(4, actual.max_row + 1)
                   if actual.cell(r, 1).value == "K001" and actual.cell(r, 2).value == "R2")
        actual.cell(row, 3, "6")
    source = edited(books["R07"], tmp_path / "src" / "R07.xlsx", alter)
    filt = {"xls": "xls:MS Excel 97", "ods": "ods"}[fmt]
    subprocess.run([soffice(), "--headless", "--convert-to", filt, "--outdir", str(tmp_path), str(source)],
                   capture_output=True, timeout=180, check=True)
    result = check_and_annotate([tmp_path / f"R07.{fmt}"], tmp_path / "out", round_="令和9年度調査")[0]
    assert "ACTUAL_ALTERED" in {f.code for f in result.findings}
    again = check_files([result.annotated], round_="令和9年度調査")[0]
    assert "ACTUAL_ALTERED" in {f.code for f in again.findings}


def test_a_figure_read_from_another_workbook_is_read_as_saved_and_said(generated, tmp_path):
    """A clerk's 現状値 is a formula reading last year's workbook: its saved value is read, with EXTERNAL_VALUE."""
    filled = fill_workbook(generated["R01"], ANSWERS, tmp_path / "filled.xlsx")
    source = _with_external_link(filled, tmp_path / "linked.xlsx")
    with zipfile.ZipFile(source) as zin:  # K001's 現状値 (L4) becomes ='[1]集計'!A1 with its saved 1084
        names = zin.namelist()
        book = openpyxl.load_workbook(source)
        sheet_index = book.sheetnames.index("KPI") + 1
    part = f"xl/worksheets/sheet{sheet_index}.xml"
    target = tmp_path / "R01.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in names:
            data = zin.read(name)
            if name == part:
                formula = "<f>[1]集計!A1</f><v>1084</v>".encode()
                data = re.sub(rb'<c r="L4"([^>]*?)(?: t="\w+")?>.*?</c>',
                              lambda m: b'<c r="L4"' + m.group(1) + b">" + formula + b"</c>", data, count=1)
            zout.writestr(zin.getinfo(name), data)
    result = check_files([target])[0]
    external = [f for f in result.findings if f.code == "EXTERNAL_VALUE"]
    assert [(f.sheet, f.cell) for f in external] == [("KPI", "L4")] and external[0].severity == "info"
    kpi = next(r for r in result.records["kpis"] if r.row == 4)
    assert kpi.values["latest"].value == 1084


def test_a_copy_keeps_the_data_connections_its_pivot_caches_name(generated, tmp_path):
    """openpyxl keeps a pivot cache but drops xl/connections.xml: a copy whose pivot cache
    names a connection gets the return's connections back, whole (no dangling reference)."""
    from kpi_workbook.checking.annotate import CONNECTIONS, keep_connections
    base = fill_workbook(generated["R01"], ANSWERS, tmp_path / "base.xlsx")
    connections = ('<connections xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                   '<connection id="1" name="集計DB" type="1" refreshedVersion="6"><dbPr connection="DSN=kpi"/>'
                   '</connection></connections>')
    source, copy = tmp_path / "source.xlsx", tmp_path / "copy.xlsx"
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(source, "w") as zs, zipfile.ZipFile(copy, "w") as zc:
        for item in zin.infolist():
            zs.writestr(item, zin.read(item.filename))
            zc.writestr(item, zin.read(item.filename))
        zs.writestr(CONNECTIONS, connections)
        zc.writestr("xl/pivotCache/pivotCacheDefinition1.xml",  # what openpyxl writes back: the cache, not the connection
                    '<pivotCacheDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    '<cacheSource type="external" connectionId="1"/></pivotCacheDefinition>')
    keep_connections(source, copy)
    with zipfile.ZipFile(copy) as zc:
        assert zc.read(CONNECTIONS).decode() == connections
        assert b"/xl/connections.xml" in zc.read("[Content_Types].xml")
        assert b'Target="connections.xml"' in zc.read("xl/_rels/workbook.xml.rels")
    assert _package_problems(copy) == []
    plain = tmp_path / "plain.xlsx"
    shutil.copy(base, plain)
    keep_connections(source, plain)  # no part names a connection: nothing added
    assert CONNECTIONS not in zipfile.ZipFile(plain).namelist()
