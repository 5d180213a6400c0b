"""The command line through click's CliRunner: exit codes and output."""
import json

import pytest
from click.testing import CliRunner

from kpi_workbook.cli import cli, main
from kpi_workbook.generation.fill import fill_workbook

from .conftest import FIXTURES, SAMPLES, make_zip_bomb


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


def test_generate_command(tmp_path):
    result = run("generate", "--roster", SAMPLES / "roster.csv", "--survey", "teiju", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "2件の調査票を作成しました" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["T01_上川中部定住自立圏.xlsx", "T02_南信州定住自立圏.xlsx"]
    again = run("generate", "--roster", SAMPLES / "roster.csv", "--survey", "teiju", "--out", tmp_path)
    assert again.exit_code == 1 and "--force" in again.output


def test_generate_bad_roster_row_exit_1_others_written(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("圏域コード,圏域名,圏域の種別,中心市,構成市町村,都道府県\n"
                      ",A圏,連携中枢都市圏,A市,A市,A県\nX2,B圏,連携中枢都市圏,B市,B市,B県\n", encoding="utf-8")
    result = run("generate", "--roster", roster, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "2行目" in result.output and "1件の調査票を作成しました" in result.output


def test_usage_errors_exit_2(tmp_path, capsys):
    for argv in (["generate", "--roster", str(tmp_path / "none.csv"), "--out", str(tmp_path)],
                 ["generate", "--roster", str(SAMPLES / "roster.csv"), "--survey", "nope", "--out", str(tmp_path)],
                 ["check"], ["no-such-command"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2, argv
    err = capsys.readouterr().err
    assert "Traceback" not in err and "見つかりません" in err


def test_check_clean_and_json(generated, tmp_path):
    answers = {"KPI": [{"KPI番号": "K1", "取組分類": "ア", "指標名": "x", "指標の種類": "アウトカム", "単位": "人",
                        "目標の方向": "増加", "目標値": "1,000人", "目標時点": "R5", "連携効果": "○"},
                       {"KPI番号": "K2", "取組分類": "イa", "指標名": "y", "指標の種類": "アウトカム", "単位": "件",
                        "目標の方向": "維持", "目標値": "3", "目標時点": "R5"},
                       {"KPI番号": "K3", "取組分類": "ウAc", "指標名": "z", "指標の種類": "アウトカム", "単位": "%",
                        "目標の方向": "減少", "目標値": "△2.5%", "目標時点": "R5"}],
               "圏域情報": {"担当部署": "a", "担当者": "b", "連絡先": "c", "回答日": "2026/10/31"}}
    path = fill_workbook(generated["R05"], answers, tmp_path / "clean.xlsx")
    result = run("check", path)
    assert result.exit_code == 0, result.output
    assert "問題なし 1件" in result.output
    data = json.loads(run("check", "--json", path).output)
    record = data["files"][0]["records"]["kpis"][2]
    assert record["target"] == {"typed": "△2.5%", "value": -2.5, "cell": "J6", "unit": "%"}
    assert data["files"][0]["region_code"] == "R05"


def test_check_errors_exit_1_and_bad_files_are_findings(tmp_path):
    bomb = make_zip_bomb(tmp_path / "zip_bomb_2GB_sheet.xlsx")
    result = run("check", bomb,
                 FIXTURES / "xlsx-hostile" / "empty.xlsx", FIXTURES / "xlsx-hostile" / "control_valid.xlsx")
    assert result.exit_code == 1
    assert "zip_bomb_2GB_sheet.xlsx" in result.output and "empty.xlsx" in result.output
    assert "ファイルが空です" in result.output and "Traceback" not in result.output


def test_a_round_named_at_generate_is_the_workbooks_and_another_round_is_last_rounds(tmp_path):
    """generate --round: the name is in each workbook's metadata and on 記入要領; check with
    another --round holds the file as last round's; with the same, it is this round's."""
    import openpyxl

    from kpi_workbook.core import meta_sheet as metadata
    result = run("generate", "--roster", SAMPLES / "roster.csv", "--out", tmp_path, "--round", "令和9年度調査")
    assert result.exit_code == 0, result.output
    book = next(tmp_path.glob("R01_*.xlsx"))
    wb = openpyxl.load_workbook(book)
    meta = metadata.parse([[c.value for c in row] for row in wb[metadata.SHEET].iter_rows()])
    assert meta["survey_round"] == "令和9年度調査"
    assert any("令和9年度調査" in str(c.value or "") for c in wb["記入要領"]["A"])
    this_round = run("check", book, "--round", "令和9年度調査")
    assert "META_PREVIOUS_ROUND" not in this_round.output
    next_round = run("check", book, "--round", "令和10年度調査")
    assert next_round.exit_code == 1 and "META_PREVIOUS_ROUND" in next_round.output and "令和9年度調査" in next_round.output


def test_check_of_many_files_shows_its_progress(generated, tmp_path, monkeypatch):
    """A coordinator checking (and annotating) a folder's returns sees how far it is."""
    monkeypatch.setenv("KPI_WORKBOOK_PROGRESS", "1")
    files = sorted(str(p) for p in generated.values())[:5]
    assert len(files) == 5
    plain = CliRunner().invoke(cli, ["check", *files])
    annotated = CliRunner().invoke(cli, ["check", *files, "--annotate", str(tmp_path / "out")])
    for result in (plain, annotated):
        assert result.exit_code == 1, result.output  # blank returns: required answers missing
        assert "調査票を確認中" in result.output and "5件のファイルを確認しました" in result.output
    assert len(list((tmp_path / "out").glob("*.xlsx"))) == 5
    one = CliRunner().invoke(cli, ["check", files[0]])
    assert "調査票を確認中" not in one.output and "1件のファイルを確認しました" in one.output  # one file: no bar
