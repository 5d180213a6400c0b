"""``consolidate``: a folder of returns to the national summary, the CSVs and the findings.

Stages:
1. discover the files under the folder (lock files, hidden and non-spreadsheet files are
   listed as skipped, never read);
2. check every return in parallel processes (``--jobs``, default: the number of cores);
   each worker also renders the return's rows for the summary and the CSVs
   (:mod:`kpi_workbook.contribution`) into its scratch file (:mod:`kpi_workbook.scratch`)
   and sends back only a small header, so rows are never held in memory;
3. meanwhile, draft the summary: each checked return's rows are streamed, in region-code
   order, into the summary workbook (:mod:`kpi_workbook.summary`) and the CSVs
   (:mod:`kpi_workbook.export`);
4. pick one return per region (the newest by the workbook's own modified time; the
   others are listed as superseded), find missing regions and double claims; keep the
   draft if it holds exactly the chosen returns, else write the summary again.

Nothing is dropped silently: every file is either used, superseded, skipped or failed, and
every row either counted or rejected with a finding (the reconciliation line).
"""
from __future__ import annotations

import collections
import datetime as dt
import gc
import hashlib
import os
import re
import sys
import tempfile
import zipfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from . import findings as F
from . import isolate, scratch
from .scratch import Parked
from .atomic import TMP_PREFIX
from .export import TABLES
from .filenames import region_filename, shown
from .outputs import refuse_inputs, writable
from .roster import read_roster, regions_for
from .survey import Survey, load_survey

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")
KEY_COLUMNS = {"projects": "project_code", "costs": "project_code", "kpis": "kpi_no", "actuals": "kpi_no"}
_MODIFIED = re.compile(rb"<(?:dcterms:modified|meta:date|dc:date)\b[^<>]*>([^<]{1,64})<")  # linear: see xlsx_scan
_STAMPED = ("docProps/core.xml", "meta.xml")  # where xlsx and ods keep it
STAMP_PART_LIMIT = 1 << 20  # bytes of such a part the main process reads, at most
BATCH = 8  # files a worker is given at a time
GC_YOUNG = 5000  # a worker's threshold for collecting young objects (Python's default: 700)
IN_FLIGHT = 2  # batches queued per worker at a time: memory does not grow with the folder
# Rows are parked for the 事務事業評価 blocks only when they may be needed (a small round,
# or --evaluation); otherwise load_rows reads the file again in the rare case they are.
PARK_ROWS_UP_TO = 200
JAPAN = dt.timezone(dt.timedelta(hours=9), "JST")


@dataclass(slots=True)
class Submission:
    """What the coordinator needs to know about one file, without its rows."""
    file: str
    relative: str
    region_code: str = ""
    region_name: str = ""
    claimed_name: str = ""      # the region name the workbook itself carries
    modified: str = ""          # ISO timestamp: the workbook's own, else the file's
    readable: bool = False
    errors: int = 0
    warnings: int = 0
    rows_read: int = 0
    rows_rejected: int = 0
    projects: int = 0           # projects kept (the 事務事業評価 blocks it makes)
    rows_at: Parked | None = None     # its rows, parked in scratch (while consolidate runs)
    summary_at: Parked | None = None  # its Contribution to the summary, parked (ditto)
    digest: str = ""            # of the bytes checked, when its rows may be read again (not parked)
    status: str = ""            # "used" | "superseded" | "held" | "failed" | "skipped"
    findings: tuple = ()        # file-level findings kept in the header

    def to_dict(self) -> dict:
        """For ``--json``: everything but the scratch files (gone once consolidate returns)."""
        return {name: getattr(self, name) for name in self.__slots__ if not name.endswith("_at")} | {
            "file": shown(self.file), "findings": [f.to_dict() for f in self.findings]}


@dataclass(frozen=True)
class _Run:
    """What every check in one run shares (sent once to each worker)."""
    survey: Survey
    regions: dict               # roster code -> Region
    scratch: str
    secret: str | None = None
    park_rows: bool = True
    keep_findings: bool = False  # every finding in the header (--json), not the file-level ones only


@dataclass
class ConsolidateResult:
    output: Path | None
    submissions: list
    regions: list
    findings: list
    totals: dict
    csv_dir: Path | None = None
    migrated: int = 0           # regions of the roster left out as 移行済み

    @property
    def missing(self) -> list:
        used = {s.region_code for s in self.used}
        return [r for r in self.regions if r.code not in used]

    @property
    def used(self) -> list:
        return [s for s in self.submissions if s.status == "used"]

    def finding_counts(self) -> dict:
        """Errors and warnings as 指摘一覧 lists them: every finding of each return used,
        what is said about every other file, and about the run (missing regions...)."""
        out = {F.ERROR: 0, F.WARNING: 0}
        for sub in self.submissions:
            if sub.status == "used":
                out[F.ERROR] += sub.errors
                out[F.WARNING] += sub.warnings
        for finding in self.findings + [f for s in self.submissions if s.status != "used" for f in s.findings
                                        if not f.sheet or not f.cell]:
            if finding.severity in out:
                out[finding.severity] += 1
        return out


def discover(folder: Path) -> tuple[list[Path], list[F.Finding]]:
    """Spreadsheets under *folder*, sorted; everything else as a skipped-file note."""
    files, notes = [], []
    for path in sorted(p for p in folder.rglob("*") if not p.is_dir() or p.is_symlink()):
        rel = path.relative_to(folder)
        name = path.name
        if not path.is_symlink() and not path.is_file():
            reason = "通常のファイルではない（デバイス・名前付きパイプなど）"
        elif any(part.startswith(".") for part in rel.parts) or name.startswith(TMP_PREFIX):
            reason = "隠しファイル・作業用ファイル"
        elif name.startswith("~$"):
            reason = "Excelが作業中に作る一時ファイル（~$）"
        elif path.is_symlink():
            reason = "シンボリックリンク"
        elif path.suffix.lower() not in SPREADSHEET_SUFFIXES:
            reason = "表計算ファイルではない（拡張子）"
        else:
            files.append(path)
            continue
        notes.append(F.make("FILE_SKIPPED", file=shown(rel), detail=reason))
    return files, notes


def workbook_modified(path: Path) -> str:
    """The modified time the workbook records about itself (xlsx/ods), else the file's."""
    try:
        from .safety import directory_limits, peek_members
        directory_limits(path)  # a hostile directory is never parsed here, in the main process
        parts = peek_members(path, _STAMPED, STAMP_PART_LIMIT)  # fast; None: let zipfile read the parts
        stamp = _stamp_by_zipfile(path) if parts is None else _first_stamp(parts)
        if stamp:
            return stamp
    except Exception:  # noqa: BLE001 - fall back to the file system
        pass
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).isoformat()
    except OSError:
        return ""


def _stamp_by_zipfile(path: Path) -> str:
    from .safety import read_member
    with zipfile.ZipFile(path) as zf:  # the directory was vetted (directory_limits)
        for member in _STAMPED:
            if member in zf.namelist() and zf.getinfo(member).file_size <= STAMP_PART_LIMIT:
                stamp = _stamp_in(read_member(zf, member))
                if stamp:
                    return stamp
    return ""


def _first_stamp(parts: dict) -> str:
    for member in _STAMPED:
        stamp = _stamp_in(parts[member]) if member in parts else ""
        if stamp:
            return stamp
    return ""


def _stamp_in(part: bytes) -> str:
    match = _MODIFIED.search(part)
    return match.group(1).decode("ascii", "replace").strip() if match else ""


def _extract(path: str, relative: str, run: _Run, modified: str | None = None) -> Submission:
    """Worker: check one return; park its contribution to the summary (and its rows, when
    they may be needed) in scratch files.  *modified*: its workbook_modified, if known."""
    from .check import check_workbook
    from .contribution import contribution

    sub = Submission(file=path, relative=relative,
                     modified=workbook_modified(Path(path)) if modified is None else modified)
    if not run.park_rows:  # its rows may be read again: that read must find these bytes
        sub.digest = file_digest(path)
    survey = run.survey
    result = check_workbook(path, survey=survey, roster=run.regions, secret=run.secret)
    result.findings = [replace(f, file=relative) for f in result.findings]
    sub.readable = result.readable
    sub.region_code, sub.region_name = result.region_code, result.region_name
    sub.claimed_name = result.meta.get("region_name") or result.region_name
    rows, rejected = _rows(result, survey, relative)
    findings = result.findings + rejected
    counts = F.counts(findings)
    sub.errors = counts[F.ERROR] + result.dropped.get(F.ERROR, 0)  # those past the cap count too
    sub.warnings = counts[F.WARNING] + result.dropped.get(F.WARNING, 0)
    sub.rows_read = sum(len(v) for k, v in result.records.items() if k in KEY_COLUMNS)
    sub.rows_rejected = len(rejected)
    sub.projects = len(rows.get("projects", []))
    sub.findings = tuple(findings) if run.keep_findings else \
        tuple(f for f in findings if not f.sheet or not f.cell)  # () costs nothing
    if run.park_rows:
        sub.rows_at = scratch.park({"rows": rows}, run.scratch)
    if sub.readable:
        sub.summary_at = scratch.park(contribution(survey, sub, rows, findings), run.scratch)
    return sub


def _rows(result, survey: Survey, relative: str):
    """Records as plain data; a row without its key, or with a duplicate key, is rejected."""
    rows, rejected = {}, []
    for key, records in result.records.items():
        id_key = KEY_COLUMNS.get(key)
        seen = set()
        kept = []
        unique = id_key is not None and survey.sheet(key).column(id_key).unique
        for record in records:
            ident = record.values.get(id_key).value if id_key and record.values.get(id_key) else None
            if id_key and (ident is None or (unique and ident in seen)):
                why = "キーが空欄" if ident is None else "キーの重複"
                rejected.append(F.make("ROW_REJECTED", file=relative, sheet=survey.sheet(key).name,
                                       cell=record.cells.get(id_key, ""), row=record.row, detail=why))
                continue
            seen.add(ident)
            kept.append({"row": record.row, "cells": record.cells, "values": record.values})
        rows[key] = kept
    return rows, rejected


def load_rows(submission: Submission, survey: Survey) -> dict:
    """``{"rows": ...}``: the kept records of *submission*, as its worker parked them, or
    read again from the file when they were not parked (a large round)."""
    if submission.rows_at:
        return scratch.unpark(submission.rows_at)
    from .check import check_workbook
    from .errors import InputChangedError
    rows, _ = _rows(check_workbook(submission.file, survey=survey), survey, submission.relative)
    if len(rows.get("projects", [])) != submission.projects or file_digest(submission.file) != submission.digest:
        raise InputChangedError(f"集計中にファイルが変更されました：{submission.relative}。もう一度実行してください。")
    return {"rows": rows}


def file_digest(path, limit: int = 256 << 20) -> str:
    """A digest of the file's bytes (read first, so that a change while it is checked is
    caught too); "" for a file past *limit*, which no check accepts anyway."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                if fh.tell() > limit:
                    return ""
    except OSError:
        return ""
    return digest.hexdigest()


def load_contribution(submission: Submission):
    """The :class:`~kpi_workbook.contribution.Contribution` a worker made for *submission*."""
    return scratch.unpark(submission.summary_at)


def consolidate(folder, roster, output, *, csv_dir=None, jobs: int | None = None,
                survey="renkei", progress=None, now: dt.datetime | None = None,
                secret: str | None = None, evaluation_dir=None, keep_findings: bool = False) -> ConsolidateResult:
    """Check every return under *folder* and write the summary workbook (and CSVs, and
    with *evaluation_dir* one 事務事業評価 workbook per region).

    The summary is drafted while the returns are still being checked: files are checked
    in the order of the region code their names start with (generate's names do), each
    region's newest first, and each return joins the draft as soon as it is checked.
    When the selection at the end disagrees with the draft, the draft is thrown away and
    the summary is written again from the checked rows: same bytes either way.

    *progress*, if given, is called ``progress(n)`` as files are checked, then
    ``progress(n, "write")`` as the summary is written: twice the number of files in all.
    *keep_findings*: each submission keeps all its findings, cell by cell (for ``--json``;
    otherwise only those about the file as a whole, to keep a national round small).
    """
    from .summary import SummaryFile, parse_stamp, stamp_of, used_order, write_outputs

    folder, output = Path(folder), Path(output)
    definition = survey if isinstance(survey, Survey) else load_survey(survey)
    regions, roster_findings = read_roster(roster, definition)
    regions, left_out = regions_for(regions, definition, Path(roster).name)
    _guard_outputs(folder, roster, output, csv_dir, evaluation_dir, regions)
    files, notes = discover(folder)
    result = ConsolidateResult(output=None, submissions=[], regions=regions, findings=list(roster_findings),
                               totals={}, csv_dir=Path(csv_dir) if csv_dir else None,
                               migrated=sum(1 for f in left_out if f.code == "ROSTER_MIGRATED"))
    codes = {r.code for r in regions}
    with tempfile.TemporaryDirectory(prefix="kpi-workbook-") as scratch_dir, scratch.session():
        modified = {str(p): workbook_modified(p) for p in files}  # str: compact
        guess = now or parse_stamp(max(modified.values(), key=instant, default=""))
        draft = SummaryFile(result, definition, output, csv_dir, guess, evaluation_dir)
        try:
            offer = _Drafting(draft, codes, used_order)
            ordered = [str(p) for p in _likely_order(files, folder, codes, modified)]
            count = len(files)
            del files
            run = _Run(definition, {r.code: r for r in regions}, scratch_dir, secret,
                       park_rows=bool(evaluation_dir) or count <= PARK_ROWS_UP_TO, keep_findings=keep_findings)
            try:
                result.submissions = _check_all(ordered, folder, run, jobs, progress, on_result=offer,
                                                modified=modified)
            finally:
                scratch.close()  # this process's own (returns checked here, --jobs 1)
            del modified
            result.findings += _select(result.submissions, regions)
            for path_note in notes:
                result.submissions.append(Submission(file=path_note.file, relative=path_note.file,
                                                     status="skipped", findings=(path_note,)))
            if progress:
                progress(count, "write")
            kept = [s.relative for s in draft.added] == [s.relative for s in sorted(result.used, key=used_order)]
            if kept and guess == (now or stamp_of(result)):
                draft.finish(jobs)
                return result
            draft.discard()
        except BaseException:
            draft.discard()
            raise
        del draft, offer  # free the draft's memory before the summary is written again
        write_outputs(result, definition, output, csv_dir, now=now, evaluation_dir=evaluation_dir, jobs=jobs)
    return result


def _guard_outputs(folder, roster, output, csv_dir, evaluation_dir, regions) -> None:
    """Before anything is read: no output onto the roster or into the returns folder, and
    every output folder writable (else the run would fail only at its end)."""
    outputs = [output]
    if csv_dir:
        outputs += [Path(csv_dir), *(Path(csv_dir) / f"{t}.csv" for t in TABLES), Path(csv_dir) / "datapackage.json"]
    if evaluation_dir:
        outputs += [Path(evaluation_dir), *(Path(evaluation_dir) / region_filename(r.code, r.name) for r in regions)]
    refuse_inputs(outputs, inputs=[roster], folder=folder)
    for directory in {output.parent, *(Path(d) for d in (csv_dir, evaluation_dir) if d)}:
        writable(directory)


class _Drafting:
    """Adds each checked return to the draft summary while that stays in order."""

    def __init__(self, draft, roster_codes: set, order):
        self.draft, self.codes, self.order, self.last = draft, roster_codes, order, None

    def __call__(self, sub: Submission) -> None:
        if sub.status or not sub.readable or sub.region_code not in self.codes or \
                any(f.code in F.HOLDS for f in sub.findings):
            return
        key = self.order(sub)
        if self.last is not None and key[0] <= self.last[0]:
            return  # out of order or a second file for a region: settled at the end
        self.draft.add(sub)
        self.last = key


def _likely_order(files, folder: Path, codes: set, modified: dict) -> list:
    """Files in the order the draft needs: by the roster code their name starts with
    (``R01_熊本….xlsx``; others last), and within a region the likely winner (newest)
    first."""
    def code(path):
        head = path.name.split("_", 1)[0]
        return head if head in codes else "~"
    newest_first = sorted(files, key=lambda p: (instant(modified[str(p)]), str(p.relative_to(folder))), reverse=True)
    return sorted(newest_first, key=code)


def _check_all(files, folder, run: _Run, jobs, progress, on_result=None, modified=None) -> list[Submission]:
    """Check every file; in parallel, workers read in-process (fast) and any file whose
    worker died or hit a limit is redone with one isolated child per file (safe).
    *on_result* sees each submission, in file order while nothing had to be redone;
    *modified* (path -> workbook_modified) saves the workers reading it again."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    done = on_result or (lambda sub: None)
    if (jobs == 1 and hasattr(os, "fork")) or len(files) < 2:  # without fork, one worker beats a child per file
        out = []
        for path in files:
            out.append(_safe_extract(path, folder, run, (modified or {}).get(path)))
            done(out[-1])
            if progress:
                progress(1)
        return out
    out, redo = _pool_pass(files, folder, run, jobs, progress, done, True, modified or {})
    if redo:
        more, still = _pool_pass(redo, folder, run, jobs, progress, done, False, modified or {})
        out += more
        for path in still:  # a worker died even with per-file isolation: one by one here
            out.append(_safe_extract(path, folder, run))
            done(out[-1])
            if progress:
                progress(1)
    return sorted(out, key=lambda s: s.relative)


def _pool_pass(files, folder, run, jobs, progress, done, fast: bool, modified: dict):
    """One pool over *files*, results taken in file order: (submissions, files to redo).

    Files go to the workers ``BATCH`` at a time (a submission costs the writing process
    about as much as a small return).  At most ``IN_FLIGHT`` batches per worker are
    queued at a time, so memory does not grow with the number of files."""
    out, redo = [], []
    relative_of = _relative_paths(folder)
    batches = (files[i:i + BATCH] for i in range(0, len(files), BATCH))
    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(run, fast)) as pool:
        def submit(batch):
            relatives = [relative_of(path) for path in batch]
            # as bytes: pickling a str would leave its UTF-8 form cached on our copy, for good
            return batch, relatives, pool.submit(_extract_batch, [os.fsencode(p) for p in batch],
                                                 [os.fsencode(r) for r in relatives],
                                                 [modified.get(p) for p in batch])
        queued, broken = collections.deque(), False
        for batch in batches:
            queued.append(submit(batch))
            if len(queued) >= jobs * IN_FLIGHT:
                break
        while queued:
            batch, relatives, future = queued.popleft()
            try:
                results = future.result()
            except BrokenProcessPool:  # a worker died: its files and all queued are redone
                results = [None] * len(batch)
            except Exception as exc:  # noqa: BLE001 - a failing batch is failed files, never lost
                results = [type(exc).__name__] * len(batch)
            more = next(batches, None)
            if more is not None and not broken:
                try:
                    queued.append(submit(more))
                except BrokenProcessPool:
                    broken = True
            if broken and more is not None:
                redo.extend(more)
                for rest in batches:
                    redo.extend(rest)
            for path, relative, result in zip(batch, relatives, results):
                if result is None:
                    redo.append(path)  # the worker died or hit a limit: redone, never lost
                    continue
                out.append(_failed(path, folder, result) if type(result) is str else _compact(result, path, relative))
                done(out[-1])
                if progress:
                    progress(1)
    return out, sorted(redo)


def _relative_paths(folder):
    """path -> its path relative to *folder* (cheaply for the files found under it)."""
    prefix = os.path.join(str(folder), "")

    def relative(path: str) -> str:
        return shown(path[len(prefix):] if path.startswith(prefix) else os.path.relpath(path, folder))
    return relative


def _compact(sub: Submission, path: str, relative: str) -> Submission:
    """A submission as kept for the whole run: its strings shared, not copies (there may
    be tens of thousands of files)."""
    sub.file, sub.relative = path, relative
    sub.region_code, sub.region_name = sys.intern(sub.region_code), sys.intern(sub.region_name)
    sub.claimed_name = sys.intern(sub.claimed_name)
    return sub


_WORKER: dict = {}


def _start_worker(run: _Run, fast: bool) -> None:
    """Pool initializer: the survey and roster arrive once per worker, not once per file."""
    _WORKER["run"] = run
    isolate.die_with_parent()  # a killed consolidate leaves no worker behind
    # A return makes some 10,000 short-lived objects, nearly all freed as they go: the
    # collector need not look at them 700 at a time, nor ever at what every file shares
    # (the survey, the roster, the modules).  That was ~0.35 ms a file.
    gc.freeze()
    gc.set_threshold(GC_YOUNG, 20, 20)
    if fast:
        isolate.enter_worker_mode()


def _extract_batch(paths: list, relatives: list, modified: list) -> list:
    """Worker: each file's Submission, None when it must be redone in isolation (it hit a
    limit), or the name of the exception that stopped it."""
    out = []
    for path, relative, stamp in zip(paths, relatives, modified):
        try:
            out.append(_extract(os.fsdecode(path), os.fsdecode(relative), _WORKER["run"], stamp))
        except (isolate.Retry, MemoryError):
            out.append(None)
        except Exception as exc:  # noqa: BLE001 - a failing file is one failed file
            out.append(type(exc).__name__)
    return out


def _safe_extract(path: str, folder, run: _Run, modified: str | None = None) -> Submission:
    try:
        return _extract(path, shown(os.path.relpath(path, folder)), run, modified)
    except Exception as exc:  # noqa: BLE001
        return _failed(path, folder, type(exc).__name__)


def _failed(path: str, folder: Path, why: str) -> Submission:
    rel = shown(os.path.relpath(path, folder))
    finding = F.make("FILE_READ_FAILED", file=rel, detail=why)
    return Submission(file=path, relative=rel, status="failed", errors=1, findings=(finding,))


def instant(stamp: str) -> dt.datetime:
    """A modified time as an instant: ``…+09:00`` and ``…Z`` compare as times, not text; a
    time without a zone (an .ods ``dc:date``) is Japan time; an unreadable one is oldest."""
    try:
        when = dt.datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=JAPAN)


def _select(submissions: list, regions: list) -> list:
    """One return per region: the newest wins; the rest are superseded or failed.  A
    file held for attention (another region's workbook, last round's) takes no part."""
    out = []
    by_region = {}
    for sub in submissions:
        if sub.status == "failed":
            continue
        if not sub.readable or not sub.region_code:
            sub.status = "failed"
            continue
        if any(f.code in F.HOLDS for f in sub.findings):
            sub.status = "held"
            continue
        by_region.setdefault(sub.region_code, []).append(sub)
    roster_codes = {r.code for r in regions}
    for code, subs in sorted(by_region.items()):
        subs.sort(key=lambda s: (instant(s.modified), s.relative), reverse=True)
        winner = subs[0]
        winner.status = "used" if code in roster_codes else "failed"
        names = {s.claimed_name for s in subs if s.claimed_name}
        if len(names) > 1:
            out.append(F.make("REGION_CLAIMED_TWICE", file=winner.relative, value=code,
                              detail="、".join(sorted(names))))
        note = None
        for other in subs[1:]:
            other.status = "superseded"
            other.rows_at = other.summary_at = None  # never read: drop where they are
            # one message per region, shared by its superseded files (rounds of resubmissions)
            note = F.make("RETURN_SUPERSEDED", file=other.relative, value=winner.relative) if note is None \
                else replace(note, file=other.relative)
            other.findings += (note,)
    for region in regions:
        if region.code not in by_region:
            out.append(F.make("REGION_NOT_RETURNED", value=f"{region.code} {region.name}"))
    return out
