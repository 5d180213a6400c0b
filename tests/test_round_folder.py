"""A round is a folder: init writes round.toml and the definition (bumped from last
round's), and every command run there takes its options from it; flags win."""
import json

import pytest
from click.testing import CliRunner

from .conftest import SAMPLES, run_console
from kpi_workbook.cli import cli
from kpi_workbook.core import round_folder
from kpi_workbook.core.errors import DefinitionError, OutputError
from kpi_workbook.core.survey import load_survey
from kpi_workbook.generation.fill import fill_workbook


def run(*args, folder=None):
    return CliRunner().invoke(cli, [*(["--round-dir", str(folder)] if folder else []), *map(str, args)])


def test_init_writes_a_round_that_every_command_takes_its_options_from(tmp_path, monkeypatch):
    first = tmp_path / "r8"
    assert run("init", first, "--roster", SAMPLES / "roster.csv").exit_code == 0
    settings = round_folder.read_settings(first)
    assert settings["survey"].endswith("renkei.toml") and settings["round"] == "令和8年度調査"
    assert load_survey(first / "renkei.toml").version == "2026.1"
    monkeypatch.chdir(first)
    made = run("generate")  # everything from round.toml
    assert made.exit_code == 0, made.output
    books = sorted((first / "workbooks").glob("*.xlsx"))
    for book in books[:2]:
        answers = json.loads((SAMPLES / "returns" / f"{book.name[:3]}.json").read_text(encoding="utf-8"))
        fill_workbook(book, answers, first / "returns" / book.name)
    done = run("consolidate")
    assert done.exit_code == 1, done.output  # regions missing: exit 1, as the README says
    assert (first / "summary.xlsx").exists() and (first / "csv" / "kpis.csv").exists()
    other = run("generate", "--out", tmp_path / "elsewhere")  # a flag wins over round.toml
    assert other.exit_code == 0 and len(list((tmp_path / "elsewhere").glob("*.xlsx"))) == len(books)
    monkeypatch.chdir(tmp_path)
    second = tmp_path / "r9"
    assert run("init", second, "--from", first).exit_code == 0
    definition = load_survey(second / "renkei.toml")
    assert (definition.version, definition.round) == ("2027.1", "令和9年度調査")
    assert (second / "renkei.toml").read_text(encoding="utf-8").startswith("#:schema ")
    assert round_folder.read_settings(second)["previous"].endswith("csv")
    made = run("generate", folder=second)
    assert made.exit_code == 0, made.output
    from kpi_workbook.checking.check import check_workbook
    prefilled = check_workbook(next((second / "workbooks").glob(books[0].name)), survey=definition)
    assert prefilled.records["kpis"]  # started from r8's CSVs
    assert prefilled.meta["survey_version"] == "2027.1"


def test_a_round_toml_with_a_typo_is_refused_by_name(tmp_path):
    folder = tmp_path / "r"
    round_folder.init_round(folder, roster=SAMPLES / "roster.csv")
    text = (folder / "round.toml").read_text(encoding="utf-8").replace("roster =", "rostre =")
    (folder / "round.toml").write_text(text, encoding="utf-8")
    result = run("generate", folder=folder)
    assert result.exit_code == 2 and "rostre" in result.output and "「roster」ではありませんか" in result.output
    with pytest.raises(OutputError):
        round_folder.init_round(folder)  # never replaced
    with pytest.raises(DefinitionError):
        round_folder.find(tmp_path / "none")


def test_version_and_round_bumped_for_the_next_round():
    text, version, round_ = round_folder.bumped('[survey]\nversion = "2026.1"\nround = "令和8年度調査"\n')
    assert (version, round_) == ("2027.1", "令和9年度調査") and 'version = "2027.1"' in text
    _, version, round_ = round_folder.bumped('extends = "renkei"\n[survey]\nround = "R元年度"\n', round_="令和2年度調査")
    assert (version, round_) == ("2", "令和2年度調査")
    assert round_folder.bumped('[survey]\nversion = "3"\n')[1] == "4"


def test_the_installed_command_runs_in_a_round_folder(tmp_path):
    done = run_console("init", tmp_path / "r", "--roster", SAMPLES / "roster.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    made = run_console("generate", cwd=tmp_path / "r")
    assert made.returncode == 0, made.stderr
    assert len(list((tmp_path / "r" / "workbooks").glob("*.xlsx"))) == 10
