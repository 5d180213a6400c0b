"""The demo's sample roster and answers, installed as ``kpi_workbook.samples``."""
