"""evaluation: seed 004's 事務事業評価 block per project, one printed page each."""
import openpyxl
from click.testing import CliRunner

from kpi_workbook.cli import cli
from kpi_workbook.consolidation.consolidate import consolidate

from .conftest import SAMPLES, rows


def test_evaluation_sheet_for_asahikawa(summary):
    _, book, _ = summary
    cells = [c for row in book["事務事業評価"].iter_rows(values_only=True) for c in row if c is not None]
    assert "12 11 01" in cells and "広域行政推進事業" in cells and "地方自治法第252条の2" in cells
    assert 77.8 in cells and 38.1 in cells and "達成" in cells
    assert 115 in cells and 301 in cells and 404 in cells and 210 in cells
    marks = [c for c in cells if isinstance(c, str) and c.startswith("①") and "③業務の効率化　○" in c]
    assert len(marks) == 1  # 旭川: ③ and ⑦ marked, the others not
    assert "⑦職員能力・組織力の向上　○" in marks[0] and "①デジタル化・DX　\n" in marks[0]


def test_block_reads_as_seed_004(summary):
    """The prefecture over its share (北海道), years in the Japanese era, seed 004's two
    fields, a cumulative KPI's own figure, a page break before every block."""
    result, book, _ = summary
    ws = book["事務事業評価"]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "北海道" in cells and "兵庫県" in cells  # 旭川's and 播磨's 都道府県 column headers
    assert "令和2年度" in cells and "令和5年度" in cells and "昭和47年度" in cells
    assert not any(isinstance(c, str) and c in ("R2", "R3", "R5") for c in cells)
    assert "行政・民間の類似事業・サービス" in cells and "改善・課題解決の参考になる事例" in cells
    assert "実績\n平成27年度～令和元年度" in cells and 126 in cells  # 高梁川: its cumulative figure
    assert len(ws.row_breaks.brk) == sum(s.projects for s in result.used)
    assert ws.page_setup.orientation == "portrait" and ws.sheet_properties.pageSetUpPr.fitToPage


def test_evaluation_per_region_when_too_many_projects(returns, tmp_path, monkeypatch):
    """Over the one-sheet limit (Excel: 1,026 page breaks), the sheet becomes an index and
    --evaluation writes one workbook per region with that region's blocks."""
    import kpi_workbook.consolidation.summary_writer as S
    monkeypatch.setattr(S, "MAX_BLOCKS", 3)
    out = tmp_path / "summary.xlsx"
    result = consolidate(returns, SAMPLES / "roster.csv", out, jobs=2, evaluation_dir=tmp_path / "評価")
    index = rows(openpyxl.load_workbook(out)["事務事業評価"])
    assert "圏域ごとのファイル（フォルダ「評価」）" in index[0][0]
    assert [r[0] for r in index[2:-1]] == sorted(s.region_code for s in result.used)
    assert index[-1][0] == "計" and index[-1][2] == sum(s.projects for s in result.used) == sum(r[2] for r in index[2:-1])
    files = sorted(p.name for p in (tmp_path / "評価").iterdir())
    assert len(files) == len(result.used) and all(f.endswith(".xlsx") for f in files)
    asahikawa = next(p for p in (tmp_path / "評価").iterdir() if p.name.startswith("R07"))
    cells = [c for row in openpyxl.load_workbook(asahikawa)["事務事業評価"].iter_rows(values_only=True) for c in row if c]
    assert 77.8 in cells and 38.1 in cells and "広域行政推進事業" in cells
    assert not any(isinstance(c, str) and "熊本" in c for c in cells)  # only its own region
    link = openpyxl.load_workbook(out)["事務事業評価"].cell(3, 4).hyperlink
    assert link is not None and link.target.replace("\\", "/").startswith("評価/R01_")


def test_evaluation_too_large_without_folder_says_how(returns, tmp_path, monkeypatch):
    import kpi_workbook.consolidation.summary_writer as S
    monkeypatch.setattr(S, "MAX_BLOCKS", 3)
    consolidate(returns, SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=1)
    index = rows(openpyxl.load_workbook(tmp_path / "s.xlsx")["事務事業評価"])
    assert "--evaluation" in index[0][0] and index[1][:3] == ["圏域コード", "圏域名", "事業数"]


def test_cli_evaluation_folder(returns, tmp_path):
    result = CliRunner().invoke(cli, ["consolidate", str(returns), "--roster", str(SAMPLES / "roster.csv"),
                                      "-o", str(tmp_path / "s.xlsx"), "--evaluation", str(tmp_path / "ev")])
    assert result.exit_code == 1, result.output
    assert f"圏域ごとの事務事業評価：{tmp_path / 'ev'}（8ファイル）" in result.output
    assert len(list((tmp_path / "ev").glob("*.xlsx"))) == 8
    # few projects: the blocks are also in the summary's own sheet
    cells = [c for row in openpyxl.load_workbook(tmp_path / "s.xlsx")["事務事業評価"].iter_rows(values_only=True) for c in row]
    assert 77.8 in cells
