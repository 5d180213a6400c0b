"""A definition's text: extends merged (sheets and columns by key), and each key's line."""
import pytest

from kpi_workbook.core.definition_source import key_lines, line_of, merge
from kpi_workbook.core.errors import DefinitionError

BASE = {"survey": {"id": "a", "version": "1"},
        "sheet": [{"key": "kpis", "name": "KPI", "column": [{"key": "no", "label": "番号"}, {"key": "unit", "label": "単位"},
                                                             {"key": "note", "label": "備考"}]},
                  {"key": "actuals", "name": "実績", "column": [{"key": "no", "label": "番号"}]}],
        "guide": {"lines": ["1", "2"]}}


def test_keyed_entries_merge_by_key_add_after_and_drop():
    over = {"survey": {"version": "2"}, "guide": {"lines": ["only"]},
            "sheet": [{"key": "kpis", "column": [{"key": "note", "label": "備考（補足）"}, {"key": "src", "label": "出典", "after": "unit"},
                                                 {"key": "no", "drop": True}]},
                      {"key": "issues", "name": "課題", "column": [{"key": "text", "label": "内容"}]}]}
    out = merge(BASE, over)
    assert out["survey"] == {"id": "a", "version": "2"} and out["guide"]["lines"] == ["only"]
    kpis = out["sheet"][0]["column"]
    assert [c["key"] for c in kpis] == ["unit", "src", "note"] and kpis[2]["label"] == "備考（補足）"
    assert [s["key"] for s in out["sheet"]] == ["kpis", "actuals", "issues"]
    assert BASE["sheet"][0]["column"][0]["key"] == "no"  # the base is not changed


def test_a_drop_or_after_of_an_unknown_key_is_refused():
    with pytest.raises(DefinitionError, match="drop する「nope」"):
        merge(BASE, {"sheet": [{"key": "nope", "drop": True}]}, "mine.toml")
    with pytest.raises(DefinitionError, match="after: 「nope」"):
        merge(BASE, {"sheet": [{"key": "kpis", "column": [{"key": "x", "label": "x", "after": "nope"}]}]}, "mine.toml")


def test_key_lines_follow_tables_arrays_and_multiline_values():
    text = '''# comment
[survey]
id = "a"
lines = [
  "x = 1",
]
version = "1"

[[sheet]]
key = "kpis"
  [[sheet.column]]
  key = "no"
  [[sheet.column]]
  key = "unit"
  label = "単位"
[[sheet]]
key = "actuals"
  [[sheet.column]]
  key = "no"
row = { a = "1" }
'''
    lines = key_lines(text)
    assert lines[("survey", "version")] == 7
    assert ("survey", "x") not in lines  # inside a multi-line array
    assert lines[("sheet", 0, "column", 1, "label")] == 15
    assert lines[("sheet", 1, "column", 0, "key")] == 19
    assert line_of(lines, ("sheet", 1, "column", 0, "row", "a")) == 20
    assert line_of(lines, ("sheet", 0, "column", 1, "typo")) == 13
