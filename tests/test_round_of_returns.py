"""consolidate without --survey or --round: the returns say which, or what to pass."""
import json

import pytest

from .conftest import FIXED_NOW, SAMPLES
from kpi_workbook.consolidation.consolidate import consolidate
from kpi_workbook.core.errors import DefinitionError
from kpi_workbook.generation.fill import fill_workbook
from kpi_workbook.generation.workbooks import generate

NEXT = SAMPLES / "round2" / "renkei.toml"  # next year's definition (version 2027.1)


def _returns(tmp_path, survey, **options):
    made = generate(SAMPLES / "roster.csv", survey, tmp_path / "blank", now=FIXED_NOW, **options).written
    for book in made[:2]:
        answers = json.loads((SAMPLES / "returns" / f"{book.name[:3]}.json").read_text(encoding="utf-8"))
        fill_workbook(book, answers, tmp_path / "in" / book.name)
    return tmp_path / "in"


def test_the_definition_the_returns_name_is_found_or_the_option_to_pass_is_said(tmp_path):
    folder = _returns(tmp_path, NEXT)
    with pytest.raises(DefinitionError) as caught:
        consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=1)
    text = str(caught.value)
    assert "renkei-kpi" in text and "2027.1" in text and "--definitions" in text and "--survey" in text
    result = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=1, definitions=SAMPLES / "round2")
    assert len(result.used) == 2 and "2027.1" in result.chosen


def test_the_round_the_returns_carry_is_taken_and_said(tmp_path):
    folder = _returns(tmp_path, "renkei", round_="令和9年度調査")
    result = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=1, survey="renkei")
    assert len(result.used) == 2 and "調査回：令和9年度調査" in result.chosen
    held = consolidate(folder, SAMPLES / "roster.csv", tmp_path / "t.xlsx", jobs=1, survey="renkei",
                       round_="令和10年度調査")
    assert not held.used  # --round given: those are last round's, held


def test_a_folder_of_returns_naming_nothing_uses_the_default_and_says_so(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "memo.xlsx").write_bytes(b"not a workbook")
    result = consolidate(tmp_path / "in", SAMPLES / "roster.csv", tmp_path / "s.xlsx", jobs=1)
    assert "既定の定義" in result.chosen and result.output.exists()
