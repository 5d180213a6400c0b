"""A round's results as pandas DataFrames, for people who analyse them in Python.

:func:`load_round` reads a ``consolidate --csv`` folder through its ``datapackage.json``:
one DataFrame per table, each column typed as the package describes it — nullable
integers (``Int64``) and numbers (``Float64``), dates, categories for choice columns
(their ``enum``), text (``string``) for the rest — and the CSV's formula-injection
prefix taken off again, so every text reads as typed.  Nothing else in the package
imports pandas: ``check`` and ``consolidate`` start without it.

    >>> import kpi_workbook
    >>> tables = kpi_workbook.load_round("demo-out/csv")
    >>> tables["kpis"].groupby("区分")["KPI番号"].count()
"""
from __future__ import annotations

import codecs
from pathlib import Path

from ..core.csv_files import read_package, round_file, unneutralize
from ..core.errors import KpiWorkbookError

MAX_FIGURE = 2.0 ** 53  # a figure past this is no exact number of the survey: missing
MAX_ROWS = 1_000_000  # rows a table of a round is read at (a national round's largest has ~100,000)


def load_round(csv_dir, tables=None) -> dict:
    """``{table name: DataFrame}`` for every resource of *csv_dir*/datapackage.json (or
    only those named in *tables*)."""
    import pandas as pd

    folder = Path(csv_dir)
    package = read_package(folder)
    wanted, tables = tables, {}
    for resource in _resources(package, folder):
        if wanted is not None and resource["name"] not in wanted:
            continue
        fields = resource["schema"]["fields"]
        path = round_file(folder, resource["path"])
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, nrows=MAX_ROWS + 1,
                                encoding=_encoding(resource.get("encoding", "utf-8")))
        except (OSError, ValueError, LookupError, pd.errors.ParserError) as exc:  # missing, unreadable, not CSV
            raise KpiWorkbookError(f"{folder / resource['path']}: 読み込めません"
                                   f"（{getattr(exc, 'strerror', None) or exc}）。") from None
        if len(frame) > MAX_ROWS:
            raise KpiWorkbookError(f"{path}: 行が多すぎます（上限 {MAX_ROWS:,} 行）。")
        missing = [f["name"] for f in fields if f["name"] not in frame.columns]
        if missing:
            raise KpiWorkbookError(f"{resource['path']}: 列「{'」「'.join(missing)}」がありません。")
        tables[resource["name"]] = pd.DataFrame({f["name"]: _typed(frame[f["name"]], f, pd) for f in fields})
    return tables


def _resources(package, folder: Path) -> list:
    """The package's resources, each a CSV of *folder* itself (a bare file name: a package
    never makes the reader open a file elsewhere) with its fields named."""
    resources = package.get("resources") if isinstance(package, dict) else None
    if not isinstance(resources, list):
        raise KpiWorkbookError(f"{folder / 'datapackage.json'}: resources がありません。")
    for resource in resources:
        try:
            path, fields = resource["path"], resource["schema"]["fields"]
            ok = isinstance(path, str) and Path(path).name == path and path.endswith(".csv") and isinstance(
                resource["name"], str) and all(isinstance(f["name"], str) for f in fields)
        except (KeyError, TypeError):
            ok = False
        if not ok:
            raise KpiWorkbookError(f"{folder / 'datapackage.json'}: 表の記述が正しくありません"
                                   f"（{str(resource)[:80]}）。")
    return resources


def _encoding(name) -> str:
    """The codec for a resource's encoding: UTF-8 read with its signature (BOM) taken off."""
    if not isinstance(name, str):
        return "utf-8-sig"
    try:
        return "utf-8-sig" if codecs.lookup(name).name == "utf-8" else name
    except LookupError:
        return name  # pandas names it


def _typed(column, field: dict, pd):
    """One CSV column (all text) as the type its field gives."""
    kind = field.get("type", "string")
    empty = column == ""
    if kind in ("integer", "number"):  # what is no finite figure (1e999999999, nan, text) is missing
        numbers = pd.to_numeric(column.mask(empty), errors="coerce").astype("float64")
        numbers = numbers.where(numbers.abs() < MAX_FIGURE)
        if kind == "integer":
            return numbers.where(numbers == numbers.round()).astype("Int64")
        return numbers.astype("Float64")
    if kind == "date":
        return pd.to_datetime(column.mask(empty), errors="coerce")
    text = column.map(unneutralize).astype("string").mask(empty)
    constraints = field.get("constraints")
    enum = constraints.get("enum") if isinstance(constraints, dict) else None
    if isinstance(enum, list) and enum and all(isinstance(v, str) for v in enum):  # the choices first, in their order; anything else seen is kept, never lost
        seen = [v for v in dict.fromkeys(text.dropna()) if v not in set(enum)]
        return text.astype(pd.CategoricalDtype(list(enum) + seen))
    return text
