"""outputs: no run writes onto what it reads, nor into the returns folder (issue: data loss)."""
import hashlib
import json
import os
import shutil

import pytest
from click.testing import CliRunner

from kpi_workbook.cli import cli
from kpi_workbook.generation.fill import fill_workbook
from kpi_workbook.core.outputs import Claimed, refuse_inputs, refuse_replacing
from kpi_workbook.core.errors import OutputError

from .conftest import SAMPLES


def digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def returns(generated, tmp_path):
    folder = tmp_path / "returns"
    for code in ("R01", "R05"):
        data = json.loads((SAMPLES / "returns" / f"{code}.json").read_text(encoding="utf-8"))
        fill_workbook(generated[code], data, folder / generated[code].name)
    return folder


def consolidate(*args):
    return CliRunner().invoke(cli, ["consolidate", *map(str, args)])


@pytest.mark.parametrize("option", ["-o", "--csv", "--evaluation"])
def test_outputs_in_the_returns_folder_are_refused(returns, tmp_path, option):
    before = digest(returns)
    one = next(returns.glob("R01_*.xlsx"))
    where = {"-o": one, "--csv": returns, "--evaluation": returns}[option]
    args = [returns, "--roster", SAMPLES / "roster.csv"]
    args += ["-o", tmp_path / "s.xlsx", option, where] if option != "-o" else ["-o", where]
    result = consolidate(*args)
    assert result.exit_code == 2, result.output
    assert "提出ファイルのフォルダ" in result.output and "Traceback" not in result.output
    assert digest(returns) == before and not (tmp_path / "s.xlsx").exists()


def test_summary_onto_the_roster_is_refused(returns, tmp_path):
    roster = tmp_path / "roster.csv"
    shutil.copy(SAMPLES / "roster.csv", roster)
    result = consolidate(returns, "--roster", roster, "-o", roster)
    assert result.exit_code == 2 and "入力のファイル" in result.output
    assert roster.read_bytes() == (SAMPLES / "roster.csv").read_bytes()


def test_a_link_to_a_return_is_still_a_return(returns, tmp_path):
    link = tmp_path / "summary.xlsx"
    link.symlink_to(next(returns.glob("R01_*.xlsx")))
    before = digest(returns)
    assert consolidate(returns, "--roster", SAMPLES / "roster.csv", "-o", link).exit_code == 2
    assert digest(returns) == before


def test_unwritable_output_folders_stop_before_reading(returns, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for option in ("--evaluation", "--csv"):
        result = consolidate(returns, "--roster", SAMPLES / "roster.csv", "-o", tmp_path / "s.xlsx",
                             option, blocker / "sub")
        assert result.exit_code == 2 and "書き込めません" in result.output, result.output


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_evaluation_folder(returns, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    result = consolidate(returns, "--roster", SAMPLES / "roster.csv", "-o", tmp_path / "s.xlsx",
                         "--evaluation", folder)
    assert result.exit_code == 2 and "書き込めません" in result.output


def test_annotated_copy_never_replaces_an_input(returns):
    """R01.xlsx beside an input named R01_確認結果.xlsx: the copy goes elsewhere."""
    plain = returns / "R01.xlsx"
    shutil.copy(next(returns.glob("R01_*.xlsx")), plain)
    lookalike = returns / "R01_確認結果.xlsx"
    shutil.copy(next(returns.glob("R05_*.xlsx")), lookalike)
    before = digest(returns)
    result = CliRunner().invoke(cli, ["check", str(plain), str(lookalike), "--annotate", str(returns)])
    assert result.exit_code in (0, 1), result.output
    after = digest(returns)
    assert {k: v for k, v in after.items() if k in before} == before
    made = sorted(set(after) - set(before))
    assert made == ["R01_xlsx_確認結果.xlsx", "R01_確認結果_確認結果.xlsx"], made


def test_two_returns_with_one_name_get_two_copies(returns, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    shutil.copy(next(returns.glob("R01_*.xlsx")), a / "return.xlsx")
    shutil.copy(next(returns.glob("R05_*.xlsx")), b / "return.xlsx")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["check", str(a / "return.xlsx"), str(b / "return.xlsx"), "--annotate", str(out)])
    assert result.exit_code in (0, 1), result.output
    assert sorted(p.name for p in out.iterdir()) == ["return_xlsx_確認結果.xlsx", "return_確認結果.xlsx"]


def test_demo_never_empties_a_folder_it_did_not_make(tmp_path):
    mine = tmp_path / "work"
    (mine / "returns").mkdir(parents=True)
    (mine / "returns" / "R01_本物.xlsx").write_bytes(b"a clerk's return")
    result = CliRunner().invoke(cli, ["demo", "--out", str(mine)])
    assert result.exit_code == 2 and "空ではなく" in result.output
    assert (mine / "returns" / "R01_本物.xlsx").read_bytes() == b"a clerk's return"


def test_claimed_names_are_distinct_and_never_inputs(tmp_path):
    claimed = Claimed(inputs=[tmp_path / "x.xlsx"])
    names = [claimed.claim(tmp_path, lambda v: "x.xlsx" if v == 0 else f"x{v}.xlsx") for _ in range(3)]
    assert [p.name for p in names] == ["x1.xlsx", "x2.xlsx", "x3.xlsx"]
    with pytest.raises(OutputError):
        refuse_inputs([tmp_path / "in" / "a.xlsx"], folder=tmp_path / "in")
    refuse_inputs([tmp_path / "input-other" / "a.xlsx"], folder=tmp_path / "in")  # a prefix is not a parent


def test_a_folder_replaced_whole_never_holds_an_input(tmp_path):
    csv_dir = tmp_path / "round" / "csv"
    for folder in (csv_dir, tmp_path / "round", tmp_path):
        with pytest.raises(OutputError, match="入力"):
            refuse_replacing(folder, [csv_dir])
    refuse_replacing(tmp_path / "site", [csv_dir])
    refuse_replacing(tmp_path / "round" / "csv-site", [csv_dir])  # a prefix is not a parent
