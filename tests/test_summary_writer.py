"""summary: the workbook the same bytes however it is made (one process or a pool, fast path
or stock xlsxwriter), and robust to edits."""
import json
import zipfile

import openpyxl

from kpi_workbook.xlsx import fast_writer as xlsx_fast
from kpi_workbook.consolidation.consolidate import consolidate
from kpi_workbook.generation.fill import fill_workbook
from kpi_workbook.consolidation.table_specs import in_sheet, kpi_columns

from .conftest import SAMPLES, rows, set_modified


def _run(folder, out):
    return consolidate(folder, SAMPLES / "roster.csv", out / "s.xlsx", csv_dir=out / "csv", jobs=2)


def test_the_same_bytes_in_one_process_and_in_a_pool(plain_returns, tmp_path):
    first = _run(plain_returns, tmp_path / "a")
    second = consolidate(plain_returns, SAMPLES / "roster.csv", tmp_path / "b" / "s.xlsx", csv_dir=tmp_path / "b" / "csv",
                         jobs=1)
    assert (tmp_path / "a" / "s.xlsx").read_bytes() == (tmp_path / "b" / "s.xlsx").read_bytes()
    assert (tmp_path / "a" / "csv" / "kpis.csv").read_bytes() == (tmp_path / "b" / "csv" / "kpis.csv").read_bytes()
    assert first.totals == second.totals


def test_names_out_of_region_order_still_give_region_order(plain_returns, tmp_path, monkeypatch):
    (plain_returns / next(p.name for p in plain_returns.iterdir() if p.name.startswith("R01"))).rename(
        plain_returns / "zz_熊本の回答.xlsx")
    _run(plain_returns, tmp_path)
    codes = [r[0] for r in rows(openpyxl.load_workbook(tmp_path / "s.xlsx")["KPI一覧"])[1:] if r[0]][:-1]  # the legend last
    assert codes == sorted(codes) and codes[0] == "R01"
    assert not list(tmp_path.glob(".~tmp-*"))  # nothing left behind


def test_a_resubmission_is_used_in_place_of_the_first(plain_returns, generated, tmp_path):
    data = json.loads((SAMPLES / "returns" / "R02.json").read_text(encoding="utf-8"))
    data["KPI"][0]["指標名"] = "再提出で直した指標名"
    set_modified(fill_workbook(generated["R02"], data, plain_returns / "later" / "R02_再提出.xlsx"),
                 "2022-01-01T09:00:00Z")
    result = _run(plain_returns, tmp_path)
    assert next(s for s in result.used if s.region_code == "R02").relative == "later/R02_再提出.xlsx"
    r02 = [r for r in rows(openpyxl.load_workbook(tmp_path / "s.xlsx")["KPI一覧"]) if r[0] == "R02"]
    assert any("再提出で直した指標名" in r for r in r02)


def _parts(path) -> dict:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_the_stock_xlsxwriter_path_gives_the_same_parts(plain_returns, tmp_path, monkeypatch):
    """KPI_WORKBOOK_XLSX=stock (here: the switch it sets): every part of the summary and
    every CSV byte for byte those of the fast path."""
    consolidate(plain_returns, SAMPLES / "roster.csv", tmp_path / "fast.xlsx", csv_dir=tmp_path / "fast", jobs=1)
    monkeypatch.setattr(xlsx_fast, "FAST", False)
    consolidate(plain_returns, SAMPLES / "roster.csv", tmp_path / "stock.xlsx", csv_dir=tmp_path / "stock", jobs=1)
    assert _parts(tmp_path / "fast.xlsx") == _parts(tmp_path / "stock.xlsx")
    for csv in (tmp_path / "fast").iterdir():
        assert csv.read_bytes() == (tmp_path / "stock" / csv.name).read_bytes(), csv.name


def test_a_column_format_on_a_streamed_sheet_is_no_crash(plain_returns, tmp_path, monkeypatch):
    """The natural one-line edit — a column given a format with set_column — used to stop
    the run (rendered rows cannot be written under a column format): now those rows go
    xlsxwriter's way and take the format (where a cell has none of its own)."""
    import kpi_workbook.consolidation.summary_writer as S
    real = S._Writer._kpi_list_header

    def with_format(self):
        real(self)
        column = [c.label for c in in_sheet(kpi_columns(self.survey))].index("指標名")
        self.ws["kpis"].set_column(column, column, 30, self.fmt["wrap"])
    monkeypatch.setattr(S._Writer, "_kpi_list_header", with_format)
    result = consolidate(plain_returns, SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=1)
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx")["KPI一覧"]
    header = [c.value for c in ws[1]]
    name, rate = header.index("指標名") + 1, header.index("達成率（%）") + 1
    assert ws.cell(2, name).value and ws.cell(2, name).alignment.wrap_text
    assert ws.cell(2, rate).value == 108.4 and ws.cell(2, rate).number_format == "0.0"  # its own, kept
    assert ws.max_row == 1 + result.totals.kpis + 2  # a blank row, then the 区分 legend


