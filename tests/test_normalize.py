"""normalize: one implementation per cell conversion; a column's remembered converter gives what a fresh one does."""
import datetime as dt

from hypothesis import given, settings, strategies as st

from kpi_workbook.checking import normalize
from kpi_workbook.checking.normalize import EMPTY, converter, normalize_cell
from kpi_workbook.core.values import text_of
from kpi_workbook.reading.reader import CellError, NoCachedValue
from kpi_workbook.core.survey import load_survey

SURVEY = load_survey("renkei")
COLUMNS = [column for sheet in SURVEY.sheets for column in sheet.columns]
# what clerks type, and what trips each branch: dashes, units, wide digits, eras, choices
TOKENS = st.sampled_from(["", " ", "　", "-", "－", "未定", "0", "500", "1,000", "１２0", "△3", "▲1.5", "1.5万",
                          "千円", "人", "%", "R5", "H28", "令和5年度", "2023", "R2.3", "○", "×", "③、⑥", "①",
                          "当初予算", "アウトカム", "アa", "ア a", "P001", "ｐ００１", "abc", "=1+1", "\n"])
TEXT = st.lists(st.one_of(TOKENS, st.text(max_size=3)), max_size=3).map("".join)
RAW = st.one_of(TEXT, st.floats(allow_nan=True), st.integers(-10**20, 10**20), st.booleans(), st.none(),
                st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)), TEXT.map(CellError), st.just(NoCachedValue("=")))


@st.composite
def cells(draw):
    """A column, and a value for it: often one of its own choices or a lone token."""
    column = draw(st.sampled_from(COLUMNS))
    own = SURVEY.choice_codes(column) + [SURVEY.taxonomy.display(c) for c in SURVEY.choice_codes(column)
                                         if column.choices_from.startswith("taxonomy")]
    pad = st.sampled_from(["", " ", "　"])
    lone = st.tuples(pad, TOKENS, pad).map("".join)
    mine = st.tuples(pad, st.sampled_from(own), pad).map("".join) if own else lone
    return column, draw(st.one_of(mine, lone, RAW))


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(cell=cells(), percent=st.booleans(), unit=st.sampled_from(["", "人", "千円", "%"]))
def test_a_remembered_converter_gives_what_a_fresh_one_gives(cell, percent, unit):
    column, raw = cell
    expected = normalize._converter(column, SURVEY)(raw, percent, unit)  # a first call: nothing remembered
    assert normalize_cell(raw, column, SURVEY, unit=unit, percent_cell=percent) == expected
    assert converter(column, SURVEY)(raw, percent, unit) == expected  # once more: remembered for some kinds
    if raw is None:
        assert expected == EMPTY
    else:  # the text as typed is always kept beside what it means
        assert expected.typed == (raw if type(raw) is str else text_of(raw))


def test_converters_are_kept_per_survey_and_remember_a_bounded_number_of_texts(monkeypatch):
    column = SURVEY.sheet("costs").column("fiscal_year")
    assert converter(column, SURVEY) is converter(column, SURVEY)
    other = load_survey("teiju")
    assert converter(column, other) is not converter(column, SURVEY)
    assert converter(column, SURVEY.for_round("次の回")) is not converter(column, SURVEY)  # a new run's own
    import pickle
    assert "_derived" not in pickle.loads(pickle.dumps(SURVEY)).__dict__  # functions do not travel
    monkeypatch.setattr(normalize, "MEMO_SIZE", 3)
    fresh = normalize._converter(column, SURVEY)
    texts = ["R1", "R2", "R3", "R4", "R5", "R1"]
    assert [fresh(t).value for t in texts] == [normalize_cell(t, column, SURVEY).value for t in texts]
    closure = dict(zip(fresh.__code__.co_freevars, (c.cell_contents for c in fresh.__closure__)))
    assert 0 < len(closure["memo"]) <= 3


def test_every_column_type_of_the_survey_is_covered():
    kinds = {column.type for column in COLUMNS}
    assert {"text", "code", "amount", "measure", "time", "choice", "flag", "multichoice"} <= kinds


# ---- a choice is never cut, whatever it holds (「①デジタル化・DX」 and 「・」 as a separator)

import itertools  # noqa: E402

import pytest  # noqa: E402

from kpi_workbook.checking.normalize import normalize_cell  # noqa: E402
from kpi_workbook.core.survey import available, load_survey  # noqa: E402


def _choice_columns():
    for name in available():
        survey = load_survey(name)
        for sheet in survey.sheets:
            for column in sheet.columns:
                if column.type in ("choice", "multichoice") and not column.choices_from == "members":
                    yield survey, column


def test_every_choice_reads_back_as_itself():
    checked = 0
    for survey, column in _choice_columns():
        for shown, code in zip(survey.choice_values(column), survey.choice_codes(column)):
            value = normalize_cell(shown, column, survey)
            assert not value.problem, (survey.name, column.key, shown, value)
            assert value.value == ((code,) if column.type == "multichoice" else code)
            checked += 1
    assert checked > 30


@pytest.mark.parametrize("joint", ["、", ",", "\n", " ", "，", "・"])
def test_two_or_three_choices_read_back_as_themselves(joint):
    for survey, column in _choice_columns():
        if column.type != "multichoice":
            continue
        choices = survey.choice_values(column)
        for size in (2, 3):
            for combo in itertools.permutations(choices, size):
                value = normalize_cell(joint.join(combo), column, survey)
                assert not value.problem and value.value == combo, (joint, combo, value)


def test_circled_numbers_alone_or_run_together():
    survey = load_survey("renkei")
    column = survey.sheet("projects").column("viewpoints")
    assert normalize_cell("①②", column, survey).value == ("①デジタル化・DX", "②アウトソーシング")
    assert normalize_cell("③、⑦", column, survey).value == ("③業務の効率化", "⑦職員能力・組織力の向上")
    assert normalize_cell("デジタル化・DX", column, survey).value == ("①デジタル化・DX",)
    assert normalize_cell("①デジタル化・DXと何か", column, survey).problem == "CHOICE_INVALID"


def test_cells_that_hold_no_value_a_clerk_typed(kumamoto_return, tmp_path):
    """An error cell (#DIV/0!), a formula saved without its result, a date that is not one:
    each is an error at its cell, and nothing is guessed."""
    from kpi_workbook.checking.check import check_workbook

    from .conftest import edited

    def change(book):
        ws = book["KPI"]
        header = {c.value: c.column for c in ws[3]}
        error = ws.cell(4, header["基準値"])
        error.value, error.data_type = "#DIV/0!", "e"
        ws.cell(4, header["目標値"], "=1+1")
        form = book["圏域情報"]
        next(row for row in form.iter_rows() if row[0].value == "回答日")[1].value = "あした"
    result = check_workbook(edited(kumamoto_return, tmp_path / "R01.xlsx", change))
    found = {f.code: f for f in result.findings if f.code in ("CELL_ERROR", "FORMULA_NO_VALUE", "DATE_INVALID")}
    assert sorted(found) == ["CELL_ERROR", "DATE_INVALID", "FORMULA_NO_VALUE"]
    assert all(f.severity == "error" and f.cell for f in found.values())
    kpi = result.records["kpis"][0].values
    assert kpi["baseline"].value is None and kpi["target"].value is None
