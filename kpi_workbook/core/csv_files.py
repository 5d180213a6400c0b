"""Normalized tables for analysts: UTF-8-with-BOM CSVs plus a description of their columns.

Written while the returns stream by (nothing held), each file atomically.  Text from
returns is neutralized against formula injection (OWASP CSV Injection): a cell starting
with ``=``, ``@``, TAB, CR or NUL, or with ``+``/``-`` followed by anything but a plain
number or phone number, gets a leading ``'``.  ``-5`` and ``+81-3-1234-5678`` stay as
typed.  The description (``datapackage.json``) follows the Frictionless Table Schema.
"""
from __future__ import annotations

import codecs
import csv
import os
import stat
import datetime as dt
import io
import json
import re
from decimal import Decimal
from pathlib import Path

from .atomic import TMP_PREFIX, atomic_path
from .errors import KpiWorkbookError
from .values import Time

# After a leading sign, what stays as typed: a plain number (-5, -1,084, +0.5, -5%) or a
# phone number (+81-3-1234-5678).  Anything else (-1-1, -(1), -A1) could start a formula.
_NUMBERLIKE = re.compile(r"[+-](?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?|\+\d{1,3}(?:-\d{1,4}){1,3}-\d{3,4}", re.ASCII)
_WIDE_SIGNS = str.maketrans("＋－", "+-")
_WIDE_DIGITS = str.maketrans("０１２３４５６７８９，．", "0123456789,.")
TABLES = ("regions", "projects", "costs", "kpis", "actuals", "findings", "submissions")
ROW_LABEL = "行"  # the record CSVs' column of the row each record was typed on
LATEST, LATEST_TIME = "最新値", "最新値の時点"  # kpis.csv's latest figure of a KPI and its time
# [summary.labels] of the columns the tool adds to kpis.csv and KPI一覧 (a KPI column may not take their names)
KPI_LIST_LABELS = ("previous_latest", "change", "achievement", "progress", "findings")
MAX_BYTES = 512 << 20  # the most a round's CSV (or its datapackage.json) may be read at; a national round's are ~70 MB


MAX_JSON_BYTES = 64 << 20  # a round's datapackage.json (a national round's is well under 1 MB)


def round_file(folder, name: str, limit: int | None = None) -> Path:
    """``folder / name`` when it is a regular file inside *folder* of at most *limit* bytes;
    else KpiWorkbookError naming it.  Checked without opening it: a FIFO or a device is never
    read, and a link that leaves the folder is never followed."""
    folder, limit = Path(folder), MAX_BYTES if limit is None else limit
    path = folder / name
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            real = path.resolve()
            if folder.resolve() not in real.parents:
                raise KpiWorkbookError(f"{path}: フォルダの外を指すリンクです。集計結果のフォルダの中のファイルだけを使います。")
            info = os.stat(real)
    except OSError as exc:
        raise KpiWorkbookError(f"{path}: 読み込めません（{exc.strerror}）。") from None
    if not stat.S_ISREG(info.st_mode):
        raise KpiWorkbookError(f"{path}: 通常のファイルではありません（FIFO・デバイスなどは読みません）。")
    if info.st_size > limit:
        raise KpiWorkbookError(f"{path}: 大きすぎます（{info.st_size:,} バイト、上限 {limit:,} バイト）。")
    return path


def read_package(folder) -> dict:
    """A round's datapackage.json: a regular file, bounded in size and nesting, a JSON object."""
    path = round_file(folder, "datapackage.json", MAX_JSON_BYTES)
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise KpiWorkbookError(f"{path}: 読み込めません（{getattr(exc, 'strerror', None) or str(exc)[:200]}）。"
                               "consolidate --csv で書き出したフォルダを指定してください。") from None
    if not isinstance(package, dict) or not isinstance(package.get("resources", []), list) or not all(
            isinstance(r, dict) for r in package.get("resources", [])):
        raise KpiWorkbookError(f"{path}: consolidate --csv で書き出したフォルダの記述ではありません。")
    for key in ("name", "title", "round", "version", "created"):
        if not isinstance(package.get(key, ""), str):
            raise KpiWorkbookError(f"{path}: {key} が文字列ではありません。")
    for key in ("licenses", "contributors"):
        if not isinstance(package.get(key, []), list) or not all(isinstance(x, dict) for x in package.get(key, [])):
            raise KpiWorkbookError(f"{path}: {key} がテーブルの配列ではありません。")
    if not isinstance(package.get("overview", {}), dict):
        raise KpiWorkbookError(f"{path}: overview がテーブルではありません。")
    return package


_RISKY_FIELD = re.compile("\x1f[=@\t\r\x00+\\-＝＠＋－]")  # after a separator: a field neutralize looks at


def neutralize(text: str) -> str:
    if not text:
        return text
    first = text[0]
    if first in "=@\t\r\0＝＠":  # Excel reads a full-width ＝ as = when Japanese input is on
        return "'" + text
    if first in "+-＋－" and not _NUMBERLIKE.fullmatch(text.translate(_WIDE_SIGNS).translate(_WIDE_DIGITS)):
        return "'" + text
    return text


def unneutralize(text: str) -> str:
    """The text as typed, from a CSV field :func:`neutralize` may have prefixed.

    (A text typed with that very prefix, ``'=x``, reads as ``=x``: Excel keeps no such
    text — its leading ``'`` only marks a cell as text — so the two are not told apart.)"""
    if len(text) > 1 and text[0] == "'" and neutralize(text[1:]) == text:
        return text[1:]
    return text


def plain(value) -> str:
    """The normalized value as text: numbers exact, times as labels, flags as ○."""
    kind = type(value)
    if kind is str:
        return value
    if value is None:
        return ""
    if kind is Decimal:
        return format(value, "f")
    if kind is Time:
        return value.label
    if isinstance(value, bool):
        return "○" if value else ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "label"):  # a Time (a tuple too: test it first)
        return value.label
    if isinstance(value, tuple):
        return "、".join(str(v) for v in value)
    return str(value)


def _writer(handle):
    return csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")


def csv_text(rows) -> str:
    """*rows* (of str) as CSV lines, text neutralized: what :meth:`CsvExport.add` would
    write for them.  A row is looked at whole first: most have no field to neutralize."""
    buffer = io.StringIO()
    _writer(buffer).writerows([[neutralize(v) for v in row] if _RISKY_FIELD.search("\x1f" + "\x1f".join(row)) else row
                               for row in rows])
    return buffer.getvalue()


def csv_columns_text(columns: list) -> str:
    """:func:`csv_text` of the rows these *columns* (lists of str, all as long) make.
    A column is looked at whole first: most have no field to neutralize nor to quote,
    and the lines are joined here (the csv module's quoting, for its dialect here)."""
    columns = [[neutralize(v) for v in column] if _RISKY_FIELD.search("\x1f" + "\x1f".join(column)) else column
               for column in columns]
    columns = [[_quoted(v) for v in column] if _SPECIAL.search("".join(column)) else column for column in columns]
    return "".join([",".join(row) + "\r\n" for row in zip(*columns)])


_SPECIAL = re.compile('[",\r\n]')  # what makes csv.QUOTE_MINIMAL quote a field (here)


def _quoted(field: str) -> str:
    return '"' + field.replace('"', '""') + '"' if _SPECIAL.search(field) else field


class CsvExport:
    """One CSV per table; rows are written as they come, files appear when closed."""

    def __init__(self, directory: Path, columns: dict, keys: dict | None = None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.columns = columns  # table -> [(name, type, description[, more properties])]
        self.keys = keys or {}  # table -> {"primaryKey": [...], "foreignKeys": [...]}
        self._files, self._contexts, self._paths = {}, {}, {}
        for table, fields in columns.items():
            context = atomic_path(self.directory / f"{table}.csv")
            tmp = context.__enter__()
            self._contexts[table], self._files[table], self._paths[table] = context, open(tmp, "wb"), tmp
            self._files[table].write(codecs.BOM_UTF8)  # UTF-8 with BOM: Excel opens it as UTF-8
            self._write(table, [[field[0] for field in fields]])

    def add(self, table: str, row: list) -> None:
        self._write(table, [[neutralize(v) if isinstance(v, str) else v for v in row]])

    def add_text(self, table: str, text: bytes) -> None:
        """Rows made by :func:`csv_text` (in a worker process), UTF-8 encoded."""
        self._files[table].write(text)

    def written(self, table: str) -> Path:
        """The file *table* is being written to, with everything added so far (flushed)."""
        self._files[table].flush()
        return Path(self._paths[table])

    def _write(self, table: str, rows: list) -> None:
        buffer = io.StringIO()
        _writer(buffer).writerows(rows)
        self._files[table].write(buffer.getvalue().encode())

    def close(self, description: dict, extra: dict | None = None) -> None:
        """Put every CSV in place, then datapackage.json, and each of *extra* (file name -> text)."""
        for table, handle in self._files.items():
            handle.close()
            self._contexts[table].__exit__(None, None, None)
        package = {"profile": "tabular-data-package", **description, "resources": [
            {"profile": "tabular-data-resource", "name": table, "path": f"{table}.csv", "format": "csv",
             "mediatype": "text/csv",
             "encoding": "utf-8",  # with a BOM, the UTF-8 signature: Excel then opens it as UTF-8
             "schema": {"fields": [{"name": f[0], "type": f[1], "description": f[2], **(f[3] if len(f) > 3 else {})}
                                   for f in fields], **self.keys.get(table, {})}}
            for table, fields in self.columns.items()]}
        with atomic_path(self.directory / "datapackage.json") as tmp:
            Path(tmp).write_text(json.dumps(package, ensure_ascii=False, indent=2), encoding="utf-8")
        for name, text in (extra or {}).items():
            with atomic_path(self.directory / name) as tmp:
                Path(tmp).write_text(text, encoding="utf-8")

    def abort(self) -> None:
        for table, handle in self._files.items():
            try:
                handle.close()
            except OSError:  # its buffer could not be flushed (the disk full): the file goes anyway
                pass
            try:
                self._contexts[table].__exit__(RuntimeError, RuntimeError("aborted"), None)
            except RuntimeError:
                pass
        for leftover in self.directory.glob(TMP_PREFIX + "*"):
            leftover.unlink(missing_ok=True)
