"""result: a checked return's records and findings, the findings bounded per file."""
from kpi_workbook.checking.result import MAX_FINDINGS, CellRefs, Record, ReturnResult
from kpi_workbook.core import findings as F


def test_findings_past_the_limit_are_counted_not_kept():
    result = ReturnResult(file="R01.xlsx", readable=True)
    for _ in range(MAX_FINDINGS + 5):
        result.add(F.make("NUMBER_INVALID", file="R01.xlsx", label="実績値", value="x"))
    assert len(result.findings) == MAX_FINDINGS
    assert result.dropped == {F.ERROR: 5}
    assert not result.ok


def test_ok_means_readable_and_no_error():
    assert not ReturnResult(file="a.xlsx").ok
    assert ReturnResult(file="a.xlsx", readable=True).ok


def test_cell_refs_are_made_when_asked_and_compare_as_a_dict():
    refs = CellRefs({"kpi_no": "A", "value": "C"}, "7")
    assert refs["value"] == "C7" and refs.get("missing", "") == "" and "kpi_no" in refs
    assert refs == {"kpi_no": "A7", "value": "C7"} and len(refs) == 2


def test_to_dict_gives_each_value_as_typed_and_understood_with_its_cell():
    result = ReturnResult(file="R01.xlsx", readable=True)

    class Value:  # what normalize gives: typed text, meaning, unit
        typed, value, unit = "１，０８４人", 1084, "人"

    result.records["actuals"] = [Record("actuals", 5, {"value": Value()}, CellRefs({"value": "C"}, "5"))]
    out = result.to_dict()
    assert out["records"]["actuals"] == [{"row": 5, "value": {"typed": "１，０８４人", "value": 1084, "cell": "C5",
                                                               "unit": "人"}}]
