"""事務事業評価: one block per project in the layout of seed 004 (旭川市), one printed page each.

Block, top to bottom: 事業コード / 事業名 / 事業の概要; インプット (事業費 by stage and funding
source, 交付税措置, 人工); アウトプット; アウトカム (each KPI: 単位, 基準値, 実績 by time, 達成率,
目標値, 進捗); 開始時期 / 実施根拠 / 関連する計画等; 1次評価 (the eight 視点 marked ○, 課題,
改善・対策の方向性, 見込まれる効果); empty 外部評価 / 2次評価 boxes.  Headings are the survey's
own column labels and ``[summary.labels]``.

The summary's sheet holds the blocks for up to ``MAX_BLOCKS`` projects (Excel keeps 1,026
manual page breaks and 1,048,576 rows a sheet); :func:`region_workbook` writes one
region's blocks as a workbook of its own (``consolidate --evaluation DIR``).
"""
from __future__ import annotations

from ..core import row_heights as layout
from ..core.atomic import atomic_path
from ..core.values import WAREKI
from .achievement import kpi_assessment
from .summary_sheets import formats, number_format, write

WIDTH = 12  # columns A..L
WIDTHS = (11, 8, 10) + (8,) * (WIDTH - 3)  # in Excel's character widths
MAX_BREAKS = 1020  # Excel keeps at most 1,026 manual page breaks per sheet
MAX_BLOCKS = 1000  # more projects than this: one workbook per region instead (--evaluation)
COST_KEYS = ("stage", "fiscal_year", "cost", "national", "prefectural", "bonds", "tax_allocation", "other", "general")
MAX_TIMES = 3  # actual columns in アウトカム (seed 004 shows two years)
LINE, HEADER_ROW = layout.LINE, 28.0  # points: a line of text, a two-line header


def text_lines(text: str, c0: int, c1: int) -> int:
    """Lines *text* takes wrapped in columns c0..c1."""
    return layout.text_lines(text, sum(WIDTHS[c0:c1 + 1]))


def span(ws, r: int, c0: int, c1: int, value, fmt) -> None:
    """Text over columns c0..c1: merged, so that long text wraps across the width."""
    if c1 > c0:
        ws.merge_range(r, c0, r, c1, "", fmt)
    write(ws, r, c0, value, fmt)


def heading(ws, r: int, c0: int, c1: int, value, fmt) -> None:
    """A heading over columns c0..c1, centred across them without merging.

    xlsxwriter tracks every merged cell for overlap checks: at national scale (35,000
    projects) merges cost a gigabyte, so only text that must wrap is merged.
    """
    write(ws, r, c0, value, fmt)
    for c in range(c0 + 1, c1 + 1):
        ws.write_blank(r, c, None, fmt)


def _typed(record, key, calendar: str = WAREKI) -> str:
    """A field as the clerk typed it; a time in the survey's calendar (「令和2年度」, as seed 004)."""
    value = record.values.get(key)
    if value is None:
        return ""
    return value.value.shown(calendar) if hasattr(value.value, "shown") else value.typed


class EvaluationSheet:
    """The 事務事業評価 sheet being written: blocks go down the sheet, one A4 page each
    (portrait, one page wide: a block of seed 004's size, four KPIs, fits a page).

    Rows that hold text get the height of their text: no viewer has to guess it."""

    def __init__(self, ws, survey, fmt: dict, prefectures: dict | None = None):
        self.ws, self.survey, self.fmt, self.labels = ws, survey, fmt, survey.summary["labels"]
        self.prefectures = prefectures or {}  # region code -> 都道府県 (its name heads a column)
        self.row = 0
        self.breaks: list = []
        ws.set_portrait()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.4, bottom=0.6)
        for c, width in enumerate(WIDTHS):
            ws.set_column(c, c, width)

    def blocks(self, sub, rows: dict, actuals: dict, assessed: dict) -> None:
        """A block for each project of one return, in project-code order."""
        projects = {r.values["project_code"].value: r for r in rows.get("projects", [])}
        for code in sorted(projects, key=str):
            write_block(self, sub, projects[code], rows, actuals, assessed)

    def blocks_for(self, sub, rows: dict) -> None:
        """The blocks of one return from its rows alone (achievement computed here)."""
        actuals: dict = {}
        for record in rows.get("actuals", []):
            actuals.setdefault(record.values["kpi_no"].value, []).append(record)
        assessed = {k.values["kpi_no"].value: kpi_assessment(self.survey, k.values,
                                                                actuals.get(k.values["kpi_no"].value, []))
                    for k in rows.get("kpis", [])}
        self.blocks(sub, rows, actuals, assessed)

    def finish(self) -> None:
        self.ws.set_h_pagebreaks(self.breaks[:MAX_BREAKS])  # one block per printed page


def write_block(w, sub, project, rows: dict, actuals: dict, assessed: dict) -> None:
    ws, fmt, L = w.ws, w.fmt, w.labels
    label = {c.key: c.label for c in w.survey.sheet("projects").columns}
    code = project.values["project_code"].value
    r = w.row
    heading(ws, r, 0, WIDTH - 1, f"{sub.region_name}（{sub.region_code}）", fmt["bold"])
    r += 1
    for key, c0, c1 in (("project_code", 0, 0), ("project_name", 1, 3)):
        heading(ws, r, c0, c1, label[key], fmt["header"])
    heading(ws, r, 4, WIDTH - 1, label["summary"], fmt["header"])
    r += 1
    texts = [(_typed(project, "project_code"), 0, 0), (_typed(project, "project_name"), 1, 3),
             (_typed(project, "summary"), 4, WIDTH - 1)]
    ws.set_row(r, LINE * max(text_lines(t, c0, c1) for t, c0, c1 in texts) + 4)
    for text, c0, c1 in texts:
        span(ws, r, c0, c1, text, fmt["cell"])
    r = _inputs(w, ws, r + 2, project, rows, code, w.prefectures.get(sub.region_code, ""))
    r = _outcomes(w, ws, r + 1, rows, actuals, assessed, code)
    r = _context(w, ws, r + 1, project, label)
    r = _first_evaluation(w, ws, r + 1, project, label)
    for c0, c1, key in ((0, 5, "external"), (6, WIDTH - 1, "second")):
        heading(ws, r + 1, c0, c1, L[key], fmt["header"])
    ws.set_row(r + 2, 48)  # empty boxes for the reviewers
    span(ws, r + 2, 0, 5, "", fmt["cell"])
    span(ws, r + 2, 6, WIDTH - 1, "", fmt["cell"])
    w.row = r + 4
    w.breaks.append(r + 4)


def region_workbook(path, survey, sub, rows: dict, stamp, prefecture: str = "") -> None:
    """One region's 事務事業評価 as its own workbook (``consolidate --evaluation DIR``).

    Runs in a worker process, beside the summary being written.
    """
    import xlsxwriter

    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_numbers": False,
                                              "strings_to_formulas": False, "strings_to_urls": False})
        name = survey.summary["sheets"]["evaluation"]
        book.set_properties({"title": f"{name}（{sub.region_name}）", "subject": survey.title,
                             "author": survey.author, "created": stamp})
        ws = book.add_worksheet(name)
        ws.set_footer("&C&P / &N")
        sheet = EvaluationSheet(ws, survey, formats(book, survey.font), {sub.region_code: prefecture})
        sheet.blocks_for(sub, rows)
        sheet.finish()
        book.close()


def _inputs(w, ws, r, project, rows, code, prefecture: str) -> int:
    fmt, L = w.fmt, w.labels
    costs = w.survey.sheet("costs")
    heading(ws, r, 0, WIDTH - 1, L["input"], fmt["bold"])
    r += 1
    ws.set_row(r, HEADER_ROW)
    for c, key in enumerate(COST_KEYS):  # seed 004 names the prefecture over its share
        shown = prefecture if key == "prefectural" and prefecture else costs.column(key).label
        write(ws, r, c, shown, fmt["header"])
    stages = list(w.survey.choices.get("stage", []))
    mine = [x for x in rows.get("costs", []) if x.values["project_code"].value == code]
    mine.sort(key=lambda x: (_fy(x), stages.index(x.values["stage"].value)
                             if x.values["stage"].value in stages else 99, x.row))
    for record in mine:
        r += 1
        for c, key in enumerate(COST_KEYS):
            value = record.values.get(key)
            typed = key in ("stage", "fiscal_year") or value is None or value.value is None
            shown = _typed(record, key, w.survey.calendar) if typed else value.value
            write(ws, r, c, shown, number_format(fmt, shown) if c >= 2 else fmt["cell"])
    r += 1
    projects = w.survey.sheet("projects")
    ws.set_row(r, HEADER_ROW)
    write(ws, r, 0, L["staffing"], fmt["header"])
    for c0, c1, key in ((1, 2, "staff_regular"), (4, 6, "staff_fiscal")):
        heading(ws, r, c0, c1, projects.column(key).label, fmt["header"])
        value = project.values.get(key)
        staff = value.value if value is not None else None
        write(ws, r, c1 + 1, staff, number_format(fmt, staff))
    r += 1
    write(ws, r, 0, projects.column("output").label, fmt["header"])
    output = _typed(project, "output")
    ws.set_row(r, LINE * text_lines(output, 1, WIDTH - 1) + 4)
    span(ws, r, 1, WIDTH - 1, output, fmt["cell"])
    return r + 1


def _fy(record) -> int:
    value = record.values.get("fiscal_year")
    return value.value.fiscal_year if value is not None and value.value is not None else 0


def _outcomes(w, ws, r, rows, actuals, assessed, code) -> int:
    """Each KPI: its actuals for the latest times (its 現状値 among them, so a cumulative
    KPI shows its cumulative figure), 達成率, target and 区分."""
    fmt, L = w.fmt, w.labels
    kpis = w.survey.sheet("kpis")
    mine = [k for k in rows.get("kpis", []) if k.values["project_code"].value == code]
    heading(ws, r, 0, WIDTH - 1, L["outcome"], fmt["bold"])
    r += 1
    figures = {}
    for record in mine:
        number = record.values["kpi_no"].value
        shown = figures[number] = {a.values["time"].value: a.values["value"].value
                                   for a in actuals.get(number, []) if a.values["time"].value is not None}
        latest, latest_time, _ = assessed[number]
        if latest_time is not None and latest is not None:
            shown.setdefault(latest_time, latest)
    times = sorted({t for shown in figures.values() for t in shown}, key=lambda t: (t.point, t.start))[-MAX_TIMES:]
    headers = [kpis.column("unit").label, kpis.column("baseline").label] \
        + [f"{L['actual']}\n{t.shown(w.survey.calendar)}" for t in times] \
        + [L["achievement"], L["target"], kpis.column("target_time").label, L["progress"]]
    ws.set_row(r, max([HEADER_ROW] + [LINE * text_lines(h, 3, 3) + 4 for h in headers]))
    heading(ws, r, 0, 2, kpis.column("name").label, fmt["header"])
    for c, value in enumerate(headers, start=3):
        write(ws, r, c, value, fmt["header"])
    for record in mine:
        r += 1
        v = record.values
        _, _, result = assessed[v["kpi_no"].value]
        ws.set_row(r, LINE * text_lines(v["name"].typed, 0, 2) + 4)
        span(ws, r, 0, 2, v["name"].typed, fmt["cell"])
        shown = figures[v["kpi_no"].value]
        values = [v["unit"].value, v["baseline"].value] + [shown.get(t) for t in times] \
            + [result.rate, v["target"].value, _typed(record, "target_time", w.survey.calendar), result.status]
        rate_column = 5 + len(times)
        for c, value in enumerate(values, start=3):
            number = isinstance(value, (int, float)) or hasattr(value, "as_tuple")
            write(ws, r, c, value,
                  fmt["percent"] if c == rate_column else number_format(fmt, value) if number else fmt["cell"])
    if not mine:
        r += 1
        span(ws, r, 0, WIDTH - 1, "-", fmt["cell"])
    return r + 1


def _context(w, ws, r, project, label) -> int:
    fmt = w.fmt
    places = ((0, 1, "start_year"), (2, 3, "legal_basis"), (4, 6, "related_plans"),
              (7, 9, "similar_services"), (10, WIDTH - 1, "reference_cases"))
    parts = [(c0, c1, key) for c0, c1, key in places if key in label]
    ws.set_row(r, max(LINE * text_lines(label[key], c0, c1) + 4 for c0, c1, key in parts))
    for c0, c1, key in parts:  # row by row: constant-memory mode never returns to a row
        heading(ws, r, c0, c1, label[key], fmt["header"])
    ws.set_row(r + 1, max(LINE * text_lines(_typed(project, key), c0, c1) + 4 for c0, c1, key in parts))
    for c0, c1, key in parts:
        span(ws, r + 1, c0, c1, _typed(project, key), fmt["cell"])
    return r + 2


def _first_evaluation(w, ws, r, project, label) -> int:
    """Viewpoints (each marked ○ or not) and the three texts, side by side in one tall row.

    Single-row merges only: constant-memory mode writes rows in order, so a block never
    goes back to a row it has left.
    """
    fmt, L = w.fmt, w.labels
    heading(ws, r, 0, WIDTH - 1, L["first_eval"], fmt["bold"])
    r += 1
    parts = ((0, 2, "viewpoints"), (3, 5, "issues"), (6, 8, "direction_of_improvement"), (9, WIDTH - 1, "expected_effect"))
    for c0, c1, key in parts:
        heading(ws, r, c0, c1, L["viewpoints"] if key == "viewpoints" else label[key], fmt["header"])
    chosen = project.values.get("viewpoints")
    chosen = set(chosen.value or ()) if chosen is not None else set()
    choices = list(w.survey.sheet("projects").column("viewpoints").choices)
    marks = "\n".join(f"{choice}　{'○' if choice in chosen else ''}" for choice in choices)
    texts = {key: _typed(project, key) for _, _, key in parts[1:]}
    lines = max([text_lines(marks, 0, 2)] + [text_lines(texts[key], c0, c1) for c0, c1, key in parts[1:]])
    r += 1
    ws.set_row(r, LINE * lines + 6)
    for c0, c1, key in parts:
        span(ws, r, c0, c1, marks if key == "viewpoints" else texts[key], fmt["cell"])
    return r + 1
