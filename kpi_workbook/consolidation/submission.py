"""What a checked return is, between the stages: the record every later stage reads.

A worker of ``consolidate`` checks a return and keeps, for the writing process, a
:class:`Submission` (a small header: identity, counts, file-level findings, status) and two
parked parts in its scratch file (:mod:`kpi_workbook.consolidation.scratch`): the return's kept rows, as
:class:`Row` s by table, and its :class:`~kpi_workbook.consolidation.contribution.Contribution` to the
summary.  :func:`load_rows` and :func:`load_contribution` bring them back.  The summary,
the 事務事業評価 blocks and the exports import this module, never the one that ran the
checks.  :class:`ConsolidateResult` is what a run returns.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..checking.check import check_workbook
from ..core import findings as F
from ..core.errors import InputChangedError
from ..core.filenames import shown
from ..core.kinds import Status
from ..core.survey import Survey
from ..reading.last_round import LastRound
from . import scratch
from .scratch import Parked

KEY_COLUMNS = {"projects": "project_code", "costs": "project_code", "kpis": "kpi_no", "actuals": "kpi_no"}
JAPAN = dt.timezone(dt.timedelta(hours=9), "JST")


class Row(NamedTuple):
    """One kept record of a return: its row in the workbook, where each value was typed
    (column key -> "B7") and what it became (column key -> :class:`~kpi_workbook.checking.normalize.Value`)."""

    row: int
    cells: object
    values: dict


@dataclass(slots=True)
class Submission:
    """What the coordinator needs to know about one file, without its rows."""
    file: str                   # as found; relative to *folder* when that is set (:attr:`path`)
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
    status: Status = Status.PENDING
    findings: tuple = ()        # file-level findings kept in the header
    folder: str = ""            # the returns folder, shared: *file* is then its relative path

    @property
    def path(self) -> str:
        """The file itself (a run keeps one folder string, not 17,000 absolute paths)."""
        return os.path.join(self.folder, self.file) if self.folder else self.file

    def to_dict(self) -> dict:
        """For ``--json``: everything but the scratch files (gone once consolidate returns)."""
        return {name: getattr(self, name) for name in self.__slots__ if not name.endswith("_at") and name != "folder"} | {
            "file": shown(self.path), "findings": [f.to_dict() for f in self.findings]}


@dataclass(frozen=True)
class Totals:
    """A run's 行数の照合 and KPI count: rows read = kept + rejected."""

    read: int = 0
    rejected: int = 0
    kept: int = 0
    kpis: int = 0
    regions_with_kpi: int = 0

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class ConsolidateResult:
    output: Path | None
    submissions: list
    regions: list
    findings: list
    totals: Totals
    csv_dir: Path | None = None
    migrated: int = 0           # regions of the roster left out as 移行済み
    previous: LastRound | None = None  # last round's CSVs, compared with (--previous)
    revisions: list = field(default_factory=list)  # [(region code, {継続: n, 見直し: n, 新規: n, 廃止: n})]
    overview: dict = field(default_factory=dict)  # 概要 as written: headline, revisions sentence, figures
    chosen: str = ""  # the definition or round taken from the returns themselves (none given), said to the user

    @property
    def missing(self) -> list:
        used = {s.region_code for s in self.used}
        return [r for r in self.regions if r.code not in used]

    @property
    def used(self) -> list:
        return [s for s in self.submissions if s.status == Status.USED]

    def finding_counts(self) -> dict:
        """Errors and warnings as 指摘一覧 lists them: every finding of each return used,
        what is said about every other file (:meth:`said_of_others`), and about the run
        (missing regions...)."""
        out = {F.ERROR: 0, F.WARNING: 0}
        for sub in self.used:
            out[F.ERROR] += sub.errors
            out[F.WARNING] += sub.warnings
        for finding in self.findings + self.said_of_others():
            if finding.severity in out:
                out[finding.severity] += 1
        return out

    def said_of_others(self) -> list:
        """What 指摘一覧 says of a file not used: why (a finding of the file, not of a cell);
        of a superseded file only that it was replaced (its own findings are counted apart,
        :meth:`superseded_counts`)."""
        return [f for s in self.submissions if s.status != Status.USED for f in s.findings
                if not f.sheet or (s.status != Status.SUPERSEDED and not f.cell)]

    def superseded_counts(self) -> int:
        """The errors and warnings of the superseded files (not in the summary's counts)."""
        return sum(s.errors + s.warnings for s in self.submissions if s.status == Status.SUPERSEDED)


def kept_rows(result, survey: Survey, relative: str) -> tuple[dict, list]:
    """A checked return's records as :class:`Row` s by table; a row without its key, or
    with a duplicate key, is rejected (a ROW_REJECTED finding)."""
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
            kept.append(Row(record.row, record.cells, record.values))
        rows[key] = kept
    return rows, rejected


def load_rows(submission: Submission, survey: Survey) -> dict:
    """``{"rows": ...}``: the kept records of *submission*, as its worker parked them, or
    read again from the file when they were not parked (a large round)."""
    if submission.rows_at:
        return scratch.unpark(submission.rows_at)
    rows, _ = kept_rows(check_workbook(submission.path, survey=survey), survey, submission.relative)
    if len(rows.get("projects", [])) != submission.projects or file_digest(submission.path) != submission.digest:
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
    """The :class:`~kpi_workbook.consolidation.contribution.Contribution` a worker made for *submission*."""
    assert submission.summary_at is not None, submission.relative  # only a used return has one
    return scratch.unpark(submission.summary_at)


def instant(stamp: str) -> dt.datetime:
    """A modified time as an instant: ``…+09:00`` and ``…Z`` compare as times, not text; a
    time without a zone (an .ods ``dc:date``) is Japan time; an unreadable one is oldest."""
    try:
        when = dt.datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=JAPAN)
