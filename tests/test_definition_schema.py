"""The definition checked like code: its JSON Schema, every problem at once with its line
and a "did you mean", meanings by name, and the docs' reference generated from the schema."""
import re
from decimal import Decimal
from pathlib import Path

import pytest

from kpi_workbook.core import definition_schema as schema
from kpi_workbook.core.errors import DefinitionError
from kpi_workbook.core.survey import TEMPLATES_DIR, load_survey

DOCS = Path(__file__).resolve().parents[1] / "docs" / "survey-format.md"


def _broken(tmp_path, edit) -> Path:
    text = (TEMPLATES_DIR / "renkei.toml").read_text(encoding="utf-8")
    path = tmp_path / "mine.toml"
    path.write_text(edit(text), encoding="utf-8")
    return path


def test_the_installed_definitions_validate_and_the_schema_is_a_valid_schema():
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(schema.schema())
    from kpi_workbook.core.definition_source import read_definition
    for name in ("renkei", "teiju"):  # loaded without the schema pass (it costs a command 40 ms): checked here
        schema.validate(*read_definition(TEMPLATES_DIR / f"{name}.toml", installed=TEMPLATES_DIR))
        assert load_survey(name).meanings["direction"]["decrease"] == "減少"


def test_every_problem_is_listed_at_once_with_line_path_and_did_you_mean(tmp_path):
    def edit(text):
        text = text.replace('no_figure = "N"', 'no_figure = "N"\nbehnd = "X"')  # [progress]: unknown
        text = text.replace("jump_percent = 50", "jump_precent = 50")  # [rounds]: misspelt
        text = text.replace('title = "成果指標（KPI）の設定状況等に関する調査　集計結果"\n', "")  # missing
        return text.replace('revision = "見直し区分"\n', "")  # missing too
    path = _broken(tmp_path, edit)
    lines = path.read_text(encoding="utf-8").splitlines()
    with pytest.raises(DefinitionError) as caught:
        load_survey(path)
    text = str(caught.value)
    assert caught.value.exit_code == 2 and "（5件）" in text
    behnd = next(i for i, line in enumerate(lines, 1) if line.startswith("behnd"))
    assert f"mine.toml {behnd}行目: progress.behnd: 不明なキーです。「behind」ではありませんか" in text
    assert "rounds.jump_precent: 不明なキーです。「jump_percent」ではありませんか" in text
    assert "rounds.jump_percent: 必須のキーがありません" in text
    assert "summary.title: 必須のキーがありません" in text and "summary.labels.revision: 必須のキーがありません" in text


def test_an_unknown_value_is_named_with_the_one_meant(tmp_path):
    path = _broken(tmp_path, lambda t: t.replace('type = "measure"', 'type = "mesure"', 1))
    with pytest.raises(DefinitionError) as caught:
        load_survey(path)
    assert re.search(r"mine\.toml \d+行目: sheet\[3\]\(kpis\)\.column\[\d+\]\(baseline\)\.type: 「mesure」は使えません",
                     str(caught.value))
    assert "「measure」ではありませんか" in str(caught.value)


def test_a_sheet_key_the_tool_uses_and_a_bad_sheet_name_are_refused(tmp_path):
    path = _broken(tmp_path, lambda t: t.replace('key = "actuals"\nname = "KPI実績"', 'key = "regions"\nname = "KPI:実績"'))
    with pytest.raises(DefinitionError) as caught:
        load_survey(path)
    assert "sheet[4](regions).key" in str(caught.value) and "sheet[4](regions).name" in str(caught.value)


def test_meanings_are_by_name_so_choice_order_cannot_change_a_result(tmp_path, renkei):
    from kpi_workbook.checking.normalize import Value
    from kpi_workbook.consolidation.achievement import kpi_assessment

    reordered = _broken(tmp_path, lambda t: t.replace('direction = ["増加", "減少", "維持"]', 'direction = ["減少", "維持", "増加"]')
                        .replace('kpi_kind = ["アウトカム", "アウトプット"]', 'kpi_kind = ["アウトプット", "アウトカム"]'))
    other = load_survey(reordered)
    assert other.sheet("kpis").column("direction").choices[0] == "減少"
    values = {"baseline": Value("100", Decimal(100)), "baseline_time": Value("", None),
              "target": Value("80", Decimal(80)), "target_time": Value("", None),
              "latest": Value("90", Decimal(90)), "latest_time": Value("", None), "direction": Value("減少", "減少")}
    assert kpi_assessment(renkei, values, [])[2] == kpi_assessment(other, values, [])[2]
    increase = dict(values, direction=Value("増加", "増加"))
    assert kpi_assessment(other, increase, [])[2] == kpi_assessment(renkei, increase, [])[2] != \
        kpi_assessment(renkei, values, [])[2]  # the direction is read, by its meaning


def test_a_meaning_must_be_a_choice_and_every_choice_must_mean_something(tmp_path):
    wrong = _broken(tmp_path, lambda t: t.replace('decrease = "減少"', 'decrease = "低下"'))
    with pytest.raises(DefinitionError) as caught:
        load_survey(wrong)
    assert "meanings.direction.decrease" in str(caught.value) and "低下" in str(caught.value)
    added = _broken(tmp_path, lambda t: t.replace('direction = ["増加", "減少", "維持"]', 'direction = ["増加", "減少", "維持", "その他"]'))
    with pytest.raises(DefinitionError) as caught:
        load_survey(added)
    assert "その他" in str(caught.value) and "meanings.direction" in str(caught.value)


def test_the_docs_reference_is_generated_from_the_schema():
    text = DOCS.read_text(encoding="utf-8")
    assert text.endswith(schema.reference_markdown()), "run: python -m kpi_workbook.core.definition_schema"
    for key in schema.schema()["properties"]:
        assert f"`{key}`" in text


def test_the_docs_examples_load(tmp_path):
    blocks = re.findall(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    complete = [b for b in blocks if b.startswith("extends")]
    assert len(complete) >= 2  # the minimal definition and the worked example
    for i, block in enumerate(complete):
        path = tmp_path / f"example{i}.toml"
        path.write_text(block, encoding="utf-8")
        assert load_survey(path).version


def test_summary_keys_the_code_reads_are_the_schemas_required_keys():
    from kpi_workbook.core.survey import SUMMARY_LABELS, SUMMARY_SHEETS
    assert "revision" in SUMMARY_LABELS and "revisions" in SUMMARY_SHEETS
    labels = set(schema.schema()["properties"]["summary"]["properties"]["labels"]["properties"])
    optional = {"role_columns", "superseded_findings"}  # added later: the summary goes without them
    assert set(SUMMARY_LABELS) == labels - optional and optional <= labels


def test_the_schemas_column_types_are_the_codes():
    from kpi_workbook.core.kinds import ColumnType
    assert set(schema.schema()["$defs"]["column"]["properties"]["type"]["enum"]) == {t.value for t in ColumnType}


def test_a_placement_key_in_a_definition_that_extends_nothing_is_harmless(tmp_path):
    path = _broken(tmp_path, lambda t: t.replace('key = "explanation"\n  label = "説明"', 'key = "explanation"\n  after = "note"\n  label = "説明"', 1))
    assert load_survey(path).sheet("kpis").column("explanation").label == "説明"



def test_an_example_of_a_column_dropped_since_is_left_out_not_refused(tmp_path):
    """Next year's definition drops a column its inherited worked example still names: the
    example is printed without it (an inherited table cannot lose a key), the rest loads."""
    path = tmp_path / "next.toml"
    path.write_text('extends = "renkei"\n[[sheet]]\nkey = "kpis"\n  [[sheet.column]]\n  key = "note"\n  drop = true\n',
                    encoding="utf-8")
    survey = load_survey(path)
    assert "note" in survey.guide["examples"]["kpis"]["row"] and "note" not in {c.key for c in survey.sheet("kpis").columns}


def test_a_column_named_as_the_tools_own_columns_is_refused(tmp_path):
    for label in ("最新値", "達成率（%）", "出典（記入）"):
        path = _broken(tmp_path, lambda t: t.replace('label = "備考"', f'label = "{label}"'))
        with pytest.raises(DefinitionError) as caught:
            load_survey(path)
        assert "sheet(kpis).note.label" in str(caught.value) and label in str(caught.value)
