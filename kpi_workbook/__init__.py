"""kpi_workbook: run a regional-cooperation KPI survey through Excel workbooks.

Public API (the CLI calls exactly these):

- :func:`kpi_workbook.generate.generate` — one pre-filled workbook per roster region;
- :func:`kpi_workbook.check.check_files` — read back returns, normalize, report findings;
- :func:`kpi_workbook.consolidate.consolidate` — a folder of returns to the national summary;
- :func:`kpi_workbook.analysis.load_round` — a round's CSVs as pandas DataFrames;
- :func:`kpi_workbook.publish.publish` — a round's CSVs as a static web report.

Submodules are imported lazily so that ``kpi-workbook check`` starts fast.
"""
__version__ = "0.1.0"

_API = {"generate": "generate", "check_files": "check", "check_workbook": "check",
        "consolidate": "consolidate", "load_survey": "survey", "read_roster": "roster",
        "load_round": "analysis", "publish": "publish"}


def __getattr__(name):
    if name in _API:
        import importlib
        module = importlib.import_module(f".{_API[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(name)
