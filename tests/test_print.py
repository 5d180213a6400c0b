"""What people print: the demo's summary, an annotated copy and a blank workbook, converted
to PDF by LibreOffice and read back as text (poppler's ``pdftotext``).

Every header label of every printed sheet (each cell in a header colour, in a column that
is not hidden) must appear on that sheet's pages, whole: a label cut off by its cell or
by the page is not found. Each 事務事業評価 block must be one page: as many pages as
blocks, each with one block's heading and its closing 2次評価 box. Pages are told apart
by the sheet name each prints in its header or footer.
"""
from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from kpi_workbook.checking.annotate import annotate, annotated_name
from kpi_workbook.checking.check import check_workbook
from kpi_workbook.demo import run_demo

from .conftest import soffice

pytestmark = pytest.mark.skipif(soffice() is None or shutil.which("pdftotext") is None,
                                reason="LibreOffice or poppler's pdftotext is not installed")
HEADER_FILLS = {"DDEBF7", "F8CBAD"}  # the summary's and the workbooks' header colours


def to_pdf(workbook: Path, out: Path) -> Path:
    subprocess.run([soffice(), "--headless", "--convert-to", "pdf", "--outdir", str(out), str(workbook)],
                   check=True, capture_output=True, timeout=240)
    return out / (workbook.stem + ".pdf")


class Word:
    def __init__(self, attrs: str, text: str):
        box = dict(re.findall(r'(\w+)="([\d.]+)"', attrs))
        self.x0, self.y0, self.x1, self.y1 = (float(box[k]) for k in ("xMin", "yMin", "xMax", "yMax"))
        self.text = re.sub(r"\s+", "", html.unescape(text))


def pages(pdf: Path) -> list:
    """Each page as its words (with their boxes) and its height."""
    out = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], check=True, capture_output=True,
                         text=True, encoding="utf-8", timeout=120).stdout
    result = []
    for page in re.findall(r"<page[^>]*>.*?</page>", out, re.S):
        height = float(re.search(r'height="([\d.]+)"', page).group(1))
        lines = [[Word(a, t) for a, t in re.findall(r"<word ([^>]*)>(.*?)</word>", line)]
                 for line in re.findall(r"<line[^>]*>.*?</line>", page, re.S)]
        result.append((lines, height))
    return result


def printed_whole(label: str, lines: list) -> bool:
    """Whether *label* is on the page whole: a line's words from one of them on, then the
    lines just below it in the same cell (a wrapped label), make it up."""
    words = [w for line in lines for w in line]
    for i, line in enumerate(lines):
        for j in range(len(line)):
            text, left, right, bottom = "", line[j].x0, line[j].x1, line[j].y1
            for word in line[j:]:
                text += word.text
                right = word.x1
                if not label.startswith(text):
                    break
                if text == label or _continues(label, text, words, left, right, bottom):
                    return True
    return False


def _continues(label, text, words, left, right, bottom) -> bool:
    """The rest of *label* in the lines under a box (a wrapped cell: centred or not)."""
    while text != label:
        below = [w for w in words if 0 <= w.y0 - bottom < 8 and w.x0 < right + 2 and w.x1 > left - 2
                 and label.startswith(text + w.text)]
        if not below:
            return False
        word = min(below, key=lambda w: w.x0)
        text, bottom = text + word.text, word.y1
    return True


def pages_by_sheet(pdf: Path, sheets: list) -> dict:
    """Sheet name -> its pages (lines of words), each page named by the sheet name it
    prints at its top or bottom edge."""
    named = {}
    for lines, height in pages(pdf):
        texts = [("".join(w.text for w in line), line[0].y0) for line in lines if line]
        edges = [(abs(top - height / 2), text) for text, top in texts if text in sheets]
        assert edges, f"a page of {pdf.name} names no sheet: {[t for t, _ in texts][:5]}"
        named.setdefault(max(edges)[1], []).append(lines)
    return named


def header_labels(path: Path) -> dict:
    """Sheet name -> the labels of its header cells that print (not in hidden columns)."""
    book = openpyxl.load_workbook(path)
    out = {}
    for ws in book.worksheets:
        if ws.sheet_state != "visible":
            continue
        hidden = {key for key, dim in ws.column_dimensions.items() if dim.hidden}
        labels = set()
        for row in ws.iter_rows():
            for cell in row:
                colour = (cell.fill.fgColor.rgb or "")[-6:] if cell.fill and cell.fill.fill_type else ""
                if colour in HEADER_FILLS and isinstance(cell.value, str) and cell.value.strip() \
                        and cell.column_letter not in hidden:
                    labels.add(re.sub(r"\s+", "", cell.value))
        out[ws.title] = labels
    return out


def assert_headers_printed(workbook: Path, pdf: Path) -> dict:
    labels = header_labels(workbook)
    printed = pages_by_sheet(pdf, list(labels))
    for sheet, wanted in labels.items():
        if not wanted:
            continue
        assert sheet in printed, f"{workbook.name}: sheet {sheet} printed no page"
        missing = [label for label in sorted(wanted) if not any(printed_whole(label, page) for page in printed[sheet])]
        assert missing == [], f"{workbook.name}「{sheet}」: header labels not printed whole: {missing}"
    return printed


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("print")
    made = run_demo(folder / "demo-out", jobs=1)
    return folder, made


def test_summary_prints_every_header_and_one_page_per_block(demo, renkei):
    folder, made = demo
    summary = made["result"].output
    printed = assert_headers_printed(summary, to_pdf(summary, folder / "pdf"))
    evaluation = printed[renkei.summary["sheets"]["evaluation"]]
    projects = sum(s.projects for s in made["result"].used)
    assert len(evaluation) == projects  # a page per block, none split, none empty
    second = renkei.summary["labels"]["second"]
    regions = {f"{s.region_name}（{s.region_code}）" for s in made["result"].used}
    for page in evaluation:
        texts = ["".join(w.text for w in line) for line in page]
        assert sum(1 for text in texts if text in regions) == 1  # one block's heading
        assert printed_whole(second, page)                        # and its last box


def test_annotated_copy_prints_every_header(demo, tmp_path):
    folder, made = demo
    returned = sorted(made["returns"].glob("R08_*.xlsx"))[0]  # a return with errors
    result = check_workbook(returned, definitions=made["result"].csv_dir)  # round 2's definition is its CSVs'
    annotated = annotate(result, tmp_path / annotated_name(result))
    assert_headers_printed(annotated, to_pdf(annotated, tmp_path / "pdf"))


def test_blank_workbook_prints_every_header_and_its_deadline(demo, tmp_path, renkei):
    folder, made = demo
    blank = sorted((made["workbooks"] / "renkei").glob("R01_*.xlsx"))[0]
    printed = assert_headers_printed(blank, to_pdf(blank, tmp_path / "pdf"))
    guide = printed[renkei.guide["sheet"]]
    for example in renkei.guide["examples"].values():  # every worked example, its title whole
        assert any(printed_whole(re.sub(r"\s+", "", example["title"]), page) for page in guide)
