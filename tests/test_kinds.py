"""kinds: named values that are their text everywhere they are written, compared or looked up."""
import csv
import io
import json
import pickle

import pytest

from kpi_workbook.core import findings as F
from kpi_workbook.core.kinds import ColumnType, SheetKind, Severity, Status
from kpi_workbook.core.survey import TYPES, load_survey


@pytest.mark.parametrize("member", [*Severity, *Status, *SheetKind, *ColumnType])
def test_a_member_is_its_text(member):
    text = member.value
    assert member == text and str(member) == text and f"{member}" == text and f"{member:>12}" == f"{text:>12}"
    assert {text: 1}[member] == 1 and {member: 1}[text] == 1  # the same hash as its text
    assert json.dumps([member]) == json.dumps([text])
    written = []
    for value in (member, text):
        buffer = io.StringIO()
        csv.writer(buffer).writerow([value, value])
        written.append(buffer.getvalue())
    assert written[0] == written[1]
    assert pickle.loads(pickle.dumps(member)) is member
    assert type(member)(text) is member


def test_a_pending_return_is_falsy_and_a_decided_one_is_not():
    assert not Status.PENDING and all(status for status in Status if status is not Status.PENDING)


def test_the_catalogue_and_the_definitions_use_them():
    assert {spec.severity for spec in F.CATALOGUE.values()} == set(Severity)
    survey = load_survey("renkei")
    assert all(isinstance(sheet.kind, SheetKind) for sheet in survey.sheets)
    assert all(isinstance(column.type, ColumnType) for sheet in survey.sheets for column in sheet.columns)
    assert TYPES == set(ColumnType)
