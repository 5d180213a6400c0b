"""The survey contract: every key the code reads from a definition is checked when it loads.

Two ways round: a definition without a column the code relies on (survey.CONTRACT) or
without a label or text the summary uses fails to load, naming the key (exit 2); a
definition without any *other* column still runs the whole loop — generate, check,
consolidate with its 事務事業評価 blocks — without a program error.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kpi_workbook.consolidation.consolidate import consolidate
from kpi_workbook.core.errors import DefinitionError
from kpi_workbook.generation.fill import fill_workbook
from kpi_workbook.generation.workbooks import generate
from kpi_workbook.core.survey import CONTRACT, SUMMARY_LABELS, SUMMARY_TEXTS, TEMPLATES_DIR, load_survey

from .conftest import SAMPLES

PACKAGE = Path(__file__).resolve().parent.parent / "kpi_workbook"
SOURCE = (TEMPLATES_DIR / "renkei.toml").read_text(encoding="utf-8")
BLOCK = re.compile(r"  \[\[sheet\.(?:column|field)\]\]\n(?:  (?!\[\[).*\n)*")


def columns() -> list:
    """(sheet key, column key, the column's TOML block) for every column of renkei.toml."""
    out, sheet = [], None
    for part in re.split(r"(?m)^\[\[sheet\]\]\n", SOURCE)[1:]:
        sheet = re.search(r'^key = "(\w+)"', part, re.M).group(1)
        for block in BLOCK.findall(part):
            out.append((sheet, re.search(r'key = "(\w+)"', block).group(1), block))
    return out


def without(tmp_path: Path, block: str) -> Path:
    path = tmp_path / "renkei.toml"
    path.write_text(SOURCE.replace(block, "", 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("sheet, key, block", [c for c in columns() if c[1] in CONTRACT.get(c[0], ())],
                         ids=lambda v: v if isinstance(v, str) and "\n" not in v else "")
def test_a_column_the_code_relies_on_is_required_at_load(tmp_path, sheet, key, block):
    with pytest.raises(DefinitionError) as caught:
        load_survey(without(tmp_path, block))
    assert key in str(caught.value) and caught.value.exit_code == 2


@pytest.mark.parametrize("sheet, key, block", [c for c in columns() if c[1] not in CONTRACT.get(c[0], ())],
                         ids=lambda v: v if isinstance(v, str) and "\n" not in v else "")
def test_any_other_column_may_go_and_the_loop_still_runs(tmp_path, sheet, key, block):
    survey = load_survey(without(tmp_path, block))
    blank = generate(SAMPLES / "roster.csv", survey, tmp_path / "blank").written[6]  # 旭川: every sheet filled
    answers = json.loads((SAMPLES / "returns" / "R07.json").read_text(encoding="utf-8"))
    label = re.search(r'label = "([^"]+)"', block).group(1)
    for rows in answers.values():
        for row in rows if isinstance(rows, list) else [rows]:
            row.pop(label, None)
    fill_workbook(blank, answers, tmp_path / "in" / blank.name)
    result = consolidate(tmp_path / "in", SAMPLES / "roster.csv", tmp_path / "s.xlsx", survey=survey, jobs=1,
                         evaluation_dir=tmp_path / "ev")
    assert [s.region_code for s in result.used] == ["R07"]


def test_every_label_and_text_the_code_reads_is_in_the_contract():
    labels, texts = set(), set()
    for path in PACKAGE.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        labels |= set(re.findall(r"""\b(?:L|labels)\[["'](\w+)["']\]""", text))
        texts |= set(re.findall(r"""\b(?:summary|texts)\[["'](\w+)["']\]""", text))
    assert labels - set(SUMMARY_LABELS) == set()
    assert texts - set(SUMMARY_TEXTS) - {"labels", "sheets"} == set()


@pytest.mark.parametrize("key", SUMMARY_LABELS)
def test_a_missing_label_is_named_at_load(tmp_path, key):
    source = re.sub(rf"(?m)^{key} = .*\n", "", SOURCE.split("[summary.labels]")[1], count=1)
    path = tmp_path / "renkei.toml"
    path.write_text(SOURCE.split("[summary.labels]")[0] + "[summary.labels]" + source, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_survey(path)
    assert key in str(caught.value)


def test_rounds_need_the_columns_they_compare(tmp_path):
    path = tmp_path / "renkei.toml"
    path.write_text(SOURCE.replace('compared = ["name",', 'compared = ["no_such_column", "name",', 1), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_survey(path)
    assert "no_such_column" in str(caught.value)
