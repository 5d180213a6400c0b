"""demo: the whole loop on the bundled samples; it never replaces a folder it did not make."""
import pytest

from kpi_workbook.demo import run_demo
from kpi_workbook.errors import OutputError


def test_the_demo_makes_every_output_and_runs_again(tmp_path):
    made = run_demo(tmp_path / "demo-out", jobs=1)
    result = made["result"]
    assert len(result.used) == 8 and [r.code for r in result.missing] == ["R09", "R10"]
    assert (tmp_path / "demo-out" / "summary.xlsx").exists() and (tmp_path / "demo-out" / "csv" / "kpis.csv").exists()
    assert len(list((made["workbooks"] / "renkei").glob("*.xlsx"))) == 10
    run_demo(tmp_path / "demo-out", jobs=1)  # its own folder: replaced


def test_a_folder_that_is_not_a_demos_is_refused(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "大事な.xlsx").write_bytes(b"x")
    with pytest.raises(OutputError):
        run_demo(tmp_path / "mine", jobs=1)
    assert (tmp_path / "mine" / "大事な.xlsx").read_bytes() == b"x"
