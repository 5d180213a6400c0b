"""The survey definitions shipped with kpi_workbook, installed as ``kpi_workbook.surveys``.

Edit or add a definition here (``NAME.toml``); see docs/survey-format.md.
"""
