"""metadata: the hidden sheet that says which survey, version, region and layout a workbook is."""
import openpyxl

from kpi_workbook.core import meta_sheet as metadata
from kpi_workbook.checking.check import check_workbook

from .conftest import codes, edited


def _set(key, value):
    def change(book):
        for row in book[metadata.SHEET].iter_rows():
            if row[0].value == key:
                row[1].value = value
    return change


def test_metadata_reads_back_and_signs(kumamoto_return, renkei):
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(kumamoto_return)[metadata.SHEET].iter_rows()]
    meta = metadata.parse(rows)
    assert meta["survey_id"] == renkei.id and meta["region_code"] == "R01"
    assert meta["layout_fingerprint"] == renkei.fingerprint and meta["survey_round"] == renkei.round
    signed = dict(meta, signature="")
    signed["signature"] = metadata.sign(signed, "秘密")
    assert metadata.verify(signed, "秘密") and not metadata.verify(signed, "別の鍵")
    assert not metadata.verify(dict(signed, region_code="R02"), "秘密")


def test_a_layout_other_than_the_definitions_at_the_same_version_is_the_definition_changed(kumamoto_return, tmp_path):
    result = check_workbook(edited(kumamoto_return, tmp_path / "R01.xlsx", _set("layout_fingerprint", "0" * 16)))
    assert "DEFINITION_CHANGED" in codes(result)


def test_another_version_of_the_survey_is_held(kumamoto_return, tmp_path, renkei):
    other = edited(kumamoto_return, tmp_path / "R01.xlsx", _set("survey_version", "2099.1"))
    result = check_workbook(other, survey=renkei)
    found = [f for f in result.findings if f.code == "META_VERSION_MISMATCH"]
    assert len(found) == 1 and "2099.1" in found[0].message and found[0].severity == "error"
    alone = check_workbook(other)  # no --survey: no definition of that version is installed
    assert codes(alone) == {"DEFINITION_NOT_FOUND"} and "2099.1" in alone.findings[0].message
