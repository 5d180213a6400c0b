"""kpi_workbook: run a regional-cooperation KPI survey through Excel workbooks.

The package is the flow, one subpackage a stage, each importing only from those before it::

    core → xlsx → reading → generation → checking → consolidation → publishing → cli, demo

Public API (the CLI calls exactly these):

- :func:`generate` — one pre-filled workbook per roster region;
- :func:`check_files`, :func:`check_workbook` — read back returns, normalize, report findings;
- :func:`consolidate` — a folder of returns to the national summary;
- :func:`load_round` — a round's CSVs as pandas DataFrames;
- :func:`publish` — a round's CSVs as a static web report;
- :func:`load_survey`, :func:`read_roster` — a survey definition, a roster.

Submodules are imported lazily so that ``kpi-workbook check`` starts fast.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {"generate": "generation.workbooks", "check_files": "checking.check", "check_workbook": "checking.check",
        "consolidate": "consolidation.consolidate", "load_survey": "core.survey", "read_roster": "reading.roster",
        "load_round": "reading.round_frames", "publish": "publishing.publish"}
__all__ = ["__version__", *_API]

if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
    from .checking.check import check_files, check_workbook
    from .consolidation.consolidate import consolidate
    from .core.survey import load_survey
    from .generation.workbooks import generate
    from .publishing.publish import publish
    from .reading.roster import read_roster
    from .reading.round_frames import load_round


def __getattr__(name: str) -> Any:
    if name in _API:
        import importlib
        module = importlib.import_module(f".{_API[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(name)
