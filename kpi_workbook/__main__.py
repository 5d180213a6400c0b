"""``python -m kpi_workbook``: the command line, as ``kpi-workbook``."""
from .cli import main

main()
