"""Two rounds compared (``consolidate --previous PREV``): for each region that returned this
round, which KPIs it kept (継続), revised (見直し), added (新規) and abolished (廃止).

Tabular work, done with pandas on the two rounds' KPI tables (this round's kpis.csv as it
is being written, last round's from PREV): KPIs are matched by region and number; a change
in any compared field (the definition's ``[rounds] compared``, as understood, so 「R5」 and
「令和5年度」 are the same) is a 見直し whether or not the clerk marked it; a KPI of last
round missing now is 廃止, and so is one the clerk marked 廃止.  The result is one row per
KPI and changed field, and one row with an empty 項目 for a KPI that did not change: the
rows of revisions.csv and of the summary's KPI見直し状況 sheet.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ..core.csv_files import unneutralize
from ..core.values import figure_text, time_in
from .summary_sheets import write
from .table_specs import revision_columns

PREV = "\x00"  # the suffix of last round's columns once merged (no label has it)


def read_table(path):
    """A CSV of a round as written (all text), the formula-injection prefix taken off."""
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return frame.apply(lambda column: column.map(unneutralize))


def revision_labels(survey) -> list:
    """revisions.csv's columns: 圏域コード, KPI番号, 見直し区分, 項目, 前回, 今回."""
    return [column.label for column in revision_columns(survey)]


def compare_rounds(now, before, survey):
    """The revisions DataFrame (columns: :func:`revision_labels`) of this round's KPI table
    *now* against last round's *before*, for the regions in *now*."""
    import pandas as pd

    words, kpis = survey.rounds, survey.sheet("kpis")
    code, number, kind, item, was, is_ = revision_labels(survey)
    review = kpis.column("review").label
    # a field last round did not have (added to the survey since) is not a revision
    fields = [label for label in (kpis.column(key).label for key in words["compared"]) if label in before.columns]
    if review not in before.columns:
        before = before.assign(**{review: ""})
    keep = [code, number, review, *fields]
    before = before[before[code].isin(set(now[code]))]
    merged = now[keep].merge(before[keep], on=[code, number], how="outer", suffixes=("", PREV), indicator=True)
    both = merged[merged["_merge"] == "both"]
    marked_abolished = both[review] == words["abolished"]  # 廃止 says it all: no field-by-field rows
    changes = pd.concat([pd.DataFrame({code: both[code], number: both[number], kind: words["revised"], item: label,
                                       was: both[label + PREV], is_: both[label]})[(both[label] != both[label + PREV])
                                                                                      & ~marked_abolished]
                         for label in fields], ignore_index=True)
    changed = set(zip(changes[code], changes[number]))
    kept = both[pd.Series([(c, n) not in changed for c, n in zip(both[code], both[number])], index=both.index,
                          dtype=bool)]  # a Series: an empty list would select columns, not rows
    status = kept[review].map({words["abolished"]: words["abolished"], words["revised"]: words["revised"]})
    whole = pd.concat([
        _whole(kept, code, number, kind, status.fillna(words["continued"])),
        _whole(merged[merged["_merge"] == "left_only"], code, number, kind, words["new"]),
        _whole(merged[merged["_merge"] == "right_only"], code, number, kind, words["abolished"])], ignore_index=True)
    out = pd.concat([changes, whole.assign(**{item: "", was: "", is_: ""})], ignore_index=True)
    order = {label: i for i, label in enumerate([""] + fields)}
    out[PREV] = out[item].map(order)
    return out.sort_values([code, number, PREV], kind="stable").drop(columns=PREV).reset_index(drop=True)[
        [code, number, kind, item, was, is_]]


def shown_revisions(revisions, now, survey) -> list:
    """KPI見直し状況's rows as people read them: a figure with separators and its KPI's unit
    (1,000人 → 1,200人), a time in the survey's calendar; revisions.csv keeps them as typed."""
    kpis = survey.sheet("kpis")
    code, number, item = (revision_labels(survey)[i] for i in (0, 1, 3))
    unit = kpis.column("unit").label
    units = dict(zip(zip(now[code], now[number]), now[unit])) if unit in now.columns else {}
    figures = {c.label for c in kpis.columns if c.type in ("measure", "number", "amount")}
    times = {c.label for c in kpis.columns if c.type == "time"}

    def shown(value, label, key):
        if label in times:
            return time_in(value, survey.calendar)
        if label in figures and value:
            try:
                return f"{figure_text(Decimal(value))}{units.get(key) or ''}"
            except InvalidOperation:  # a figure not understood is shown as typed
                return value
        return value
    out = []
    for row in revisions.itertuples(index=False, name=None):
        key, label = (row[0], row[1]), row[3]
        out.append(row[:4] + (shown(row[4], label, key), shown(row[5], label, key)))
    return out


def _whole(frame, code, number, kind, value):
    import pandas as pd
    return pd.DataFrame({code: frame[code].values, number: frame[number].values,
                         kind: value.values if hasattr(value, "values") else value})


def per_region(revisions, survey) -> list:
    """[(region code, {継続: n, 見直し: n, 新規: n, 廃止: n})] — each KPI counted once."""
    words = survey.rounds
    code, number, kind = revision_labels(survey)[:3]
    classes = [words[k] for k in ("continued", "revised", "new", "abolished")]
    kpis = revisions.drop_duplicates([code, number])
    return [(region, {c: int((group[kind] == c).sum()) for c in classes})
            for region, group in kpis.groupby(code, sort=True)]


def write_revisions(w, revisions, now) -> None:
    """KPI見直し状況 (per region: 継続 / 見直し / 新規 / 廃止, a total, then every revision) and
    revisions.csv, from *revisions* (of this round's KPI table *now*); the counts go to the result (概要's sentence)."""
    survey, ws, fmt, L = w.survey, w.ws["revisions"], w.fmt, w.labels
    counts = per_region(revisions, survey)
    w.result.revisions = counts
    classes = [survey.rounds[k] for k in ("continued", "revised", "new", "abolished")]
    names = {r.code: r.name for r in w.result.regions}
    header = [L["region_code"], L["region_name"], *classes]
    for c, width in enumerate([10, 30, 12, 16, 30, 30]):  # the counts above, the revisions below
        ws.set_column(c, c, width)
    for c, text in enumerate(header):
        write(ws, 0, c, text, fmt["header"])
    r = 0
    for r, (code, n) in enumerate(counts, start=1):
        for c, value in enumerate([code, names.get(code, ""), *(n[k] for k in classes)]):
            write(ws, r, c, value, fmt["cell"])
    totals = [L["total"], "", *(sum(n[k] for _, n in counts) for k in classes)]
    for c, value in enumerate(totals):
        write(ws, r + 1, c, value, fmt["header"])
    top = r + 3
    columns = revision_columns(survey)
    for c, column in enumerate(columns):
        write(ws, top, c, column.label, fmt["header"])
    rows = revisions[[c.label for c in columns]].itertuples(index=False, name=None)
    shown = shown_revisions(revisions, now, survey)
    for r, (row, seen) in enumerate(zip(rows, shown), start=top + 1):
        for c, value in enumerate(seen):
            write(ws, r, c, value, fmt["cell"])
        if w.export:
            w.export.add("revisions", list(row))
    ws.repeat_rows(top)
