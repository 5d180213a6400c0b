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
import json
from pathlib import Path

from .errors import KpiWorkbookError
from .export import unneutralize


def load_round(csv_dir) -> dict:
    """``{table name: DataFrame}`` for every resource of *csv_dir*/datapackage.json."""
    import pandas as pd

    folder = Path(csv_dir)
    try:
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KpiWorkbookError(f"{folder}: datapackage.json を読み込めません（{exc}）。"
                               "consolidate --csv で書き出したフォルダを指定してください。") from exc
    tables = {}
    for resource in package.get("resources", []):
        fields = resource["schema"]["fields"]
        try:
            frame = pd.read_csv(folder / resource["path"], dtype=str, keep_default_na=False,
                                encoding=_encoding(resource.get("encoding", "utf-8")))
        except (OSError, ValueError, LookupError, pd.errors.ParserError) as exc:  # missing, unreadable, not CSV
            raise KpiWorkbookError(f"{folder / resource['path']}: 読み込めません"
                                   f"（{getattr(exc, 'strerror', None) or exc}）。") from None
        missing = [f["name"] for f in fields if f["name"] not in frame.columns]
        if missing:
            raise KpiWorkbookError(f"{resource['path']}: 列「{'」「'.join(missing)}」がありません。")
        tables[resource["name"]] = pd.DataFrame({f["name"]: _typed(frame[f["name"]], f, pd) for f in fields})
    return tables


def _encoding(name: str) -> str:
    """The codec for a resource's encoding: UTF-8 read with its signature (BOM) taken off."""
    try:
        return "utf-8-sig" if codecs.lookup(name).name == "utf-8" else name
    except LookupError:
        return name  # pandas names it


def _typed(column, field: dict, pd):
    """One CSV column (all text) as the type its field gives."""
    kind = field.get("type", "string")
    empty = column == ""
    if kind == "integer":
        return pd.to_numeric(column.mask(empty), errors="coerce").astype("Int64")
    if kind == "number":
        return pd.to_numeric(column.mask(empty), errors="coerce").astype("Float64")
    if kind == "date":
        return pd.to_datetime(column.mask(empty), errors="coerce")
    text = column.map(unneutralize).astype("string").mask(empty)
    enum = field.get("constraints", {}).get("enum")
    if enum:  # the choices first, in their order; anything else seen is kept, never lost
        seen = [v for v in dict.fromkeys(text.dropna()) if v not in set(enum)]
        return text.astype(pd.CategoricalDtype(list(enum) + seen))
    return text
