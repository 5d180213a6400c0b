"""What people do today, written straightforwardly, to measure kpi_workbook against.

- :func:`naive_consolidate`: openpyxl ``load_workbook`` on each return, loop over the rows
  of each data sheet, collect them into pandas frames and write them with ``to_excel``
  (the coordinator's script: no validation, no normalizing, no summary tables);
- :func:`read_excel_all`: ``pandas.read_excel(sheet_name=None)`` per file, default engine;
- :func:`calamine_floor`: python-calamine reading every sheet's values, nothing else
  (the floor: the cost of just reading the bytes);
- :func:`openpyxl_generate`: the survey workbook built with openpyxl instead of
  xlsxwriter, with the same sheets, labels, widths, formats, validations, conditional
  formats, hidden lists, protection and metadata sheet.
"""
from __future__ import annotations

import warnings
from pathlib import Path

from kpi_workbook.generation.workbooks import COLORS, FIRST_ROW, HEADER_ROW, LISTS_SHEET, NUMBER_FORMATS
from kpi_workbook.core.meta_sheet import SHEET as META_SHEET
from kpi_workbook.core.survey import load_survey

DATA_SHEETS = ("projects", "costs", "kpis", "actuals")


def returns(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).rglob("*.xlsx") if not p.name.startswith(("~$", ".")))


def naive_consolidate(folder: Path, output: Path, survey: str = "renkei") -> int:
    import openpyxl
    import pandas as pd

    names = [load_survey(survey).sheet(key).name for key in DATA_SHEETS]
    parts = {name: [] for name in names}
    for path in returns(folder):
        book = openpyxl.load_workbook(path, data_only=True)
        for name in names:
            rows = list(book[name].iter_rows(min_row=HEADER_ROW + 1, values_only=True))
            header, data = rows[0], [r for r in rows[1:] if any(v is not None for v in r)]
            frame = pd.DataFrame(data, columns=header)
            frame.insert(0, "ファイル", path.name)
            parts[name].append(frame)
        book.close()
    total = 0
    with pd.ExcelWriter(output) as writer:
        for name, frames in parts.items():
            table = pd.concat(frames, ignore_index=True)
            total += len(table)
            table.to_excel(writer, sheet_name=name, index=False)
    return total


def read_excel_all(folder: Path) -> int:
    import pandas as pd

    cells = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas announces a future change of default engine
        for path in returns(folder):
            cells += sum(frame.size for frame in pd.read_excel(path, sheet_name=None).values())
    return cells


def calamine_floor(folder: Path) -> int:
    from python_calamine import CalamineWorkbook

    cells = 0
    for path in returns(folder):
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            cells += sum(len(row) for row in book.get_sheet_by_name(name).to_python())
        book.close()
    return cells


def openpyxl_generate(regions: list, out_dir: Path, survey: str = "renkei") -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    definition = load_survey(survey)
    for region in regions:
        _openpyxl_workbook(definition, region).save(out_dir / f"{region.code}.xlsx")
    return len(regions)


def _openpyxl_workbook(s, region):
    from openpyxl import Workbook
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    font = Font(name=s.font, charset=128, size=10)
    thin = Side(style="thin")
    header = dict(font=Font(name=s.font, charset=128, size=10, bold=True), border=Border(thin, thin, thin, thin),
                  fill=PatternFill("solid", fgColor=COLORS["header"][1:]),
                  alignment=Alignment(wrap_text=True, horizontal="center", vertical="center"))
    book = Workbook()
    guide = book.active
    guide.title = s.guide["sheet"]
    guide["A1"] = s.guide["title"]
    guide["A1"].font = Font(name=s.font, size=14, bold=True, color=COLORS["title"][1:])
    guide["A2"] = f"{region.code}　{region.name}　（{s.round}）"
    for r, line in enumerate(s.guide["lines"], start=4):
        guide.cell(r, 1, line).font = font
    lists = book.create_sheet(LISTS_SHEET)
    names = {}
    sources = {"taxonomy_leaves": [s.taxonomy.display(n.code) for n in s.taxonomy.leaves],
               "taxonomy_all": [s.taxonomy.display(n.code) for n in s.taxonomy.nodes],
               "members": list(region.members), **{k: list(v) for k, v in s.choices.items()}}
    for c, (name, values) in enumerate(sources.items(), start=1):
        for r, value in enumerate(values, start=1):
            lists.cell(r, c, value)
        col = get_column_letter(c)
        if values:
            names[name] = f"list_{c}"
            book.defined_names[f"list_{c}"] = DefinedName(f"list_{c}", attr_text=f"'{LISTS_SHEET}'!${col}$1:${col}${len(values)}")
    lists.sheet_state = "hidden"
    for sheet in s.sheets:
        ws = book.create_sheet(sheet.name)
        ws.page_setup.orientation, ws.page_setup.paperSize = "landscape", 9
        ws.page_setup.fitToWidth, ws.sheet_properties.pageSetUpPr.fitToPage = 1, True
        ws.cell(1, 1, sheet.title).font = Font(name=s.font, size=14, bold=True)
        if sheet.kind == "form":
            for i, col in enumerate(sheet.columns):
                label = ws.cell(FIRST_ROW + 1 + i, 1, col.label)
                for k, v in header.items():
                    setattr(label, k, v)
                value = ws.cell(FIRST_ROW + 1 + i, 2, region.prefill(col.prefill) if col.prefill else None)
                value.font, value.border = font, header["border"]
                value.protection = Protection(locked=bool(col.prefill))
        else:
            last = FIRST_ROW + sheet.rows
            for c, col in enumerate(sheet.columns, start=1):
                cell = ws.cell(HEADER_ROW + 1, c, col.label)
                for k, v in header.items():
                    setattr(cell, k, v)
                letter = get_column_letter(c)
                dim = ws.column_dimensions[letter]  # the entry area: a column format, as generate does
                dim.width, dim.font, dim.number_format = col.width, font, NUMBER_FORMATS.get(col.type, "General")
                dim.protection = Protection(locked=False)
                source = col.choices_from or col.choice_list
                if source in names:
                    dv = DataValidation(type="list", formula1=f"={names[source]}", allow_blank=True,
                                        promptTitle=col.label[:32], prompt=(col.message or "")[:255])
                    dv.add(f"{letter}{FIRST_ROW + 1}:{letter}{last}")
                    ws.add_data_validation(dv)
                if col.required:
                    ws.conditional_formatting.add(f"{letter}{FIRST_ROW + 1}:{letter}{last}", FormulaRule(
                        formula=[f"AND(COUNTA($A{FIRST_ROW + 1}:$Z{FIRST_ROW + 1})>0,LEN(TRIM({letter}{FIRST_ROW + 1}))=0)"],
                        fill=PatternFill("solid", bgColor=COLORS["missing"][1:])))
            ws.freeze_panes = ws.cell(FIRST_ROW + 1, 2)
            ws.print_title_rows = f"{HEADER_ROW + 1}:{HEADER_ROW + 1}"
        ws.protection.sheet = True
    meta = book.create_sheet(META_SHEET)
    for r, (key, value) in enumerate({"survey_id": s.id, "survey_version": s.version,
                                      "region_code": region.code, "region_name": region.name}.items(), start=1):
        meta.cell(r, 1, key)
        meta.cell(r, 2, value)
    meta.sheet_state = "veryHidden"
    return book
