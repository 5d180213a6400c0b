"""Findings as text for the terminal (Japanese), grouped by file and sheet; and as JSON."""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from ..core.findings import ERROR, INFO, SEVERITY_LABELS, WARNING, counts
from ..core.kinds import Status

_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


def format_findings(findings, *, show_info: bool = True) -> str:
    """A readable report: one block per file, one sub-block per sheet."""
    by_file: dict = defaultdict(lambda: defaultdict(list))
    for f in findings:
        if f.severity == INFO and not show_info:
            continue
        by_file[f.file][f.sheet].append(f)
    lines = []
    for file in sorted(by_file):
        lines.append(f"■ {Path(file).name if file else '(全体)'}")
        for sheet in sorted(by_file[file]):
            if sheet:
                lines.append(f"  ［{sheet}］")
            items = sorted(by_file[file][sheet], key=lambda f: (f.row, _ORDER[f.severity], f.cell))
            for f in items:
                where = f.cell or (f"{f.row}行目" if f.row and f.sheet else "")
                where = f"{where:>6} " if where else ""
                lines.append(f"    {SEVERITY_LABELS[f.severity]} {where}{f.message} [{f.code}]")
    return "\n".join(lines)


_STATUS = {"used": "集計に使用", "superseded": "差し替え前（集計に不使用）", "held": "要確認（集計に不使用）",
           "failed": "読み込めず", "skipped": "対象外"}


def format_consolidation(result) -> str:
    """consolidate's report: what is wrong with the run (missing regions...), then each
    file with errors or warnings or not used, with its counts and what is said about the
    file as a whole; the details of each cell are in the summary's 指摘一覧."""
    lines = []
    run_level = [f for f in result.findings if f.severity != INFO]
    if run_level:
        lines.append(format_findings(run_level, show_info=False))
    for sub in sorted(result.submissions, key=lambda s: s.relative):
        if sub.status == Status.SKIPPED or (sub.status == Status.USED and not sub.errors and not sub.warnings):
            continue
        counts_text = f"エラー {sub.errors}件、警告 {sub.warnings}件" if sub.errors or sub.warnings else ""
        lines.append(f"■ {sub.relative}：{_STATUS.get(sub.status, sub.status)}" + (f"、{counts_text}" if counts_text else ""))
        for f in sorted((f for f in sub.findings if f.severity != INFO and (not f.sheet or not f.cell)),
                        key=lambda f: (_ORDER[f.severity], f.code)):
            lines.append(f"    {SEVERITY_LABELS[f.severity]} {f.message} [{f.code}]")
    c = result.finding_counts()
    lines.append(f"指摘の合計：エラー {c[ERROR]}件、警告 {c[WARNING]}件（セルごとの内容は集計結果の「指摘一覧」にあります）")
    return "\n".join(lines)


def summary_line(findings) -> str:
    c = counts(findings)
    return f"エラー {c[ERROR]}件、警告 {c[WARNING]}件、情報 {c[INFO]}件"


def _default(value):
    if isinstance(value, Decimal):  # a JSON number when exact, else the decimal as text
        if value == value.to_integral_value() and abs(value) < 2**53:
            return int(value)
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def to_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_default)
