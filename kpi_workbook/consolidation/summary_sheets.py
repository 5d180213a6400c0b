"""The sheets of totals in the summary, and the row layouts shared with the CSVs."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..core import findings as F
from ..core.kinds import Status
from ..core.shown_text import visible
from ..core.values import WAREKI, date_in
from ..xlsx.fast_writer import KINDS, write_value
from . import table_specs as tables
from .submission import JAPAN, instant
from .table_specs import FINDING_COLUMNS, in_csv


def cell(value):
    """What a summary cell holds for *value*: a non-empty str, a float, or None (blank).
    (The CSVs keep the text as typed: :func:`~kpi_workbook.core.csv_files.plain`.)

    Numbers with more digits than a double holds are shown exactly, as text."""
    kind = type(value)
    if kind is str:  # shown as written: an invisible control (U+202E...) as U+FFFD, never steering the row
        return visible(value) or None
    if value is None:
        return None
    if kind is bool:
        return "○" if value else None
    if kind is int and -2**53 <= value <= 2**53:
        return float(value)
    if kind is Decimal:
        number = float(value)
        if number.is_integer() and -2**53 <= number <= 2**53:  # most figures: a whole number
            return number if value == int(number) else format(value, "f")
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        return number if Decimal(repr(number)) == Decimal(value) else format(Decimal(value), "f")
    return str(value) or None


def japanese_date(when, calendar: str = WAREKI) -> str:
    """令和8年12月1日 (or 2026年12月1日): how dates read in the summary."""
    return date_in(dt.date(when.year, when.month, when.day), calendar)


def iso_time(stamp: str) -> str:
    """A modified time in the one form every CSV uses: ISO 8601 with its offset."""
    when = instant(stamp) if stamp else None
    return when.isoformat() if when is not None and when.year >= 1900 else stamp


def japanese_time(stamp: str, calendar: str = WAREKI) -> str:
    """A workbook's modified time as read in Japan: 令和8年12月1日 18:26 (Japan time)."""
    if not stamp:
        return ""
    when = instant(stamp)
    if when.year < 1900:
        return stamp  # not a time: shown as it was
    when = when.astimezone(JAPAN)
    return f"{japanese_date(when, calendar)} {when.hour:02d}:{when.minute:02d}"


def newest_return(result) -> str:
    """The modified time of the newest return used ("" for none): the time the summary
    stands at (so the same returns give the same summary, byte for byte)."""
    return max((s.modified for s in result.used if s.modified), key=instant, default="")


def write(ws, r: int, c: int, value, fmt=None) -> None:
    """One cell; strings are always written as strings (never a formula, URL or number)."""
    write_value(ws, r, c, cell(value), fmt)


def write_row(ws, r: int, values: list, fmt=None, first: int = 0) -> None:
    """A row of :func:`write` cells from column *first* (A), in one step (a summary sheet
    is a :class:`~kpi_workbook.xlsx.fast_writer.RowSheet`)."""
    ws.put_row(r, [cell(v) for v in values], fmt, first=first)


def formats(book, font: str) -> dict:
    """The summary's cell formats (also used by the per-region evaluation workbooks)."""
    base = {"font_name": font, "font_charset": 128, "font_size": 10, "valign": "top"}

    def make(**extra):
        return book.add_format({**base, **extra})
    return {"header": make(bold=True, bg_color="#DDEBF7", border=1, text_wrap=True, align="center_across", valign="vcenter"),
            "title": make(bold=True, font_size=14, font_color="#1F4E78"),
            "bold": make(bold=True), "wrap": make(text_wrap=True), "cell": make(border=1, text_wrap=True),
            "mark": make(border=1, align="center"),  # ○
            # a long list's columns (KPI一覧), by fast_writer.KINDS
            "figure_list": make(num_format="#,##0", align="right", indent=1),  # indented: clear of the time beside it
            "figure_decimal_list": make(num_format="#,##0.0#########", align="right", indent=1),
            "mark_list": make(align="center"), "rate_list": make(num_format="0.0", align="right", indent=1),
            # "#,##0.##" would show a whole number as "1,200." in Excel: whole and decimal apart (number_format)
            "number": make(border=1, num_format="#,##0"), "number_decimal": make(border=1, num_format="#,##0.0#########"), "percent": make(border=1, num_format='0.0"%"'),  # values are in %: 77.8 shows 77.8%
            "box": make(border=1, text_wrap=True, bg_color="#F2F2F2"), "plain": make(),
            # 概要's figures, read beside their labels
            "figure": make(border=1, align="left", num_format="#,##0"),
            "figure_decimal": make(border=1, align="left", num_format="#,##0.0#########"),
            "figure_percent": make(border=1, align="left", num_format='0.0"%"')}


def number_format(fmt: dict, value, key: str = "number"):
    """*key*'s format ("number", "figure") for *value*: its decimal twin when it has a fraction."""
    fraction = value is not None and not isinstance(value, str) and value != int(value)
    return fmt[f"{key}_decimal"] if fraction else fmt[key]


def list_formats(fmt: dict) -> dict:
    """A long list's format of each kind of column (fast_writer.ColumnFormats)."""
    return {kind: fmt[f"{kind}_list"] for kind in KINDS}


def csv_columns(survey, rounds: bool = False) -> dict:
    """Table -> [(column name, type, description[, more properties])] for the CSVs and
    datapackage.json, from the tables' descriptions (:mod:`kpi_workbook.consolidation.table_specs`); with
    *rounds* (``--previous``), revisions.csv too."""
    L = survey.summary["labels"]
    out = {key: [c.field() for c in in_csv(tables.kpi_columns(survey) if key == "kpis" else tables.record_columns(survey, key))]
           for key in tables.csv_tables(survey)}
    out["findings"] = [(L[key], "string", "") for key, _ in FINDING_COLUMNS]
    out["regions"] = [(L["region_code"], "string", ""), (L["region_name"], "string", ""), (L["status"], "string", ""),
                      (L["file"], "string", ""), (L["errors"], "integer", ""), (L["warnings"], "integer", "")]
    out["submissions"] = [(L["file"], "string", ""), (L["region_code"], "string", ""), (L["result"], "string", ""),
                          (L["modified"], "string", ""), (L["errors"], "integer", ""), (L["warnings"], "integer", "")]
    if rounds:
        out["revisions"] = [c.field() for c in tables.revision_columns(survey)]
    return out


def csv_keys(survey, rounds: bool = False) -> dict:
    """Table -> its schema's ``primaryKey`` and ``foreignKeys`` (datapackage.json): only the
    keys every round's CSVs keep.  A return's rows of one region are unique by their row
    (and projects and KPIs by their code: a duplicate is rejected); every region code of a
    table of returns is one of regions.csv's (the region a return was used for)."""
    L = survey.summary["labels"]
    code, row = L["region_code"], tables.ROW_LABEL
    region = {"fields": [code], "reference": {"resource": "regions", "fields": [code]}}
    keyed = {"projects": [code, survey.sheet("projects").column("project_code").label], "costs": [code, row],
             "kpis": [code, survey.sheet("kpis").column("kpi_no").label], "actuals": [code, row]}
    out = {"regions": {"primaryKey": [code]}, "submissions": {"primaryKey": [L["file"]]}}
    keyed |= {key: [code] if survey.sheet(key).kind == "form" else [code, row] for key in tables.listed_sheets(survey)}
    out |= {table: {"primaryKey": key, "foreignKeys": [region]} for table, key in keyed.items()}
    if rounds:
        out["revisions"] = {"foreignKeys": [region]}
    return out


def package_description(survey, result, stamp) -> dict:
    """datapackage.json's own properties: the survey, its round and version, when (the
    newest return's time, as 概要's 集計日時, so the same returns give the same bytes), its
    licence and publisher, and 概要 as the summary states it (``overview``: what
    ``publish`` shows)."""
    out = {"name": survey.id, "title": survey.summary["title"], "round": survey.round, "version": survey.version,
           "created": stamp.replace(tzinfo=stamp.tzinfo or dt.timezone.utc).isoformat(timespec="seconds")}
    if survey.license:
        out["licenses"] = [survey.license]
    if survey.author:
        out["contributors"] = [{"title": survey.author, "role": "publisher"}]
    return out | {"overview": result.overview}


def write_overview(w) -> None:
    L, s, ws, fmt = w.labels, w.stats, w.ws["overview"], w.fmt
    result, survey = w.result, w.survey
    used = result.used
    clean = sum(1 for x in used if x.errors == 0)
    regions = len(result.regions)
    totals = result.totals
    share = lambda part, whole: round(Decimal(part) * 100 / whole, 1) if whole else None  # noqa: E731
    rows = [(L["survey"], survey.title), (L["round"], survey.round),
            (L["generated"], survey.summary["generated_at"].format(time=japanese_time(newest_return(result), survey.calendar))
             if result.used else "-"),
            (L["regions"], regions), (L["returned"], len(used)), (L["clean"], clean),
            (L["with_errors"], len(used) - clean), (L["missing"], len(result.missing)),
            (L["files"], sum(1 for x in result.submissions if x.status != Status.SKIPPED)),
            (L["superseded"], sum(1 for x in result.submissions if x.status == Status.SUPERSEDED)),
            (L["failed"], sum(1 for x in result.submissions if x.status == Status.FAILED)),
            (L["held"], sum(1 for x in result.submissions if x.status == Status.HELD)),
            (L["skipped"], sum(1 for x in result.submissions if x.status == Status.SKIPPED)),
            (L["error_count"], result.finding_counts()["error"]),
            (L["warning_count"], result.finding_counts()["warning"]),
            *([(L["superseded_findings"], result.superseded_counts())]
              if result.superseded_counts() and "superseded_findings" in L else []),
            (L["kpis"], s.kpis), (L["regions_with_kpi"], len(s.regions_with_kpi)),
            (L["outcome_share"], share(s.outcome, s.kinds)),
            (L["cooperation_share"], share(s.cooperation, s.kpis))]
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 90)
    write(ws, 0, 0, survey.summary["title"], fmt["title"])
    headline = _headline(survey, result, s.regions_with_kpi)
    write(ws, 2, 0, headline, fmt["bold"])
    revisions = revisions_sentence(survey, result.revisions) if result.previous else ""
    if revisions:
        write(ws, 3, 0, revisions, fmt["bold"])
    shares = {L["outcome_share"], L["cooperation_share"]}
    result.overview = {"headline": headline, "revisions": revisions, "figures": [
        {"label": label, "value": float(value) if isinstance(value, Decimal) else value,
         "unit": "%" if label in shares and value is not None else ""} for label, value in rows]}
    for i, (label, value) in enumerate(rows, start=4):
        write(ws, i, 0, label, fmt["header"])
        write(ws, i, 1, value, fmt["figure_percent"] if label in shares else number_format(fmt, value, "figure"))
    r = 4 + len(rows) + 1
    write(ws, r, 0, L["reconciliation"], fmt["header"])
    write(ws, r, 1, survey.summary["reconciliation"].format(**totals.to_dict()), fmt["cell"])
    if s.left_out:
        r += 1
        write(ws, r, 1, survey.summary["left_out"].format(n=s.left_out), fmt["wrap"])
    for key, n in sorted(s.overflow.items()):
        r += 1
        write(ws, r, 1, survey.summary["overflow"].format(sheet=survey.summary["sheets"].get(key) or survey.sheet(key).name,
                                                                n=f"{n:,}"), fmt["wrap"])


def revisions_sentence(survey, counts: list) -> str:
    """「8圏域のうち、3圏域においてKPIを見直し（見直し2件、新規1件、廃止1件）」: compared with
    last round; *counts* is [(region code, {継続: n, 見直し: n, 新規: n, 廃止: n})]."""
    words = survey.rounds
    kinds = [words[k] for k in ("revised", "new", "abolished")]
    changed = sum(1 for _, n in counts if any(n[k] for k in kinds))
    total = {k: sum(n[k] for _, n in counts) for k in kinds}
    return survey.summary["revisions_headline"].format(regions=len(counts), changed=changed,
                                                        revised=total[kinds[0]], new=total[kinds[1]],
                                                        abolished=total[kinds[2]])


def _headline(survey, result, regions_with_kpi: set) -> str:
    """Seed 000's sentence: of the regions whose vision is adopted (those moved to the other
    regime left out, and said so), how many set KPIs."""
    counted = {r.code for r in result.regions if r.vision}
    texts = survey.summary
    excluded = texts["excluded"].format(n=result.migrated) if result.migrated else ""
    return texts["headline"].format(regime=survey.regime, regions=len(counted), excluded=excluded,
                                    with_kpi=len(counted & regions_with_kpi))


def write_setting(w) -> None:
    """Seed 002's table: for each role, sub-field and leaf, how many regions set a KPI."""
    L, s, ws, fmt, tax = w.labels, w.stats, w.ws["setting"], w.fmt, w.survey.taxonomy
    regions = len(w.result.regions)
    ws.set_column(0, 0, 8)
    ws.set_column(1, 1, 70)
    ws.set_column(2, 4, 12)
    write(ws, 0, 0, w.survey.summary["sheets"]["setting"], fmt["title"])
    r = 2
    leaf_codes = {n.code for n in tax.leaves}
    chart_rows = []

    def counts_row(code: str, label: str, shown_code: str) -> None:
        count = s.leaf_regions.get(code, 0)
        share = round(Decimal(count) * 100 / regions, 1) if regions else None
        for c, value in enumerate([shown_code, label, count, share, s.leaf_kpis.get(code, 0)]):
            write(ws, r, c, value, fmt["percent"] if c == 3 else fmt["cell"])
    for node in tax.nodes:
        if node.code in leaf_codes:
            counts_row(node.code, node.label, node.code)
            chart_rows.append(r)
        else:
            heading = [node.code, node.label] + ([L["set_regions"], L["share"], L["kpi_count"]] if not node.parent else [])
            for c, value in enumerate(heading):
                write(ws, r, c, value, fmt["header"])
            if s.leaf_kpis.get(node.code):  # KPIs set at the field itself: a row of their own
                r += 1
                counts_row(node.code, f"{node.code}{L['field_level']}", "")
        r += 1
    write(ws, r, 1, L["total"], fmt["header"])
    write(ws, r, 4, sum(s.leaf_kpis.values()), fmt["cell"])  # = KPIの総数, less those left out
    r += 1
    note = w.survey.summary["setting_note"].format(as_of=w.survey.as_of or japanese_date(w.stamp, w.survey.calendar))
    write(ws, r, 1, note, fmt["cell"])
    r += 1
    if chart_rows:
        # The chart reads a contiguous copy of the leaf rows (columns G:H, hidden).
        first = r + 1
        for i, leaf in enumerate(n.code for n in tax.nodes if n.code in leaf_codes):
            write(ws, first + i, 6, leaf)
            write(ws, first + i, 7, s.leaf_regions.get(leaf, 0))
        ws.set_column(6, 7, None, None, {"hidden": True})
        last = first + len(chart_rows) - 1
        chart = w.book.add_chart({"type": "bar"})
        name = w.survey.summary["sheets"]["setting"]
        chart.add_series({"name": L["set_regions"], "categories": [name, first, 6, last, 6],
                          "values": [name, first, 7, last, 7], "gap": 40})
        chart.set_title({"name": L["chart_title"], "name_font": {"name": w.survey.font, "size": 11}})
        chart.set_y_axis({"reverse": True, "interval_unit": 1, "num_font": {"name": w.survey.font, "size": 8}})
        chart.set_x_axis({"min": 0, "max": max(regions, 1), "num_font": {"name": w.survey.font}})
        chart.set_legend({"none": True})
        chart.show_hidden_data()  # its data sits in the hidden columns G:H
        chart.set_size({"width": 720, "height": 18 * len(chart_rows) + 90})
        ws.insert_chart(r + 1, 1, chart)


def write_matrix(w) -> None:
    """Regions × the nodes KPIs are counted under (each role as a whole, each leaf), ○ where
    the region set at least one KPI, with its count of ○ and of KPIs; 未提出 for a region
    that sent nothing usable.  The KPI column adds up to 概要's KPIの総数."""
    L, s, ws, fmt = w.labels, w.stats, w.ws["matrix"], w.fmt
    nodes = [n.code for n in w.survey.taxonomy.tallied(extra=s.leaf_kpis)]
    ws.set_column(0, 0, 9)
    ws.set_column(1, 1, 28)
    ws.set_column(2, len(nodes) + 1, 5)
    ws.set_column(len(nodes) + 2, len(nodes) + 3, 8)
    write(ws, 0, 0, w.survey.summary["sheets"]["matrix"], fmt["title"])
    top = 2  # the header, under the title
    write_row(ws, top, [L["region_code"], L["region_name"]] + nodes + [L["total"], L["kpi_count"]], fmt["header"])
    ws.freeze_panes(top + 1, 2)
    ws.repeat_rows(top)
    used = {x.region_code for x in w.result.used}
    for r, region in enumerate(sorted(w.result.regions, key=lambda x: x.code), start=top + 1):
        have = s.region_leaves.get(region.code, ())
        marks = [True if node in have else "" for node in nodes]
        counts = [sum(1 for mark in marks if mark), s.region_kpis[region.code]] if region.code in used \
            else [L["not_received"], ""]
        write_row(ws, r, [region.code, region.name], fmt["cell"])
        write_row(ws, r, marks, fmt["mark"], first=2)
        write_row(ws, r, counts, fmt["cell"], first=2 + len(nodes))
    r = top + len(w.result.regions) + 1
    per_node = [s.leaf_regions.get(node, 0) for node in nodes]
    write_row(ws, r, [L["total"], ""] + per_node + [sum(per_node), sum(s.region_kpis.values())], fmt["header"])
    roles = [n.code for n in w.survey.taxonomy.roles]
    if "role_columns" in L:
        write(ws, r + 1, 0, L["role_columns"].format(roles="・".join(roles)), fmt["plain"])


def write_submissions(w) -> None:
    """Every roster region: received or missing, which file, how clean; then other files."""
    L, ws, fmt, result = w.labels, w.ws["submissions"], w.fmt, w.result
    calendar = w.survey.calendar
    for c, width in enumerate((9, 30, 12, 46, 24, 8, 8, 14)):
        ws.set_column(c, c, width)
    headers = [L["region_code"], L["region_name"], L["status"], L["file"], L["modified"], L["errors"],
               L["warnings"], L["result"]]
    write_row(ws, 0, headers, fmt["header"])
    ws.repeat_rows(0)
    used = {x.region_code: x for x in result.used}
    r = 1
    for region in sorted(result.regions, key=lambda x: x.code):
        sub = used.get(region.code)
        if sub is None:
            values = [region.code, region.name, L["not_received"], "", "", "", "", ""]
        else:
            verdict = L["ok"] if not sub.errors and not sub.warnings else L["has_errors"] if sub.errors else L["has_warnings"]
            values = [region.code, region.name, L["received"], sub.relative, japanese_time(sub.modified, calendar), sub.errors,
                      sub.warnings, verdict]
        write_row(ws, r, values, fmt["cell"])
        if w.export:
            w.export.add("regions", [region.code, region.name, values[2], values[3], values[5], values[6]])
        r += 1
    status_label = {"superseded": L["superseded_file"], "failed": L["failed_file"], "skipped": L["skipped_file"],
                    "held": L["held_file"], "used": L["used"]}
    for sub in sorted(result.submissions, key=lambda x: x.relative):
        if w.export:
            w.export.add("submissions", [sub.relative, sub.region_code, status_label.get(sub.status, sub.status),
                                         iso_time(sub.modified), sub.errors, sub.warnings])
        if sub.status == Status.USED:
            continue
        why = next((f.message for f in sorted(sub.findings, key=lambda f: f.severity != F.ERROR)
                    if not f.sheet or not f.cell), "")  # why it was not used, in the clerk's words
        values = [sub.region_code, sub.region_name, status_label.get(sub.status, sub.status), sub.relative,
                  japanese_time(sub.modified, calendar), sub.errors, sub.warnings, why]
        write_row(ws, r + 1, values, fmt["cell"])
        r += 1
