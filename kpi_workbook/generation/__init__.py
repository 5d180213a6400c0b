"""Stage 1, ``generate``: one workbook per roster region (and, for the demo and the tests,
filling it as a clerk would)."""
