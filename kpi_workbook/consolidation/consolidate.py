"""``consolidate``: a folder of returns to the national summary, the CSVs and the findings.

Stages, each a module of its own:
1. :mod:`~kpi_workbook.consolidation.discover` the files under the folder (lock files, hidden and non-spreadsheet files are
   listed as skipped, never read);
2. :mod:`~kpi_workbook.consolidation.pool`: check every return in parallel processes (``--jobs``, default: the number of cores);
   each worker also renders the return's rows for the summary and the CSVs
   (:mod:`kpi_workbook.consolidation.contribution`) into its scratch file (:mod:`kpi_workbook.consolidation.scratch`)
   and sends back only a small header, so rows are never held in memory;
3. :mod:`~kpi_workbook.consolidation.selection`: pick one return per region (the newest by the workbook's own modified time; the
   others are listed as superseded), find missing regions and double claims;
4. :mod:`~kpi_workbook.consolidation.summary_writer`: the chosen returns' rows streamed, in region-code order, from the
   scratch files into the summary workbook and the CSVs (:mod:`kpi_workbook.core.csv_files`).
   (Drafting the summary while the returns were still checked saved 1 % at 1,741 returns,
   within the noise: it was removed, see docs/performance.md.)

Nothing is dropped silently: every file is either used, superseded, skipped or failed, and
every row either counted or rejected with a finding (the reconciliation line).
"""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from ..core.csv_files import TABLES
from ..core.definition_source import DEFINITION_FILE
from ..core.filenames import region_filename
from ..core.kinds import Status
from ..core.outputs import refuse_inputs, writable, write_failures
from ..reading.last_round import load_last_round
from ..reading.roster import read_roster, regions_for
from . import scratch
from .discover import discover, workbook_modified
from .pool import Run, check_all
from .round_of_returns import named_by_returns
from .selection import select_returns
from .submission import ConsolidateResult, Submission, Totals
from .summary_writer import write_outputs
from .table_specs import csv_tables

# Rows are parked for the 事務事業評価 blocks only when they may be needed (a small round,
# or --evaluation); otherwise load_rows reads the file again in the rare case they are.
PARK_ROWS_UP_TO = 200


def consolidate(folder, roster, output, *, csv_dir=None, jobs: int | None = None,
                survey=None, progress=None, now: dt.datetime | None = None,
                secret: str | None = None, evaluation_dir=None, keep_findings: bool = False,
                round_: str | None = None, previous=None, definitions=None) -> ConsolidateResult:
    """Check every return under *folder* and write the summary workbook (and CSVs, and
    with *evaluation_dir* one 事務事業評価 workbook per region).

    *progress*, if given, is called ``progress(n)`` as files are checked, then
    ``progress(n, "write")`` as the summary is written: twice the number of files in all.
    *round_*: this round's name, when not the definition's.  *previous*: last round's
    ``consolidate --csv`` folder; the summary and CSVs then compare the rounds
    (KPI見直し状況, revisions.csv: :mod:`kpi_workbook.consolidation.round_comparison`).
    *keep_findings*: each submission keeps all its findings, cell by cell (for ``--json``;
    otherwise only those about the file as a whole, to keep a national round small).
    Without *survey* (or *round_*), the returns say which (:func:`~.round_of_returns.named_by_returns`,
    among the installed definitions and those in the folder *definitions*); ``result.chosen`` says what was taken.
    """
    folder, output = Path(folder), Path(output)
    files, notes = discover(folder)  # listed, not read
    definition, chosen = named_by_returns(folder, survey, round_, definitions, files)
    regions, roster_findings = read_roster(roster, definition)
    regions, left_out = regions_for(regions, definition, Path(roster).name)
    _guard_outputs(definition, folder, roster, output, csv_dir, evaluation_dir, regions, previous)
    last_round = load_last_round(previous, definition) if previous else None  # a wrong PREV stops here
    result = ConsolidateResult(output=None, submissions=[], regions=regions,
                               findings=list(roster_findings) + (last_round.notes if last_round else []),
                               totals=Totals(), csv_dir=Path(csv_dir) if csv_dir else None,
                               migrated=sum(1 for f in left_out if f.code == "ROSTER_MIGRATED"),
                               previous=last_round, chosen=chosen)
    with write_failures("集計結果"), tempfile.TemporaryDirectory(prefix="kpi-workbook-") as scratch_dir, \
            scratch.session():
        modified = {str(p): workbook_modified(p) for p in files}  # str: compact
        ordered = [str(p) for p in files]
        del files
        run = Run(definition, {r.code: r for r in regions}, scratch_dir, secret,
                  park_rows=bool(evaluation_dir) or len(ordered) <= PARK_ROWS_UP_TO, keep_findings=keep_findings)
        try:
            result.submissions = check_all(ordered, folder, run, jobs, progress, modified=modified)
        finally:
            scratch.close()  # this process's own (returns checked here: one file, or the reference path)
        del modified
        result.findings += select_returns(result.submissions, regions)
        if not keep_findings:  # a replaced file is said to be replaced, no more (a season of resubmissions stays small)
            for sub in result.submissions:
                if sub.status == Status.SUPERSEDED:
                    sub.findings = tuple(f for f in sub.findings if not f.sheet)
        result.submissions += [Submission(file=note.file, relative=note.file, status=Status.SKIPPED, findings=(note,))
                               for note in notes]
        if progress:
            progress(len(ordered), "write")
        del ordered  # the submissions keep their paths relative to the folder
        write_outputs(result, definition, output, csv_dir, now=now, evaluation_dir=evaluation_dir, jobs=jobs)
    return result


def _guard_outputs(survey, folder, roster, output, csv_dir, evaluation_dir, regions, previous=None) -> None:
    """Before anything is read: no output onto the roster, last round's CSVs or into the
    returns folder, and every output folder writable (else the run would fail only at its end)."""
    outputs = [output]
    names = [f"{t}.csv" for t in (*TABLES, *csv_tables(survey), "revisions")] + ["datapackage.json", DEFINITION_FILE]
    if csv_dir:
        outputs += [Path(csv_dir), *(Path(csv_dir) / name for name in names)]
    if evaluation_dir:
        outputs += [Path(evaluation_dir), *(Path(evaluation_dir) / region_filename(r.code, r.name) for r in regions)]
    refuse_inputs(outputs, inputs=[roster, *(Path(previous) / name for name in names if previous)], folder=folder)
    for directory in {output.parent, *(Path(d) for d in (csv_dir, evaluation_dir) if d)}:
        writable(directory)


