"""The summary workbook (xlsxwriter, constant memory) and the CSVs, in one streaming pass.

Sheets, in order (names from the survey's ``[summary.sheets]``): 概要, KPI設定状況 (seed
002's table and a bar chart), 圏域別設定状況 (regions × leaves), KPI一覧 (every KPI, as typed
and as understood), KPIの状況 (seed 000's layout), 事務事業評価 (seed 004's block per
project, one printed page each), 提出状況 (every roster region), 指摘一覧 (every finding,
linked to its cell).  Streamed sheets are written while the returns go by; the sheets of
totals are written last.  Same inputs, same bytes: everything sorted, timestamps fixed.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import itertools
import os
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from xlsxwriter.exceptions import FileCreateError

from ..core.atomic import Pending
from ..core.csv_files import CsvExport
from ..core.definition_source import DEFINITION_FILE
from ..core.errors import OutputError
from ..core.filenames import inside, region_filename, shown
from ..core.isolate import signals_held, start_pool_worker
from ..core.reference import workers
from ..core.survey import as_json
from ..core.values import time_in
from ..xlsx.fast_writer import ColumnFormats, Rendered, RowBook, number_now
from . import table_specs as tables
from .contribution import finding_csv_row, kpi_kinds
from .evaluation import MAX_BLOCKS, EvaluationSheet, region_workbook
from .round_comparison import compare_rounds, read_table, write_revisions
from .submission import Totals, load_contribution, load_rows
from .summary_sheets import (
    cell, csv_columns, csv_keys, formats, japanese_date, list_formats, newest_return, package_description, write_matrix,
    write_overview, write_setting, write_submissions
)
from .table_specs import FINDING_COLUMNS, finding_values, in_sheet

MAX_LINKS = 65_000  # Excel keeps at most 65,530 hyperlinks per sheet
MAX_ROWS = 1_048_576  # rows in an Excel sheet: rows beyond are counted in 概要, the CSVs keep them


def write_outputs(result, survey, output: Path, csv_dir=None, now: dt.datetime | None = None,
                  evaluation_dir=None, jobs: int | None = None, progress=None) -> None:
    """Write the summary workbook to *output* (atomically), the CSVs to *csv_dir* and,
    with *evaluation_dir*, one 事務事業評価 workbook per region (in worker processes,
    while the summary is written)."""
    stamp = now or stamp_of(result)
    summary = SummaryFile(result, survey, output, csv_dir, stamp, evaluation_dir, progress)
    for sub in sorted(result.used, key=used_order):
        summary.add(sub)
    summary.finish(jobs)


def used_order(sub):
    """The order of returns in every streamed sheet: by region code."""
    return (sub.region_code, sub.relative)


class SummaryFile:
    """The summary workbook and the CSVs while they are written.

    Opened with the roster known; returns are added one by one in :func:`used_order`; :meth:`finish`
    writes the sheets of totals and puts the files in place, :meth:`discard` leaves no
    trace.  Nothing appears under the output names until :meth:`finish` completes.
    """

    def __init__(self, result, survey, output, csv_dir, stamp, evaluation_dir=None, progress=None):
        self.result, self.survey, self.output, self.stamp = result, survey, Path(output), stamp
        self.evaluation_dir = evaluation_dir
        self.added = []
        self.export = self.scratch_csv = None
        self.rows_dir = tempfile.mkdtemp(prefix="kpi-workbook-rows-")  # xlsxwriter's row files: gone with us
        try:
            self.pending = Pending(self.output)
            self.book = RowBook(str(self.pending.path), {
                "constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                "strings_to_urls": False, "tmpdir": self.rows_dir})
            self.book.set_properties({"title": survey.summary["title"], "subject": survey.title,
                                      "author": survey.author, "created": stamp})
            if result.previous and not csv_dir:  # the comparison reads this round's kpis.csv as written
                csv_dir = self.scratch_csv = tempfile.mkdtemp(prefix="kpi-workbook-csv-")
            self.export = CsvExport(csv_dir, csv_columns(survey, rounds=bool(result.previous)),
                                    csv_keys(survey, rounds=bool(result.previous))) if csv_dir else None
            self.writer = _Writer(self.book, survey, result, self.output, self.export, evaluation_dir,
                                  progress, stamp)
            self.writer.begin()
        except OSError as exc:
            self.discard()
            raise OutputError(f"集計結果を書き出せません：{exc.filename or output}（{exc.strerror or exc}）") from exc
        except BaseException:
            self.discard()
            raise

    def add(self, sub) -> None:
        self._guard(self.writer.add, sub)
        self.added.append(sub)

    def finish(self, jobs: int | None = None) -> None:
        with region_evaluations(self.result, self.survey, self.evaluation_dir, self.stamp, jobs):
            self._guard(self.writer.end)
            self._guard(self.book.close)
        if self.export:
            self._guard(self.export.close, package_description(self.survey, self.result, self.stamp),
                        {DEFINITION_FILE: as_json(self.survey)})
        self._guard(self.pending.commit)
        shutil.rmtree(self.rows_dir, ignore_errors=True)
        if self.scratch_csv:
            shutil.rmtree(self.scratch_csv, ignore_errors=True)
        self.result.output = self.output

    def discard(self) -> None:
        """Leave no trace, whatever fails on the way (the disk may be full): each step runs."""
        if self.export:
            with contextlib.suppress(OSError):
                self.export.abort()
        if hasattr(self, "pending"):
            with contextlib.suppress(OSError):
                self.pending.abort()
        for sheet in self.book.worksheets() if hasattr(self, "book") else ():
            with contextlib.suppress(Exception):  # so that the folder can go, on Windows too
                sheet.fh.close()
        shutil.rmtree(self.rows_dir, ignore_errors=True)
        if self.scratch_csv:
            shutil.rmtree(self.scratch_csv, ignore_errors=True)

    def _guard(self, func, *args):
        try:
            return func(*args)
        except (OSError, FileCreateError) as exc:  # xlsxwriter wraps the OSError of its close
            self.discard()
            cause = exc.args[0] if isinstance(exc, FileCreateError) and exc.args and isinstance(exc.args[0], OSError) \
                else exc
            if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
                raise OutputError(f"集計結果を書き出せません：{self.output}（ディスクの空きがありません）。"
                                  "書きかけのファイルは残していません（入力は変えていません）。") from None
            raise OutputError(f"集計結果を書き出せません：{getattr(cause, 'filename', None) or self.output}"
                              f"（{getattr(cause, 'strerror', None) or cause}）") from exc
        except BaseException:
            self.discard()
            raise


@contextlib.contextmanager
def region_evaluations(result, survey, folder, stamp, jobs):
    """Write each used return's evaluation workbook in a pool, while the body runs."""
    if not folder:
        yield
        return
    from concurrent.futures import ProcessPoolExecutor

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pool = ProcessPoolExecutor(max_workers=workers(jobs), initializer=start_pool_worker)
    try:
        prefectures = _prefectures(result)
        with signals_held():  # a Ctrl-C inside submit could hang the shutdown
            futures = [pool.submit(_region_evaluation, inside(folder, region_filename(sub.region_code, sub.region_name)),
                                   survey, sub, stamp, prefectures.get(sub.region_code, "")) for sub in result.used]
        yield
        for future in futures:
            future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _region_evaluation(path, survey, sub, stamp, prefecture) -> None:
    region_workbook(path, survey, sub, load_rows(sub, survey)["rows"], stamp, prefecture)


def _prefectures(result) -> dict:
    """Region code -> its 都道府県 from the roster (「広島県・岡山県」 as the roster has it)."""
    return {region.code: region.prefecture for region in result.regions}


def stamp_of(result) -> dt.datetime:
    """Fixed per input: the newest modified time among the returns used, else 2000-01-01."""
    return parse_stamp(newest_return(result))


def parse_stamp(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return dt.datetime(2000, 1, 1)


@dataclass
class Tally:
    """What the summary counts while the returns stream by, compactly (memory stays near flat
    in the number of returns); the sheets of totals are written from it at the end."""

    leaf_regions: Counter = field(default_factory=Counter)  # leaf -> regions with a KPI there
    leaf_kpis: Counter = field(default_factory=Counter)  # leaf -> KPIs set there
    region_leaves: dict = field(default_factory=dict)  # region code -> the leaves it set KPIs in
    region_kpis: Counter = field(default_factory=Counter)  # region code -> KPIs counted under a leaf
    kpis: int = 0
    outcome: int = 0  # KPIs of the first kind (アウトカム)
    kinds: int = 0  # KPIs whose kind is given
    cooperation: int = 0  # KPIs marked 連携効果
    left_out: int = 0  # KPIs without a leaf
    read: int = 0  # rows read (行数の照合)
    rejected: int = 0  # rows left out with a finding
    regions_with_kpi: set = field(default_factory=set)
    links: int = 0  # hyperlinks written (Excel keeps at most MAX_LINKS a sheet)
    overflow: Counter = field(default_factory=Counter)  # sheet -> rows past Excel's last row


class _Writer:
    def __init__(self, book, survey, result, output: Path, export, evaluation_dir, progress, stamp):
        self.book, self.survey, self.result, self.output, self.export = book, survey, result, output, export
        self.links_from = output.resolve().parent  # links to returns are relative to the summary
        self.stamp = stamp
        self.pending_blocks: list | None = []  # None once the sheet is an index
        self.projects = 0
        self.evaluation_dir = Path(evaluation_dir) if evaluation_dir else None
        self.progress = progress
        self.labels = survey.summary["labels"]
        names = survey.summary["sheets"]
        self.ws = {key: book.add_worksheet(names[key]) for key in
                   ("overview", "setting", "matrix", "kpis", "status", "evaluation", "submissions", "findings")
                   + (("revisions",) if result.previous else ())}
        self.listed = tables.listed_sheets(survey)  # the forms and added tables, record by record
        self.ws |= {key: book.add_worksheet(survey.sheet(key).name) for key in self.listed}
        self.row: Counter = Counter()
        self.fmt = formats(book, survey.font)
        self.kpi_formats = ColumnFormats(kpi_kinds(survey), list_formats(self.fmt))  # figures, ○, 達成率
        number_now(self.kpi_formats.formats.values())
        # per region only what the tables need, compactly: memory stays near flat in returns
        self.leaves = frozenset(n.code for n in survey.taxonomy.leaves)
        self.stats = Tally()
        for key, sheet in self.ws.items():
            sheet.set_landscape()
            sheet.set_paper(9)
            if key != "evaluation":  # its blocks set their own scale (or it becomes an index)
                sheet.fit_to_pages(1, 0)
            sheet.set_footer("&L&9&A&C&P / &N")  # the sheet name: a printed page says what it is

    # ------------------------------------------------------------------ the pass
    def begin(self) -> None:
        self._headers()

    def add(self, sub) -> None:
        self._return(sub, load_contribution(sub))
        if self.progress:
            self.progress(1, "write")

    def end(self) -> None:
        for finding in sorted(self.result.findings + self.result.said_of_others(),
                              key=lambda f: (f.file, f.code, f.value)):
            self._finding(finding)
        self._second_layer()
        self.ws["kpis"].autofilter(0, 0, max(self.row["kpis"] - 1, 0), self.kpi_columns - 1)
        legend = self.survey.summary.get("progress_legend")  # 区分 explained under the tables that show it
        if legend and self.row["kpis"] + 1 < MAX_ROWS:  # (where there is room: it is not a row of the table)
            self.row["kpis"] += 1
            self.put("kpis", [legend], self.fmt["plain"])
        if legend and self.row["status"] < MAX_ROWS:
            self.put("status", [legend], self.fmt["wrap"])
        s = self.stats
        self.result.totals = Totals(read=s.read, rejected=s.rejected, kept=s.read - s.rejected, kpis=s.kpis,
                                    regions_with_kpi=len(s.regions_with_kpi))
        if self.result.previous:
            now = read_table(self.export.written("kpis"))
            write_revisions(self, compare_rounds(now, self.result.previous.text_table("kpis"), self.survey), now)
        write_overview(self)
        write_setting(self)
        write_matrix(self)
        write_submissions(self)
        self._evaluation_end()

    def put(self, key: str, values: list, fmt=None) -> int:
        """Append one row to a streamed sheet; strings always as strings."""
        return self.put_cells(key, [cell(v) for v in values], fmt)

    def put_cells(self, key: str, cells, fmt=None) -> int:
        """Append one row of :func:`cell` values or a row a worker rendered: its row, or
        -1 past Excel's last row (counted, said in 概要)."""
        r = self.row[key]
        if r >= MAX_ROWS:
            self.stats.overflow[key] += 1
            return -1
        if type(cells) is Rendered:
            self.ws[key].put_rendered(r, cells, fmt)
        else:
            self.ws[key].put_row(r, cells, fmt)
        self.row[key] += 1
        return r

    def put_rows(self, key: str, rows: list, fmt=None) -> None:
        """Append rows a worker made (rendered, or cell values where it could not)."""
        for rendered, group in itertools.groupby(rows, key=lambda row: type(row) is Rendered):
            run = list(group)
            if rendered and self.row[key] + len(run) <= MAX_ROWS:
                self.ws[key].put_rendered_rows(self.row[key], run, fmt)
                self.row[key] += len(run)
            else:
                for row in run:
                    self.put_cells(key, row, fmt)

    def _headers(self) -> None:
        L = self.labels
        self._kpi_list_header()
        self._listed_headers()
        self.put("status", [L["kpi"], L["target_when"], L["actual_when"], L["progress"], L["policy"],
                            L["previous_actual"]],
                 self.fmt["header"])
        self.ws["status"].repeat_rows(0)
        for national in self.survey.national_kpis:
            self._national(national)
        self.put("findings", [L[key] for key, _ in FINDING_COLUMNS], self.fmt["header"])
        self.ws["findings"].freeze_panes(1, 0)
        self.ws["findings"].repeat_rows(0)
        for key, widths in (("status", [50, 22, 22, 8, 36, 22]), ("findings", [7, 30, 9, 6, 14, 18, 96, 22])):
            for c, width in enumerate(widths):
                self.ws[key].set_column(c, c, width)

    def _listed_headers(self) -> None:
        """A records sheet per listed sheet (:func:`~.table_specs.listed_sheets`): its columns as KPI一覧 shows them."""
        for key in self.listed:
            ws, columns = self.ws[key], in_sheet(tables.record_columns(self.survey, key))
            self.put(key, [column.label for column in columns], self.fmt["header"])
            for c, column in enumerate(columns):
                ws.set_column(c, c, column.width, None, {"level": 1, "hidden": True} if column.as_typed else {})
            ws.freeze_panes(1, 2)
            ws.repeat_rows(0)

    def _kpi_list_header(self) -> None:
        """KPI一覧: wrapped headers, the as-typed columns in a collapsed outline (not
        printed; the + above the sheet shows them), A3 landscape two pages wide."""
        ws, columns = self.ws["kpis"], in_sheet(tables.kpi_columns(self.survey))
        ws.set_row(0, 42)
        self.put("kpis", [column.label for column in columns], self.fmt["header"])
        for c, column in enumerate(columns):
            options = {"level": 1, "hidden": True} if column.as_typed else {}
            if c and columns[c - 1].as_typed and not column.as_typed:
                options["collapsed"] = True
            ws.set_column(c, c, column.width, None, options)
        ws.freeze_panes(1, 2)
        ws.repeat_rows(0)
        ws.repeat_columns(0, 2)  # 圏域コード, 圏域名, KPI番号 on each of the two pages
        ws.set_paper(8)
        ws.fit_to_pages(2, 0)
        self.kpi_columns = len(columns)

    def _evaluation_add(self, sub, projects: int) -> None:
        """Blocks in this sheet while they fit; else an index of the per-region workbooks.

        Excel keeps 1,026 manual page breaks (one project a page) and 1,048,576 rows a
        sheet: a national round (35,000 projects) cannot be one sheet.  Returns wait in
        ``pending_blocks`` until the count is known to fit (written at the end) or not.
        """
        self.projects += projects
        if self.pending_blocks is None:
            self._evaluation_index(sub, projects)
            return
        self.pending_blocks.append((sub, projects))
        if self.projects > MAX_BLOCKS:
            ws, L, texts = self.ws["evaluation"], self.labels, self.survey.summary
            folder = self.evaluation_dir.name if self.evaluation_dir else ""
            note = (texts["evaluation_split"] if folder else texts["evaluation_not_written"]).format(
                limit=f"{MAX_BLOCKS:,}", folder=folder)
            ws.fit_to_pages(1, 0)
            for c, width in enumerate((12, 30, 10, 60)):
                ws.set_column(c, c, width)
            self.put("evaluation", [note], self.fmt["bold"])
            self.put("evaluation", [L["region_code"], L["region_name"], L["projects"], L["file"]], self.fmt["header"])
            for waiting, count in self.pending_blocks:
                self._evaluation_index(waiting, count)
            self.pending_blocks = None

    def _evaluation_end(self) -> None:
        if self.pending_blocks is None:
            self.put("evaluation", [self.labels["total"], "", self.projects, ""], self.fmt["header"])
            return
        sheet = EvaluationSheet(self.ws["evaluation"], self.survey, self.fmt, _prefectures(self.result))
        for sub, _ in self.pending_blocks:
            sheet.blocks_for(sub, load_rows(sub, self.survey)["rows"])
        sheet.finish()

    def _evaluation_index(self, sub, projects: int) -> None:
        r = self.put("evaluation", [sub.region_code, sub.region_name, projects, ""], self.fmt["cell"])
        if r >= 0 and self.evaluation_dir and self.stats.links < MAX_LINKS:
            path = self.evaluation_dir / region_filename(sub.region_code, sub.region_name)
            target = os.path.relpath(path.resolve(), self.links_from)
            self.ws["evaluation"].write_url(r, 3, f"external:{target}", string=path.name)
            self.stats.links += 1

    def _second_layer(self) -> None:
        """Seed 000's 第二階層 row: what the regions have done, under their KPIs (its figure
        is known only once every return has been read)."""
        texts = self.survey.summary
        actual = texts["second_layer_actual"].format(with_kpi=len(self.stats.regions_with_kpi),
                                                     regions=len(self.result.regions), date=japanese_date(self.stamp, self.survey.calendar))
        self.put("status", [texts["second_layer_kpi"], "", actual, self.survey.progress.get("no_figure", ""), "", ""],
                 self.fmt["wrap"])

    def _national(self, national: dict) -> None:
        regions = len(self.result.regions)
        actual = self.survey.summary["national_actual"].format(
            value=f"{regions}圏域" if national.get("measure") == "regions_formed" else "-",
            date=japanese_date(self.stamp, self.survey.calendar))
        target = f"{national.get('target', '')}（{time_in(national.get('target_time', ''), self.survey.calendar)}）"
        reached = _target_number(national.get("target", "")) is not None and regions >= _target_number(national["target"])
        status = self.survey.progress.get("achieved" if reached else "behind", "")
        self.put("status", [f"{self.labels['national']}：{national['name']}", target, actual, status, "", ""],
                 self.fmt["wrap"])

    # ------------------------------------------------------------------ one return
    def _return(self, sub, part) -> None:
        """Emit *part* (the return's :class:`~kpi_workbook.consolidation.contribution.Contribution`)."""
        self.stats.read += sub.rows_read
        self.stats.rejected += sub.rows_rejected
        self.put_rows("kpis", part.kpi_rows, self.kpi_formats)
        self.put_rows("status", part.status_rows, self.fmt["wrap"])
        for key, rows in part.records.items():
            self.put_rows(key, rows, self.fmt["cell"])
        self._count(sub, part)
        self._evaluation_add(sub, part.projects)
        if self.export:
            for table, text in part.csv.items():
                self.export.add_text(table, text)
        target = shown(os.path.relpath(sub.path, self.links_from)) if part.findings else ""
        for values, sheet, ref in part.findings:
            self._finding_row(values, f"external:{target}#'{sheet}'!{ref}" if ref else "", ref)

    def _count(self, sub, part) -> None:
        s, counts = self.stats, part.counts
        s.kpis += counts["kpis"]
        s.kinds += counts["kinds"]
        s.outcome += counts["outcome"]
        s.cooperation += counts["cooperation"]
        s.left_out += counts["left_out"]
        if counts["kpis"]:
            s.regions_with_kpi.add(sub.region_code)
        s.leaf_kpis.update(part.leaf_kpis)
        s.region_kpis[sub.region_code] += sum(part.leaf_kpis.values())
        have = s.region_leaves.get(sub.region_code, ())
        new = [sys.intern(leaf) for leaf in part.leaves if leaf not in have]  # shared, not copies
        if new:  # a region counts once per leaf
            s.region_leaves[sub.region_code] = tuple(sorted(have + tuple(new)))
            s.leaf_regions.update(new)

    def _finding(self, finding) -> None:
        """A finding not tied to a used return (at the end of 指摘一覧)."""
        if self.export:
            self.export.add("findings", finding_csv_row(finding))
        self._finding_row([cell(x) for x in finding_values(finding)], "", "")

    def _finding_row(self, values: list, url: str, ref: str) -> None:
        r = self.put_cells("findings", values[:6])
        if r < 0:
            return
        ws = self.ws["findings"]
        ws.put_row(r, values[6:7], self.fmt["wrap"], first=6)
        ws.put_row(r, values[7:], first=7)
        if url and self.stats.links < MAX_LINKS:
            ws.write_url(r, 3, url, string=ref)
            self.stats.links += 1


# ---------------------------------------------------------------------- helpers

def _target_number(text: str):
    digits = "".join(ch for ch in text if ch.isdigit())
    return int(digits) if digits else None
