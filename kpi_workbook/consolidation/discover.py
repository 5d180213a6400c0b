"""The first stage of ``consolidate``: the files under a folder, and the order to check them.

A lock file, a hidden or temporary file, a link or a file that is not a spreadsheet is
listed as skipped, never read.  Each workbook's own modified time (which return of a
region is newest, and the summary's date) is read from its zip's central directory in
this process: bounded, never a full parse.
"""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

from ..core import findings as F
from ..core.atomic import TMP_PREFIX
from ..core.filenames import shown
from ..reading.formats import SUFFIXES
from ..reading.safety import directory_limits, peek_members, read_member

SPREADSHEET_SUFFIXES = SUFFIXES  # every kind of reading/formats.py, readable or refused by name
_MODIFIED = re.compile(rb"<(?:dcterms:modified|meta:date|dc:date)\b[^<>]*>([^<]{1,64})<")  # linear: see xlsx_scan
_STAMPED = ("docProps/core.xml", "meta.xml")  # where xlsx and ods keep it
STAMP_PART_LIMIT = 1 << 20  # bytes of such a part the main process reads, at most


def discover(folder: Path) -> tuple[list[Path], list[F.Finding]]:
    """Spreadsheets under *folder*, sorted; everything else as a skipped-file note."""
    files, notes = [], []
    for path in sorted(p for p in folder.rglob("*") if not p.is_dir() or p.is_symlink()):
        rel = path.relative_to(folder)
        name = path.name
        if not path.is_symlink() and not path.is_file():
            reason = "通常のファイルではない（デバイス・名前付きパイプなど）"
        elif any(part.startswith(".") for part in rel.parts) or name.startswith(TMP_PREFIX):
            reason = "隠しファイル・作業用ファイル"
        elif name.startswith("~$"):
            reason = "Excelが作業中に作る一時ファイル（~$）"
        elif path.is_symlink():
            reason = "シンボリックリンク"
        elif path.suffix.lower() not in SPREADSHEET_SUFFIXES:
            reason = "表計算ファイルではない（拡張子）"
        else:
            files.append(path)
            continue
        notes.append(F.make("FILE_SKIPPED", file=shown(rel), detail=reason))
    return files, notes


def workbook_modified(path: Path) -> str:
    """The modified time the workbook records about itself (xlsx/ods), else the file's."""
    try:
        directory_limits(path)  # a hostile directory is never parsed here, in the main process
        parts = peek_members(path, _STAMPED, STAMP_PART_LIMIT)  # fast; None: let zipfile read the parts
        stamp = _stamp_by_zipfile(path) if parts is None else _first_stamp(parts)
        if stamp:
            return stamp
    except Exception:  # noqa: BLE001 - fall back to the file system
        pass
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).isoformat()
    except OSError:
        return ""


def _stamp_by_zipfile(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:  # the directory was vetted (directory_limits)
        for member in _STAMPED:
            if member in zf.namelist() and zf.getinfo(member).file_size <= STAMP_PART_LIMIT:
                stamp = _stamp_in(read_member(zf, member))
                if stamp:
                    return stamp
    return ""


def _first_stamp(parts: dict) -> str:
    for member in _STAMPED:
        stamp = _stamp_in(parts[member]) if member in parts else ""
        if stamp:
            return stamp
    return ""


def _stamp_in(part: bytes) -> str:
    match = _MODIFIED.search(part)
    return match.group(1).decode("ascii", "replace").strip() if match else ""
