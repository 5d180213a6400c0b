"""previous: a round started from the last — its CSVs read back by region, carried into
each workbook (entry sheets and a hidden sheet), and bad PREV folders refused by name."""
import json
import shutil

import openpyxl
import pytest

from kpi_workbook.reading import last_round as previous
from kpi_workbook.checking.check import check_workbook
from kpi_workbook.reading.last_round import PreviousRoundError, read_previous


def test_each_workbook_starts_from_its_regions_last_round(last_round, renkei):
    _, books = last_round
    result = check_workbook(books["R07"], round_="令和9年度調査")
    kpis = {r.values["kpi_no"].value: r.values for r in result.records["kpis"]}
    assert sorted(kpis) == ["K001", "K002", "K003", "K004"]
    k001 = kpis["K001"]
    assert k001["name"].value == "上川中部定住自立圏構想の推進に向けた会議の開催回数"
    assert (k001["baseline"].value, k001["target"].value, k001["target_time"].value.wareki) == (5, 9, "令和5年度")
    assert all(v["review"].value == "継続" for v in kpis.values())  # 見直し状況 starts at 継続
    actuals = sorted((r.values["kpi_no"].value, r.values["time"].typed, r.values["value"].value)
                     for r in result.records["actuals"])
    assert ("K001", "R2", 8) in actuals and ("K002", "R3", 48) in actuals
    assert [r.values["project_code"].value for r in result.records["projects"]] == ["12 11 01"]
    assert not [f for f in result.findings if f.code in ("REVISION_UNMARKED", "KPI_REMOVED", "ACTUAL_ALTERED")]


def test_carried_figures_are_numbers_and_long_names_wrap_in_full(last_round, renkei):
    """Excel marks no 'number stored as text': a plain figure is carried as a number (with
    separators), one typed with its unit stays as typed; a long 指標名's row is tall enough."""
    _, books = last_round
    book = openpyxl.load_workbook(books["R04"])  # とやま呉西: 23,878人/日 typed with its unit
    ws = book["KPI"]
    header = [c.value for c in ws[3]]
    baseline = ws.cell(4, header.index("基準値") + 1)
    assert baseline.value == "23,878人/日" and baseline.data_type == "s"
    asahikawa = openpyxl.load_workbook(books["R07"])["KPI"]
    figures = [asahikawa.cell(4, header.index(label) + 1) for label in ("基準値", "目標値")]
    assert [(c.value, c.data_type, c.number_format) for c in figures] == [(5, "n", "#,##0"), (9, "n", "#,##0")]
    name = asahikawa.cell(4, header.index("指標名") + 1)
    assert len(name.value) > 20 and name.alignment.wrap_text and asahikawa.row_dimensions[4].height > 15


def test_last_rounds_values_travel_hidden_and_a_new_region_starts_blank(last_round):
    _, books = last_round
    book = openpyxl.load_workbook(books["R07"])
    assert book[previous.SHEET].sheet_state == "veryHidden" and book[previous.SHEET].protection.sheet
    carried = previous.parse_sheet([[c.value for c in row] for row in book[previous.SHEET].iter_rows()])
    assert {r["kpi_no"] for r in carried.rows["kpis"]} == {"K001", "K002", "K003", "K004"}
    missing = openpyxl.load_workbook(books["R09"])  # 広島: sent nothing last round
    assert previous.SHEET not in missing.sheetnames and missing["KPI"]["A4"].value is None


def test_a_folder_that_is_not_last_rounds_is_refused_by_name(last_round, renkei, teiju, tmp_path):
    folder, _ = last_round
    with pytest.raises(PreviousRoundError) as caught:
        read_previous(tmp_path, renkei)
    assert "datapackage.json" in str(caught.value) and caught.value.exit_code == 2
    with pytest.raises(PreviousRoundError) as caught:
        read_previous(folder, teiju)  # another survey's CSVs
    assert "別の調査" in str(caught.value)
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    (broken / "kpis.csv").unlink()
    with pytest.raises(PreviousRoundError) as caught:
        read_previous(broken, renkei)
    assert "kpis.csv" in str(caught.value)
    text = (folder / "actuals.csv").read_text(encoding="utf-8-sig").replace("KPI番号（記入）", "番号")
    (broken / "kpis.csv").write_bytes((folder / "kpis.csv").read_bytes())
    (broken / "actuals.csv").write_text(text, encoding="utf-8-sig")
    with pytest.raises(PreviousRoundError) as caught:
        read_previous(broken, renkei)
    assert "actuals.csv" in str(caught.value) and "KPI番号（記入）" in str(caught.value)


def test_a_row_that_cannot_be_carried_is_a_finding_and_the_rest_are(last_round, renkei, tmp_path):
    folder, _ = last_round
    edited, lines, _ = _first_kpi_edited(folder, tmp_path / "edited", "KPI番号（記入）", "")
    regions, findings = read_previous(edited, renkei)
    assert [(f.code, f.row) for f in findings] == [("PREVIOUS_ROW_INVALID", 2)]
    assert sum(len(r.rows.get("kpis", [])) for r in regions.values()) == len(lines) - 2
    assert json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["name"] == renkei.id


def test_last_rounds_explanations_are_not_carried(renkei):
    from kpi_workbook.reading.last_round import RegionPrevious, carried
    last = RegionPrevious("令和8年度調査", {"kpis": [{"kpi_no": "K1", "review": "見直し", "explanation": "前回の理由"},
                                                  {"kpi_no": "K2", "review": "廃止"}],
                                         "actuals": [{"kpi_no": "K1", "time": "R2", "value": "3", "explanation": "x"},
                                                     {"kpi_no": "K2", "time": "R2", "value": "1"}]})
    start = carried(last, renkei)
    assert start["kpis"] == [{"kpi_no": "K1", "review": "継続"}]  # 廃止 left out; 説明 not carried
    assert start["actuals"] == [{"kpi_no": "K1", "time": "R2", "value": "3"}]


def test_long_texts_travel_whole_in_the_hidden_sheet_and_a_cut_entry_cell_is_said(last_round, renkei, tmp_path):
    """A region whose records pass Excel's cell limit: last round's values still reach check
    whole (split across cells), and the entry cell cut to the limit is a finding."""
    from kpi_workbook.generation.workbooks import generate
    from kpi_workbook.reading.last_round import MAX_CELL

    from .conftest import FIXED_NOW, SAMPLES
    folder, _ = last_round
    name = "指" * 40_000
    edited, _, region = _first_kpi_edited(folder, tmp_path / "long", "指標名（記入）", name)
    made = generate(SAMPLES / "roster.csv", renkei, tmp_path / "out", previous=edited, now=FIXED_NOW,
                    round_="令和9年度調査")
    long = [f for f in made.findings if f.code == "PREVIOUS_TEXT_TOO_LONG"]
    assert len(long) == 1 and "40,000" in long[0].message and "指標名" in long[0].message
    book = next(p for p in made.written if p.name.startswith(region))
    hidden = openpyxl.load_workbook(book)[previous.SHEET]
    carried = previous.parse_sheet([[c.value for c in row] for row in hidden.iter_rows()])
    assert name in {r.get("name") for r in carried.rows["kpis"]}  # whole, across cells
    entry = check_workbook(book, round_="令和9年度調査")
    assert max(len(r.values["name"].typed) for r in entry.records["kpis"]) == MAX_CELL


def test_a_prev_csv_in_another_encoding_is_named_not_an_internal_error(last_round, tmp_path):
    from .conftest import SAMPLES, run_console
    folder, _ = last_round
    for encoding in ("cp932", "utf-16"):
        edited = tmp_path / encoding
        shutil.copytree(folder, edited)
        text = (folder / "kpis.csv").read_text(encoding="utf-8-sig")
        (edited / "kpis.csv").write_text(text, encoding=encoding)
        done = run_console("generate", "--roster", SAMPLES / "roster.csv", "--out", tmp_path / f"out-{encoding}",
                           "--previous", edited)
        assert done.returncode == 2 and "kpis.csv" in done.stderr and "内部エラー" not in done.stderr, done.stderr


def _first_kpi_edited(folder, edited, column: str, value: str):
    """A copy of last round's CSV folder whose first KPI has *value* in *column*: (the copy,
    kpis.csv's lines as they were, that KPI's region code)."""
    shutil.copytree(folder, edited)
    lines = (folder / "kpis.csv").read_text(encoding="utf-8-sig").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    cells = lines[1].rstrip("\r\n").split(",")
    cells[header.index(column)] = value
    (edited / "kpis.csv").write_text("".join([lines[0], ",".join(cells) + "\r\n", *lines[2:]]), encoding="utf-8-sig")
    return edited, lines, cells[header.index("圏域コード")]
