"""analysis.load_round: the demo's CSVs as typed DataFrames (golden values from the seeds)."""
import csv
import subprocess
import sys

import pandas as pd
import pytest

from kpi_workbook import load_round
from kpi_workbook.demo import run_demo
from kpi_workbook.core.errors import KpiWorkbookError
from kpi_workbook.core.csv_files import neutralize, unneutralize


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    run_demo(out, jobs=1)
    return out


@pytest.fixture(scope="module")
def tables(demo):
    """The demo's first round (the seeds' own figures)."""
    return load_round(demo / "round1" / "csv"), demo / "round1" / "csv"


def test_the_second_round_has_its_revisions(demo):
    frames = load_round(demo / "csv")
    revisions = frames["revisions"]
    assert list(revisions.columns) == ["圏域コード", "KPI番号", "見直し区分", "項目", "前回", "今回"]
    kumamoto = revisions[revisions["圏域コード"] == "R01"]
    assert list(kumamoto["項目"]) == ["目標値", "目標時点"] and set(kumamoto["見直し区分"]) == {"見直し"}
    new = revisions[revisions["見直し区分"] == "新規"]
    assert list(zip(new["圏域コード"], new["KPI番号"])) == [("R03", "K003")]


def test_every_table_with_every_row(tables):
    frames, folder = tables
    assert sorted(frames) == sorted(["regions", "projects", "costs", "kpis", "actuals", "region", "findings", "submissions"])
    for name, frame in frames.items():
        with open(folder / f"{name}.csv", encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        assert len(frame) == len(rows) - 1 and list(frame.columns) == rows[0], name


def test_columns_are_typed(tables):
    kpis = tables[0]["kpis"]
    assert str(kpis["行"].dtype) == "Int64" and str(kpis["達成率（%）"].dtype) == "Float64"
    assert isinstance(kpis["取組分類"].dtype, pd.CategoricalDtype) and "アb" in kpis["取組分類"].cat.categories
    assert list(kpis["区分"].cat.categories[:4]) == ["達成", "A", "B", "N"]
    assert str(kpis["指標名"].dtype) == "string"
    kumamoto = kpis[(kpis["圏域コード"] == "R01") & (kpis["KPI番号"] == "K001")].iloc[0]
    assert kumamoto["達成率（%）"] == 108.4 and kumamoto["現状値"] == 1084 and kumamoto["現状値（記入）"] == "１，０８４"
    assert kumamoto["区分"] == "達成"
    assert pd.isna(kumamoto["備考"])  # empty is missing, not ""


def test_neutralized_text_reads_as_typed():
    for text in ("=SUM(A1)", "@x", "-5", "+81-3-1234-5678", "'quoted", "-1-1", "plain"):
        assert unneutralize(neutralize(text)) == text


def test_a_folder_without_a_package_is_a_clear_error(tmp_path):
    with pytest.raises(KpiWorkbookError, match="datapackage.json"):
        load_round(tmp_path)


@pytest.mark.parametrize("package", [
    [1, 2],  # not a package at all
    {"resources": [{"name": "x", "path": "../../../etc/passwd", "schema": {"fields": []}}]},  # a file elsewhere
    {"resources": [{"name": "x", "path": "/etc/hosts.csv", "schema": {"fields": []}}]},
    {"resources": [{"name": "x", "path": "x.csv"}]},  # no schema
])
def test_a_hostile_or_broken_package_is_a_clear_error(tmp_path, package):
    import json
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    with pytest.raises(KpiWorkbookError, match="datapackage.json"):
        load_round(tmp_path)


def test_a_csv_too_large_is_refused_unread(tables, tmp_path, monkeypatch):
    import shutil

    import kpi_workbook.core.csv_files as csv_files
    shutil.copytree(tables[1], tmp_path / "csv")
    monkeypatch.setattr(csv_files, "MAX_BYTES", 1000)  # kpis.csv is larger
    with pytest.raises(KpiWorkbookError, match="大きすぎます"):
        load_round(tmp_path / "csv")


def test_check_never_imports_pandas(tmp_path):
    code = ("import sys; from kpi_workbook.cli import main\n"
            "try:\n    main(['check', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
            "print('pandas' in sys.modules, 'numpy' in sys.modules)")
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a workbook")
    done = subprocess.run([sys.executable, "-c", code, str(bad)], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "False False", done.stderr


def test_only_the_tables_asked_for(tables):
    assert set(load_round(tables[1], tables=("kpis", "regions"))) == {"kpis", "regions"}
