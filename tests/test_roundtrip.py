"""A lossless round trip: what clerks type comes back whole from check and consolidate.

Hypothesis writes survey contents the way clerks do (Japanese text with odd characters,
numbers at the edges, every time format), fills a generated workbook, and every value must
come back as typed and as normalized: from ``check``, in the summary's KPI一覧 and in the
CSVs.  CI runs a fixed seed and a bounded number of examples; set
``KPI_ROUNDTRIP_EXAMPLES=500`` for a long run by hand, and ``KPI_ROUNDTRIP_REPORT=FILE``
to have the count of examples and values compared written there (every value compared
is asserted equal, so a finished run has lost none).
"""
import csv
import os
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kpi_workbook.checking.check import check_workbook
from kpi_workbook.consolidation.consolidate import consolidate
from kpi_workbook.generation.fill import fill_workbook

from .conftest import SAMPLES, needs_soffice, soffice

EXAMPLES = int(os.environ.get("KPI_ROUNDTRIP_EXAMPLES", "12"))
ODD = "全角ＡＢＣ１２３ｱｲｳｶﾞ①②⑧〜～－−‐ー△▲㍻㋿髙﨑🙂🏯\n\t=+-@'\"<>&;,，、。・"
TEXT = st.text(alphabet=st.sampled_from(list(ODD) + list("abcXYZ 0123456789漢字かなカナ")), min_size=1, max_size=40) \
    .filter(lambda s: s.strip() and s == s.strip(" "))
UNITS = ["人", "件", "施設", "人/日", "%", "回", "千円"]


@st.composite
def numbers(draw):
    """(typed text, normalized Decimal) pairs the way clerks type numbers."""
    value = draw(st.one_of(st.integers(-10**17, 10**17),
                           st.decimals(min_value=-10**6, max_value=10**6, places=4, allow_nan=False, allow_infinity=False)))
    value = Decimal(value)
    style = draw(st.integers(0, 3))
    magnitude = abs(value)
    digits = f"{magnitude:,f}" if style in (1, 3) else f"{magnitude:f}"
    if style == 3:
        digits = digits.translate(str.maketrans("0123456789,.", "０１２３４５６７８９，．"))
    sign = "" if value >= 0 else draw(st.sampled_from(["-", "△", "▲", "－", "−"]))
    return sign + digits, value


@st.composite
def times(draw):
    """(typed text, fiscal year the time ends in) for years, months and periods."""
    year = draw(st.integers(1990, 2040))
    month = draw(st.integers(1, 12))
    era, n = ("R", year - 2018) if year >= 2019 else ("H", year - 1988)
    kanji = {"R": "令和", "H": "平成"}[era]
    styles = [(f"{era}{n}", year), (f"{kanji}{'元' if n == 1 else n}年度", year), (f"{year}年度", year),
              (f"{era}{n}.{month}", year if month >= 4 else year - 1), (f"{year}/{month}", year if month >= 4 else year - 1),
              (f"{era}{n}~{era}{n + 2}", year + 2), (f"{era}{n}〜{era}{n + 1}", year + 1)]
    return styles[draw(st.integers(0, len(styles) - 1))]


@st.composite
def kpi_rows(draw):
    count = draw(st.integers(1, 4))
    rows = []
    for i in range(count):
        unit = draw(st.sampled_from(UNITS))
        base, target, latest = draw(numbers()), draw(numbers()), draw(numbers())
        rows.append({"KPI番号": f"K{i + 1:03d}", "取組分類": draw(st.sampled_from(["アb", "イa", "ウBe", "ウ"])),
                     "指標名": draw(TEXT), "指標の種類": "アウトカム", "単位": unit, "目標の方向": "増加",
                     "基準値": base[0] + (unit if draw(st.booleans()) else ""), "基準時点": draw(times())[0],
                     "目標値": target[0], "目標時点": draw(times())[0], "現状値": latest[0], "現状時点": draw(times())[0],
                     "備考": draw(TEXT), "_expected": {"baseline": base[1], "target": target[1], "latest": latest[1]}})
    return rows


def _fill(blank, rows, path):
    answers = {"KPI": [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows],
               "事業": [{"事業コード": "P001", "事業名": rows[0]["指標名"], "事業の概要": rows[0]["備考"], "取組分類": "アb"}]}
    return fill_workbook(blank, answers, path)


def _assert_check(path, rows):
    result = check_workbook(path)
    kpis = {r.values["kpi_no"].value: r.values for r in result.records["kpis"]}
    compared = 0
    for row in rows:
        got = kpis[row["KPI番号"]]
        for key, label in (("name", "指標名"), ("note", "備考"), ("baseline", "基準値"), ("target", "目標値"),
                           ("latest", "現状値"), ("baseline_time", "基準時点"), ("target_time", "目標時点")):
            assert got[key].typed == row[label], (key, got[key].typed, row[label])
            compared += 1
        for key, expected in row["_expected"].items():
            assert got[key].value == expected, (key, got[key], expected)
            compared += 1
        # text is normalized by trimming surrounding white space only
        assert got["name"].value == row["指標名"].strip() and got["note"].value == row["備考"].strip()
    return result, compared


COMPARED = {"examples": 0, "values": 0}


def _assert_outputs(folder, tmp, rows):
    out = tmp / "summary.xlsx"
    result = consolidate(folder, SAMPLES / "roster.csv", out, csv_dir=tmp / "csv", jobs=1)
    assert result.totals.rejected == 0
    book = openpyxl.load_workbook(out)
    table = [list(r) for r in book["KPI一覧"].iter_rows(values_only=True)]
    header = table[0]
    by_no = {r[header.index("KPI番号")]: r for r in table[1:]}
    with open(tmp / "csv" / "kpis.csv", encoding="utf-8-sig", newline="") as fh:
        exported = {r["KPI番号"]: r for r in csv.DictReader(fh)}
    compared = 0
    for row in rows:
        line, record = by_no[row["KPI番号"]], exported[row["KPI番号"]]
        for label in ("指標名", "備考"):
            assert line[header.index(label)] == row[label]
            assert _unneutralize(record[label + "（記入）"]) == row[label]
            compared += 2
        for label, key in (("基準値", "baseline"), ("目標値", "target"), ("現状値", "latest")):
            assert line[header.index(label + "（記入）")] == row[label]
            assert Decimal(record[label]) == row["_expected"][key]
            assert _unneutralize(record[label + "（記入）"]) == row[label]
            compared += 3
    return compared


def _unneutralize(text):
    """The CSVs prefix ' to text a spreadsheet would run as a formula (documented)."""
    from kpi_workbook.core.csv_files import unneutralize
    return unneutralize(text)


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=kpi_rows())
def test_round_trip(rows, generated, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rt")
    path = _fill(generated["R01"], rows, tmp / "in" / generated["R01"].name)
    _, compared = _assert_check(path, rows)
    compared += _assert_outputs(tmp / "in", tmp, rows)
    COMPARED["examples"] += 1
    COMPARED["values"] += compared
    if os.environ.get("KPI_ROUNDTRIP_REPORT"):
        with open(os.environ["KPI_ROUNDTRIP_REPORT"], "w") as fh:
            fh.write(f"{COMPARED['examples']} examples, {COMPARED['values']} values compared, 0 lost\n")


HARD = [{"KPI番号": "K001", "取組分類": "アb", "指標名": "=HYPERLINK(\"x\")①〜🙂\n改行", "指標の種類": "アウトカム",
         "単位": "人", "目標の方向": "増加", "基準値": "△1,234,567,890,123,456,789人", "基準時点": "平成27年度",
         "目標値": "０．０００１", "目標時点": "H27~R1", "現状値": "-0", "現状時点": "R2.3",
         "備考": "+81-3-1234-5678 @mention ｶﾀｶﾅ",
         "_expected": {"baseline": Decimal("-1234567890123456789"), "target": Decimal("0.0001"), "latest": Decimal(0)}}]


@needs_soffice
@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_round_trip_through_libreoffice(generated, tmp_path, fmt):
    source = _fill(generated["R01"], HARD, tmp_path / "src" / "R01.xlsx")
    filt = {"xls": "xls:MS Excel 97", "ods": "ods", "xlsx": "xlsx:Calc MS Excel 2007 XML"}[fmt]
    out = tmp_path / "in"
    subprocess.run([soffice(), "--headless", "--convert-to", filt, "--outdir", str(out), str(source)],
                   capture_output=True, timeout=180, check=True)
    _assert_check(out / f"R01.{fmt}", HARD)
    _assert_outputs(out, tmp_path, HARD)
