"""Loading survey definitions, and the errors a bad definition gets."""
import pytest

from kpi_workbook.core.errors import DefinitionError
from kpi_workbook.core.survey import available, load_survey


def test_bundled_surveys_load(renkei, teiju):
    assert set(available()) >= {"renkei", "teiju"}
    assert len(renkei.taxonomy.leaves) == 27
    assert [n.code for n in renkei.taxonomy.roles] == ["ア", "イ", "ウ"]
    assert renkei.taxonomy.role_of("ウBe") == "ウ"
    assert renkei.taxonomy.display("アb").startswith("アb 産業クラスター")
    assert [n.code for n in teiju.taxonomy.roles] == ["A", "B", "C"]
    assert len(teiju.taxonomy.leaves) == 16
    # teiju inherits the sheets of renkei but not its identity
    assert [s.name for s in teiju.sheets] == [s.name for s in renkei.sheets]
    assert teiju.id != renkei.id and teiju.fingerprint != renkei.fingerprint


def test_required_sheets_and_columns(renkei):
    kpi = renkei.sheet("kpis")
    labels = [c.label for c in kpi.columns]
    for label in ("KPI番号", "事業コード", "取組分類", "指標名", "指標の種類", "単位", "目標の方向",
                  "基準値", "基準時点", "目標値", "目標時点", "現状値", "現状時点", "連携効果",
                  "見直し状況", "備考"):
        assert label in labels
    assert renkei.sheet("costs").column("stage").choices == ("決算", "当初予算", "補正後予算", "決算見込")
    assert renkei.sheet("region").column("region_code").prefill == "code"


def _write(tmp_path, text, name="bad.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_survey_name_lists_available():
    with pytest.raises(DefinitionError, match="renkei"):
        load_survey("no-such-survey")


def test_toml_syntax_error_names_file(tmp_path):
    with pytest.raises(DefinitionError, match="bad.toml"):
        load_survey(_write(tmp_path, "[survey\nid = 1"))


def test_bad_column_type_names_key(tmp_path, renkei):
    text = open(renkei.path, encoding="utf-8").read().replace('type = "measure"', 'type = "mesure"', 1)
    with pytest.raises(DefinitionError) as info:
        load_survey(_write(tmp_path, text))
    assert "mesure" in str(info.value) and "sheet[3](kpis)" in str(info.value)


def test_missing_contract_column_is_named(tmp_path, renkei):
    text = open(renkei.path, encoding="utf-8").read().replace('key = "kpi_no"', 'key = "kpi_number"')
    with pytest.raises(DefinitionError, match="kpi_no"):
        load_survey(_write(tmp_path, text))


@pytest.mark.parametrize("licence, message", [
    ('license = "CC-BY-4.0"', "license"),  # a table, not a text
    ('license = { title = "x" }', "name か path"),
    ('license = { name = 4 }', "文字列"),
])
def test_a_bad_licence_is_named(tmp_path, renkei, licence, message):
    text = open(renkei.path, encoding="utf-8").read()
    start = text.index("license = {")
    text = text[:start] + licence + text[text.index("\n", start):]
    with pytest.raises(DefinitionError, match=message):
        load_survey(_write(tmp_path, text))


def test_unknown_choice_list(tmp_path, renkei):
    text = open(renkei.path, encoding="utf-8").read().replace('choices = "stage"', 'choices = "stages"')
    with pytest.raises(DefinitionError, match="stages"):
        load_survey(_write(tmp_path, text))


def test_adding_a_choice_and_a_field_needs_no_code(tmp_path, renkei):
    text = open(renkei.path, encoding="utf-8").read()
    text = text.replace('review = ["新規", "継続", "見直し", "廃止"]', 'review = ["新規", "継続", "見直し", "廃止", "統合"]')
    text = text.replace('''  [[sheet.column]]
  key = "note"''', '''  [[sheet.column]]
  key = "data_source"
  label = "データの出典"
  type = "text"
  [[sheet.column]]
  key = "note"''')
    survey = load_survey(_write(tmp_path, text))
    assert "統合" in survey.sheet("kpis").column("review").choices
    assert survey.sheet("kpis").column("data_source").label == "データの出典"


def test_extends_merges_tables_and_replaces_arrays(tmp_path, renkei):
    base = tmp_path / "base.toml"
    base.write_text(open(renkei.path, encoding="utf-8").read(), encoding="utf-8")
    child = _write(tmp_path, 'extends = "base.toml"\n[survey]\nid = "x"\n', "child.toml")
    survey = load_survey(child)
    assert survey.id == "x" and survey.title == renkei.title
    missing = _write(tmp_path, 'extends = "nope.toml"\n', "orphan.toml")
    with pytest.raises(DefinitionError, match="nope.toml"):
        load_survey(missing)
