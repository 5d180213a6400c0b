"""The program's own failures: one base class, turned into a message only by the CLI.

Problems in the *data* (a bad cell, a missing column) are not exceptions: they are
:class:`kpi_workbook.core.findings.Finding` records.  An exception here means the run itself
cannot go on: a survey definition that does not load, an output that would be clobbered.
Messages are in Japanese because the people who see them run the tool, not Python.
"""


class KpiWorkbookError(Exception):
    """Base class of every error kpi_workbook raises on purpose."""

    exit_code = 2


class DefinitionError(KpiWorkbookError):
    """A survey definition (templates/*.toml) is missing, malformed or inconsistent."""


class RosterError(KpiWorkbookError):
    """The roster file as a whole cannot be used (not a single row problem)."""


class OutputError(KpiWorkbookError):
    """An output cannot be written (exists without --force, outside the output dir...)."""


class InputChangedError(KpiWorkbookError):
    """A return changed on disk while ``consolidate`` was running."""
