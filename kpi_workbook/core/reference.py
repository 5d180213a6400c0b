"""The reference path: every speed measure off, to prove the fast paths change nothing.

With ``KPI_WORKBOOK_REFERENCE=1`` in the environment:

- workbooks are written by stock xlsxwriter through its public API (no private hooks, no
  rows pre-rendered as XML by workers: :mod:`kpi_workbook.xlsx.fast_writer`);
- every command runs its work in one process (``--jobs`` is taken as 1; a risky read is
  still isolated in a child process, which is safety, not speed).

The outputs are the same bytes either way: CI runs the golden-output test
(``tests/test_golden.py``) under this switch too.
"""
from __future__ import annotations

import os

ENV = "KPI_WORKBOOK_REFERENCE"


def reference() -> bool:
    """Whether the reference path is asked for (read when asked, so a test may set it)."""
    return os.environ.get(ENV, "").strip().lower() not in ("", "0", "false", "no")


def workers(jobs: int | None) -> int:
    """The processes a command may use: *jobs* (default: the number of cores), 1 on the
    reference path."""
    return 1 if reference() else max(1, jobs or os.cpu_count() or 1)
