"""Stage 3, ``consolidate``: a folder of returns checked in a pool, one return per region
selected, and the summary workbook, the CSVs and the comparison with last round written."""
