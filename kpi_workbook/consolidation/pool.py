"""The second stage of ``consolidate``: every return checked, in a pool of processes.

Each worker checks its files in-process (capped: :mod:`kpi_workbook.core.isolate`), parks each
return's rows and its contribution to the summary in its scratch file and sends back only
the :class:`~kpi_workbook.consolidation.submission.Submission`.  A file whose worker died or hit a limit
is checked again alone, in an isolated child; one that fails even so is a failed file,
never a lost one.  Files go to the workers ``BATCH`` at a time, at most ``IN_FLIGHT``
batches per worker queued, so memory does not grow with the folder.
"""
from __future__ import annotations

import collections
import gc
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from ..checking.check import check_workbook
from ..core import findings as F
from ..core import isolate
from ..core.filenames import shown
from ..core.kinds import Status
from ..core.reference import reference, workers
from ..core.survey import Survey
from ..xlsx.fast_writer import prepared
from . import scratch
from .contribution import contribution, kpi_kinds
from .discover import workbook_modified
from .submission import Submission, file_digest, kept_rows

BATCH = 8  # files a worker is given at a time
GC_YOUNG = 5000  # a worker's threshold for collecting young objects (Python's default: 700)
IN_FLIGHT = 2  # batches queued per worker at a time: memory does not grow with the folder


@dataclass(frozen=True)
class Run:
    """What every check in one run shares (sent once to each worker)."""
    survey: Survey
    regions: dict               # roster code -> Region
    scratch: str
    secret: str | None = None
    park_rows: bool = True
    keep_findings: bool = False  # every finding in the header (--json), not the file-level ones only


def _extract(path: str, relative: str, run: Run, modified: str | None = None) -> Submission:
    """Worker: check one return; park its contribution to the summary (and its rows, when
    they may be needed) in scratch files.  *modified*: its workbook_modified, if known."""
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
    rows, rejected = kept_rows(result, survey, relative)
    findings = result.findings + rejected
    counts = F.counts(findings)
    sub.errors = counts[F.ERROR] + result.dropped.get(F.ERROR, 0)  # those past the cap count too
    sub.warnings = counts[F.WARNING] + result.dropped.get(F.WARNING, 0)
    sub.rows_read = sum(len(v) for k, v in result.records.items() if survey.sheet(k).kind == "table")
    sub.rows_rejected = len(rejected)
    sub.projects = len(rows.get("projects", []))
    sub.findings = tuple(findings) if run.keep_findings else \
        tuple(f for f in findings if not f.sheet or not f.cell)  # () costs nothing
    if run.park_rows:
        sub.rows_at = scratch.park({"rows": rows}, run.scratch)
    if sub.readable:
        part = contribution(survey, sub, rows, findings, result.previous_latest)
        part.kpi_rows = prepared(part.kpi_rows, kinds=kpi_kinds(survey))
        part.status_rows = prepared(part.status_rows, styled=True)
        sub.summary_at = scratch.park(part, run.scratch)
    return sub


def check_all(files, folder, run: Run, jobs, progress, modified=None) -> list[Submission]:
    """Check every file; in a pool of *jobs* workers (one included) that read in-process
    (fast), and any file whose worker died or hit a limit is redone with one isolated
    child per file (safe).  *modified* (path -> workbook_modified) saves the workers
    reading it again."""
    jobs = workers(jobs)
    # One file, or the reference path: here, each file read in a child of its own.  That
    # costs a fork (or a spawn) a file: 24 s against 10.7 s for 1,741 small returns with
    # one worker, so ``--jobs 1`` (and a one-core machine) has its pool of one.
    if reference() or len(files) < 2:
        out = []
        for path in files:
            out.append(_safe_extract(path, folder, run, (modified or {}).get(path)))
            if progress:
                progress(1)
        return sorted(out, key=lambda s: s.relative)
    out, redo = _pool_pass(files, folder, run, jobs, progress, True, modified or {})
    if redo:
        more, still = _pool_pass(redo, folder, run, jobs, progress, False, modified or {})
        out += more
        for path in still:  # a worker died even with per-file isolation: one by one here
            out.append(_safe_extract(path, folder, run))
            if progress:
                progress(1)
    return sorted(out, key=lambda s: s.relative)


def _pool_pass(files, folder, run, jobs, progress, fast: bool, modified: dict):
    """One pool over *files*, results taken in file order: (submissions, files to redo).

    Files go to the workers ``BATCH`` at a time (a submission costs the writing process
    about as much as a small return).  At most ``IN_FLIGHT`` batches per worker are
    queued at a time, so memory does not grow with the number of files."""
    out, redo = [], []
    relative_of, base = _relative_paths(folder), str(folder)
    batches = (files[i:i + BATCH] for i in range(0, len(files), BATCH))
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(run, fast))
    try:
        def submit(batch):
            relatives = [relative_of(path) for path in batch]
            # as bytes: pickling a str would leave its UTF-8 form cached on our copy, for good
            args = [os.fsencode(p) for p in batch], [os.fsencode(r) for r in relatives], [modified.get(p) for p in batch]
            with isolate.signals_held():  # a Ctrl-C inside submit (which starts the workers) could hang the shutdown
                return batch, relatives, pool.submit(_extract_batch, *args)
        queued: collections.deque = collections.deque()
        broken = False
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
                out.append(_failed(path, folder, result) if type(result) is str else _compact(result, path, relative, base))
                if progress:
                    progress(1)
    except BaseException:  # Ctrl-C, SIGTERM: the batches not started are dropped, not waited for
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
    return out, sorted(redo)


def _relative_paths(folder):
    """path -> its path relative to *folder* (cheaply for the files found under it)."""
    prefix = os.path.join(str(folder), "")

    def relative(path: str) -> str:
        return shown(path[len(prefix):] if path.startswith(prefix) else os.path.relpath(path, folder))
    return relative


def _compact(sub: Submission, path: str, relative: str, folder: str) -> Submission:
    """A submission as kept for the whole run: its strings shared, not copies (there may
    be tens of thousands of files); its path kept as folder + relative path when it is one."""
    sub.file, sub.relative = path, relative
    if path == os.path.join(folder, relative):
        sub.file, sub.folder = relative, folder
    sub.region_code, sub.region_name = sys.intern(sub.region_code), sys.intern(sub.region_name)
    sub.claimed_name = sys.intern(sub.claimed_name)
    return sub


_WORKER: dict = {}


def _start_worker(run: Run, fast: bool) -> None:
    """Pool initializer: the survey and roster arrive once per worker, not once per file."""
    _WORKER["run"] = run
    isolate.start_pool_worker()  # a killed consolidate leaves no worker behind
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
    out: list[Submission | str | None] = []
    for path, relative, stamp in zip(paths, relatives, modified):
        try:
            out.append(_extract(os.fsdecode(path), os.fsdecode(relative), _WORKER["run"], stamp))
        except (isolate.Retry, MemoryError):
            out.append(None)
        except Exception as exc:  # noqa: BLE001 - a failing file is one failed file
            out.append(type(exc).__name__)
    return out


def _safe_extract(path: str, folder, run: Run, modified: str | None = None) -> Submission:
    try:
        return _extract(path, shown(os.path.relpath(path, folder)), run, modified)
    except Exception as exc:  # noqa: BLE001
        return _failed(path, folder, type(exc).__name__)


def _failed(path: str, folder: Path, why: str) -> Submission:
    rel = shown(os.path.relpath(path, folder))
    finding = F.make("FILE_READ_FAILED", file=rel, detail=why)
    return Submission(file=path, relative=rel, status=Status.FAILED, errors=1, findings=(finding,))
