"""Generated workbooks, read back with openpyxl: content, dropdowns, protection, print."""
import subprocess

import openpyxl
import pytest

from kpi_workbook.core import meta_sheet as metadata
from kpi_workbook.generation.workbooks import generate, write_workbook
from kpi_workbook.reading.roster import read_roster

from .conftest import FIXED_NOW, SAMPLES, needs_soffice, soffice


@pytest.fixture(scope="module")
def kumamoto(generated):
    return openpyxl.load_workbook(generated["R01"])


def test_one_workbook_per_region(generated):
    assert sorted(generated) == [f"R{i:02d}" for i in range(1, 11)]
    assert generated["R04"].name == "R04_とやま呉西圏域連携中枢都市圏.xlsx"


def test_sheets_and_headers(kumamoto, renkei):
    assert kumamoto.sheetnames[:6] == ["記入要領", "圏域情報", "事業", "事業費", "KPI", "KPI実績"]
    ws = kumamoto["KPI"]
    assert [c.value for c in ws[3]] == [c.label for c in renkei.sheet("kpis").columns]
    assert ws.freeze_panes == "B4"


def test_region_prefilled_and_locked(kumamoto):
    ws = kumamoto["圏域情報"]
    values = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(4, 14)}
    assert values["圏域コード"].value == "R01"
    assert values["圏域名"].value == "熊本連携中枢都市圏"
    assert values["中心市"].value == "熊本市"
    assert values["構成市町村"].value.startswith("熊本市、菊池市")
    assert values["圏域コード"].protection.locked is True
    assert values["担当者"].value is None and values["担当者"].protection.locked is False
    assert ws.protection.sheet is True


def test_entry_area_unlocked_headers_locked(kumamoto):
    ws = kumamoto["事業"]
    assert ws.protection.sheet is True and not ws.protection.password
    assert ws["A3"].protection.locked is True  # header
    # The entry area is unlocked by column format: Excel and LibreOffice apply it to every
    # empty cell of the column (openpyxl reports non-existent cells with the default style).
    unlocked = set()
    for dim in list(ws.column_dimensions.values()):
        if dim.min and not dim.protection.locked:
            unlocked.update(range(dim.min, dim.max + 1))
    assert unlocked == set(range(1, 18))  # the 17 columns of 事業, nothing beyond
    assert ws.column_dimensions["A"].width >= 9


def test_dropdowns_use_named_lists(kumamoto, renkei):
    ws = kumamoto["事業"]
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    category = rules["D4:D203"]
    assert category.type == "list" and category.showDropDown in (False, None)
    name = category.formula1.lstrip("=")
    target = kumamoto.defined_names[name].attr_text
    sheet, cells = list(kumamoto.defined_names[name].destinations)[0]
    values = [row[0].value for row in kumamoto[sheet][cells]]
    assert len(values) == 27 and values[1].startswith("アb ")
    assert len(",".join(values)) > 255  # why it cannot be an inline list
    assert category.prompt and category.promptTitle == "取組分類"
    members = rules["E4:E203"]
    sheet, cells = list(kumamoto.defined_names[members.formula1.lstrip("=")].destinations)[0]
    assert [row[0].value for row in kumamoto[sheet][cells]][:2] == ["熊本市", "菊池市"]
    stage = {str(dv.sqref): dv for dv in kumamoto["事業費"].data_validations.dataValidation}["B4:B203"]
    assert stage.type == "list" and stage.errorStyle in (None, "stop")
    assert kumamoto[target.split("!")[0].strip("'")].sheet_state == "hidden"


def test_required_cells_marked(kumamoto):
    rules = kumamoto["KPI"].conditional_formatting
    formulas = [r.formula[0] for cf in rules for r in cf.rules if r.formula]
    assert any(f.startswith("AND(COUNTA(") and "LEN(TRIM(A4))=0" in f for f in formulas)
    cost_rules = [r.formula[0] for cf in kumamoto["事業費"].conditional_formatting for r in cf.rules if r.formula]
    assert any("ROUND(N(D4)-(N(E4)+N(F4)+N(G4)+N(I4)+N(J4)),6)<>0" in f for f in cost_rules)


def test_metadata_sheet(kumamoto, renkei):
    ws = kumamoto[metadata.SHEET]
    assert ws.sheet_state == "veryHidden" and ws.protection.sheet
    meta = metadata.parse([[c.value for c in row] for row in ws.iter_rows()])
    assert meta["survey_id"] == "renkei-kpi" and meta["region_code"] == "R01"
    assert meta["layout_fingerprint"] == renkei.fingerprint
    assert meta["generated_at"] == FIXED_NOW.isoformat()
    assert meta["signature"] == ""


def test_print_setup_and_font(kumamoto, renkei):
    for name, paper in (("事業", 8), ("KPI", 8), ("事業費", 9)):  # a wide table on A3: one page wide
        ws = kumamoto[name]
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (paper, str(paper))
        assert ws.sheet_properties.pageSetUpPr.fitToPage and int(ws.page_setup.fitToWidth or 1) == 1
        assert ws.page_setup.fitToHeight in (0, "0")
        assert ws.print_title_rows == "$3:$3"
    font = kumamoto["KPI"]["A3"].font
    assert font.name == renkei.font and font.charset == 128  # East Asian (Shift_JIS) font


def test_document_properties(kumamoto, renkei):
    props = kumamoto.properties
    assert props.title == f"{renkei.title}（熊本連携中枢都市圏）"
    assert props.subject == renkei.title and "R01" in props.keywords


def test_existing_files_not_overwritten_without_force(tmp_path, renkei, roster_path):
    first = generate(roster_path, renkei, tmp_path, now=FIXED_NOW)
    before = first.written[0].read_bytes()
    second = generate(roster_path, renkei, tmp_path, now=FIXED_NOW.replace(year=2030))
    assert second.written == [] and {f.code for f in second.findings} >= {"OUTPUT_EXISTS"}
    assert first.written[0].read_bytes() == before
    third = generate(roster_path, renkei, tmp_path, force=True, now=FIXED_NOW.replace(year=2030))
    assert len(third.written) == 10 and third.written[0].read_bytes() != before


def test_password_and_signature(tmp_path, renkei, roster_path):
    region = read_roster(roster_path, renkei)[0][0]
    path = write_workbook(renkei, region, tmp_path / "x.xlsx", password="pw", secret="s3cret", now=FIXED_NOW)
    book = openpyxl.load_workbook(path)
    assert book["事業"].protection.password
    meta = metadata.parse([[c.value for c in row] for row in book[metadata.SHEET].iter_rows()])
    assert metadata.verify(meta, "s3cret") and not metadata.verify(meta, "other")
    meta["region_code"] = "R02"
    assert not metadata.verify(meta, "s3cret")


def test_teiju_survey_generates(tmp_path, teiju, roster_path):
    result = generate(roster_path, teiju, tmp_path, now=FIXED_NOW)
    assert [p.name for p in result.written] == ["T01_上川中部定住自立圏.xlsx", "T02_南信州定住自立圏.xlsx"]
    book = openpyxl.load_workbook(result.written[0])
    lists = book["_lists"]
    assert lists["A1"].value.startswith("Aa 医療")


def test_unsafe_region_name_gives_safe_file(tmp_path, renkei):
    roster = tmp_path / "r.csv"
    roster.write_text("圏域コード,圏域名,圏域の種別,中心市,構成市町村,都道府県\n"
                      'CON,"../a:b*c?圏",連携中枢都市圏,A市,A市,A県\n', encoding="utf-8")
    out = tmp_path / "out"
    result = generate(roster, renkei, out, now=FIXED_NOW)
    assert len(result.written) == 1
    path = result.written[0]
    assert path.parent == out.resolve() and ":" not in path.name and "/" not in path.name


@needs_soffice
def test_libreoffice_opens_and_converts(tmp_path, generated):
    source = generated["R04"]
    done = subprocess.run([soffice(), "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                          capture_output=True, timeout=180)
    pdf = tmp_path / (source.stem + ".pdf")
    assert done.returncode == 0 and pdf.exists() and pdf.stat().st_size > 10_000
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout \
        if subprocess.run(["which", "pdftotext"], capture_output=True).returncode == 0 else ""
    if text:
        assert "記入要領" in text and "高岡市" in text and "成果指標（KPI）一覧" in text


def test_many_regions_are_written_in_parallel_with_the_same_bytes(tmp_path):
    """From PARALLEL_FROM regions on, generate uses a process pool; the files are the same."""
    from kpi_workbook.generation.workbooks import PARALLEL_FROM
    lines = (SAMPLES / "roster.csv").read_text(encoding="utf-8").splitlines()
    template = next(line for line in lines[1:] if line.startswith("R01"))
    roster = tmp_path / "many.csv"
    roster.write_text("\n".join([lines[0]] + [template.replace("R01", f"X{i:03d}", 1) for i in range(PARALLEL_FROM + 5)]) + "\n",
                      encoding="utf-8")
    ticks = []
    both = [generate(roster, "renkei", tmp_path / f"out{jobs}", now=FIXED_NOW, jobs=jobs,
                     progress=ticks.append) for jobs in (1, 2)]
    assert len(ticks) == 2 * (PARALLEL_FROM + 5)
    assert [p.name for p in both[0].written] == [p.name for p in both[1].written]
    assert len(both[1].written) == PARALLEL_FROM + 5
    for a, b in zip(both[0].written, both[1].written):
        assert a.read_bytes() == b.read_bytes()


def test_every_entry_column_says_what_it_wants(generated, renkei):
    """Each column of each entry table shows an input message (事業費's 区分 had none)."""
    book = openpyxl.load_workbook(generated["R01"])
    for sheet in (s for s in renkei.sheets if s.kind == "table"):
        ws = book[sheet.name]
        header = next(r for r in range(1, 10) if sum(1 for c in ws[r] if c.value) > 2)
        labels = {c.column: c.value for c in ws[header] if c.value}
        prompted = {col for dv in ws.data_validations.dataValidation if dv.prompt
                    for rng in dv.sqref.ranges for col in range(rng.min_col, rng.max_col + 1)}
        assert [label for column, label in labels.items() if column not in prompted] == [], sheet.name


def test_deadline_and_contact_head_the_guide(tmp_path, roster_path):
    from kpi_workbook.generation.workbooks import generate
    written = generate(roster_path, "renkei", tmp_path, now=FIXED_NOW, deadline="2026-10-31",
                       contact="総務省 地域力創造グループ 03-0000-0000").written[0]
    guide = openpyxl.load_workbook(written)["記入要領"]
    lines = [guide.cell(r, 1).value for r in range(1, 8)]
    assert "提出期限：2026年10月31日" in lines and "問い合わせ先：総務省 地域力創造グループ 03-0000-0000" in lines
    plain = generate(roster_path, "renkei", tmp_path / "plain", now=FIXED_NOW).written[0]
    assert not any(str(c.value or "").startswith("提出期限") for c in openpyxl.load_workbook(plain)["記入要領"]["A"])


@pytest.mark.parametrize("name", ["renkei", "teiju"])
def test_every_entry_sheet_has_a_worked_example_that_passes_the_rules(tmp_path, roster_path, name):
    """記入要領 shows an example of every entry sheet (item, example, how to fill it), and
    each example, typed into its sheet, draws no error or warning there."""
    from kpi_workbook.checking.check import check_workbook
    from kpi_workbook.generation.fill import fill_workbook
    from kpi_workbook.core.survey import load_survey
    survey = load_survey(name)
    blank = generate(roster_path, survey, tmp_path / "blank", now=FIXED_NOW).written[0]
    guide = [[c.value for c in row] for row in openpyxl.load_workbook(blank)["記入要領"].iter_rows()]
    tables = [sheet for sheet in survey.sheets if sheet.kind == "table"]
    answers = {}
    for sheet in tables:
        example = survey.guide["examples"][sheet.key]
        title = [i for i, row in enumerate(guide) if row[0] == example["title"]]
        assert len(title) == 1, sheet.name
        shown = guide[title[0] + 2: title[0] + 2 + len(sheet.columns)]
        assert [row[0] for row in shown] == [c.label for c in sheet.columns]
        assert all(row[2] for row in shown)  # every column says how to fill it
        required = {c.label for c in sheet.columns if c.required}
        assert all(row[1] for row in shown if row[0] in required)
        answers[sheet.name] = [{c.label: example["row"].get(c.key, "") for c in sheet.columns}]
    filled = fill_workbook(blank, answers, tmp_path / "filled.xlsx")
    findings = check_workbook(filled, survey=survey).findings
    at_examples = [f for f in findings if f.sheet in answers and f.cell and f.severity in ("error", "warning")]
    assert at_examples == []  # (a one-KPI example leaves roles without a KPI: said without a cell)


def test_a_roster_without_a_region_of_the_survey_writes_nothing_and_says_so(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("圏域コード,圏域名,圏域の種別,中心市,構成市町村,都道府県\n", encoding="utf-8")
    result = generate(roster, "renkei", tmp_path / "out", now=FIXED_NOW)
    assert result.written == [] and [f.code for f in result.findings] == ["ROSTER_EMPTY"]
    assert not (tmp_path / "out").exists()


def test_generate_never_writes_through_a_link(tmp_path):
    """A region's file that is a link (to another region's workbook, or anywhere): that
    region is refused with a message, the link and its target stay as they were."""
    import os

    import pytest

    from kpi_workbook.generation.workbooks import generate

    from .conftest import SAMPLES
    if not hasattr(os, "symlink") or os.name == "nt":
        pytest.skip("symbolic links")
    out = tmp_path / "out"
    first = generate(SAMPLES / "roster.csv", "renkei", out).written
    first[0].unlink()
    first[0].symlink_to(first[1])
    again = generate(SAMPLES / "roster.csv", "renkei", out, force=True)
    refused = [f for f in again.findings if f.code == "OUTPUT_REFUSED"]
    assert len(refused) == 1 and "リンク" in refused[0].message
    assert first[0].is_symlink() and os.readlink(first[0]) == str(first[1]) and len(again.written) == len(first) - 1


def test_force_replaces_only_workbooks_the_tool_made(tmp_path):
    """generate --force over a file of the region's name that is not one of its workbooks
    (a memo saved there, a clerk's own file): refused by name; its own workbooks are replaced."""
    from kpi_workbook.generation.workbooks import generate

    from .conftest import SAMPLES
    out = tmp_path / "out"
    first = generate(SAMPLES / "roster.csv", "renkei", out).written
    first[0].write_bytes(b"a clerk's memo, not a workbook")
    again = generate(SAMPLES / "roster.csv", "renkei", out, force=True)
    assert [f.code for f in again.findings if f.code == "OUTPUT_NOT_OURS"] == ["OUTPUT_NOT_OURS"]
    assert first[0].read_bytes() == b"a clerk's memo, not a workbook" and len(again.written) == len(first) - 1
