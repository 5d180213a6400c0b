"""demo: the whole loop on the bundled samples; it never replaces a folder it did not make."""
import pytest

from kpi_workbook.demo import run_demo
from kpi_workbook.core.errors import OutputError


def test_the_demo_makes_every_output_and_runs_again(tmp_path):
    made = run_demo(tmp_path / "demo-out", jobs=1)
    result = made["result"]
    assert len(result.used) == 8 and [r.code for r in result.missing] == ["R09", "R10"]
    assert (tmp_path / "demo-out" / "summary.xlsx").exists() and (tmp_path / "demo-out" / "csv" / "kpis.csv").exists()
    assert len(list((made["workbooks"] / "renkei").glob("*.xlsx"))) == 10
    assert made["site"] == tmp_path / "demo-out" / "site" and (made["site"] / "changes.html").exists()  # published
    run_demo(tmp_path / "demo-out", jobs=1)  # its own folder: replaced


def test_two_rounds_give_seed_004s_rates(tmp_path):
    """Round 2 starts from round 1's CSVs; 旭川 adds its 令和3年度 actuals (会議 8 → 7,
    研修 95 → 48): 7 ÷ 9 = 77.8 %, 48 ÷ 126 = 38.1 %, as seed 004."""
    import csv
    made = run_demo(tmp_path / "demo-out", jobs=1)
    with open(tmp_path / "demo-out" / "csv" / "kpis.csv", encoding="utf-8-sig", newline="") as fh:
        kpis = {(r["圏域コード"], r["KPI番号"]): r for r in csv.DictReader(fh)}
    assert kpis[("R07", "K001")]["達成率（%）"] == "77.8" and kpis[("R07", "K002")]["達成率（%）"] == "38.1"
    with open(made["round1"] / "csv" / "kpis.csv", encoding="utf-8-sig", newline="") as fh:
        first = {(r["圏域コード"], r["KPI番号"]): r for r in csv.DictReader(fh)}
    assert first[("R07", "K001")]["達成率（%）"] == "88.9"  # round 1: 8 ÷ 9, before 令和3年度
    assert made["result"].revisions and (tmp_path / "demo-out" / "csv" / "revisions.csv").exists()


def test_a_folder_that_is_not_a_demos_is_refused(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "大事な.xlsx").write_bytes(b"x")
    with pytest.raises(OutputError):
        run_demo(tmp_path / "mine", jobs=1)
    assert (tmp_path / "mine" / "大事な.xlsx").read_bytes() == b"x"
